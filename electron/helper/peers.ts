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
 * The peer of veth `link` in namespace `ns`, or null when it cannot be known for sure.
 * An nsid is only meaningful in the namespace that assigned it, so it is looked
 * up in `ns`'s own table; when that names no namespace we know, fall back to the
 * symmetric check (A.ifindex = B.link_index and B.ifindex = A.link_index) and
 * accept it only when exactly one candidate fits.
 */
export function findPeer(ns: RawNamespace, link: RawLink, all: readonly RawNamespace[]): PeerRef | null {
  if (link.kind !== 'veth') return null;
  if (link.linkNetnsid === null) {
    // Both ends here: ip names the peer ("link") instead of giving its index.
    const local = ns.links.find((l) => l.kind === 'veth' && l.ifname === link.linkName && l.linkNetnsid === null);
    return local && local.linkName === link.ifname ? { namespaceId: ns.id, ifname: local.ifname } : null;
  }
  if (link.linkIndex === null) return null;
  const targetName = ns.nsids.get(link.linkNetnsid);
  if (targetName) {
    const target = all.find((n) => n.name === targetName);
    const peer = target?.links.find((l) => l.ifindex === link.linkIndex && l.kind === 'veth');
    return target && peer && peer.linkIndex === link.ifindex ? { namespaceId: target.id, ifname: peer.ifname } : null;
  }
  const candidates: PeerRef[] = [];
  for (const other of all) {
    if (other.id === ns.id || namedElsewhere(ns, other)) continue;
    for (const l of other.links) {
      if (l.kind !== 'veth' || l.ifindex !== link.linkIndex || l.linkIndex !== link.ifindex) continue;
      if (l.linkNetnsid === null) continue;
      const backName = other.nsids.get(l.linkNetnsid);
      if (backName && backName !== ns.name) continue;
      // other knows ns under another nsid: this veth points elsewhere (a stale end here can match it by indices alone).
      if (!backName && knownAs(other, ns) !== null) continue;
      candidates.push({ namespaceId: other.id, ifname: l.ifname });
    }
  }
  return candidates.length === 1 ? (candidates[0] as PeerRef) : null;
}

/** The nsid `other`'s table gives the named namespace `ns`; null when none. */
function knownAs(other: RawNamespace, ns: RawNamespace): number | null {
  if (ns.name === null) return null;
  for (const [nsid, name] of other.nsids) if (name === ns.name) return nsid;
  return null;
}

/** True when `ns`'s table gives `other` a name-bearing nsid, so `other` is not behind an unnamed nsid. */
function namedElsewhere(ns: RawNamespace, other: RawNamespace): boolean {
  if (other.name === null) return false;
  for (const name of ns.nsids.values()) if (name === other.name) return true;
  return false;
}

/** Resolves every veth peer and strips the raw fields. */
export type ImpairmentLookup = (ns: RawNamespace, ifname: string) => Impairment | null;

export function resolveTopology(all: readonly RawNamespace[], impairmentOf: ImpairmentLookup = () => null): Namespace[] {
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
      return { ...link, peer: findPeer(ns, raw, all), ...impaired };
    }),
  }));
}
