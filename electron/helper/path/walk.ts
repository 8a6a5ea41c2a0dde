// Follows a packet hop by hop and names the first thing that stops it, in
// either direction. Pure apart from the two readers it is given: the
// structure (which veth goes where, who holds which address) comes from the
// helper's live topology, and the state of every namespace on the path from a
// fresh reading of it. The rules are written up in docs/explain.md.
import ipaddr from 'ipaddr.js';
import { namespaceLabel, type Link, type Namespace, type Topology } from '../../../shared/model';
import type { PathAction, PathCheck, PathHop, PathProblem, ProblemCode } from '../../../shared/protocol';
import { shellQuote } from '../../../shared/shell';
import { rpFilterOn, type IfaceFacts, type NsFacts } from './facts';
import { judge, type EchoPacket, type FirewallVerdict, type Hook, parseRuleset } from './firewall';

export interface PathReaders {
  /** The namespace's state now; `source` adds the way back to it. */
  facts(namespaceId: string, source: string | null): Promise<NsFacts>;
  /** `nft -j list ruleset` of the namespace, or a sentence saying why it could not be read. */
  ruleset(namespaceId: string): Promise<unknown>;
}

export interface Analysis {
  hops: PathHop[];
  problem: PathProblem | null;
  leavesMachine: boolean;
  notes: string[];
  checks: PathCheck[];
}

/** An interface a frame can reach: where it is and the bridges it crossed. */
interface Endpoint {
  nsId: string;
  ifname: string;
  through: { nsId: string; bridge: string; inPort: string | null; outPort: string | null }[];
}

const MAX_HOPS = 16;

class Stop extends Error {
  constructor(readonly problem: PathProblem) {
    super(problem.message);
  }
}

const hostOf = (cidr: string) => cidr.split('/')[0] as string;

function sameIp(a: string, b: string): boolean {
  try {
    return ipaddr.parse(a).toNormalizedString() === ipaddr.parse(b).toNormalizedString();
  } catch {
    return a === b;
  }
}

function inSubnet(ip: string, cidr: string): boolean {
  try {
    const [net, len] = ipaddr.parseCIDR(cidr);
    const a = ipaddr.parse(ip);
    return a.kind() === net.kind() && a.match(net, len);
  } catch {
    return false;
  }
}

/** "10.0.2.2/24" → "10.0.2.0/24". */
function networkOf(cidr: string): string {
  const [address, len] = ipaddr.parseCIDR(cidr);
  const net = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return `${net.toString()}/${len}`;
}

export class PathWalk {
  private readonly checks: PathCheck[] = [];
  private readonly hops: PathHop[] = [];
  private readonly notes: string[] = [];
  private readonly read = new Map<string, Promise<NsFacts>>();
  private readonly rulesets = new Map<string, Promise<ReturnType<typeof parseRuleset> | string>>();
  private leaves = false;
  private readonly v6: boolean;

  constructor(
    private readonly topology: Topology,
    private readonly readers: PathReaders,
    private readonly sourceId: string,
    private readonly target: string,
  ) {
    this.v6 = target.includes(':');
  }

  async run(): Promise<Analysis> {
    let problem: PathProblem | null = null;
    try {
      await this.walk();
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      problem = error.problem;
    }
    return { hops: this.hops, problem, leavesMachine: this.leaves, notes: this.notes, checks: this.checks };
  }

  // --- reading -------------------------------------------------------------

  private source: string | null = null;

  private facts(nsId: string): Promise<NsFacts> {
    const key = `${nsId}/${this.source ?? ''}`;
    let pending = this.read.get(key);
    if (!pending) {
      pending = this.readers.facts(nsId, this.source);
      this.read.set(key, pending);
    }
    return pending;
  }

  private ns(id: string): Namespace | undefined {
    return this.topology.namespaces.find((n) => n.id === id);
  }

  private link(nsId: string, ifname: string): Link | undefined {
    return this.ns(nsId)?.links.find((l) => l.ifname === ifname);
  }

  private label(nsId: string): string {
    const ns = this.ns(nsId);
    return ns ? namespaceLabel(ns) : `netns ${nsId}`;
  }

  private at(nsId: string, ifname: string | null): string {
    return ifname ? `${ifname} in ${this.label(nsId)}` : this.label(nsId);
  }

  private check(ok: boolean, nsId: string, text: string): void {
    this.checks.push({ ok, namespaceId: nsId, text });
  }

  // --- fixes ---------------------------------------------------------------

