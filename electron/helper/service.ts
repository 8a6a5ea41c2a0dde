// Wires validated calls to actions, keeps mutations in order and tells the
// client what changed after each one (and on a periodic reconcile).
import type { HelperMode, MethodResults, NotificationName, Notifications } from '../../shared/protocol';
import type { MethodName, ValidParams } from '../../shared/schemas';
import { addAddress, addRoute, deleteAddress, deleteRoute } from './actions/addr';
import { createBridge, createVeth, deleteLink, moveLink, setLink, setMaster } from './actions/link';
import { createNetns, deleteNetns } from './actions/netns';
import { Pings } from './actions/ping';
import type { Context } from './context';
import { isEmptyChange, TopologyDiffer } from './diff';
import { IpRunner } from './ip';
import { Snapshotter } from './snapshot';

type Handlers = { [M in MethodName]: (params: ValidParams[M]) => Promise<MethodResults[M]> };

/** Calls that neither change the topology nor need to wait for changes before them. */
const UNORDERED: ReadonlySet<MethodName> = new Set(['helper.info', 'ping.stop']);
/** Calls that wait their turn but change nothing. */
const READS: ReadonlySet<MethodName> = new Set(['snapshot', 'ping.start']);

export interface ServiceOptions {
  mode: HelperMode;
  selfPid: number;
  /** How often to re-read the topology to catch outside changes; 0 disables. */
  reconcileMs: number;
  notify<N extends NotificationName>(name: N, params: Notifications[N]): void;
}

export class HelperService {
  readonly ip: IpRunner;
  private readonly ctx: Context;
  private readonly pings: Pings;
  private readonly differ = new TopologyDiffer();
  private readonly handlers: Handlers;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private iproute2 = '';

  constructor(private readonly options: ServiceOptions) {
    this.ip = new IpRunner((event) => options.notify('command', event));
    this.ctx = { mode: options.mode, ip: this.ip, snapshots: new Snapshotter(this.ip), selfPid: options.selfPid, notify: options.notify };
    this.pings = new Pings(this.ctx);
    const ctx = this.ctx;
    this.handlers = {
      'helper.info': async () => ({ mode: ctx.mode, version: packageVersion(), pid: ctx.selfPid, iproute2: await this.ipVersion() }),
      snapshot: async () => this.snapshot(),
      'netns.create': (p) => createNetns(ctx, p),
      'netns.delete': (p) => deleteNetns(ctx, p, (ns) => this.pings.stopIn(ns)),
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
    };
  }

  /** Runs a validated call. Changes run one at a time, then the new state is announced. */
  dispatch = <M extends MethodName>(method: M, params: ValidParams[M]): Promise<MethodResults[M]> => {
    const handler = this.handlers[method] as (p: ValidParams[M]) => Promise<MethodResults[M]>;
    if (UNORDERED.has(method)) return handler(params);
    const run = this.queue.then(async () => {
      try {
        return await handler(params);
      } finally {
        if (!READS.has(method)) await this.announce();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  };

  private async snapshot(): Promise<MethodResults['snapshot']> {
    const topology = await this.ctx.snapshots.take();
    this.differ.next(topology.namespaces);
    return topology;
  }

  /** Sends a `topology` notification when anything differs from what the client last saw. */
  async announce(): Promise<void> {
    try {
      const topology = await this.ctx.snapshots.take();
      const change = this.differ.next(topology.namespaces);
      if (!isEmptyChange(change)) this.options.notify('topology', change);
    } catch (error) {
      console.error('netns-explorer helper: re-reading the topology failed:', error);
    }
  }

  startReconcile(): void {
    if (this.options.reconcileMs <= 0) return;
    const tick = () => {
      this.queue = this.queue.then(() => this.announce());
      void this.queue.then(() => {
        this.timer = setTimeout(tick, this.options.reconcileMs);
        this.timer.unref();
      });
    };
    this.timer = setTimeout(tick, this.options.reconcileMs);
    this.timer.unref();
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.pings.stopAll();
  }

  private async ipVersion(): Promise<string> {
    if (!this.iproute2) this.iproute2 = (await this.ip.run('ip', ['-V'], { namespace: null, log: false })).stdout.trim();
    return this.iproute2;
  }
}

declare const __NETNS_EXPLORER_VERSION__: string;

function packageVersion(): string {
  return __NETNS_EXPLORER_VERSION__;
}
