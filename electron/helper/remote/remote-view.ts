// A remote machine's /proc and /run/netns, read in one round trip per
// listing: one shell script prints every fact in marked sections.
import { randomBytes } from 'node:crypto';
import type { HostView, NetnsFile } from '../host-view';
import { NETNS_DIR, sortPids } from '../host-view';
import type { IpRunner } from '../ip';
import { splitJsonValues } from '../parse';
import { HELPER_MARK, parseStat, TOOLS } from '../own-processes';
import { ContainerNames } from '../runtimes';
import { remoteNameSources } from './remote-name-sources';
import type { ReaderHub } from './reader-hub';

/**
 * Sections start with a control character and a nonce chosen per reading:
 * process names (anyone may set their own) and /run/netns names may hold any
 * byte, but cannot forge a mark they cannot guess.
 */
const mark = (nonce: string) => `\x1e${nonce}`;
const sectionFunction = (nonce: string) => `s() { printf '\\036%s%s\\n' ${nonce} "$1"; }`;

/**
 * Two tools, each run once for every process (a process each costs more than
 * the reading). find follows the command-line links (-H): a /proc/PID/ns/net
 * gives its namespace's device and inode, /proc/self's the reader's own.
 * grep -z prints each whole file as one NUL-ended record after its path
 * (stat, cgroup, mountinfo and the CPU list all start with a digit; environ
 * only the helpers' mark). Then the server's own nsid table, read here
 * since a reader there would name nsids after the names it started with.
 * No name can hold a NUL, so none can forge a record, and none can guess
 * the end mark ($1).
 */
export const FACTS_SCRIPT = [
  `find -H /proc/self/ns/net /proc/[0-9]*/ns/net ${NETNS_DIR} -maxdepth 1 \\( -path '${NETNS_DIR}/*' -printf 'N %D %i %f\\0' \\) -o \\( -path '/proc/*' -printf 'P %p %D %i\\0' \\) 2>/dev/null`,
  `grep -Hz -e '^[0-9]' -e '^${HELPER_MARK}=' /proc/self/mountinfo /sys/devices/system/cpu/online /proc/[0-9]*/stat /proc/[0-9]*/cgroup /proc/[0-9]*/environ 2>/dev/null`,
  `printf 'I '; ip -j netns list-id 2>/dev/null; printf '\\0'`,
  `printf '\\036%send' "$1"`,
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
  /** `ip -j netns list-id` in the server's own namespace (null when it printed nothing). */
  nsids: unknown;
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

/** The CPUs a list such as "0-3,8" names. */
function cpuCount(list: string): number {
  return list
    .trim()
    .split(',')
    .reduce((sum, range) => {
      const [a, b = a] = range.split('-').map(Number);
      return sum + (Number.isInteger(a) && Number.isInteger(b) ? (b as number) - (a as number) + 1 : 0);
    }, 0);
}

/** Reads the facts script's output; null when it was cut short (no end mark). */
export function parseFacts(stdout: string, nonce: string): RemoteFacts | null {
  const records = stdout.split('\0');
  if (records.pop() !== `\x1e${nonce}end`) return null;
  const facts: RemoteFacts = { self: { dev: NaN, ino: NaN }, byNs: new Map(), mountinfo: '', netns: [], stat: new Map(), cgroup: new Map(), marked: new Set(), cpus: 1, nsids: null };
  for (const record of records) {
    if (record.startsWith('N ')) {
      const [, dev, ino, ...name] = record.split(' ');
      facts.netns.push({ name: Buffer.from(name.join(' ')), dev: Number(dev), ino: Number(ino) });
    } else if (record.startsWith('I ')) {
      // ip writes names as they are: an escape sequence in one is not valid JSON as printed.
      facts.nsids = splitJsonValues(record.slice(2))[0] ?? null;
    } else if (record.startsWith('P ')) {
      const [, path = '', dev, ino = ''] = record.split(' ');
      if (path === '/proc/self/ns/net') facts.self = { dev: Number(dev), ino: Number(ino) };
      else facts.byNs.set(ino, [...(facts.byNs.get(ino) ?? []), pidOf(path)]);
    } else {
      const colon = record.indexOf(':');
      const path = record.slice(0, colon);
      const text = record.slice(colon + 1).replace(/\n$/, '');
      const pid = pidOf(path);
      if (path === '/proc/self/mountinfo') facts.mountinfo = text;
      else if (path === '/sys/devices/system/cpu/online') facts.cpus = Math.max(1, cpuCount(text));
      else if (path.endsWith('/stat')) {
        const parsed = parseStat(text);
        if (parsed) facts.stat.set(pid, parsed);
      } else if (path.endsWith('/cgroup')) facts.cgroup.set(pid, text);
      else if (path.endsWith('/environ') && text.startsWith(`${HELPER_MARK}=`)) facts.marked.add(pid);
    }
  }
  facts.byNs = sortPids(facts.byNs);
  return facts;
}

/** Besides the tools, what carries a remote command: sudo, env, the shell that ends it with its channel, the facts script's own, the reader hub's awk. */
const REMOTE_TOOLS = new Set([...TOOLS, 'sudo', 'env', 'sh', 'cat', 'find', 'grep', 'stat', 'awk', 'mawk', 'gawk']);

export class RemoteView implements HostView {
  private facts: RemoteFacts | null = null;
  readonly names: ContainerNames;

  constructor(
    private readonly ip: IpRunner,
    readonly remote: string,
    private readonly hub: ReaderHub,
  ) {
    this.names = new ContainerNames(remoteNameSources(ip, (pid) => this.facts?.stat.get(pid)?.ppid ?? null));
  }

  async begin(): Promise<void> {
    const nonce = randomNonce();
    // Through the readers' hub when it runs: a channel of its own costs more than the script.
    const viaHub = await this.hub.facts(nonce);
    const result = viaHub === null ? await this.ip.run('sh', ['-c', FACTS_SCRIPT, 'sh', nonce], { namespace: null, log: false }) : { stdout: viaHub, stderr: '', exitCode: 0 };
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
  nsidTable = () => this.facts?.nsids ?? null;

  async owned(pid: number): Promise<boolean | null> {
    const stat = this.now.stat.get(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
    return REMOTE_TOOLS.has(stat.comm) && this.now.marked.has(pid);
  }
}
