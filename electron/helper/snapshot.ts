// Reads the topology: one `ip -batch` process per namespace, a few at a time,
// keeping the last reading of each so an event re-reads only what it touched.
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Holder, Impairment, Namespace, Topology } from '../../shared/model';
import type { Where } from '../../shared/schemas';
import type { IpRunner, NsRef } from './ip';
import { failedBatchLines, parseNsidTable, splitJsonValues, parseSnapshotBatch, parseSnapshotProcess, QUERY_LINES, ROOT_QUERY_LINES, type NamespaceQuery } from './parse';
import { holderLabel, parseCgroup, parseNsfsMounts } from './holders';
import { ContainerNames } from './runtimes';
import { localView, mapLimit, NETNS_DIR, type HostView } from './host-view';
import { findPeer, resolveTopology, type RawNamespace } from './peers';
import { decodeName, hasRawBytes } from './names';
import { procSelfPid } from './pids';
import type { NamespaceReaders } from './readers';
import { isPlainNetnsName } from '../../shared/schemas';
import { readRemotely } from './remote/read-script';
import { ROOT_READER } from './remote/reader-hub';

export { mapLimit, NETNS_DIR };
const PARALLEL_QUERIES = 8;
/** Channels one remote reading uses at most, of the 8 a connection keeps; fewer on a server with fewer processors (each channel keeps one busy). */
const SCRIPT_CHANNELS = 4;
/** Batch processes per full reading; each forks one `ip` per namespace it covers. */
const PARENTS = Math.max(2, Math.min(4, cpus().length * 2));

export interface NamespaceEntry {
  id: string;
  name: string | null;
  /** A name ip may be given (see isPlainNetnsName); any other is reached by path alone. */
  plain: boolean;
  root: boolean;
  /** For an unnamed namespace, or one whose name is not plain: a path that opens it (a holder's /proc/PID/ns/net, a bind mount). */
  path: string | null;
  holders: Holder[];
  holderCount: number;
  mounts: string[];
  /** A /run/netns name whose namespace is gone. */
  stale?: boolean;
  /** For the helper's own: its lowest pid, whose /proc path names it from inside any other namespace (a remote machine's, where the helper has no pid). */
  anchor?: number;
}

/** Holders listed per namespace; the count says how many there are in all. */
const HOLDERS_SHOWN = 8;
/** Namespaces whose holders are read at once (a few /proc files each). */
const HOLDER_READS = 32;

/** The containers the last listing saw, so names of those gone are forgotten. */
let liveContainers = new Set<string>();

async function describeHolders(view: HostView, pids: readonly number[]): Promise<Holder[]> {
  return Promise.all(
    pids.slice(0, HOLDERS_SHOWN).map(async (pid) => {
      const command = (await view.comm(pid)) || '?';
      const cgroup = parseCgroup(await view.cgroup(pid));
      liveContainers.add(ContainerNames.key(cgroup));
      const details = await view.names.lookup(cgroup, pid);
      const identity = { ...cgroup, podId: cgroup.podId ?? details?.podId ?? null };
      const named = {
        ...(details?.name ? { containerName: details.name } : {}),
        ...(details?.image ? { image: details.image } : {}),
        ...(details?.podName ? { podName: details.podName } : {}),
      };
      return { pid, command, ...identity, ...named, label: holderLabel(details?.name || command, pid, identity) };
    }),
  );
}

/**
 * Holders by namespace, kept while its processes stay the same pids (readers,
 * long-running containers): a listing reads /proc only for what changed.
 */
const holderCache = new Map<string, { pids: string; holders: Holder[]; count: number }>();

/** Forgets the holders read for namespaces holding these pids (a process that exec'd another program keeps its pid). */
export function forgetHolders(pids: Iterable<number>): void {
  const changed = new Set(pids);
  for (const [id, entry] of holderCache) if (entry.pids.split(',').some((p) => changed.has(Number(p)))) holderCache.delete(id);
}

