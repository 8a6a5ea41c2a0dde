// A remote machine's /proc and /run/netns, read in one round trip per
// listing: one shell script prints every fact in marked sections.
import { randomBytes } from 'node:crypto';
import type { HostView, NetnsFile } from '../host-view';
import { NETNS_DIR, sortPids } from '../host-view';
import type { IpRunner } from '../ip';
import { HELPER_MARK, parseStat, TOOLS } from '../own-processes';
import { ContainerNames } from '../runtimes';
import { remoteNameSources } from './remote-name-sources';

/**
 * Sections start with a control character and a nonce chosen per reading:
 * process names (anyone may set their own) and /run/netns names may hold any
 * byte, but cannot forge a mark they cannot guess.
 */
const mark = (nonce: string) => `\x1e${nonce}`;
const sectionFunction = (nonce: string) => `s() { printf '\\036%s%s\\n' ${nonce} "$1"; }`;

/** Globs expand in the shell; each tool runs once for every process. Names end with NUL: they may hold newlines. */
export const factsScript = (nonce: string) =>
  [
    sectionFunction(nonce),
    `s self; stat -L -c '%d %i' /proc/self/ns/net`,
    `s net; find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%p %l\\n' 2>/dev/null`,
    `s mountinfo; cat /proc/self/mountinfo`,
    `s netns; find ${NETNS_DIR} -mindepth 1 -maxdepth 1 -printf '%D %i %f\\0' 2>/dev/null`,
    `s stat; cat /proc/[0-9]*/stat 2>/dev/null`,
    `s cgroup; grep -H '' /proc/[0-9]*/cgroup 2>/dev/null`,
    `s marked; grep -lz '^${HELPER_MARK}=' /proc/[0-9]*/environ 2>/dev/null`,
    `s cpus; nproc 2>/dev/null`,
    `s end`,
  ].join('\n');

/** A fresh mark for one script's output. */
export const randomNonce = () => randomBytes(8).toString('hex');

export interface RemoteFacts {
  self: { dev: number; ino: number };
  byNs: Map<string, number[]>;
  mountinfo: string;
  netns: NetnsFile[];
  /** comm, state and parent by pid. */
  stat: Map<number, { comm: string; state: string; ppid: number }>;
  cgroup: Map<number, string>;
  marked: Set<number>;
  /** The server's processors (1 when it does not say). */
  cpus: number;
}

