// Holders follow processes: a container that starts in, joins or leaves a
// namespace changes no link and sends no netlink event. A cheap look at /proc
// (the list of pids; namespace and name of new ones only) says when to
// re-list holders, which costs no `ip` process either.
import { readFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { helperOwned } from './own-processes';

/** How often /proc is looked at: a look costs about 2 ms of CPU (listing /proc) when anything forked or exited, else two small reads. */
export const PROCESS_TICK_MS = 500;
/** A new process is looked at again for this long: runc joins a namespace (setns) and execs the container's program after it starts. */
const YOUNG_MS = 2000;

interface Seen {
  /** The namespace inode, or '' when unreadable. */
  ns: string;
  comm: string;
  /** One of a helper's own tools (an ip query…): its coming and going changes no holder. */
  owned: boolean;
}

/** Pids that appeared and went between two listings. Pure. */
export function pidChanges(before: ReadonlySet<number>, now: readonly number[]): { added: number[]; removed: number[] } {
  const current = new Set(now);
  return { added: now.filter((p) => !before.has(p)), removed: [...before].filter((p) => !current.has(p)) };
}

async function look(pid: number): Promise<{ ns: string; comm: string }> {
  const [link, comm] = await Promise.all([readlink(`/proc/${pid}/ns/net`).catch(() => ''), readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')]);
  return { ns: /\d+/.exec(link)?.[0] ?? '', comm: comm.trim() };
}

/**
 * The machine's fork count since boot (/proc/stat `processes`) and its number
 * of threads (/proc/loadavg): both kernel-wide, whatever pid namespace the
 * helper is in. While neither moves, no process came or went. Pure.
 */
export function processCounters(stat: string, loadavg: string): string {
  return `${/^processes (\d+)$/m.exec(stat)?.[1] ?? ''}/${/\/(\d+)/.exec(loadavg)?.[1] ?? ''}`;
}

// Synchronous on purpose: procfs answers from memory, and the thread pool's round trips would cost more than the reads.
const readCounters = () => processCounters(readFileSync('/proc/stat', 'utf8'), readFileSync('/proc/loadavg', 'utf8'));

async function listPids(): Promise<number[]> {
  return (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
}

export class ProcessWatcher {
  private seen = new Map<number, Seen>();
  /** Pids seen lately, by when: looked at again each tick until YOUNG_MS have passed. */
  private young = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private counters = '';

  constructor(
    /** The helper's own namespace: processes there hold nothing shown. */
    private readonly rootNs: string,
    /** Called when holders may have changed, with the processes that came, went, moved or exec'd. */
    private readonly onChange: (pids: number[]) => void,
    /** Whether a container name that was not known may be known now (see ContainerNames.retryDue). */
    private readonly namesDue: () => boolean,
  ) {}

  async start(): Promise<void> {
    this.counters = readCounters();
    for (const pid of await listPids()) this.seen.set(pid, { ...(await look(pid)), owned: false });
    this.timer = setInterval(() => void this.tick(), PROCESS_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const changed = await this.changed();
      if (changed.length || this.namesDue()) this.onChange(changed);
    } catch {
      // /proc unreadable for a moment: the next tick looks again.
    } finally {
      this.busy = false;
    }
  }

  private outside(ns: string): boolean {
    return ns !== '' && ns !== this.rootNs;
  }

  /** Processes outside the helper's namespace that came, went, moved or became another program since the last tick. */
  private async changed(): Promise<number[]> {
    const now = performance.now();
    // Nothing forked or exited since the last look, and no process is new enough to still be joining or exec'ing: /proc is as it was.
    const counters = readCounters();
    if (counters === this.counters && !this.young.size) return [];
    this.counters = counters;
    const { added, removed } = pidChanges(new Set(this.seen.keys()), await listPids());
    const changed: number[] = [];
    for (const pid of removed) {
      const gone = this.seen.get(pid);
      this.seen.delete(pid);
      this.young.delete(pid);
      if (gone && !gone.owned && this.outside(gone.ns)) changed.push(pid);
    }
    for (const pid of added) this.young.set(pid, now);
    for (const [pid, since] of this.young) {
      if (now - since > YOUNG_MS) {
        this.young.delete(pid);
        continue;
      }
      const was = this.seen.get(pid);
      const is = await look(pid);
      if (was && is.ns === was.ns && is.comm === was.comm) continue;
      const owned = (await helperOwned(pid)) === true;
      this.seen.set(pid, { ...is, owned });
      if (!owned && (this.outside(is.ns) || (was !== undefined && this.outside(was.ns)))) changed.push(pid);
    }
    return changed;
  }
}
