// Pure translation of `ip -j` (and tcpdump, ping, /proc) output into the topology model.
import ipaddr from 'ipaddr.js';
import type { Link, LinkKind, Route } from '../../shared/model';
import type { CapturePacket } from '../../shared/protocol';

/** A link as parsed, plus the raw fields peer resolution needs. */
export interface RawLink extends Link {
  /** ifindex of the peer (veth) or lower device, in the namespace named by linkNetnsid. */
  linkIndex: number | null;
  /** nsid, relative to this namespace, of the namespace linkIndex lives in; null = same. */
  linkNetnsid: number | null;
  /** Name of the peer or lower device when it is in the same namespace (ip prints "link" then). */
  linkName: string | null;
  /** The root queueing discipline ("noqueue", "fq_codel", "netem", "tbf"…). */
  qdisc: string | null;
}

interface IpAddrInfo {
  family?: string;
  local?: string;
  prefixlen?: number;
}

interface IpLink {
  ifindex: number;
  ifname: string;
  qdisc?: string;
  flags?: string[];
  mtu?: number;
  operstate?: string;
  link_type?: string;
  address?: string;
  master?: string;
  link?: string;
  link_index?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: { type?: string } };
  addr_info?: IpAddrInfo[];
}

interface IpRoute {
  dst?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  type?: string;
}

const KNOWN_KINDS: ReadonlySet<string> = new Set(['veth', 'bridge', 'dummy', 'vxlan', 'macvlan', 'ipvlan', 'vlan', 'bond', 'wireguard']);

export function linkKind(link: IpLink): LinkKind {
  if (link.link_type === 'loopback') return 'loopback';
  const kind = link.linkinfo?.info_kind;
  if (kind === 'tun') return link.linkinfo?.info_data?.type === 'tap' ? 'tap' : 'tun';
  if (kind === 'macvtap') return 'macvlan';
  if (kind === 'ipvtap') return 'ipvlan';
  if (kind && KNOWN_KINDS.has(kind)) return kind as LinkKind;
  return 'other';
}

export function parseLink(raw: IpLink): RawLink {
  const flags = raw.flags ?? [];
  return {
    ifname: raw.ifname,
    ifindex: raw.ifindex,
    kind: linkKind(raw),
    up: flags.includes('UP'),
    operstate: raw.operstate ?? 'UNKNOWN',
    mtu: raw.mtu ?? 0,
    mac: raw.address ?? '',
    addresses: (raw.addr_info ?? []).filter((a) => (a.family === 'inet' || a.family === 'inet6') && a.local !== undefined).map((a) => `${a.local}/${a.prefixlen}`),
    master: raw.master ?? null,
    peer: null,
    linkIndex: raw.link_index ?? null,
    linkNetnsid: raw.link_netnsid ?? null,
    linkName: raw.link ?? null,
    qdisc: raw.qdisc ?? null,
  };
}

/** `ip -j -d addr show` output → links with their addresses. */
export function parseLinks(json: unknown): RawLink[] {
  if (!Array.isArray(json)) throw new Error('ip addr show: expected a JSON array');
  return (json as IpLink[]).filter((l) => typeof l.ifname === 'string').map(parseLink);
}

/** `ip -j route show` output → routes of the main table. */
export function parseRoutes(json: unknown): Route[] {
  if (!Array.isArray(json)) throw new Error('ip route show: expected a JSON array');
  return (json as IpRoute[])
    .filter((r) => r.type === undefined || r.type === 'unicast')
    .map((r) => ({
      to: r.dst ?? 'default',
      via: r.gateway ?? null,
      dev: r.dev ?? null,
      protocol: r.protocol ?? null,
      scope: r.scope ?? null,
    }));
}

/** `ip -j netns list-id` output → nsid → name (null where ip found no name). */
export function parseNsidTable(json: unknown): Map<number, string | null> {
  const table = new Map<number, string | null>();
  if (!Array.isArray(json)) return table;
  for (const entry of json as { nsid?: number; name?: string }[]) {
    if (typeof entry.nsid === 'number') table.set(entry.nsid, entry.name ?? null);
  }
  return table;
}

/**
 * Splits the output of `ip -j -batch -` into the JSON value each command
 * printed, in order. ip prints each on a line of its own; when a line does not
 * parse alone (pretty or interleaved output), the text is scanned value by value.
 */
export function splitJsonValues(text: string): unknown[] {
  try {
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  } catch {
    return scanJsonValues(text);
  }
}

/**
 * Scans JSON values one after another. ip writes names as they are, so a
 * string may hold raw control characters (a /run/netns name with a newline or
 * an escape sequence): those are escaped here, as JSON requires.
 */
function scanJsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let value = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (c === '\\') {
        value += c + (text[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') inString = false;
      const code = c.charCodeAt(0);
      value += code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : c;
      continue;
    }
    if (depth > 0) value += c;
    if (c === '"') inString = depth > 0;
    else if (c === '[' || c === '{') {
      if (depth === 0) value = c;
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        values.push(JSON.parse(value));
        value = '';
      }
    }
  }
  return values;
}

/** What one namespace's reading asks ip for. Only the helper's own nsid table is read every time. */
export const QUERY_LINES = ['address show', 'route show'];
export const ROOT_QUERY_LINES = [...QUERY_LINES, 'netns list-id'];

export interface NamespaceQuery {
  links: RawLink[];
  routes: Route[];
  /** nsid → name; empty when not read. */
  nsids: Map<number, string | null>;
}

/** Parses the output of `ip -j -d -batch -` fed QUERY_LINES or ROOT_QUERY_LINES. */
export function parseSnapshotBatch(text: string): NamespaceQuery {
  return queryFromValues(splitJsonValues(text));
}

function queryFromValues([links, routes, nsids]: unknown[]): NamespaceQuery {
  return { links: parseLinks(links ?? []), routes: parseRoutes(routes ?? []), nsids: parseNsidTable(nsids ?? []) };
}

/**
 * Splits the output of one snapshot batch process: first, for each line
 * `netns exec NAME ip -j -d -batch FILE`, that child's link and route lists,
 * then the process's own `nativeLines` values. Null when the count is off:
 * ip's forked child carries on with the rest of the batch when it cannot
 * enter its namespace, so after any failure the output cannot be trusted.
 */
export function parseSnapshotProcess(text: string, children: number, nativeLines: number): { children: NamespaceQuery[]; native: NamespaceQuery } | null {
  const values = splitJsonValues(text);
  if (values.length !== children * 2 + nativeLines) return null;
  return {
    children: Array.from({ length: children }, (_, i) => queryFromValues([values[2 * i], values[2 * i + 1]])),
    native: queryFromValues(values.slice(children * 2)),
  };
}

/** Batch line numbers ip reports as failed in -force mode. */
export function failedBatchLines(stderr: string): Set<number> {
  return new Set([...stderr.matchAll(/Command failed \S*:(\d+)/g)].map((m) => Number(m[1])));
}

export type PingLine =
  | { type: 'reply'; from: string; seq: number; ttl: number; timeMs: number }
  | { type: 'summary'; transmitted: number; received: number; lossPercent: number }
  | { type: 'rtt'; min: number; avg: number; max: number }
  | { type: 'message'; text: string }
  | { type: 'ignore' };

/** Classifies one line of iputils ping output (run with -n, LC_ALL=C). */
export function parsePingLine(line: string): PingLine {
  const text = line.trim();
  const reply = /^\d+ bytes from ([^:]+): icmp_seq=(\d+) ttl=(\d+) time=([\d.]+) ms/.exec(text);
  if (reply) {
    return { type: 'reply', from: reply[1] as string, seq: Number(reply[2]), ttl: Number(reply[3]), timeMs: Number(reply[4]) };
  }
  const summary = /^(\d+) packets transmitted, (\d+) received.*?([\d.]+)% packet loss/.exec(text);
  if (summary) {
    return { type: 'summary', transmitted: Number(summary[1]), received: Number(summary[2]), lossPercent: Number(summary[3]) };
  }
  const rtt = /^(?:rtt|round-trip) min\/avg\/max\/(?:mdev|stddev) = ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(text);
  if (rtt) return { type: 'rtt', min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]) };
  if (text === '' || text.startsWith('PING ') || /^--- .* ping statistics ---$/.test(text)) return { type: 'ignore' };
  return { type: 'message', text };
}

export interface MonitorEvent {
  /** Where it happened: the helper's own namespace, another by nsid, or unknown. */
  where: { kind: 'current' } | { kind: 'nsid'; nsid: number } | { kind: 'unknown' };
  /** A link left for another namespace ("new-netns NAME" or "new-netnsid N"). */
  movedTo: { name: string } | { nsid: number } | null;
  /** The event is about the nsid table itself. */
  nsidChange: boolean;
}

/** Reads one line of `ip -o monitor all-nsid …`: only where it happened matters (it is a trigger). */
export function parseMonitorLine(line: string): MonitorEvent {
  const prefix = /^\[nsid (current|\d+)\]/.exec(line);
  const where: MonitorEvent['where'] = !prefix ? { kind: 'unknown' } : prefix[1] === 'current' ? { kind: 'current' } : { kind: 'nsid', nsid: Number(prefix[1]) };
  const body = prefix ? line.slice(prefix[0].length) : line;
  const toName = / new-netns (\S+)/.exec(body);
  const toNsid = / new-netnsid (\d+)/.exec(body);
  return {
    where,
    movedTo: toName ? { name: toName[1] as string } : toNsid ? { nsid: Number(toNsid[1]) } : null,
    nsidChange: /^(Deleted )?nsid \d+/.test(body),
  };
}