/** Forgets the holders read for namespaces where a holder now runs another program (its pid kept, its name changed). */
async function forgetRenamedHolders(view: HostView): Promise<void> {
  const stale = await Promise.all(
    [...holderCache].map(async ([id, entry]) => {
      const names = await Promise.all(entry.holders.map((h) => view.comm(h.pid)));
      return names.some((name, i) => name !== entry.holders[i]?.command) ? id : null;
    }),
  );
  for (const id of stale) if (id !== null) holderCache.delete(id);
}

/** Whether a runtime may yet tell more about these holders (a name not known yet): then they are read again. */
const awaitingNames = (holders: readonly Holder[]) => holders.some((h) => (h.containerId && !h.containerName && h.runtime !== 'containerd') || (h.runtime === 'kubernetes' && !h.podName));

async function holdersOf(view: HostView, id: string, raw: readonly number[]): Promise<{ holders: Holder[]; count: number }> {
  const key = raw.join(',');
  const cached = holderCache.get(id);
  if (cached && cached.pids === key && !awaitingNames(cached.holders)) {
    for (const h of cached.holders) liveContainers.add(ContainerNames.key(h));
    return cached;
  }
  const pids = await holderPids(view, raw);
  const fresh = { pids: key, holders: await describeHolders(view, pids), count: pids.length };
  holderCache.set(id, fresh);
  return fresh;
}

/** A namespace's processes without the helpers' own (queries, pings, captures) and those already gone. */
async function holderPids(view: HostView, pids: readonly number[]): Promise<number[]> {
  const keep = await Promise.all(pids.map(async (pid) => (await view.owned(pid)) === false));
  return pids.filter((_, i) => keep[i]);
}

/**
 * Every network namespace the helper can see: its own, the named ones under
 * /run/netns, those bind-mounted elsewhere (docker, CNI), and those only
 * processes hold (containers, services). Listing starts no process.
 */
export async function listNamespaces(view: HostView = localView, options: { renamed: boolean } = { renamed: false }): Promise<NamespaceEntry[]> {
  await view.begin();
  // The /proc watch forgets holders whose processes changed; a full reading also catches a holder that exec'd once no longer new.
  if (options.renamed) await forgetRenamedHolders(view);
  const self = await view.selfNamespace();
  const rootId = String(self.ino);
  const byNs = await view.processesByNamespace();
  const mounts = parseNsfsMounts(await view.mountinfo());
  const rootPids = byNs.get(rootId) ?? [];
  const entries: NamespaceEntry[] = [
    { id: rootId, name: null, plain: false, root: true, path: null, holders: [], holderCount: rootPids.length, mounts: [], ...(rootPids.length ? { anchor: rootPids[0] } : {}) },
  ];
  const seen = new Set([rootId]);
  const files = (await view.netnsFiles()).sort((a, b) => Buffer.compare(a.name, b.name));
  liveContainers = new Set();
  const add = (id: string, name: string | null, path: string | null, holders: { holders: Holder[]; count: number } | null = null) => {
    seen.add(id);
    const elsewhere = mounts.filter((m) => m.id === id && !m.mountPoint.startsWith(`${NETNS_DIR}/`)).map((m) => m.mountPoint);
    entries.push({ id, name, plain: name !== null && isPlainNetnsName(name), root: false, path, holders: holders?.holders ?? [], holderCount: holders?.count ?? 0, mounts: elsewhere });
  };
  const opened = new Set<string>();
  for (const st of files) {
    const name = decodeName(st.name);
    const file = Buffer.concat([Buffer.from(`${NETNS_DIR}/`), st.name]);
    // A live entry is a bind mount of an nsfs inode; a stale one is a plain file left behind.
    if (st.dev !== self.dev) entries.push({ id: `stale-${st.ino}`, name, plain: isPlainNetnsName(name), root: false, path: null, holders: [], holderCount: 0, mounts: [], stale: true });
    else if (!seen.has(String(st.ino))) {
      // A name that is not plain is reached by its path; one that is not even text (on this machine), through an fd the helper holds.
      const path = isPlainNetnsName(name) ? null : hasRawBytes(name) && !view.remote ? rawNamePath(name, file, opened) : `${NETNS_DIR}/${name}`;
      add(String(st.ino), name, path);
    }
  }
  closeUnused(opened);
  for (const mount of mounts) if (!seen.has(mount.id)) add(mount.id, null, mount.mountPoint);
  // Holders are read side by side: one namespace after another, a listing that finds new processes in many
  // namespaces (a runtime starting containers, the helper its readers) waited on their /proc files in turn.
  const listed = entries.filter((e) => !e.root && !e.stale);
  await mapLimit(listed, HOLDER_READS, async (entry) => {
    const { holders, count } = await holdersOf(view, entry.id, byNs.get(entry.id) ?? []);
    entry.holders = holders;
    entry.holderCount = count;
  });
  const heldOnly = [...byNs].filter(([id]) => !seen.has(id));
  const held = await mapLimit(heldOnly, HOLDER_READS, ([id, pids]) => holdersOf(view, id, pids));
  for (const [i, [id, pids]] of heldOnly.entries()) if (held[i]?.count) add(id, null, `/proc/${pids[0]}/ns/net`, held[i]);
  for (const id of holderCache.keys()) if (!seen.has(id)) holderCache.delete(id);
  view.names.keepOnly(liveContainers);
  return entries;
}