  /** argv run inside the namespace, as typed in the (lab's) host shell. */
  private inNs(nsId: string, argv: string[]): string {
    const ns = this.ns(nsId);
    if (!ns || ns.root) return shellQuote(argv);
    if (ns.name !== null && !ns.nameNeedsId) {
      return shellQuote(argv[0] === 'ip' ? ['ip', '-n', ns.name, ...argv.slice(1)] : ['ip', 'netns', 'exec', ns.name, ...argv]);
    }
    const pid = ns.holders?.[0]?.pid;
    const path = pid !== undefined ? `/proc/${pid}/ns/net` : ns.name !== null ? `/run/netns/${ns.name}` : (ns.mounts?.[0] ?? `/proc/PID/ns/net`);
    return shellQuote(['nsenter', `--net=${path}`, '--', ...argv]);
  }

  private where(nsId: string): Record<string, unknown> {
    const ns = this.ns(nsId);
    if (!ns || ns.root) return { namespace: null };
    return ns.name !== null && !ns.nameNeedsId ? { namespace: ns.name } : { namespaceId: ns.id };
  }

  private stop(code: ProblemCode, nsId: string, ifname: string | null, message: string, fix: { argv: string[]; action: PathAction | null }[] = []): never {
    this.check(false, nsId, message);
    const hop = this.hops.findLast((h) => h.namespaceId === nsId);
    if (hop) hop.note = message;
    throw new Stop({
      namespaceId: nsId,
      namespace: this.ns(nsId)?.name ?? null,
      ifname,
      code,
      message,
      fix: fix.map((f) => this.inNs(nsId, f.argv)),
      actions: fix.flatMap((f) => (f.action ? [f.action] : [])),
    });
  }

  private linkUp(nsId: string, ifname: string) {
    return { argv: ['ip', 'link', 'set', 'dev', ifname, 'up'], action: { method: 'link.set' as const, params: { ...this.where(nsId), ifname, up: true } } };
  }

  private sysctl(nsId: string, key: string, value: number) {
    return { argv: ['sysctl', '-w', `${key}=${value}`], action: { method: 'sysctl.set' as const, params: { ...this.where(nsId), key, value } } };
  }

  private addrAdd(nsId: string, ifname: string, cidr: string) {
    return { argv: ['ip', 'address', 'add', cidr, 'dev', ifname], action: { method: 'addr.add' as const, params: { ...this.where(nsId), ifname, cidr } } };
  }

  private addrDel(nsId: string, ifname: string, cidr: string) {
    return { argv: ['ip', 'address', 'del', cidr, 'dev', ifname], action: { method: 'addr.del' as const, params: { ...this.where(nsId), ifname, cidr } } };
  }

  private routeAdd(nsId: string, to: string, via: string) {
    return { argv: ['ip', 'route', 'add', to, 'via', via], action: { method: 'route.add' as const, params: { ...this.where(nsId), to, via } } };
  }

  // --- the structure ---------------------------------------------------------

  /** Every interface holding `ip`, anywhere on the machine (from the live topology). */
  private owners(ip: string): { nsId: string; ifname: string; cidr: string }[] {
    return this.topology.namespaces.flatMap((ns) => ns.links.flatMap((l) => l.addresses.filter((a) => sameIp(hostOf(a), ip)).map((cidr) => ({ nsId: ns.id, ifname: l.ifname, cidr }))));
  }

  /** The network a route to `ip` should name: its holder's subnet, or the address alone. */
  private networkHolding(ip: string): string {
    const owner = this.owners(ip)[0];
    return owner ? networkOf(owner.cidr) : this.v6 ? `${ip}/128` : `${ip}/32`;
  }

  /** Where frames sent out of `ifname` can arrive. */
  private segment(nsId: string, ifname: string): { endpoints: Endpoint[]; leaves: string | null } {
    const link = this.link(nsId, ifname);
    if (!link) return { endpoints: [], leaves: null };
    if (link.kind === 'bridge') return this.behindBridge(nsId, ifname, null, [], 0);
    if (link.kind === 'veth' && link.peer) {
      const far = this.link(link.peer.namespaceId, link.peer.ifname);
      if (far?.master) {
        const bridge = { nsId: link.peer.namespaceId, bridge: far.master, inPort: far.ifname, outPort: null };
        return this.behindBridge(link.peer.namespaceId, far.master, far.ifname, [bridge], 0);
      }
      return { endpoints: [{ nsId: link.peer.namespaceId, ifname: link.peer.ifname, through: [] }], leaves: null };
    }
    if (link.kind === 'loopback') return { endpoints: [], leaves: null };
    return { endpoints: [], leaves: `${this.at(nsId, ifname)} is a ${link.kind === 'veth' ? 'veth whose far end is not on this machine' : `${link.kind} interface`}` };
  }

