// Reads the whole topology: one `ip -batch` process per namespace, a few at a time.
import { readdir, stat } from 'node:fs/promises';
import type { Namespace, Topology } from '../../shared/model';
import type { IpRunner } from './ip';
import { parseSnapshotBatch, SNAPSHOT_BATCH } from './parse';
import { resolveTopology, type RawNamespace } from './peers';

export const NETNS_DIR = '/run/netns';
const PARALLEL_QUERIES = 8;

interface NamespaceEntry {
  id: string;
  name: string | null;
  root: boolean;
}

/** The helper's own namespace and every live named one under /run/netns. */
export async function listNamespaces(): Promise<NamespaceEntry[]> {
  const self = await stat('/proc/self/ns/net');
  const entries: NamespaceEntry[] = [{ id: String(self.ino), name: null, root: true }];
  let names: string[] = [];
  try {
    names = (await readdir(NETNS_DIR)).sort();
  } catch {
    return entries;
  }
  for (const name of names) {
    try {
      const st = await stat(`${NETNS_DIR}/${name}`);
      // A live entry is a bind mount of an nsfs inode; a stale one is a plain file.
      if (st.dev === self.dev) entries.push({ id: String(st.ino), name, root: false });
    } catch {
      // Deleted while we listed: not part of this snapshot.
    }
  }
  return entries;
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export class Snapshotter {
  constructor(private readonly ip: IpRunner) {}

  private async query(entry: NamespaceEntry): Promise<RawNamespace | null> {
    const result = await this.ip.run('ip', ['-j', '-d', '-batch', '-'], {
      namespace: entry.name,
      input: SNAPSHOT_BATCH,
      log: false,
    });
    // A namespace deleted after listing fails to open: leave it out.
    if (result.exitCode !== 0 && !result.stdout) return null;
    return { ...entry, ...parseSnapshotBatch(result.stdout) };
  }

  async take(): Promise<Topology> {
    const entries = await listNamespaces();
    const raw = await mapLimit(entries, PARALLEL_QUERIES, (e) => this.query(e));
    return { namespaces: resolveTopology(raw.filter((n): n is RawNamespace => n !== null)) };
  }

  /** One namespace by name (null = the helper's own), peers resolved against a fresh full view. */
  async namespace(name: string | null): Promise<Namespace | undefined> {
    const topology = await this.take();
    return topology.namespaces.find((n) => (name === null ? n.root : n.name === name));
  }
}
