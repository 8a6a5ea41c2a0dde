// Wires validated calls to actions, keeps mutations in order and tells the
// client what changed after each one (and on a periodic reconcile).
import type { HelperMode, MethodResults, NotificationName, Notifications } from '../../shared/protocol';
import type { HelperMethodName as MethodName, ValidParams, Where } from '../../shared/schemas';
import { addAddress, addRoute, deleteAddress, deleteRoute } from './actions/addr';
import { createBridge, createVeth, deleteLink, moveLink, setLink, setMaster } from './actions/link';
import { attachNetns, createNetns, deleteNetns, Spawned } from './actions/netns';
import { Captures } from './actions/capture';
import { clearImpairment, setImpairment } from './actions/impair';
import { Pings } from './actions/ping';
import { Terminals } from './actions/terminal';
import { explainPath } from './actions/explain';
import { setSysctl } from './actions/sysctl';
import { namespaceAt, target, type Context } from './context';
import { isEmptyChange, TopologyDiffer } from './diff';
import { IpRunner, nsLabel } from './ip';
import { findOnPath } from './process-env';
import { TopologyWatcher } from './monitor';
import { enforceRails, sshSessions } from './guard-rails';
import { procSelfPid } from './pids';
import { localContainerNames } from './name-sources';
import { forgetHolders, NETNS_DIR, Snapshotter } from './snapshot';
import { LocalReaderPlace, NamespaceReaders, READER_CAP } from './readers';
import { reconcileDelay } from './reconcile';
import { ReaderHub } from './remote/reader-hub';
import { ProcessWatcher } from './process-watch';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ErrorCode, RpcError } from '../../shared/protocol';
import { localView } from './host-view';
import { RemoteView } from './remote/remote-view';
import type { LinkState, SshLink } from './remote/ssh';
import type { Impairment, Topology } from '../../shared/model';

type Handlers = { [M in MethodName]: (params: ValidParams[M]) => Promise<MethodResults[M]> };

/** Calls that neither change the topology nor need to wait for changes before them. */
const UNORDERED: ReadonlySet<MethodName> = new Set([
  'helper.info',
  'helper.stats',
  'ping.stop',
  'capture.stop',
  'capture.save',
  'capture.wireshark',
  'terminal.write',
  'terminal.resize',
  'terminal.close',
  // Reads only; its probe takes a second or two and must not hold up changes.
  'path.explain',
]);
/** What the helper cannot do on a remote machine yet, and what to do instead. */
const NOT_REMOTE: ReadonlyMap<MethodName, string> = new Map([['netns.spawn', 'make a named namespace instead.']] as const);
/** Calls after which the namespaces must be listed again: they add or remove one. */
const NAMESPACE_SET_CHANGES: ReadonlySet<MethodName> = new Set(['netns.create', 'netns.delete', 'netns.spawn', 'netns.attach']);
/** Calls that wait their turn but change nothing. */
const READS: ReadonlySet<MethodName> = new Set(['snapshot', 'ping.start', 'capture.start', 'terminal.open']);

export interface ServiceOptions {
  mode: HelperMode;
  selfPid: number;
  /** A private directory for the helper's files (whoever built the hops removes it, even after a crash). */
  workDir: string;
  /** Least time between two full re-reads that catch what events missed; 0 disables. */
  reconcileMs: number;
  /** A namespace's reader unused this long ends (the reconcile's readings do not count as use). */
  readerIdleMs: number;
  /** Follow `ip monitor` and /run/netns for changes made outside the helper. */
  watch: boolean;
  notify<N extends NotificationName>(name: N, params: Notifications[N]): void;
  /** The connection to a remote machine the helper acts on; null for this one. */
  ssh?: SshLink | null;
}

export class HelperService {
  readonly ip: IpRunner;
  private readonly ctx: Context;
  private readonly pings: Pings;
  private readonly captures: Captures;
  private readonly spawned: Spawned;
  private readonly terminals: Terminals;
  private readonly differ = new TopologyDiffer();
  private readonly handlers: Handlers;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private iproute2 = '';
  private readonly watcher: TopologyWatcher;
  private processes: ProcessWatcher | undefined;
  /** Long-lived readers: here one process each; on a remote machine behind one channel (remote/reader-hub.ts). */
  private readonly readers: NamespaceReaders;
  private readonly ssh: SshLink | null;
  /** Why every call fails for now: a remote machine not reached yet, or an answer the user must give (host key, sudo). */
  private blocked: RpcError | null = null;