  private behindBridge(nsId: string, bridge: string, inPort: string | null, through: Endpoint['through'], depth: number): { endpoints: Endpoint[]; leaves: string | null } {
    const endpoints: Endpoint[] = [{ nsId, ifname: bridge, through }];
    let leaves: string | null = null;
    for (const port of this.ns(nsId)?.links.filter((l) => l.master === bridge && l.ifname !== inPort) ?? []) {
      const step = [...through.slice(0, -1), { ...(through.at(-1) ?? { nsId, bridge, inPort }), outPort: port.ifname }];
      if (port.kind === 'veth' && port.peer) {
        const far = this.link(port.peer.namespaceId, port.peer.ifname);
        if (far?.master && depth < 4) {
          const next = this.behindBridge(port.peer.namespaceId, far.master, far.ifname, [...step, { nsId: port.peer.namespaceId, bridge: far.master, inPort: far.ifname, outPort: null }], depth + 1);
          endpoints.push(...next.endpoints);
          leaves ??= next.leaves;
        } else endpoints.push({ nsId: port.peer.namespaceId, ifname: port.peer.ifname, through: step });
      } else leaves ??= `${bridge} in ${this.label(nsId)} has the port ${port.ifname} (${port.kind}), which leads off this machine`;
    }
    return { endpoints, leaves };
  }

  private holds(e: Endpoint, ip: string): boolean {
    return !!this.link(e.nsId, e.ifname)?.addresses.some((a) => sameIp(hostOf(a), ip));
  }

  // --- the walk ----------------------------------------------------------------

  private async walk(): Promise<void> {
    const start = await this.facts(this.sourceId);
    if (start.forward.ok && start.forward.type === 'local') return this.local(start);
    const own = start.links.find((l) => l.addresses.some((a) => sameIp(a.address, this.target)));
    if (own) {
      this.stop('link-down', this.sourceId, own.ifname, `${this.target} is ${this.at(this.sourceId, own.ifname)}, which is down: a down interface's addresses are not delivered to.`, [
        this.linkUp(this.sourceId, own.ifname),
      ]);
    }
    const returns: { nsId: string; prevAddr: string | null }[] = [];
    const firewall: { nsId: string; role: PathHop['role']; iif: string | null; oif: string | null }[] = [];
    let cur = this.sourceId;
    let ingress: string | null = null;
    const visited = new Set<string>();
    for (let step = 0; step < MAX_HOPS; step++) {
      if (visited.has(cur)) this.stop('no-route', cur, null, `The packet comes back to ${this.label(cur)}: the routes form a loop.`);
      visited.add(cur);
      const f = await this.facts(cur);
      this.tentativeNote(cur, f);
      const role: PathHop['role'] = cur === this.sourceId ? 'source' : f.forward.ok && f.forward.type === 'local' ? 'destination' : 'router';
      // A hop is on the path once the packet reaches it, whatever happens to it there.
      const hop = this.hop(cur, role === 'source' ? null : ingress, role, null, null);
      this.hops.push(hop);
      if (role === 'destination') {
        this.rpFilterCheck(cur, f, ingress as string);
        this.check(true, cur, `${this.target} is ${this.label(cur)}'s own address`);
        this.dadCheck(cur, f, this.target);
        firewall.push({ nsId: cur, role, iif: ingress, oif: null });
        break;
      }
      if (role === 'router') {
        this.forwardingCheck(cur, f, ingress as string);
        this.rpFilterCheck(cur, f, ingress as string);
      }
      const route = f.forward;
      if (!route.ok) this.noRoute(cur, f, route.error);
      const dev = route.dev as string;
      const via = route.gateway;
      hop.ifname = dev;
      hop.via = via;
      if (role === 'source') {
        this.source = route.prefsrc;
        if (!this.source) {
          this.stop('no-address', cur, dev, `${this.at(cur, dev)} has no ${this.v6 ? 'IPv6' : 'IPv4'} address to send from.`, this.addressFix(cur, dev, via ?? this.target));
        }
        this.check(true, cur, `${this.label(cur)} sends from ${this.source} out of ${dev}${via ? ` via ${via}` : ''}`);
        this.dadCheck(cur, f, this.source);
      } else this.check(true, cur, `${this.label(cur)} forwards out of ${dev}${via ? ` via ${via}` : ''}`);
      firewall.push({ nsId: cur, role, iif: ingress, oif: dev });
      const next = await this.across(cur, f, dev, via ?? this.target, via !== null);
      if (!next) break;
      returns.push({ nsId: next.endpoint.nsId, prevAddr: next.prevAddr });
      cur = next.endpoint.nsId;
      ingress = next.endpoint.ifname;
    }
    if (this.leaves) return;
    await this.firewallChecks(firewall, 'request');
    for (const r of returns.reverse()) await this.returnCheck(r.nsId, r.prevAddr);
    await this.firewallChecks([...firewall].reverse(), 'reply');
  }

