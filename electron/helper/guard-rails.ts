// Host-mode guard rails, enforced by the helper for every client: a call that
// could cut the machine off (its default routes, the SSH sessions it is being
// reached by) is refused with RiskRefused (-32004) unless it says confirmRisk.
// They protect the helper's own namespace, the machine's, not every container's.
import { readdir, readFile, readlink } from 'node:fs/promises';
import ipaddr from 'ipaddr.js';
import { ErrorCode, RpcError } from '../../shared/protocol';
import type { HelperMethodName, ValidParams, Where } from '../../shared/schemas';
import { target, type Context } from './context';
import { parseLinks, parseProcNetTcp, splitJsonValues, type TcpSocket } from './parse';
import { parseSshSockets, randomNonce, sshSocketsScript } from './remote/remote-view';

/** What the rails look at in the machine's namespace. */
export interface HostFacts {
  links: { ifname: string; master: string | null; addresses: string[] }[];
  defaultRoutes: { dev: string; via: string | null; family: 'IPv4' | 'IPv6' }[];
  /** Established connections of sshd (any port), with their local and remote ends. */
  sshSessions: { local: string; remote: string }[];
}

/** Below this an interface cannot carry IPv6 at all. */
export const MTU_FLOOR = 1280;

/** The calls the rails judge; each takes confirmRisk. */
export const GUARDED: ReadonlySet<HelperMethodName> = new Set(['link.set', 'link.move', 'link.delete', 'link.setMaster', 'route.del', 'addr.del', 'netem.set', 'netns.delete', 'sysctl.set']);

const hostOf = (cidr: string) => cidr.split('/')[0] as string;
/** The address of an "addr:port" or "[addr]:port" endpoint. */
const endpointAddress = (endpoint: string) => (endpoint.startsWith('[') ? endpoint.slice(1, endpoint.indexOf(']')) : endpoint.slice(0, endpoint.lastIndexOf(':')));

/** Why `ifname` matters to the machine's reachability, or null. A bridge matters through its ports. */
export function whyItMatters(facts: HostFacts, ifname: string): string | null {
  const reasons: string[] = [];
  for (const route of facts.defaultRoutes.filter((r) => r.dev === ifname)) {
    reasons.push(`the machine's ${route.family} default route${route.via ? ` (via ${route.via})` : ''}`);
  }
  const link = facts.links.find((l) => l.ifname === ifname);
  const own = (link?.addresses ?? []).map(hostOf);
  for (const session of facts.sshSessions.filter((s) => own.some((a) => sameAddress(a, endpointAddress(s.local))))) {
    reasons.push(`the SSH session from ${session.remote}`);
  }
  const ports = facts.links
    .filter((l) => l.master === ifname)
    .flatMap((port) => {
      const why = whyItMatters(facts, port.ifname);
      return why ? [`its port ${port.ifname}, which carries ${why}`] : [];
    });
  reasons.push(...ports);
  return reasons.length ? reasons.join(' and ') : null;
}

/** The same for an interface and the bridge it is a port of. */
function risky(facts: HostFacts, ifname: string): string | null {
  const own = whyItMatters(facts, ifname);
  if (own) return `${ifname} carries ${own}`;
  const link = facts.links.find((l) => l.ifname === ifname);
  const master = link?.master;
  if (!master) return null;
  // A port of the bridge that carries the route: the traffic may flow through this very port.
  const via = whyItMatters(facts, master);
  return via ? `${ifname} is a port of ${master}, which carries ${via}` : null;
}

const CUT_OFF = 'this machine may lose its network, and you may not get back in';

/** The risk of one call in the machine's namespace, in words; null when there is none. */
export function riskOf<M extends HelperMethodName>(method: M, params: ValidParams[M], facts: HostFacts): string | null {
  const p = params as { ifname?: string; up?: boolean; mtu?: number; master?: string | null; to?: string; cidr?: string; lossPercent?: number };
  const about = (verb: string) => {
    const why = p.ifname ? risky(facts, p.ifname) : null;
    return why ? `${verb} ${p.ifname}: ${why}; ${CUT_OFF}.` : null;
  };
  switch (method) {
    case 'link.set':
      if (p.up === false) return about('Bringing down');
      if (p.mtu !== undefined && p.mtu < MTU_FLOOR) return about(`Setting an MTU of ${p.mtu} (below ${MTU_FLOOR}, IPv6's least) on`);
      return null;
    case 'link.move':
      return about('Moving away');
    case 'link.delete':
      return about('Deleting');
    case 'link.setMaster':
      return about(p.master === null ? 'Taking off its bridge' : `Making ${p.master} the master of`);
    case 'netem.set':
      return p.lossPercent === 100 ? about('Dropping every packet on') : null;
    case 'route.del': {
      if (p.to !== 'default') return null;
      const routes = facts.defaultRoutes.map((r) => `${r.family} via ${r.via ?? r.dev}`);
      return routes.length ? `Deleting a default route (${routes.join(', ')}): ${CUT_OFF}.` : null;
    }
    case 'addr.del': {
      if (!p.cidr) return null;
      const sessions = facts.sshSessions.filter((s) => sameAddress(endpointAddress(s.local), hostOf(p.cidr as string)));
      return sessions.length ? `Removing ${p.cidr} ends the SSH session from ${sessions.map((s) => s.remote).join(', ')}; you may not get back in.` : null;
    }
    case 'sysctl.set': {
      // Any of these changes how the machine itself treats traffic; containers and VMs rely on forwarding.
      const s = params as ValidParams['sysctl.set'];
      if (!s.key.endsWith('.rp_filter')) {
        return s.value === 0
          ? `Turning ${s.key} off stops this machine routing for its containers, VMs and networks behind it.`
          : `Turning ${s.key} on makes this machine route packets between all its networks, which may expose them to each other.`;
      }
      return `Setting ${s.key} to ${s.value} changes which packets this machine accepts on its own interfaces.`;
    }
    default:
      return null;
  }
}