/** Open fds on /run/netns entries whose names are not text, by name: their /proc path is how programs reach them. */
const rawNameFds = new Map<string, number>();

function rawNamePath(name: string, file: Buffer, opened: Set<string>): string | null {
  let fd = rawNameFds.get(name);
  if (fd === undefined) {
    try {
      fd = openSync(file, 'r');
    } catch {
      return null;
    }
    rawNameFds.set(name, fd);
  }
  opened.add(name);
  // /proc/self names this process as the mounted /proc numbers it, whatever pid namespace the helper is in.
  return `/proc/${procSelfPid()}/fd/${fd}`;
}

/** An open fd keeps its namespace alive: let go of those whose names are gone. */
function closeUnused(opened: Set<string>): void {
  for (const [name, fd] of rawNameFds) {
    if (opened.has(name)) continue;
    closeSync(fd);
    rawNameFds.delete(name);
  }
}

/** The runner's way into an entry's namespace: the helper's own, a plain name, or a path. */
export function refOf(entry: Pick<NamespaceEntry, 'id' | 'name' | 'plain' | 'root' | 'path'>): NsRef {
  if (entry.root) return null;
  if (entry.name !== null && entry.plain) return entry.name;
  return { path: entry.path as string, id: entry.id };
}

export class Snapshotter {
  private cache = new Map<string, RawNamespace>();
  /** How long the last full reading took, for pacing the reconcile. */
  lastFullMs = 0;

  constructor(
    private readonly ip: IpRunner,
    /** Where the batch query file goes. */
    private readonly workDir: string,
    /** Called with each namespace seen for the first time (e.g. to give it an nsid). */
    private readonly onNew: (entry: NamespaceEntry) => Promise<void> = async () => undefined,
    /** Long-lived readers for named namespaces; without them every reading starts processes. */
    private readonly readers: NamespaceReaders | null = null,
    /** The machine's /proc and /run/netns. */
    private readonly view: HostView = localView,
  ) {}

  private queryFile: string | null = null;

  private entries = new Map<string, NamespaceEntry>();

  /** A path to the helper's own namespace that works from inside another (see NamespaceEntry.anchor). */
  ownNamespacePath(): string | null {
    const anchor = [...this.entries.values()].find((e) => e.root)?.anchor;
    return anchor === undefined ? null : `/proc/${anchor}/ns/net`;
  }

  /** A listing made now, on the machine this helper reads (a server's over SSH), for checks the last one cannot answer. */
  listNow(): Promise<NamespaceEntry[]> {
    return listNamespaces(this.view);
  }

  /** The last listing's entry for a namespace id. */
  entry(id: string): NamespaceEntry | undefined {
    return this.entries.get(id);
  }