  private hop(nsId: string, ifname: string | null, role: PathHop['role'], via: string | null, note: string | null): PathHop {
    return { namespaceId: nsId, namespace: this.ns(nsId)?.name ?? null, ifname, role, via, note };
  }

  /** The target is one of the source's own addresses: the loopback path. */
  private local(f: NsFacts): void {
    const lo = f.links.find((l) => l.kind === 'loopback');
    this.hops.push(this.hop(this.sourceId, lo?.ifname ?? 'lo', 'destination', null, 'delivered locally, over lo'));
    if (lo && !lo.up) {
      this.stop('loopback-down', this.sourceId, lo.ifname, `${this.target} is ${this.label(this.sourceId)}'s own address, and packets to its own addresses go over lo, which is down.`, [
        this.linkUp(this.sourceId, lo.ifname),
      ]);
    }
    this.check(true, this.sourceId, `${this.target} is a local address; lo is up`);
  }

  private tentativeNote(nsId: string, f: NsFacts): void {
    if (!this.v6) return;
    const waiting = f.links.filter((l) => l.addresses.some((a) => a.tentative)).map((l) => l.ifname);
    if (waiting.length)
      this.notes.push(`In ${this.label(nsId)}, ${waiting.join(', ')} still check their IPv6 addresses for duplicates (DAD, about a second after coming up); until then they are not used.`);
  }

  private dadCheck(nsId: string, f: NsFacts, ip: string): void {
    for (const l of f.links) {
      const a = l.addresses.find((x) => x.dadFailed && sameIp(x.address, ip));
      if (a) {
        const cidr = `${a.address}/${a.prefix}`;
        this.stop('address-conflict', nsId, l.ifname, `${cidr} on ${this.at(nsId, l.ifname)} failed duplicate address detection: another interface on the link has it too.`, [
          this.addrDel(nsId, l.ifname, cidr),
        ]);
      }
    }
  }

  private forwardingCheck(nsId: string, f: NsFacts, ingress: string): void {
    const on = this.v6 ? f.forwarding6 : (f.forwarding4.get(ingress) ?? f.forwarding4.get('all') ?? false);
    const key = this.v6 ? 'net.ipv6.conf.all.forwarding' : 'net.ipv4.ip_forward';
    if (!on) {
      this.stop('forwarding-disabled', nsId, ingress, `${this.label(nsId)} would route the packet on, but forwarding is off there (${key} = 0), so it drops what arrives on ${ingress} for others.`, [
        this.sysctl(nsId, key, 1),
      ]);
    }
    this.check(true, nsId, `${this.label(nsId)} forwards (${key} = 1)`);
  }

  private rpFilterCheck(nsId: string, f: NsFacts, ingress: string): void {
    if (this.v6 || !f.back?.ok) return;
    const mode = rpFilterOn(f, ingress);
    if (mode === 'strict' && f.back.dev !== ingress) {
      this.stop(
        'reverse-path-filter',
        nsId,
        ingress,
        `The packet from ${this.source} arrives on ${ingress}, but ${this.label(nsId)} would answer ${this.source} out of ${f.back.dev}; strict rp_filter drops such packets.`,
        [this.sysctl(nsId, 'net.ipv4.conf.all.rp_filter', 2)],
      );
    }
    if (mode === 'strict') this.check(true, nsId, `rp_filter on ${ingress} is strict and the way back leaves by ${ingress}`);
  }