  constructor(private readonly options: ServiceOptions) {
    this.ssh = options.ssh ?? null;
    this.ip = new IpRunner((event) => options.notify('command', event), this.ssh);
    const hub = this.ssh ? new ReaderHub(this.ip) : null;
    this.readers = new NamespaceReaders(hub ?? new LocalReaderPlace(this.ip, NETNS_DIR), READER_CAP, options.readerIdleMs);
    const view = this.ssh && hub ? new RemoteView(this.ip, this.ssh.label, hub) : localView;
    const snapshots = new Snapshotter(this.ip, options.workDir, (entry) => this.giveNsid(entry.name), this.readers, view);
    this.ctx = { mode: options.mode, remote: this.ssh?.label ?? null, ip: this.ip, snapshots, selfPid: options.selfPid, workDir: options.workDir, notify: options.notify };
    this.watcher = new TopologyWatcher(
      this.ip,
      snapshots,
      (work) => this.enqueue(work),
      (t) => this.publish(t),
    );
    this.pings = new Pings(this.ctx);
    this.captures = new Captures(this.ctx);
    this.spawned = new Spawned(this.ctx);
    this.terminals = new Terminals(this.ctx);
    const remember = (where: Where, ifname: string) => (impairment: Impairment | null) => {
      const ref = target(ctx, where);
      snapshots.rememberImpairment(nsLabel(ref), ifname, impairment);
    };
    const ctx = this.ctx;
    this.handlers = {
      'helper.info': async () => ({
        mode: ctx.mode,
        version: packageVersion(),
        pid: procSelfPid(),
        iproute2: await this.ipVersion(),
        saveDir: process.env.HOME && process.env.HOME !== '/' ? process.env.HOME : tmpdir(),
        wireshark: findWireshark(),
        sshSessions: ctx.mode === 'host' ? await sshSessions(ctx) : [],
        ...(ctx.remote ? { remote: ctx.remote } : {}),
      }),
      'helper.stats': async () => ({
        processesStarted: this.ip.counters.spawned,
        rssBytes: process.memoryUsage().rss,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        lastFullSnapshotMs: Math.round(ctx.snapshots.lastFullMs * 10) / 10,
      }),
      snapshot: async (p) => this.snapshot(p.reuse === true),
      'netns.create': (p) => createNetns(ctx, p),
      'netns.delete': (p) =>
        deleteNetns(
          ctx,
          p,
          async (ns) => {
            // A reader inside would keep the namespace, and its veths, alive.
            this.readers.end(ns);
            await Promise.all([this.pings.jobs.stopIn(ns), this.captures.jobs.stopIn(ns), this.terminals.jobs.stopIn(ns)]);
          },
          this.spawned,
        ),
      'netns.spawn': () => this.spawned.spawn(),
      'netns.attach': (p) => attachNetns(ctx, p),
      'veth.create': (p) => createVeth(ctx, p),
      'link.move': (p) => moveLink(ctx, p),
      'link.set': (p) => setLink(ctx, p),
      'link.delete': (p) => deleteLink(ctx, p),
      'addr.add': (p) => addAddress(ctx, p),
      'addr.del': (p) => deleteAddress(ctx, p),
      'bridge.create': (p) => createBridge(ctx, p),
      'link.setMaster': (p) => setMaster(ctx, p),
      'route.add': (p) => addRoute(ctx, p),
      'route.del': (p) => deleteRoute(ctx, p),
      'ping.start': async (p) => this.pings.start(p),
      'ping.stop': (p) => this.pings.stop(p),
      'capture.start': (p) => this.captures.start(p),
      'capture.stop': (p) => this.captures.stop(p),
      'capture.save': (p) => this.captures.save(p),
      'capture.wireshark': (p) => this.captures.wireshark(p, findWireshark()),
      'netem.set': (p) => setImpairment(ctx, p, remember(p.where, p.ifname)),
      'netem.clear': (p) => clearImpairment(ctx, p, remember(p.where, p.ifname)),
      'terminal.open': async (p) => this.terminals.open(p),
      'terminal.write': async (p) => this.terminals.write(p),
      'terminal.resize': (p) => this.terminals.resize(p),
      'terminal.close': (p) => this.terminals.close(p),
      'path.explain': (p) => explainPath(ctx, p),
      'sysctl.set': (p) => setSysctl(ctx, p),
    };
  }

