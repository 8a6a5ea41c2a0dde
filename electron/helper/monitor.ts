// Follows changes made anywhere (the app, a terminal, a container runtime):
// `ip monitor all-nsid` lines and /run/netns entries are triggers; the touched
// namespaces alone are re-read with `ip -j`, and only what changed is sent on.
import { watch, type FSWatcher } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Topology } from '../../shared/model';
import type { Where } from '../../shared/schemas';
import type { IpRunner } from './ip';
import { parseMonitorLine, type MonitorEvent } from './parse';
import { NETNS_DIR, type Snapshotter } from './snapshot';
import { shellWord } from '../../shared/shell';

/**
 * Events closer together than this are read as one burst: a move touches two
 * namespaces, and a runtime's steps (veth ends made in the host, then one
 * moved; a namespace emptied, then removed) are read once, when they settle.
 */
export const QUIET_MS = 40;
/** A burst that never goes quiet is still read this long after it began. */
const LONGEST_WAIT_MS = 80;
/** Under a stream of changes that never settles, a reading is still sent this often. */
const LONGEST_SILENCE_MS = 500;

/** Names come and go without events; a remote machine's /run/netns is looked at every second, by shell builtins alone when bash is there. */
const namesLoop = (wait: string) => `o=; while :; do set -- ${NETNS_DIR}/*; n="$*"; if [ "$n" != "$o" ]; then echo changed; o=$n; fi; ${wait}; done`;
export const REMOTE_NAMES_WATCH = `if command -v bash >/dev/null 2>&1; then exec bash -c ${shellWord(`exec 4<> <(:); ${namesLoop('read -t 1 -u 4 _')}`)}; fi; ${namesLoop('sleep 1')}`;

/** Which namespaces an event touched; undefined where the helper cannot tell. */
export function touchedBy(event: MonitorEvent, whereOfNsid: (nsid: number) => Where | undefined): { at: Where | undefined; also: Where | null | undefined } {
  const at = event.where.kind === 'current' ? { name: null } : event.where.kind === 'nsid' ? whereOfNsid(event.where.nsid) : undefined;
  const moved = event.movedTo;
  const also = !moved ? null : 'name' in moved ? { name: moved.name } : whereOfNsid(moved.nsid);
  return { at, also };
}

export class TopologyWatcher {
  private touched: Where[] = [];
  /** nsids events named that the last reading could not place. */
  private unplaced = new Set<number>();
  /** Something may have come or gone (a /run/netns change, processes): list the namespaces again. */
  private relisting = false;
  private timer: NodeJS.Timeout | undefined;
  private burstStarted = 0;
  private lastPublished = 0;
  private stopMonitor: (() => void) | undefined;
  private stopNames: (() => void) | undefined;
  private dirWatcher: FSWatcher | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** The re-read waiting its turn, which later events join instead of queueing another. */
  private queued: { places: Where[]; unplaced: Set<number>; relist: boolean } | null = null;

  constructor(
    private readonly ip: IpRunner,
    private readonly snapshots: Snapshotter,
    /** Runs `work` in the service's queue, so re-reads never interleave with changes. */
    private readonly enqueue: (work: () => Promise<void>) => Promise<void>,
    private readonly publish: (topology: Topology) => void,
  ) {}