const pidOf = (path: string) => Number(/^\/proc\/(\d+)\//.exec(path)?.[1] ?? NaN);

/** A script's output by section; null when it was cut short (no end mark). */
function sectionsOf(stdout: string, nonce: string): Map<string, string> | null {
  const sections = new Map<string, string>();
  for (const part of stdout.split(mark(nonce)).slice(1)) {
    // The last section may end without a newline (execa strips the final one).
    const newline = part.indexOf('\n') < 0 ? part.length : part.indexOf('\n');
    sections.set(part.slice(0, newline), part.slice(newline + 1));
  }
  return sections.has('end') ? sections : null;
}

/** What the host-mode rails read about sshd: its TCP sockets, and the socket inodes its processes hold. */
export const sshSocketsScript = (nonce: string) =>
  [
    sectionFunction(nonce),
    `s tcp; cat /proc/net/tcp`,
    `s tcp6; cat /proc/net/tcp6 2>/dev/null`,
    `s inodes; grep -l '^sshd' /proc/[0-9]*/comm 2>/dev/null | while read -r f; do find "\${f%/comm}/fd" -mindepth 1 -maxdepth 1 -lname 'socket:*' -printf '%l\n' 2>/dev/null; done`,
    `s end`,
  ].join('\n');

export function parseSshSockets(stdout: string, nonce: string): { tcp: string; tcp6: string; inodes: Set<string> } | null {
  const sections = sectionsOf(stdout, nonce);
  if (!sections) return null;
  const inodes = (sections.get('inodes') ?? '').split('\n').flatMap((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1] ?? []);
  return { tcp: sections.get('tcp') ?? '', tcp6: sections.get('tcp6') ?? '', inodes: new Set(inodes) };
}

/** Reads the facts script's output; null when it was cut short (no end mark). */
export function parseFacts(stdout: string, nonce: string): RemoteFacts | null {
  const sections = sectionsOf(stdout, nonce);
  if (!sections) return null;
  const lines = (name: string) => (sections.get(name) ?? '').split('\n').filter(Boolean);
  const [dev = NaN, ino = NaN] = (lines('self')[0] ?? '').split(' ').map(Number);
  const byNs = new Map<string, number[]>();
  for (const line of lines('net')) {
    const [path = '', link = ''] = line.split(' ');
    const id = /net:\[(\d+)\]/.exec(link)?.[1];
    if (id) byNs.set(id, [...(byNs.get(id) ?? []), pidOf(path)]);
  }
  const netns = (sections.get('netns') ?? '').split('\0').flatMap((entry) => {
    const [d, i, ...name] = entry.split(' ');
    return d && i ? [{ name: Buffer.from(name.join(' ')), dev: Number(d), ino: Number(i) }] : [];
  });
  const stat = new Map<number, { comm: string; state: string; ppid: number }>();
  for (const line of lines('stat')) {
    const parsed = parseStat(line);
    if (parsed) stat.set(Number(line.slice(0, line.indexOf(' '))), parsed);
  }
  const cgroup = new Map<number, string>();
  for (const line of lines('cgroup')) {
    const pid = pidOf(line);
    const text = line.slice(line.indexOf(':') + 1);
    cgroup.set(pid, cgroup.has(pid) ? `${cgroup.get(pid)}\n${text}` : text);
  }
  return {
    self: { dev, ino },
    byNs: sortPids(byNs),
    mountinfo: sections.get('mountinfo') ?? '',
    netns,
    stat,
    cgroup,
    marked: new Set(lines('marked').map(pidOf)),
    cpus: Math.max(1, Number(lines('cpus')[0]) || 1),
  };
}

/** Besides the tools, what carries a remote command: sudo, env, the shell that ends it with its channel, the facts script's own. */
const REMOTE_TOOLS = new Set([...TOOLS, 'sudo', 'env', 'sh', 'cat', 'find', 'grep', 'stat']);

export class RemoteView implements HostView {
  private facts: RemoteFacts | null = null;
  readonly names: ContainerNames;

  constructor(
    private readonly ip: IpRunner,
    readonly remote: string,
  ) {
    this.names = new ContainerNames(remoteNameSources(ip, (pid) => this.facts?.stat.get(pid)?.ppid ?? null));
  }

  async begin(): Promise<void> {
    const nonce = randomNonce();
    const result = await this.ip.run('sh', ['-c', factsScript(nonce)], { namespace: null, log: false });
    const facts = parseFacts(result.stdout, nonce);
    if (!facts) throw new Error(`reading /proc on ${this.remote} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    this.facts = facts;
  }

  private get now(): RemoteFacts {
    if (!this.facts) throw new Error('RemoteView used before begin()');
    return this.facts;
  }

  cpus = () => this.facts?.cpus ?? 1;
  selfNamespace = async () => this.now.self;
  processesByNamespace = async () => new Map([...this.now.byNs].map(([id, pids]) => [id, [...pids]]));
  mountinfo = async () => this.now.mountinfo;
  netnsFiles = async () => this.now.netns;
  comm = async (pid: number) => this.now.stat.get(pid)?.comm ?? '';
  cgroup = async (pid: number) => this.now.cgroup.get(pid) ?? '';

  async owned(pid: number): Promise<boolean | null> {
    const stat = this.now.stat.get(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
    return REMOTE_TOOLS.has(stat.comm) && this.now.marked.has(pid);
  }
}
