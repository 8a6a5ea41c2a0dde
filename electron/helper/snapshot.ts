// Reads the topology: one `ip -batch` process per namespace, a few at a time,
// keeping the last reading of each so an event re-reads only what it touched.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Impairment, Namespace, Topology } from '../../shared/model';
import type { IpRunner } from './ip';
import { failedBatchLines, parseNsidTable, parseSnapshotBatch, parseSnapshotProcess, QUERY_LINES, ROOT_QUERY_LINES, type NamespaceQuery } from './parse';
import { resolveTopology, type RawNamespace } from './peers';

export const NETNS_DIR = '/run/netns';
const PARALLEL_QUERIES = 8;
/** Batch processes per full reading; each forks one `ip` per namespace it covers. */
const PARENTS = Math.max(2, Math.min(4, cpus().length * 2));

export interface NamespaceEntry {
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
  private cache = new Map<string, RawNamespace>();
  /** How long the last full reading took, for pacing the reconcile. */
  lastFullMs = 0;

  constructor(
    private readonly ip: IpRunner,
    /** Called with each namespace seen for the first time (e.g. to give it an nsid). */
    private readonly onNew: (entry: NamespaceEntry) => Promise<void> = async () => undefined,
  ) {}

  private queryFile: string | null = null;

  private linesFor(entry: NamespaceEntry): string[] {
    return entry.root ? ROOT_QUERY_LINES : QUERY_LINES;
  }

  /** One namespace, one process: `ip [-n NAME] -j -d -batch -`. */
  private async query(entry: NamespaceEntry): Promise<RawNamespace | null> {
    const input = `${this.linesFor(entry).join('\n')}\n`;
    const result = await this.ip.run('ip', ['-j', '-d', '-batch', '-'], { namespace: entry.name, input, log: false });
    if (result.exitCode !== 0 && !result.stdout) {
      // Gone since we listed it: leave it out. Still there: show it, and why it cannot be read.
      const still = (await listNamespaces()).some((e) => e.id === entry.id);
      return still ? { ...entry, links: [], routes: [], nsids: new Map(), problem: result.stderr.trim() || 'cannot be read' } : null;
    }
    return { ...entry, ...parseSnapshotBatch(result.stdout) };
  }

  /** Impairments the app set, by "namespace/ifname" (the kernel's qdisc says whether they still apply). */
  private readonly impairments = new Map<string, Impairment>();

  rememberImpairment(namespace: string | null, ifname: string, impairment: Impairment | null): void {
    const key = `${namespace ?? ''}/${ifname}`;
    if (impairment) this.impairments.set(key, impairment);
    else this.impairments.delete(key);
  }

  private resolved(): Topology {
    return { namespaces: resolveTopology([...this.cache.values()], (ns, ifname) => this.impairments.get(`${ns.name ?? ''}/${ifname}`) ?? null) };
  }

  /**
   * Peers that the helper's own nsid table and the symmetric check left open
   * (ambiguous, or a stale end) get their namespace's own nsid table read —
   * only those namespaces, so the usual reading stays one process each.
   */
  private async resolvedFully(): Promise<Topology> {
    let topology = this.resolved();
    const open = topology.namespaces.filter((n) => !n.root && n.links.some((l) => l.kind === 'veth' && l.peer === null));
    const todo = open.map((n) => this.cache.get(n.id)).filter((raw): raw is RawNamespace => !!raw && raw.nsids.size === 0 && raw.links.some((l) => l.linkNetnsid !== null));
    if (!todo.length) return topology;
    await mapLimit(todo, PARALLEL_QUERIES, async (raw) => {
      const listed = await this.ip.run('ip', ['-j', 'netns', 'list-id'], { namespace: raw.name, log: false });
      if (listed.exitCode === 0) raw.nsids = parseNsidTable(JSON.parse(listed.stdout));
    });
    topology = this.resolved();
    return topology;
  }

  /** The file children read their two queries from (`ip -batch` has no other way to give them a script). */
  private childQueryFile(): string {
    if (!this.queryFile) {
      this.queryFile = join(mkdtempSync(join(tmpdir(), 'netns-explorer-')), 'query.batch');
      writeFileSync(this.queryFile, `${QUERY_LINES.join('\n')}\n`);
    }
    return this.queryFile;
  }