  start(): void {
    const { process: child, stop: stopMonitor } = this.ip.start('ip', ['-o', 'monitor', 'all-nsid', 'link', 'address', 'route', 'nsid'], null);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.onLine(line));
    void child.then((result) => {
      if (this.stopMonitor) process.stderr.write(`netns-explorer helper: ip monitor ended (${result.exitCode}); relying on the periodic reconcile\n`);
    });
    this.stopMonitor = () => stopMonitor();
    if (this.ip.remote) {
      const { process: names, stop: stopNames } = this.ip.start('sh', ['-c', REMOTE_NAMES_WATCH], null);
      createInterface({ input: names.stdout as NodeJS.ReadableStream }).on('line', () => this.touch(undefined));
      this.stopNames = () => stopNames();
      return;
    }
    try {
      this.dirWatcher = watch(NETNS_DIR, () => this.touch(undefined));
    } catch {
      // No /run/netns yet: the monitor's nsid events and the reconcile still catch new namespaces.
    }
  }

  stop(): void {
    const stop = this.stopMonitor;
    this.stopMonitor = undefined;
    stop?.();
    this.stopNames?.();
    this.stopNames = undefined;
    this.dirWatcher?.close();
    clearTimeout(this.timer);
  }

  private onLine(line: string): void {
    const event = parseMonitorLine(line);
    const { at, also } = touchedBy(event, (nsid) => this.snapshots.whereOfNsid(nsid));
    // A new or dropped nsid: a namespace came or went (listed again), and the helper's own nsid table changed.
    if (event.nsidChange) {
      this.touch({ name: null });
      this.touch(undefined);
    }
    if (at === undefined && event.where.kind === 'nsid') this.touchUnplaced(event.where.nsid);
    else this.touch(at);
    if (event.movedTo) {
      if (also === undefined && 'nsid' in event.movedTo) this.touchUnplaced(event.movedTo.nsid);
      else if (also) this.touch(also);
    }
  }

  /**
   * An nsid the last reading cannot place: most often one the kernel just gave
   * a namespace (a veth made across into it). The helper's own nsid table is
   * read again with the listing, and the nsid placed then; only one that still
   * cannot be placed costs a full reading. (Reading everything at once made
   * building 1,000 namespaces cost 50 full readings of up to 6 s each.)
   */
  private touchUnplaced(nsid: number): void {
    this.unplaced.add(nsid);
    this.touch({ name: null });
    this.touch(undefined);
  }

  /** Re-reads the touched namespaces, then those behind nsids placed by that reading (everything if one still cannot be). */
  private async readPlaced(job: { places: Where[]; unplaced: ReadonlySet<number>; relist: boolean }): Promise<Topology> {
    const topology = await this.snapshots.refresh(job.places, { list: job.relist });
    if (!job.unplaced.size) return topology;
    const placed = [...job.unplaced].map((nsid) => this.snapshots.whereOfNsid(nsid));
    if (placed.some((where) => where === undefined)) return this.snapshots.take();
    return this.snapshots.refresh(placed as Where[], { list: false });
  }

  /** Re-lists the namespaces and their holders (no ip process), e.g. when processes came or went. */
  relist(): void {
    this.touch(undefined);
  }

  /** Marks a namespace for re-reading; undefined only re-lists the namespaces. */
  private touch(where: Where | undefined): void {
    if (where) this.touched.push(where);
    else this.relisting = true;
    const now = performance.now();
    if (!this.timer) this.burstStarted = now;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(QUIET_MS, this.burstStarted + LONGEST_WAIT_MS - now)));
  }

  private flush(): void {
    this.timer = undefined;
    const places = this.touched;
    const unplaced = this.unplaced;
    const relist = this.relisting;
    this.touched = [];
    this.unplaced = new Set();
    this.relisting = false;
    if (this.queued) {
      this.queued.places.push(...places);
      for (const nsid of unplaced) this.queued.unplaced.add(nsid);
      this.queued.relist ||= relist;
      return;
    }
    const job = { places, unplaced, relist };
    this.queued = job;
    this.flushing = this.flushing.then(() =>
      this.enqueue(async () => {
        // From here on, new events make a new re-read: this one may already have read past them.
        this.queued = null;
        let topology: Topology;
        try {
          topology = await this.readPlaced(job);
        } catch (error) {
          // A remote machine dropped mid-read: the reconnect reads everything again.
          process.stderr.write(`netns-explorer helper: re-reading after an event failed: ${error instanceof Error ? error.message : String(error)}\n`);
          return;
        }
        // More came in while reading: what was read may be a step on the way, and the next read follows at once
        // (unless changes never stop: then clients still hear every so often).
        const newer = this.timer !== undefined || this.queued !== null;
        if (!newer || performance.now() - this.lastPublished > LONGEST_SILENCE_MS) {
          this.lastPublished = performance.now();
          this.publish(topology);
        }
      }),
    );
  }
}