  /** The route lookup failed: say why as precisely as the state allows. */
  private noRoute(nsId: string, f: NsFacts, error: string): never {
    const down = f.links.filter((l) => !l.up && l.kind !== 'loopback' && l.addresses.some((a) => a.scope === 'global'));
    const covering = down.find((l) => l.addresses.some((a) => inSubnet(this.target, `${a.address}/${a.prefix}`)));
    const culprit = covering ?? (down.length === 1 ? down[0] : undefined);
    if (culprit) {
      this.stop('link-down', nsId, culprit.ifname, `${this.at(nsId, culprit.ifname)} is down, so its routes are gone and ${this.label(nsId)} has no way to ${this.target}.`, [
        this.linkUp(nsId, culprit.ifname),
      ]);
    }
    // An interface whose cable reaches the target, but without an address there.
    for (const l of f.links.filter((x) => x.up && x.kind !== 'loopback')) {
      const owner = this.segment(nsId, l.ifname).endpoints.find((e) => this.holds(e, this.target));
      if (owner) {
        this.stop(
          'no-address',
          nsId,
          l.ifname,
          `${this.target} is ${this.at(owner.nsId, owner.ifname)}, reached through ${l.ifname}, but ${l.ifname} has no address on its subnet, so ${this.label(nsId)} has no route there.`,
          this.addressFix(nsId, l.ifname, this.target),
        );
      }
    }
    const gateway = this.gatewayFor(nsId, f);
    this.stop(
      'no-route',
      nsId,
      null,
      `${this.label(nsId)} has no route to ${this.target} (${error}).${gateway ? ` ${gateway.via} in ${this.label(gateway.nsId)} can route there.` : ''}`,
      gateway ? [this.routeAdd(nsId, gateway.to, gateway.via)] : [],
    );
  }

  /** A neighbour, on one of the namespace's links, that has a way to the target's network. */
  private gatewayFor(nsId: string, f: NsFacts): { to: string; via: string; nsId: string } | null {
    const to = this.networkHolding(this.target);
    for (const l of f.links.filter((x) => x.up && x.kind !== 'loopback')) {
      const mine = l.addresses.filter((a) => a.scope === 'global' && a.family === (this.v6 ? 'inet6' : 'inet'));
      for (const e of this.segment(nsId, l.ifname).endpoints) {
        const theirs = this.ns(e.nsId);
        if (!theirs || e.nsId === nsId) continue;
        const reaches = theirs.links.some((x) => x.addresses.some((a) => inSubnet(this.target, a))) || theirs.routes.some((r) => r.to !== 'default' && inSubnet(this.target, r.to));
        const via = this.link(e.nsId, e.ifname)?.addresses.find((a) => mine.some((m) => inSubnet(hostOf(a), `${m.address}/${m.prefix}`)));
        if (reaches && via) return { to, via: hostOf(via), nsId: e.nsId };
      }
    }
    return null;
  }

  /** An address for `ifname` on the subnet of whoever holds `ip` across its cable. */
  private addressFix(nsId: string, ifname: string, ip: string) {
    const owner = this.segment(nsId, ifname).endpoints.find((e) => this.holds(e, ip));
    const cidr = owner ? this.link(owner.nsId, owner.ifname)?.addresses.find((a) => sameIp(hostOf(a), ip)) : undefined;
    if (!cidr) return [];
    const free = this.freeAddress(cidr);
    return free ? [this.addrAdd(nsId, ifname, free)] : [];
  }

  /** The lowest address of cidr's subnet that nobody on the machine uses. */
  private freeAddress(cidr: string): string | null {
    const [net, len] = ipaddr.parseCIDR(networkOf(cidr));
    const bytes = net.toByteArray();
    for (let i = 1; i < 255; i++) {
      const candidate = [...bytes];
      candidate[candidate.length - 1] = ((candidate[candidate.length - 1] as number) + i) & 0xff;
      const ip = ipaddr.fromByteArray(candidate).toString();
      if (!inSubnet(ip, cidr) || this.owners(ip).length) continue;
      return `${ip}/${len}`;
    }
    return null;
  }