  /**
   * What a reading asks. On a remote machine an unnamed namespace's nsid
   * table comes with it (its veths' peers are found through it): one more
   * line now costs less than another round trip later.
   */
  private linesFor(entry: NamespaceEntry): string[] {
    return entry.root || (this.view.remote && entry.name === null) ? ROOT_QUERY_LINES : QUERY_LINES;
  }

  /** Each reader's last answer and what it parsed to: most re-reads (the reconcile's above all) find nothing changed. */
  private answers = new Map<string, { text: string; parsed: NamespaceQuery }>();

  private parseAnswer(id: string, text: string): NamespaceQuery {
    const last = this.answers.get(id);
    if (last?.text === text) return last.parsed;
    const parsed = parseSnapshotBatch(text);
    this.answers.set(id, { text, parsed });
    return parsed;
  }

  /**
   * The name this namespace's reader goes by; null when it gets none. Named
   * ones have one; on a server, its own namespace too (the hub sits in it,
   * so a reader there keeps nothing alive that would otherwise go).
   */
  private readerName(entry: NamespaceEntry): string | null {
    if (!this.readers || entry.stale) return null;
    // A long-lived ip names nsids after the /run/netns it saw when it started: a server's own table comes with the
    // listing, and when the listing has none the server's namespace is read afresh.
    if (entry.root) return this.view.remote && this.view.nsidTable() !== null ? ROOT_READER : null;
    return entry.plain ? entry.name : null;
  }

  private hasReader(entry: NamespaceEntry): boolean {
    const name = this.readerName(entry);
    return this.readers !== null && name !== null && this.readers.has(name, entry.id);
  }

  /** One namespace, one process: `ip [-n NAME] -j -d -batch -`. A `background` reading (the reconcile's) uses a reader only if one runs. */
  private async query(entry: NamespaceEntry, background = false): Promise<RawNamespace | null> {
    if (entry.stale) return { ...entry, links: [], routes: [], nsids: new Map(), problem: 'stale: the namespace this name pointed to is gone' };
    const reader = this.readerName(entry);
    if (this.readers && reader !== null) {
      const table = entry.root ? this.view.nsidTable() : null;
      const answer = await this.readers.read(reader, entry.id, table === null ? this.linesFor(entry) : QUERY_LINES, background);
      if (answer !== null) return { ...entry, ...this.parseAnswer(entry.id, answer), ...(table === null ? {} : { nsids: parseNsidTable(table) }) };
    }
    const input = `${this.linesFor(entry).join('\n')}\n`;
    const result = await this.ip.run('ip', ['-j', '-d', '-batch', '-'], { namespace: refOf(entry), input, log: false });
    if (result.exitCode !== 0 && !result.stdout) {
      // Gone since we listed it: leave it out. Still there: show it, and why it cannot be read.
      const still = (await this.listedAfterFailure()).has(entry.id);
      return still ? { ...entry, links: [], routes: [], nsids: new Map(), problem: result.stderr.trim() || 'cannot be read' } : null;
    }
    return { ...entry, ...parseSnapshotBatch(result.stdout) };
  }

  /** One listing per reading for all the namespaces that failed in it: a listing each made 40 unenterable namespaces cost 10–18 s. */
  private failureListing: Promise<Set<string>> | null = null;
  private listedAfterFailure(): Promise<Set<string>> {
    this.failureListing ??= listNamespaces(this.view).then((entries) => new Set(entries.map((e) => e.id)));
    return this.failureListing;
  }

  /** Impairments the app set, by "namespace/ifname" (the kernel's qdisc says whether they still apply). */
  private readonly impairments = new Map<string, Impairment>();

  rememberImpairment(namespace: string | null, ifname: string, impairment: Impairment | null): void {
    const key = `${namespace ?? ''}/${ifname}`;
    if (impairment) this.impairments.set(key, impairment);
    else this.impairments.delete(key);
  }

  private resolved(): Topology {
    return { namespaces: resolveTopology([...this.cache.values()], (ns, ifname) => this.impairments.get(`${ns.root ? '' : (ns.name ?? ns.id)}/${ifname}`) ?? null) };
  }

