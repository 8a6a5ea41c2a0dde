// Veth peer resolution across namespaces. Pure: works on parsed snapshots.
import { namespaceTitle, type Holder, type Impairment, type Link, type Namespace, type PeerRef } from '../../shared/model';
import type { RawLink } from './parse';

export interface RawNamespace {
  id: string;
  name: string | null;
  /** False for a name ip may not be given; see NamespaceEntry. */
  plain?: boolean;
  path?: string | null;
  root: boolean;
  links: RawLink[];
  routes: Namespace['routes'];
  /** This namespace's own nsid table: nsid → name of the namespace (null if unnamed). */
  nsids: Map<number, string | null>;
  problem?: string;
  holders?: Holder[];
  holderCount?: number;
  mounts?: string[];
}

/**
 * Veth peers among a set of namespaces, looked up by name and by the ends'
 * indices instead of scanning every namespace for each veth: at 1,000
 * namespaces that scan made one topology cost 100 ms, and the monitor asked
 * for one on every event line.
 */
export class Peers {
  private readonly byName = new Map<string, RawNamespace>();
  /** Veths whose peer is in another namespace, by "ifindex/peer's ifindex", in the order of `all`. */
  private readonly byEnds = new Map<string, { ns: RawNamespace; link: RawLink }[]>();
  private readonly namesKnown = new WeakMap<RawNamespace, Set<string | null>>();

  constructor(all: readonly RawNamespace[]) {
    for (const ns of all) {
      if (ns.name !== null && !this.byName.has(ns.name)) this.byName.set(ns.name, ns);
      for (const link of ns.links) {
        if (link.kind !== 'veth' || link.linkNetnsid === null) continue;
        const key = `${link.ifindex}/${link.linkIndex}`;
        const list = this.byEnds.get(key);
        if (list) list.push({ ns, link });
        else this.byEnds.set(key, [{ ns, link }]);
      }
    }
  }

  /**
   * The peer of veth `link` in namespace `ns`, or null when it cannot be known for sure.
   * An nsid is only meaningful in the namespace that assigned it, so it is looked
   * up in `ns`'s own table; when that names no namespace we know, fall back to the
   * symmetric check (A.ifindex = B.link_index and B.ifindex = A.link_index) and
   * accept it only when exactly one candidate fits.
   */
  of(ns: RawNamespace, link: RawLink): PeerRef | null {
    if (link.kind !== 'veth') return null;
    if (link.linkNetnsid === null) {
      // Both ends here: ip names the peer ("link") instead of giving its index.
      const local = ns.links.find((l) => l.kind === 'veth' && l.ifname === link.linkName && l.linkNetnsid === null);
      return local && local.linkName === link.ifname ? { namespaceId: ns.id, ifname: local.ifname } : null;
    }
    if (link.linkIndex === null) return null;
    const targetName = ns.nsids.get(link.linkNetnsid);
    if (targetName) {
      const target = this.byName.get(targetName);
      const peer = target?.links.find((l) => l.ifindex === link.linkIndex && l.kind === 'veth');
      return target && peer && peer.linkIndex === link.ifindex ? { namespaceId: target.id, ifname: peer.ifname } : null;
    }
    const candidates: PeerRef[] = [];
    for (const { ns: other, link: l } of this.byEnds.get(`${link.linkIndex}/${link.ifindex}`) ?? []) {
      if (other.id === ns.id || this.namedElsewhere(ns, other)) continue;
      const backName = other.nsids.get(l.linkNetnsid as number);
      if (backName && backName !== ns.name) continue;
      // other knows ns under another nsid: this veth points elsewhere (a stale end here can match it by indices alone).
      if (!backName && knownAs(other, ns) !== null) continue;
      candidates.push({ namespaceId: other.id, ifname: l.ifname });
    }
    return candidates.length === 1 ? (candidates[0] as PeerRef) : null;
  }

  /** True when `ns`'s table gives `other` a name-bearing nsid, so `other` is not behind an unnamed nsid. */
  private namedElsewhere(ns: RawNamespace, other: RawNamespace): boolean {
    if (other.name === null) return false;
    let names = this.namesKnown.get(ns);
    if (!names) this.namesKnown.set(ns, (names = new Set(ns.nsids.values())));
    return names.has(other.name);
  }
}

/** One veth's peer (see Peers.of); for many, make one Peers and ask it. */
export function findPeer(ns: RawNamespace, link: RawLink, all: readonly RawNamespace[]): PeerRef | null {
  return new Peers(all).of(ns, link);
}

/** The nsid `other`'s table gives the named namespace `ns`; null when none. */
function knownAs(other: RawNamespace, ns: RawNamespace): number | null {
  if (ns.name === null) return null;
  for (const [nsid, name] of other.nsids) if (name === ns.name) return nsid;
  return null;
}

export type ImpairmentLookup = (ns: RawNamespace, ifname: string) => Impairment | null;

/** Resolves every veth peer and strips the raw fields. */
export function resolveTopology(all: readonly RawNamespace[], impairmentOf: ImpairmentLookup = () => null): Namespace[] {
  const peers = new Peers(all);
  return all.map((ns) => ({
    id: ns.id,
    name: ns.name,
    title: namespaceTitle(ns),
    ...(ns.name !== null && ns.plain === false ? { nameNeedsId: true as const } : {}),
    root: ns.root,
    ...(ns.problem ? { problem: ns.problem } : {}),
    ...(!ns.root && ns.holderCount ? { holders: ns.holders ?? [], holderCount: ns.holderCount } : {}),
    ...(ns.mounts?.length ? { mounts: ns.mounts } : {}),
    routes: ns.routes,
    links: ns.links.map((raw): Link => {
      const { linkIndex: _i, linkNetnsid: _n, linkName: _l, qdisc, ...link } = raw;
      const impaired = qdisc === 'netem' || qdisc === 'tbf' ? { impairment: { qdisc: qdisc as 'netem' | 'tbf', settings: impairmentOf(ns, raw.ifname) } } : {};
      return { ...link, peer: peers.of(ns, raw), ...impaired };
    }),
  }));
}