/** A decoded packet as the capture.packet notification carries it, before it is given its capture's id. */
export type PacketLine = Omit<CapturePacket, 'captureId'>;

const ADDRESS_PORT = /^(.*?)(?:\.(\d+))?$/;

/** "10.1.1.2.45678" → "10.1.1.2:45678"; IPv6 "fe80::1.546" → "[fe80::1]:546"; plain addresses stay. */
function endpoint(token: string, withPort: boolean): string {
  if (!withPort) return token;
  const [, host, port] = ADDRESS_PORT.exec(token) ?? [];
  if (!port || !host) return token;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function protocolOf(ethertype: string, rest: string): string {
  if (ethertype === 'ARP' || rest.startsWith('ARP') || /^(Request|Reply) who-has|^Reply /.test(rest)) return 'ARP';
  if (/: ICMP6[ ,]/.test(rest)) return 'ICMPv6';
  if (/: ICMP /.test(rest)) return 'ICMP';
  if (/: Flags \[/.test(rest)) return 'TCP';
  if (/: UDP,|\.\d+ > .*\.\d+: /.test(rest)) return 'UDP';
  return ethertype === 'IPv6' ? 'IPv6' : ethertype || 'IP';
}

/** One line of `tcpdump -n -tt -e -l` (or without -e), or null for anything else. */
export function parseTcpdumpLine(line: string): PacketLine | null {
  const head = /^(\d+\.\d+) (.*)$/.exec(line.trim());
  if (!head) return null;
  const time = Number(head[1]);
  let rest = head[2] as string;
  let ethertype = '';
  let length = 0;
  const link = /^\S+ > \S+, ethertype (\S+) \(0x[0-9a-f]+\), length (\d+): (.*)$/.exec(rest);
  if (link) {
    ethertype = link[1] as string;
    length = Number(link[2]);
    rest = link[3] as string;
  } else {
    const named = /^(IP6?|ARP),? (.*)$/.exec(rest);
    if (named) {
      ethertype = named[1] === 'IP6' ? 'IPv6' : named[1] === 'IP' ? 'IPv4' : 'ARP';
      rest = named[2] as string;
    }
  }
  const protocol = protocolOf(ethertype, rest);
  if (!length) length = Number([...rest.matchAll(/length (\d+)/g)].at(-1)?.[1] ?? 0);
  if (protocol === 'ARP') {
    const who = /who-has (\S+) tell ([^\s,]+)/.exec(rest);
    const reply = /Reply (\S+) is-at/.exec(rest);
    return { time, protocol, src: who?.[2] ?? reply?.[1] ?? '', dst: who?.[1] ?? '', length, summary: rest.replace(/, length \d+$/, '') };
  }
  const flow = /^(\S+) > (\S+): (.*)$/.exec(rest);
  if (!flow) return { time, protocol, src: '', dst: '', length, summary: rest };
  const ports = protocol === 'TCP' || protocol === 'UDP';
  return { time, protocol, src: endpoint(flow[1] as string, ports), dst: endpoint((flow[2] as string).replace(/:$/, ''), ports), length, summary: flow[3] as string };
}

export interface TcpSocket {
  /** "10.0.0.2:22", "[fd00::2]:22" */
  local: string;
  remote: string;
  established: boolean;
  inode: string;
}

/** The sockets listed in /proc/net/tcp or /proc/net/tcp6. */
export function parseProcNetTcp(text: string, ipv6: boolean): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  const endpoint = (field: string) => {
    const [hex, portHex] = field.split(':');
    const address = ipv6 ? ipv6FromProc(hex ?? '') : ipv4FromProc(hex ?? '');
    const port = Number.parseInt(portHex ?? '', 16);
    return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  };
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [, local, remote, state] = fields;
    const inode = fields[9];
    if (!local || !remote || !state || !inode) continue;
    sockets.push({ local: endpoint(local), remote: endpoint(remote), established: state === '01', inode });
  }
  return sockets;
}

/** /proc/net/tcp stores IPv4 addresses as one little-endian 32-bit word. */
function ipv4FromProc(hex: string): string {
  const bytes = (hex.match(/../g) ?? []).map((b) => Number.parseInt(b, 16)).reverse();
  return bytes.join('.');
}

/** /proc/net/tcp6 stores IPv6 addresses as four little-endian 32-bit words. */
function ipv6FromProc(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) => (word.match(/../g) ?? []).reverse()).map((b) => Number.parseInt(b, 16));
  const address = ipaddr.fromByteArray(bytes) as ipaddr.IPv6;
  return address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : address.toString();
}