  /**
   * Peers that the helper's own nsid table and the symmetric check left open
   * (ambiguous, or a stale end) get their namespace's own nsid table read —
   * only those namespaces, so the usual reading stays one process each.
   */
  private async resolvedFully(): Promise<Topology> {
    let topology = this.resolved();
    const open = topology.namespaces.filter((n) => !n.root && n.links.some((l) => l.kind === 'veth' && l.peer === null));
    const todo = open
      .map((n) => this.cache.get(n.id))
      .filter((raw): raw is RawNamespace => !!raw && raw.nsids.size === 0 && raw.links.some((l) => l.linkNetnsid !== null) && !(this.view.remote && raw.name === null));
    if (!todo.length) return topology;
    const refs = todo.map((raw) => refOf({ ...raw, plain: raw.plain ?? false, path: raw.path ?? null }));
    if (this.view.remote) {
      // One channel for them all: a round trip each would cost more than the reading.
      const answers = await readRemotely(
        this.ip,
        refs.map((namespace) => ({ namespace, lines: ['netns list-id'] })),
      );
      for (const [i, raw] of todo.entries()) {
        const answer = answers[i];
        if (answer?.ok) raw.nsids = parseNsidTable(splitJsonValues(answer.text)[0] ?? []);
      }
    } else {
      await mapLimit(todo, PARALLEL_QUERIES, async (raw, i) => {
        const listed = await this.ip.run('ip', ['-j', 'netns', 'list-id'], { namespace: refs[i] as NsRef, log: false });
        if (listed.exitCode === 0) raw.nsids = parseNsidTable(splitJsonValues(listed.stdout)[0] ?? []);
      });
    }
    topology = this.resolved();
    return topology;
  }