  /** Runs a validated call. Changes run one at a time, then the new state is announced. */
  dispatch = <M extends MethodName>(method: M, params: ValidParams[M]): Promise<MethodResults[M]> => {
    if (this.blocked) return Promise.reject(this.blocked);
    if (this.ssh && NOT_REMOTE.has(method)) {
      return Promise.reject(new RpcError({ code: ErrorCode.NotSupported, message: `${method} is not available on a remote host yet: ${NOT_REMOTE.get(method)}` }));
    }
    const handler = this.handlers[method] as (p: ValidParams[M]) => Promise<MethodResults[M]>;
    if (UNORDERED.has(method)) return handler(params);
    return this.enqueue(async () => {
      // Judged in turn, on the state the calls before it left.
      await enforceRails(this.ctx, method, params);
      // Known before the change runs: a deleted namespace takes its veth ends' owners along.
      const touched = READS.has(method) ? [] : this.touchedBy(method, params);
      try {
        return await handler(params);
      } finally {
        // Announced before the reply, so the caller's state is current when its call resolves.
        // A remote listing is a round trip: only calls that add or remove namespaces need one.
        if (!READS.has(method)) await this.announce(touched, !this.ssh || NAMESPACE_SET_CHANGES.has(method));
      }
    });
  };

  /** Runs `work` after everything queued before it; the queue survives failures. */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A full reading for the caller. What it found that differs from what every
   * client was last told is announced to all of them first: the shared differ
   * never moves on silently, so no client misses a change another's snapshot saw.
   */
  private async snapshot(reuse: boolean): Promise<MethodResults['snapshot']> {
    const topology = reuse && this.options.watch ? await this.ctx.snapshots.cached() : await this.ctx.snapshots.take();
    this.publish(topology);
    return topology;
  }

  /** Sends a `topology` notification when anything differs from what the client last saw. */
  private publish(topology: Topology): void {
    const change = this.differ.next(topology.namespaces);
    if (!isEmptyChange(change)) this.options.notify('topology', change);
  }

  /** Re-reads what a change touched (everything when that is not known) and publishes the difference. */
  async announce(places: Where[] | 'all' = 'all', list = true): Promise<void> {
    await this.publishReading(() => (places === 'all' ? this.ctx.snapshots.take() : this.ctx.snapshots.refresh(places, { list })));
  }

  /** The periodic full re-read, for what no event reports. It keeps no reader alive, so an app left alone keeps none. */
  private reconcile(): Promise<void> {
    return this.publishReading(() => this.ctx.snapshots.take({ background: true }));
  }

  private async publishReading(read: () => Promise<Topology>): Promise<void> {
    try {
      this.publish(await read());
    } catch (error) {
      console.error('netns-explorer helper: re-reading the topology failed:', error);
    }
  }

  /**
   * Connects to a remote machine first: until then every call fails with why
   * (-32003 while it cannot be reached, retried; -32006 or -32007 until the
   * user acts, which restarts the helper).
   */
  async start(): Promise<void> {
    const ssh = this.ssh;
    if (!ssh) return this.startWatching();
    try {
      await ssh.open();
    } catch (error) {
      this.blocked = error instanceof RpcError ? error : new RpcError({ code: ErrorCode.Unavailable, message: String(error) });
      console.error(`netns-explorer helper: ${this.blocked.message}`);
      if (this.blocked.code === ErrorCode.Unavailable) {
        this.options.notify('helper.connection', { state: 'reconnecting', remote: ssh.label, message: this.blocked.message });
        setTimeout(() => void this.start(), 2_000).unref();
      }
      return;
    }
    this.blocked = null;
    this.options.notify('helper.connection', { state: 'connected', remote: ssh.label });
    await this.startWatching();
  }

  /** A remote connection dropped or came back: say so, and once back, follow events again and read everything. */
  onConnection(state: LinkState): void {
    if (!this.ssh) return;
    this.options.notify('helper.connection', { ...state, remote: this.ssh.label });
    if (state.state === 'connected' && this.options.watch) {
      this.watcher.stop();
      this.watcher.start();
      void this.enqueue(() => this.announce('all'));
    }
  }