  /**
   * Takes the packet across the cable out of `dev` to whoever holds `nextHop`:
   * carrier, bridges and their ports, and who answers for the address.
   */
  private async across(nsId: string, f: NsFacts, dev: string, nextHop: string, isGateway: boolean): Promise<{ endpoint: Endpoint; prevAddr: string | null } | null> {
    const out = f.links.find((l) => l.ifname === dev) as IfaceFacts | undefined;
    if (out && !out.up) this.stop('link-down', nsId, dev, `${this.at(nsId, dev)} is down.`, [this.linkUp(nsId, dev)]);
    const link = this.link(nsId, dev);
    if (out && !out.carrier) await this.noCarrier(nsId, dev, link);
    this.check(true, nsId, `${dev} is up, with carrier`);
    const { endpoints, leaves } = this.segment(nsId, dev);
    const holders = endpoints.filter((e) => this.holds(e, nextHop) && !(e.nsId === nsId && e.ifname === dev));
    if (!holders.length) {
      if (leaves || (link?.kind !== 'veth' && link?.kind !== 'bridge')) {
        this.leaves = true;
        this.notes.push(`The route leaves this machine: ${leaves ?? `${this.at(nsId, dev)} is a ${link?.kind ?? 'unknown'} interface`}; nothing beyond it is judged.`);
        await this.masqueradeNote(nsId);
        return null;
      }
      await this.nobodyHolds(nsId, dev, nextHop, isGateway, endpoints);
    }
    if (holders.length > 1) {
      const [first, second] = holders as [Endpoint, Endpoint];
      const cidr = this.link(second.nsId, second.ifname)?.addresses.find((a) => sameIp(hostOf(a), nextHop)) as string;
      this.stop(
        'address-conflict',
        second.nsId,
        second.ifname,
        `${nextHop} is held by both ${this.at(first.nsId, first.ifname)} and ${this.at(second.nsId, second.ifname)} on the same link; either may answer.`,
        [this.addrDel(second.nsId, second.ifname, cidr)],
      );
    }
    const endpoint = holders[0] as Endpoint;
    if (this.source) {
      const twin = endpoints.find((e) => e.nsId !== nsId && this.holds(e, this.source as string));
      if (twin) {
        const cidr = this.link(twin.nsId, twin.ifname)?.addresses.find((a) => sameIp(hostOf(a), this.source as string)) as string;
        this.stop('address-conflict', twin.nsId, twin.ifname, `${this.source}, the sender's address, is also held by ${this.at(twin.nsId, twin.ifname)} on the same link: replies may go there.`, [
          this.addrDel(twin.nsId, twin.ifname, cidr),
        ]);
      }
    }
    for (const b of endpoint.through) await this.bridgeCheck(b);
    const arrive = (await this.facts(endpoint.nsId)).links.find((l) => l.ifname === endpoint.ifname);
    if (arrive && !arrive.up) {
      this.stop('no-carrier', endpoint.nsId, endpoint.ifname, `${this.at(endpoint.nsId, endpoint.ifname)}, where the packet arrives, is down.`, [this.linkUp(endpoint.nsId, endpoint.ifname)]);
    }
    this.check(true, endpoint.nsId, `${nextHop} answers on ${this.at(endpoint.nsId, endpoint.ifname)}`);
    const mine = this.link(nsId, dev)?.addresses.find((a) => inSubnet(nextHop, a));
    return { endpoint, prevAddr: mine ? hostOf(mine) : null };
  }

  private async noCarrier(nsId: string, dev: string, link: Link | undefined): Promise<never> {
    if (link?.kind === 'veth' && link.peer) {
      const farFacts = await this.facts(link.peer.namespaceId);
      const far = farFacts.links.find((l) => l.ifname === link.peer?.ifname);
      if (far && !far.up) {
        this.stop('no-carrier', link.peer.namespaceId, far.ifname, `${this.at(nsId, dev)} has no carrier: its other end, ${this.at(link.peer.namespaceId, far.ifname)}, is down.`, [
          this.linkUp(link.peer.namespaceId, far.ifname),
        ]);
      }
    }
    if (link?.kind === 'bridge') {
      const ports = this.ns(nsId)?.links.filter((l) => l.master === dev) ?? [];
      const message = ports.length
        ? `${this.at(nsId, dev)} has no carrier: none of its ports (${ports.map((p) => p.ifname).join(', ')}) is up with a live cable.`
        : `${this.at(nsId, dev)} has no ports, so it has no carrier.`;
      this.stop('no-carrier', nsId, dev, message);
    }
    this.stop('no-carrier', nsId, dev, `${this.at(nsId, dev)} has no carrier: nothing is plugged in at the other end.`);
  }