  /** The file children read their two queries from (`ip -batch` has no other way to give them a script). */
  private childQueryFile(): string {
    if (!this.queryFile) {
      this.queryFile = join(this.workDir, 'query.batch');
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
    // Never -force here: when `netns exec` cannot enter a namespace (one being made or removed), ip's forked child
    // returns into the batch loop with a copy of the parent's buffered input. With -force it would carry on, and the
    // parent would later replay the same lines: every such failure doubles the work, and chains of forks pile up.
    // Without it, both stop at the first failure and the group is read one namespace at a time instead.
    const result = await this.ip.run('ip', ['-j', '-d', '-batch', '-'], { namespace: native.name, input: `${input}\n`, log: false });
    this.ip.counters.spawned += children.length;
    const parsed = failedBatchLines(result.stderr).size === 0 ? parseSnapshotProcess(result.stdout, children.length, nativeLines.length) : null;
    // Something vanished or failed mid-way: read this group one namespace at a time instead.
    if (!parsed) return mapLimit([native, ...children], PARALLEL_QUERIES, (e) => this.query(e));
    return [{ ...native, ...parsed.native }, ...children.map((c, i) => ({ ...c, ...(parsed.children[i] as NamespaceQuery) }))];
  }

  /** Lists namespaces and remembers the listing, for ids given by clients. */
  private async list(options: { renamed: boolean } = { renamed: false }): Promise<NamespaceEntry[]> {
    this.readers?.prune();
    const entries = await listNamespaces(this.view, options);
    this.entries = new Map(entries.map((e) => [e.id, e]));
    for (const id of this.answers.keys()) if (!this.entries.has(id)) this.answers.delete(id);
    return entries;
  }

  /**
   * Re-reads every namespace. Those with a reader are read through it; the
   * rest in batch groups here (forking from ip is cheaper than from Node) or
   * scripts on a server, and get readers afterwards. The reconcile's reading
   * (`background`) keeps no reader alive and starts none: an app left alone
   * lets them all end.
   */
  async take(options: { background: boolean } = { background: false }): Promise<Topology> {
    const started = performance.now();
    this.failureListing = null;
    const entries = await this.list({ renamed: true });
    await this.greet(entries);
    const readers = this.readers;
    const warm = entries.filter((e) => this.hasReader(e));
    const cold = entries.filter((e) => !warm.includes(e));
    // A server's readers answer behind one channel: asked all at once, they cost one round trip and work side by side.
    const asked = this.view.remote ? warm.length : PARALLEL_QUERIES;
    const raw = (await Promise.all([mapLimit(warm, asked, (e) => this.query(e, options.background)), this.view.remote ? this.readScripted(cold) : this.takeInGroups(cold)])).flat();
    const read = new Map(raw.filter((n): n is RawNamespace => n !== null).map((n) => [n.id, n]));
    // In the listing's order (the helper's own first), however they were read.
    this.cache = new Map(entries.flatMap((e) => (read.has(e.id) ? [[e.id, read.get(e.id) as RawNamespace] as const] : [])));
    const topology = await this.resolvedFully();
    this.lastFullMs = performance.now() - started;
    // Only into free places: past the cap, starting readers would end others just used, and the next reading would do the same.
    if (readers && !options.background) void this.warmUp(cold.filter((e) => this.readerName(e) !== null).slice(0, readers.room()));
    return topology;
  }

  /**
   * Starts readers for namespaces read without one, two at a time, so the next
   * reading is cheap. Their first answers are parsed now, while nothing waits:
   * the next reading then finds most of them unchanged (at 200 namespaces the
   * first reading through new readers went 423 → 154 ms, medians of 7).
   */
  private async warmUp(entries: NamespaceEntry[]): Promise<void> {
    await mapLimit(entries, 2, async (e) => {
      const reader = this.readerName(e);
      if (!this.readers || reader === null || !this.entries.get(e.id)) return;
      const answer = await this.readers.read(reader, e.id, this.linesFor(e));
      if (answer !== null) this.parseAnswer(e.id, answer);
    });
  }

  /**
   * A remote machine's namespaces: a few channels, each a script that runs
   * one ip per namespace (a channel per namespace would cost a round trip
   * each and run into sshd's session cap).
   */
  private async readScripted(entries: NamespaceEntry[]): Promise<(RawNamespace | null)[]> {
    const live = entries.filter((e) => !e.stale);
    const perChannel = Math.max(8, Math.ceil(live.length / Math.min(SCRIPT_CHANNELS, this.view.cpus())));
    const chunks = Array.from({ length: Math.ceil(live.length / perChannel) }, (_, i) => live.slice(i * perChannel, (i + 1) * perChannel));
    const read = new Map<string, RawNamespace | null>();
    await Promise.all(
      chunks.map(async (chunk) => {
        const answers = await readRemotely(
          this.ip,
          chunk.map((e) => ({ namespace: refOf(e), lines: this.linesFor(e) })),
        );
        for (const [i, entry] of chunk.entries()) {
          const answer = answers[i];
          // Cut short: the connection dropped mid-way, and the reconnect reads everything again.
          if (!answer) read.set(entry.id, null);
          else if (answer.ok) read.set(entry.id, { ...entry, ...this.parseAnswer(entry.id, answer.text) });
          // Listed a moment ago on the same machine: a failure here means it cannot be read, or it just went (the next listing says which).
          else read.set(entry.id, { ...entry, links: [], routes: [], nsids: new Map(), problem: answer.problem });
        }
      }),
    );
    return entries.map((e) => (e.stale ? { ...e, links: [], routes: [], nsids: new Map(), problem: 'stale: the namespace this name pointed to is gone' } : (read.get(e.id) ?? null)));
  }

  private async takeInGroups(entries: NamespaceEntry[]): Promise<(RawNamespace | null)[]> {
    // Only plain names go into batch lines; every other namespace is read on its own, by path.
    const named = entries.filter((e) => (e.root || e.plain) && !e.stale);
    const unnamed = entries.filter((e) => !named.includes(e));
    const groups = Math.min(PARENTS, named.length);
    return (
      await Promise.all([
        ...named.slice(0, groups).map((native, g) =>
          this.queryGroup(
            native,
            named.filter((_, i) => i >= groups && (i - groups) % groups === g),
          ),
        ),
        mapLimit(unnamed, PARALLEL_QUERIES, (e) => this.query(e)),
      ])
    ).flat();
  }

  /** The last reading, as it stands: no process, no listing. */
  current(): Topology {
    return this.resolved();
  }

  /** The last reading (taking one if there is none yet). */
  async cached(): Promise<Topology> {
    return this.cache.size ? this.resolved() : this.take();
  }

  dispose(): void {
    if (this.queryFile) rmSync(this.queryFile, { force: true });
  }

  /**
   * Re-reads only the named namespaces (null = the helper's own) and any that
   * appeared since; drops those that disappeared. Listing costs no process.
   */
  async refresh(targets: Iterable<Where>, options: { list: boolean } = { list: true }): Promise<Topology> {
    this.failureListing = null;
    const list = [...targets];
    const wanted = new Set(list.filter((t): t is { name: string | null } => 'name' in t).map((t) => t.name));
    const wantedIds = new Set(list.filter((t): t is { id: string } => 'id' in t).map((t) => t.id));
    // An event that names its namespaces needs no listing: new and gone namespaces come with their own triggers.
    const entries = options.list || !this.entries.size ? await this.list() : [...this.entries.values()];
    const fresh = entries.filter((e) => !this.cache.has(e.id));
    await this.greet(fresh);
    // A newcomer may have just been given an nsid: re-read the table that holds it.
    if (fresh.some((e) => !e.root)) wanted.add(null);
    const live = new Set(entries.map((e) => e.id));
    for (const id of [...this.cache.keys()]) if (!live.has(id)) this.cache.delete(id);
    const todo = entries.filter((e) => !this.cache.has(e.id) || wantedIds.has(e.id) || (e.plain || e.root ? wanted.has(e.root ? null : e.name) : false));
    // Holders come from the listing, which costs no process: the rest keep their reading and take the new holders.
    for (const entry of entries) {
      const cached = this.cache.get(entry.id);
      if (cached && !todo.includes(entry)) this.cache.set(entry.id, { ...cached, holders: entry.holders, holderCount: entry.holderCount, mounts: entry.mounts, path: entry.path });
    }
    const raw = this.view.remote ? await this.readScripted(todo) : await mapLimit(todo, PARALLEL_QUERIES, (e) => this.query(e));
    for (const [i, entry] of todo.entries()) {
      const ns = raw[i];
      if (ns) this.cache.set(entry.id, ns);
      else this.cache.delete(entry.id);
    }
    return this.resolvedFully();
  }

  /**
   * The namespace behind an nsid of the helper's own: by the name its nsid
   * table gives, else through a veth of the helper's whose peer sits there.
   */
  whereOfNsid(nsid: number): Where | undefined {
    const root = [...this.cache.values()].find((n) => n.root);
    const name = root?.nsids.get(nsid);
    const named = name ? [...this.entries.values()].find((e) => e.name === name) : undefined;
    if (named) return named.plain ? { name: named.name } : { id: named.id };
    const link = root?.links.find((l) => l.linkNetnsid === nsid);
    if (!link || !root) return undefined;
    // Asked for each event line: this one veth's peer, not the whole topology.
    const peer = findPeer(root, link, [...this.cache.values()]);
    return peer ? { id: peer.namespaceId } : undefined;
  }

  /** Whether the helper's own namespace has an nsid for `name`. */
  hasNsidFor(name: string): boolean {
    const root = [...this.cache.values()].find((n) => n.root);
    return !!root && [...root.nsids.values()].includes(name);
  }

  /** One namespace by name (null = the helper's own), re-read with its peers resolved. */
  async namespace(name: string | null): Promise<Namespace | undefined> {
    const topology = await this.refresh([{ name }]);
    return topology.namespaces.find((n) => (name === null ? n.root : n.name === name));
  }

  private async greet(entries: readonly NamespaceEntry[]): Promise<void> {
    for (const entry of entries) if (!entry.root && !entry.stale && entry.plain) await this.onNew(entry);
  }
}