  /** Starts following outside changes: events at once, and a full reconcile now and then. */
  private async startWatching(): Promise<void> {
    await this.enqueue(() => this.announce('all'));
    if (this.options.watch) {
      this.watcher.start();
    }
    if (this.options.watch && !this.ssh) {
      const rootNs = String((await stat('/proc/self/ns/net')).ino);
      this.processes = new ProcessWatcher(
        rootNs,
        (pids) => {
          forgetHolders(pids);
          this.watcher.relist();
        },
        () => localContainerNames.retryDue(),
      );
      await this.processes.start();
    }
    if (this.options.reconcileMs <= 0) return;
    const schedule = () => {
      // Pace the full re-read by its own cost, so it stays cheap with many namespaces.
      const delay = reconcileDelay(this.options.reconcileMs, this.ctx.snapshots.lastFullMs, this.readers.size > 0);
      this.timer = setTimeout(() => void this.enqueue(() => this.reconcile()).then(schedule), delay);
      this.timer.unref();
    };
    schedule();
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.watcher.stop();
    this.processes?.stop();
    this.readers.endAll();
    this.ssh?.close();
    await Promise.all([this.pings.jobs.stopAll(), this.captures.dispose(), this.spawned.jobs.stopAll(), this.terminals.jobs.stopAll()]);
    this.ctx.snapshots.dispose();
  }

  /**
   * The namespaces a change can have altered (from the last reading): where it
   * acts, the namespace of a veth's far end, and for a deleted namespace, those
   * holding the far ends of its veths ('all' when it is not in the reading).
   */
  private touchedBy<M extends MethodName>(method: M, params: ValidParams[M]): Where[] | 'all' {
    const namespaces = this.ctx.snapshots.current().namespaces;
    if (method === 'netns.delete') {
      const p = params as ValidParams['netns.delete'];
      const victim = namespaces.find((n) => (p.name !== undefined ? n.name === p.name && !n.nameNeedsId : n.id === p.namespaceId));
      if (!victim) return 'all';
      const owners = new Set(victim.links.flatMap((l) => (l.peer && l.peer.namespaceId !== victim.id ? [l.peer.namespaceId] : [])));
      return [...owners].map((id) => ({ id }));
    }
    const places = placesOf(method, params);
    // A veth's far end changes with it: deleted with it, or its carrier with its state.
    if (method === 'link.delete' || method === 'link.set' || method === 'link.move') {
      const p = params as { where: Where; ifname: string };
      const here = namespaceAt(namespaces, p.where);
      const peer = here?.links.find((l) => l.ifname === p.ifname)?.peer;
      if (peer && peer.namespaceId !== here?.id) places.push({ id: peer.namespaceId });
    }
    return places;
  }

  /** Gives a namespace an nsid in the helper's own, so `ip monitor all-nsid` hears it. */
  private async giveNsid(name: string | null): Promise<void> {
    if (name === null || this.ctx.snapshots.hasNsidFor(name)) return;
    await this.ip.run('ip', ['netns', 'set', name, 'auto'], { namespace: null, log: false });
  }

  private async ipVersion(): Promise<string> {
    if (!this.iproute2) this.iproute2 = (await this.ip.run('ip', ['-V'], { namespace: null, log: false })).stdout.trim();
    return this.iproute2;
  }
}

/** Wireshark on the PATH, unless the helper runs as root (a GUI as root is asking for trouble). */
function findWireshark(): string | null {
  return process.geteuid?.() === 0 ? null : findOnPath('wireshark');
}

/** The namespaces a change can have altered, from its parameters. */
function placesOf<M extends MethodName>(method: M, params: ValidParams[M]): Where[] {
  // A new namespace is picked up by the listing, which costs no process.
  if (method === 'netns.create' || method === 'netns.spawn' || method === 'netns.attach') return [];
  const p = params as { where?: Where; peerWhere?: Where; toWhere?: Where };
  return [p.where, p.peerWhere, p.toWhere].filter((w): w is Where => w !== undefined);
}

declare const __NETNS_EXPLORER_VERSION__: string;

function packageVersion(): string {
  return __NETNS_EXPLORER_VERSION__;
}
