// Pure reading of what path.explain asks one namespace for: one
// `ip -force -j -d -batch -` process with the lines of factLines().
import { parseLinks, splitJsonValues } from '../parse';
import type { LinkKind } from '../../../shared/model';

export interface IfaceAddress {
  address: string;
  prefix: number;
  family: 'inet' | 'inet6';
  scope: string;
  /** IPv6 duplicate address detection found another holder. */
  dadFailed: boolean;
  /** IPv6 duplicate address detection is still running: the address cannot be used yet. */
  tentative: boolean;
}

export interface IfaceFacts {
  ifname: string;
  kind: LinkKind;
  up: boolean;
  /** The lower layer is up: for a veth, its far end is up too. */
  carrier: boolean;
  master: string | null;
  /** As a bridge port: forwarding, blocking, disabled, learning, listening. */
  portState: string | null;
  addresses: IfaceAddress[];
}

export type RouteAnswer = { ok: true; type: string; dev: string | null; gateway: string | null; prefsrc: string | null } | { ok: false; error: string };

export interface NsFacts {
  links: IfaceFacts[];
  /** Neighbour states by "dev/address": REACHABLE, STALE, FAILED, INCOMPLETE… */
  neighbours: Map<string, string[]>;
  /** IPv4 forwarding per interface ("all" included). */
  forwarding4: Map<string, boolean>;
  /** IPv6 forwarding of "all", which decides for the namespace. */
  forwarding6: boolean;
  /** rp_filter per interface and "all": off, strict or loose. */
  rpFilter: Map<string, string>;
  /** `ip route get TARGET`. */
  forward: RouteAnswer;
  /** `ip route get SOURCE`, when the source address is known: the way a reply goes back. */
  back: RouteAnswer | null;
}

/** The batch lines for one namespace: the target's route, and the source's when known. */
export function factLines(target: string, source: string | null): string[] {
  const lines = ['address show', 'neigh show', 'netconf show', `route get ${target}`];
  if (source !== null) lines.push(`route get ${source}`);
  return lines;
}

/** ip's error message for each failed batch line (1-based), from -force mode's stderr. */
export function batchErrors(stderr: string): Map<number, string> {
  const errors = new Map<number, string>();
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const failed = /^Command failed \S*:(\d+)$/.exec(line.trim());
    if (failed) {
      errors.set(Number(failed[1]), pending.join(' ').replace(/^RTNETLINK answers: /, '') || 'failed');
      pending = [];
    } else if (line.trim()) pending.push(line.trim());
  }
  return errors;
}

interface IpAddrJson {
  ifname?: string;
  flags?: string[];
  operstate?: string;
  linkinfo?: { info_slave_kind?: string; info_slave_data?: { state?: string } };
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string; dadfailed?: boolean; tentative?: boolean }[];
}

function ifaceFacts(json: unknown): IfaceFacts[] {
  const raw = ((Array.isArray(json) ? json : []) as IpAddrJson[]).filter((l) => typeof l.ifname === 'string');
  return parseLinks(raw).map((link, i) => {
    const r = raw[i] as IpAddrJson;
    const flags = r.flags ?? [];
    const slave = r.linkinfo?.info_slave_kind === 'bridge' ? r.linkinfo.info_slave_data : undefined;
    return {
      ifname: link.ifname,
      kind: link.kind,
      up: link.up,
      // A loopback and a tun report UNKNOWN; only NO-CARRIER or a down operstate mean no carrier.
      carrier: link.up && !flags.includes('NO-CARRIER') && link.operstate !== 'DOWN' && link.operstate !== 'LOWERLAYERDOWN',
      master: link.master,
      portState: slave?.state ?? null,
      addresses: (r.addr_info ?? [])
        .filter((a) => (a.family === 'inet' || a.family === 'inet6') && a.local !== undefined)
        .map((a) => ({
          address: a.local as string,
          prefix: a.prefixlen ?? 0,
          family: a.family as 'inet' | 'inet6',
          scope: a.scope ?? 'global',
          dadFailed: a.dadfailed === true,
          tentative: a.tentative === true && a.dadfailed !== true,
        })),
    };
  });
}

interface RouteJson {
  type?: string;
  dev?: string;
  gateway?: string;
  prefsrc?: string;
}

function routeAnswer(json: unknown, error: string | undefined): RouteAnswer {
  if (error !== undefined) return { ok: false, error };
  const r = (Array.isArray(json) ? json[0] : undefined) as RouteJson | undefined;
  if (!r) return { ok: false, error: 'no answer' };
  const type = r.type ?? 'unicast';
  // unreachable, prohibit and blackhole routes answer, but nothing goes anywhere.
  if (type !== 'unicast' && type !== 'local') return { ok: false, error: `a ${type} route` };
  return { ok: true, type, dev: r.dev ?? null, gateway: r.gateway ?? null, prefsrc: r.prefsrc ?? null };
}

/**
 * Reads the output of one facts process. The first three lines always answer
 * (or the namespace could not be read at all, which throws); a `route get`
 * that failed printed nothing and has its error in stderr.
 */
export function parseFacts(stdout: string, stderr: string, lines: readonly string[]): NsFacts {
  const errors = batchErrors(stderr);
  const values = splitJsonValues(stdout);
  const byLine: unknown[] = [];
  for (let line = 1; line <= lines.length; line++) byLine.push(errors.has(line) ? undefined : values.shift());
  if ([1, 2, 3].some((n) => errors.has(n))) throw new Error(errors.get(1) ?? errors.get(2) ?? errors.get(3));
  const neighbours = new Map<string, string[]>();
  for (const n of (byLine[1] ?? []) as { dst?: string; dev?: string; state?: string[] }[]) {
    if (n.dst && n.dev) neighbours.set(`${n.dev}/${n.dst}`, n.state ?? []);
  }
  const forwarding4 = new Map<string, boolean>();
  const rpFilter = new Map<string, string>();
  let forwarding6 = false;
  for (const c of (byLine[2] ?? []) as { family?: string; interface?: string; forwarding?: boolean; rp_filter?: string }[]) {
    if (!c.interface) continue;
    if (c.family === 'inet') {
      forwarding4.set(c.interface, c.forwarding === true);
      if (c.rp_filter) rpFilter.set(c.interface, c.rp_filter);
    } else if (c.family === 'inet6' && c.interface === 'all') forwarding6 = c.forwarding === true;
  }
  return {
    links: ifaceFacts(byLine[0]),
    neighbours,
    forwarding4,
    forwarding6,
    rpFilter,
    forward: routeAnswer(byLine[3], errors.get(4)),
    back: lines.length > 4 ? routeAnswer(byLine[4], errors.get(5)) : null,
  };
}

const RP_RANK: Record<string, number> = { off: 0, strict: 1, loose: 2 };

/** The rp_filter that applies to packets arriving on `ifname`: the higher of "all" and its own. */
export function rpFilterOn(facts: NsFacts, ifname: string): 'off' | 'strict' | 'loose' {
  const rank = Math.max(RP_RANK[facts.rpFilter.get('all') ?? 'off'] ?? 0, RP_RANK[facts.rpFilter.get(ifname) ?? 'off'] ?? 0);
  return rank === 1 ? 'strict' : rank === 2 ? 'loose' : 'off';
}