  /** Nobody across the cable holds the next hop: a missing port, a missing address, or a wrong gateway. */
  private async nobodyHolds(nsId: string, dev: string, nextHop: string, isGateway: boolean, endpoints: Endpoint[]): Promise<never> {
    // A veth end in a bridge's namespace that is not a port of it, whose far end holds the address.
    const sides = new Set([...endpoints.map((e) => e.nsId), ...endpoints.flatMap((e) => e.through.map((t) => t.nsId))]);
    for (const side of sides) {
      const ns = this.ns(side);
      const bridges = ns?.links.filter((l) => l.kind === 'bridge') ?? [];
      for (const loose of ns?.links.filter((l) => l.kind === 'veth' && !l.master && l.peer) ?? []) {
        const far = this.link(loose.peer?.namespaceId as string, loose.peer?.ifname as string);
        const reachable = endpoints.some((e) => e.nsId === side && e.ifname === loose.ifname);
        if (!far?.addresses.some((a) => sameIp(hostOf(a), nextHop)) || reachable) continue;
        const bridge = bridges.find((b) => endpoints.some((e) => e.nsId === side && (e.ifname === b.ifname || e.through.some((t) => t.bridge === b.ifname))));
        if (!bridge) continue;
        this.stop(
          'bridge-port-missing',
          side,
          loose.ifname,
          `${nextHop} is ${this.at(loose.peer?.namespaceId as string, far.ifname)}, whose cable ends at ${this.at(side, loose.ifname)}; that end is not a port of ${bridge.ifname}, so the bridge never sends it anything.`,
          [
            {
              argv: ['ip', 'link', 'set', 'dev', loose.ifname, 'master', bridge.ifname],
              action: { method: 'link.setMaster', params: { ...this.where(side), ifname: loose.ifname, master: bridge.ifname } },
            },
          ],
        );
      }
    }
    const f = await this.facts(nsId);
    const neighbour = f.neighbours.get(`${dev}/${nextHop}`);
    const failed = neighbour?.some((s) => s === 'FAILED' || s === 'INCOMPLETE') ? ` (its neighbour entry is ${neighbour.join(' ')}: nobody answered ${this.v6 ? 'neighbour discovery' : 'ARP'})` : '';
    if (isGateway) {
      const mine = this.link(nsId, dev)?.addresses ?? [];
      const other = endpoints.flatMap((e) =>
        (this.link(e.nsId, e.ifname)?.addresses ?? []).filter((a) => mine.some((m) => inSubnet(hostOf(a), m) && !sameIp(hostOf(a), hostOf(m)))).map((a) => ({ e, a })),
      );
      const candidate = other.find((o) => this.ns(o.e.nsId)?.links.some((l) => l.addresses.some((a) => inSubnet(this.target, a))) || o.e.through.length === 0) ?? other[0];
      const to = this.networkHolding(this.target);
      this.stop(
        'gateway-unreachable',
        nsId,
        dev,
        `${this.label(nsId)} sends to the gateway ${nextHop} out of ${dev}, but nobody on that link has ${nextHop}${failed}.`,
        candidate ? [this.routeAdd(nsId, to, hostOf(candidate.a))] : [],
      );
    }
    // The article's step: the far end of the cable still needs its address.
    const bare = endpoints.filter((e) => e.nsId !== nsId && !(this.link(e.nsId, e.ifname)?.addresses ?? []).some((a) => !a.toLowerCase().startsWith('fe80:')));
    const mine = this.link(nsId, dev)?.addresses.find((a) => inSubnet(nextHop, a));
    if (bare.length === 1 && mine) {
      const e = bare[0] as Endpoint;
      const cidr = `${nextHop}/${mine.split('/')[1]}`;
      this.stop('no-address', e.nsId, e.ifname, `Nobody across ${this.at(nsId, dev)} has ${nextHop}: ${this.at(e.nsId, e.ifname)}, at the other end, has no address.`, [
        this.addrAdd(e.nsId, e.ifname, cidr),
      ]);
    }
    this.stop('unknown', nsId, dev, `Nobody across ${this.at(nsId, dev)} has ${nextHop}${failed}; no namespace on that link holds it.`);
  }

  private async bridgeCheck(b: Endpoint['through'][number]): Promise<void> {
    const f = await this.facts(b.nsId);
    this.hops.push(this.hop(b.nsId, b.bridge, 'bridge', null, b.inPort && b.outPort ? `in by ${b.inPort}, out by ${b.outPort}` : null));
    const bridge = f.links.find((l) => l.ifname === b.bridge);
    if (bridge && !bridge.up) this.stop('bridge-down', b.nsId, b.bridge, `The bridge ${this.at(b.nsId, b.bridge)} is down: it passes nothing between its ports.`, [this.linkUp(b.nsId, b.bridge)]);
    for (const port of [b.inPort, b.outPort]) {
      if (!port) continue;
      const p = f.links.find((l) => l.ifname === port);
      if (!p) continue;
      if (!p.up) this.stop('link-down', b.nsId, port, `${this.at(b.nsId, port)}, a port of ${b.bridge}, is down.`, [this.linkUp(b.nsId, port)]);
      if (p.portState && p.portState !== 'forwarding') {
        const link = this.link(b.nsId, port);
        if (p.portState === 'disabled' && link?.kind === 'veth' && link.peer) await this.noCarrier(b.nsId, port, link);
        this.stop('bridge-down', b.nsId, port, `${port}, a port of ${b.bridge}, is in the ${p.portState} state (spanning tree), so the bridge passes nothing through it.`, [
          { argv: ['ip', 'link', 'set', 'dev', b.bridge, 'type', 'bridge', 'stp_state', '0'], action: null },
        ]);
      }
    }
    this.check(true, b.nsId, `bridge ${b.bridge} is up and forwards${b.inPort ? ` from ${b.inPort}` : ''}${b.outPort ? ` to ${b.outPort}` : ''}`);
  }