function sameAddress(a: string, b: string): boolean {
  try {
    return ipaddr.process(a).toString() === ipaddr.process(b).toString();
  } catch {
    return a === b;
  }
}

/** Socket inodes held by sshd processes (sshd, sshd-session, sshd: user@pts). */
async function sshdSocketInodes(): Promise<Set<string>> {
  const inodes = new Set<string>();
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  await Promise.all(
    pids.map(async (pid) => {
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
      if (!comm.startsWith('sshd')) return;
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
      await Promise.all(
        fds.map(async (fd) => {
          const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
          const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
          if (inode) inodes.add(inode);
        }),
      );
    }),
  );
  return inodes;
}

/** sshd's TCP sockets and the socket inodes its processes hold: read here, or on a remote machine in one round trip. */
async function sshdSockets(ctx: Context): Promise<{ tcp: string; tcp6: string; inodes: Set<string> }> {
  if (ctx.remote) {
    const nonce = randomNonce();
    const result = await ctx.ip.run('sh', ['-c', sshSocketsScript(nonce)], { namespace: null, log: false });
    return parseSshSockets(result.stdout, nonce) ?? { tcp: '', tcp6: '', inodes: new Set() };
  }
  const read = (path: string) => readFile(path, 'utf8').catch(() => '');
  return { tcp: await read('/proc/net/tcp'), tcp6: await read('/proc/net/tcp6'), inodes: await sshdSocketInodes() };
}

/** Established TCP connections whose sockets sshd holds, in the helper's namespace (a remote helper's own session among them). */
export async function sshSessions(ctx: Context): Promise<HostFacts['sshSessions']> {
  const { tcp, tcp6, inodes } = await sshdSockets(ctx);
  const sockets: TcpSocket[] = [...parseProcNetTcp(tcp, false), ...parseProcNetTcp(tcp6, true)];
  return sockets.filter((s) => s.established && inodes.has(s.inode)).map((s) => ({ local: s.local, remote: s.remote }));
}

/** Reads the facts: one ip process (links, addresses, every route table) and /proc. */
export async function readHostFacts(ctx: Context): Promise<HostFacts> {
  // Side by side: on a remote machine each is a round trip.
  const [result, sessions] = await Promise.all([ctx.ip.check('ip', ['-j', '-batch', '-'], { namespace: null, input: 'address show\nroute show table all\n', log: false }), sshSessions(ctx)]);
  const [links, routes] = splitJsonValues(result.stdout) as [
    unknown,
    { dst?: string; dev?: string; gateway?: string; table?: string; pref?: string; nexthops?: { dev?: string; gateway?: string }[] }[],
  ];
  const defaultRoutes: HostFacts['defaultRoutes'] = [];
  for (const route of routes ?? []) {
    if (route.dst !== 'default' || route.table === 'local') continue;
    const hops = route.nexthops?.length ? route.nexthops : [route];
    for (const hop of hops) {
      if (!hop.dev) continue;
      const via = hop.gateway ?? null;
      // ip prints a route preference only for IPv6.
      const family = via?.includes(':') || route.pref !== undefined ? 'IPv6' : 'IPv4';
      defaultRoutes.push({ dev: hop.dev, via, family });
    }
  }
  return {
    links: parseLinks(links ?? []).map((l) => ({ ifname: l.ifname, master: l.master, addresses: l.addresses })),
    defaultRoutes,
    sshSessions: sessions,
  };
}

/** Whether a call acts in the helper's own namespace. */
function inOwnNamespace(ctx: Context, where: Where | undefined): boolean {
  return where !== undefined && target(ctx, where) === null;
}

/**
 * Refuses a risky call in host mode unless it carries confirmRisk. `extra`
 * judges what the facts alone cannot (a namespace whose deletion takes veth
 * ends of the machine with it).
 */
export async function enforceRails<M extends HelperMethodName>(ctx: Context, method: M, params: ValidParams[M], extra?: (facts: HostFacts) => string | null): Promise<void> {
  if (ctx.mode !== 'host' || !GUARDED.has(method)) return;
  const p = params as { where?: Where; confirmRisk?: boolean };
  if (p.confirmRisk === true) return;
  if (!extra && !inOwnNamespace(ctx, p.where)) return;
  const facts = await readHostFacts(ctx);
  const risk = extra ? extra(facts) : riskOf(method, params, facts);
  if (risk) throw new RpcError({ code: ErrorCode.RiskRefused, message: risk, data: { risk } });
}

/** The risk of deleting a namespace that holds the far ends of the machine's own veths. */
export function namespaceDeletionRisk(facts: HostFacts, machineEnds: readonly string[]): string | null {
  for (const ifname of machineEnds) {
    const why = risky(facts, ifname);
    if (why) return `Deleting this namespace destroys the machine's ${ifname} with its far end: ${why}; ${CUT_OFF}.`;
  }
  return null;
}