  /**
   * Reads a group of namespaces with one batch process: it forks
   * `ip netns exec NAME ip -j -d -batch FILE` for each child namespace (forking
   * from a small ip is much cheaper than from Node), then reads its own
   * namespace in-process. One ip process per namespace, a few groups at a time.
   */
  private async queryGroup(native: NamespaceEntry, children: NamespaceEntry[]): Promise<(RawNamespace | null)[]> {
    const file = this.childQueryFile();
    const nativeLines = this.linesFor(native);
    const input = [...children.map((c) => `netns exec ${c.name} ip -j -d -batch ${file}`), ...nativeLines].join('\n');
    const result = await this.ip.run('ip', ['-force', '-j', '-d', '-batch', '-'], { namespace: native.name, input: `${input}\n`, log: false });
    this.ip.counters.spawned += children.length;
    const parsed = failedBatchLines(result.stderr).size === 0 ? parseSnapshotProcess(result.stdout, children.length, nativeLines.length) : null;
    // Something vanished or failed mid-way: read this group one namespace at a time instead.
    if (!parsed) return mapLimit([native, ...children], PARALLEL_QUERIES, (e) => this.query(e));
    return [{ ...native, ...parsed.native }, ...children.map((c, i) => ({ ...c, ...(parsed.children[i] as NamespaceQuery) }))];
  }

  /** Re-reads every namespace. */
  async take(): Promise<Topology> {
    const started = performance.now();
    const entries = await listNamespaces();
    await this.greet(entries);
    const groups = Math.min(PARENTS, entries.length);
    const raw = (
      await Promise.all(
        entries.slice(0, groups).map((native, g) => this.queryGroup(native, entries.filter((_, i) => i >= groups && (i - groups) % groups === g))),
      )
    ).flat();
    this.cache = new Map(raw.filter((n): n is RawNamespace => n !== null).map((n) => [n.id, n]));
    const topology = await this.resolvedFully();
    this.lastFullMs = performance.now() - started;
    return topology;
  }

  /** The last reading (taking one if there is none yet). */
  async cached(): Promise<Topology> {
    return this.cache.size ? this.resolved() : this.take();
  }

  dispose(): void {
    if (this.queryFile) rmSync(join(this.queryFile, '..'), { recursive: true, force: true });
  }

  /**
   * Re-reads only the named namespaces (null = the helper's own) and any that
   * appeared since; drops those that disappeared. Listing costs no process.
   */
  async refresh(names: Iterable<string | null>): Promise<Topology> {
    const wanted = new Set(names);
    const entries = await listNamespaces();
    const fresh = entries.filter((e) => !this.cache.has(e.id));
    await this.greet(fresh);
    // A newcomer may have just been given an nsid: re-read the table that holds it.
    if (fresh.some((e) => !e.root)) wanted.add(null);
    const live = new Set(entries.map((e) => e.id));
    for (const id of [...this.cache.keys()]) if (!live.has(id)) this.cache.delete(id);
    const todo = entries.filter((e) => !this.cache.has(e.id) || wanted.has(e.root ? null : e.name));
    const raw = await mapLimit(todo, PARALLEL_QUERIES, (e) => this.query(e));
    for (const [i, entry] of todo.entries()) {
      const ns = raw[i];
      if (ns) this.cache.set(entry.id, ns);
      else this.cache.delete(entry.id);
    }
    return this.resolvedFully();
  }

  /** Name of the namespace the helper's own nsid table gives `nsid`, if any. */
  nameOfNsid(nsid: number): string | null | undefined {
    const root = [...this.cache.values()].find((n) => n.root);
    return root?.nsids.get(nsid);
  }

  /** Whether the helper's own namespace has an nsid for `name`. */
  hasNsidFor(name: string): boolean {
    const root = [...this.cache.values()].find((n) => n.root);
    return !!root && [...root.nsids.values()].includes(name);
  }

  /** One namespace by name (null = the helper's own), re-read with its peers resolved. */
  async namespace(name: string | null): Promise<Namespace | undefined> {
    const topology = await this.refresh([name]);
    return topology.namespaces.find((n) => (name === null ? n.root : n.name === name));
  }

  private async greet(entries: readonly NamespaceEntry[]): Promise<void> {
    for (const entry of entries) if (!entry.root) await this.onNew(entry);
  }
}
