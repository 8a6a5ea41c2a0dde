// What listing the namespaces reads from the machine the helper acts on:
// /proc and /run/netns. This machine's view reads the files as it goes; a
// remote one (remote/remote-view.ts) fetches them all in one round trip.
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { localContainerNames } from './name-sources';
import { helperOwned } from './own-processes';
import type { ContainerNames } from './runtimes';

/** A /run/netns entry: its name's bytes and what it points to (an nsfs inode when live). */
export interface NetnsFile {
  name: Buffer;
  dev: number;
  ino: number;
}

export interface HostView {
  /** "[user@]host" of a remote machine; null for this one. */
  readonly remote: string | null;
  /** Its processors, as the last listing found them. */
  cpus(): number;
  /** Called once at the start of each listing; the answers below belong to it. */
  begin(): Promise<void>;
  /** The namespace the helper acts from (the machine's own in host mode). */
  selfNamespace(): Promise<{ dev: number; ino: number }>;
  /** Every process's network namespace inode → its pids, ascending. */
  processesByNamespace(): Promise<Map<string, number[]>>;
  mountinfo(): Promise<string>;
  /** Entries of /run/netns (none when it does not exist). */
  netnsFiles(): Promise<NetnsFile[]>;
  comm(pid: number): Promise<string>;
  cgroup(pid: number): Promise<string>;
  /** Whether a process is a tool some helper runs; null when it is gone. */
  owned(pid: number): Promise<boolean | null>;
  /**
   * Its own namespace's `ip -j netns list-id`, when the listing reads it (a
   * server's: a long-lived reader there would answer with the names /run/netns
   * had when it started); null when the reading asks for it.
   */
  nsidTable(): unknown;
  /** What this machine's container runtimes say about their containers. */
  readonly names: ContainerNames;
}

export const NETNS_DIR = '/run/netns';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Sorts each namespace's pids, as both views return them. */
export function sortPids(byNs: Map<string, number[]>): Map<string, number[]> {
  for (const list of byNs.values()) list.sort((x, y) => x - y);
  return byNs;
}

/** This machine, read through /proc as the helper sees it. */
export const localView: HostView = {
  remote: null,
  cpus: () => cpus().length,
  async begin() {},
  async selfNamespace() {
    const self = await stat('/proc/self/ns/net');
    return { dev: self.dev, ino: self.ino };
  },
  async processesByNamespace() {
    const byNs = new Map<string, number[]>();
    const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
    await mapLimit(pids, 32, async (pid) => {
      try {
        const id = /net:\[(\d+)\]/.exec(await readlink(`/proc/${pid}/ns/net`))?.[1];
        if (!id) return;
        byNs.set(id, [...(byNs.get(id) ?? []), pid]);
      } catch {
        // Gone, or not ours to look at.
      }
    });
    return sortPids(byNs);
  },
  mountinfo: () => readText('/proc/self/mountinfo'),
  async netnsFiles() {
    let names: Buffer[];
    try {
      names = await readdir(NETNS_DIR, { encoding: 'buffer' });
    } catch {
      return [];
    }
    const files = await Promise.all(
      names.map(async (name) => {
        try {
          const st = await stat(Buffer.concat([Buffer.from(`${NETNS_DIR}/`), name]));
          return { name, dev: st.dev, ino: st.ino };
        } catch {
          // Deleted while we listed.
          return null;
        }
      }),
    );
    return files.filter((f): f is NetnsFile => f !== null);
  },
  comm: async (pid) => (await readText(`/proc/${pid}/comm`)).trim(),
  cgroup: (pid) => readText(`/proc/${pid}/cgroup`),
  owned: helperOwned,
  nsidTable: () => null,
  names: localContainerNames,
};