  /** The reply from the destination (or a router) must find its way back to the source address. */
  private async returnCheck(nsId: string, prevAddr: string | null): Promise<void> {
    const f = await this.facts(nsId);
    const source = this.source as string;
    const to = this.networkHolding(source);
    if (!f.back?.ok) {
      this.stop(
        'no-return-route',
        nsId,
        null,
        `${this.label(nsId)} has no route back to ${source}, so the reply cannot leave${f.back ? ` (${f.back.error})` : ''}.`,
        prevAddr ? [this.routeAdd(nsId, to, prevAddr)] : [],
      );
    }
    const back = f.back;
    if (back.gateway) {
      const holders = this.segment(nsId, back.dev as string).endpoints.filter((e) => this.holds(e, back.gateway as string));
      if (!holders.length && this.segment(nsId, back.dev as string).leaves === null) {
        this.stop(
          'gateway-unreachable',
          nsId,
          back.dev,
          `${this.label(nsId)} sends replies to ${source} via ${back.gateway}, but nobody on ${back.dev} has ${back.gateway}.`,
          prevAddr ? [this.routeAdd(nsId, to, prevAddr)] : [],
        );
      }
    }
    this.check(true, nsId, `${this.label(nsId)} routes the reply to ${source} out of ${back.dev}${back.gateway ? ` via ${back.gateway}` : ''}`);
  }

  // --- firewalls ---------------------------------------------------------------

  private ruleset(nsId: string) {
    let pending = this.rulesets.get(nsId);
    if (!pending) {
      pending = this.readers.ruleset(nsId).then((json) => (typeof json === 'string' ? json : parseRuleset(json)));
      this.rulesets.set(nsId, pending);
    }
    return pending;
  }

  private async firewallChecks(places: { nsId: string; role: PathHop['role']; iif: string | null; oif: string | null }[], direction: 'request' | 'reply'): Promise<void> {
    for (const place of places) {
      const set = await this.ruleset(place.nsId);
      if (typeof set === 'string') {
        const note = `Firewalls were not checked in ${this.label(place.nsId)}: ${set}.`;
        if (!this.notes.includes(note)) this.notes.push(note);
        continue;
      }
      const request = direction === 'request';
      const packet: EchoPacket = {
        family: this.v6 ? 'ip6' : 'ip',
        saddr: request ? (this.source as string) : this.target,
        daddr: request ? this.target : (this.source as string),
        icmpType: request ? 'echo-request' : 'echo-reply',
        iif: request ? place.iif : place.oif,
        oif: request ? place.oif : place.iif,
        ctState: request ? 'new' : 'established',
      };
      const sending = (place.role === 'source') === request;
      const hooks: Hook[] = place.role === 'router' ? ['prerouting', 'forward', 'postrouting'] : sending ? ['output', 'postrouting'] : ['prerouting', 'input'];
      for (const hook of hooks) {
        const verdict = judge(set, hook, place.role === 'router' ? packet : sending ? { ...packet, iif: null } : { ...packet, oif: null });
        for (const u of verdict.unsure) this.notes.push(`Not judged in ${this.label(place.nsId)}: ${u}`);
        if (verdict.verdict !== 'accept') this.firewallStop(place.nsId, hook, packet, verdict);
      }
    }
    if (places.length) this.check(true, places[0]?.nsId as string, `no firewall rule drops the ${direction}`);
  }

  private firewallStop(nsId: string, hook: Hook, packet: EchoPacket, v: FirewallVerdict): never {
    const what = packet.icmpType === 'echo-request' ? 'the ping' : 'the reply';
    const fix = v.handle
      ? ['nft', 'delete', 'rule', v.handle.family, v.handle.table, v.handle.chain, 'handle', String(v.handle.handle)]
      : ['nft', 'insert', 'rule', ...(v.chain as string).split(' '), packet.family, 'saddr', packet.saddr, packet.family, 'daddr', packet.daddr, 'accept'];
    this.stop('firewall', nsId, null, `A firewall rule in ${this.label(nsId)} ${v.verdict === 'reject' ? 'rejects' : 'drops'} ${what} on ${hook}: ${v.chain}: ${v.rule}.`, [
      { argv: fix, action: null },
    ]);
  }

  private async masqueradeNote(nsId: string): Promise<void> {
    const set = await this.ruleset(nsId);
    if (typeof set !== 'string' && set.rules.some((r) => r.expr.some((e) => 'masquerade' in e)))
      this.notes.push(`${this.label(nsId)} masquerades traffic that leaves, so replies come back to its own address.`);
  }
}
