// What a failed call means in the user's terms: the kernel's short answers
// ("File exists") turned into which name clashed or was missing. Pure.
import { namespaceLabel, type Namespace } from '../../shared/model';
import type { MethodName } from '../../shared/protocol';

type Params = Record<string, unknown>;

/** The namespace a call's params name (namespaceId, a name, or the host). */
function placeOf(namespaces: readonly Namespace[], p: Params, key: 'namespace' | 'peerNamespace' = 'namespace'): Namespace | undefined {
  const id = p[`${key}Id`];
  if (typeof id === 'string') return namespaces.find((n) => n.id === id);
  const name = p[key];
  return namespaces.find((n) => (typeof name === 'string' ? n.name === name : n.root));
}

const label = (ns: Namespace | undefined) => (ns ? namespaceLabel(ns) : 'the other namespace');

/**
 * A sentence saying what went wrong with the names involved, or null when the
 * kernel's message says nothing this knows how to put better.
 */
export function describeFailure(method: MethodName, p: Params, kernel: string, namespaces: readonly Namespace[]): string | null {
  const ns = placeOf(namespaces, p);
  // Without the namespace in view, the kernel's words are as good as any.
  if (!ns && method !== 'netns.create') return null;
  const has = (where: Namespace | undefined, ifname: unknown) => !!where?.links.some((l) => l.ifname === ifname);
  if (/File exists/i.test(kernel)) {
    switch (method) {
      case 'netns.create':
        return `A namespace named ${String(p.name)} exists already.`;
      case 'veth.create': {
        const far = placeOf(namespaces, p, 'peerNamespace') ?? ns;
        if (has(ns, p.name)) return `${label(ns)} already has an interface named ${String(p.name)}.`;
        if (has(far, p.peerName)) return `${label(far)} already has an interface named ${String(p.peerName)}.`;
        return `An interface named ${String(p.name)} or ${String(p.peerName)} exists already.`;
      }
      case 'bridge.create':
        return `${label(ns)} already has an interface named ${String(p.name)}.`;
      case 'link.set':
        return p.rename ? `${label(ns)} already has an interface named ${String(p.rename)}.` : null;
      case 'addr.add':
        return `${String(p.ifname)} in ${label(ns)} already has ${String(p.cidr)}.`;
      case 'route.add':
        return `${label(ns)} already has a route to ${String(p.to)}.`;
      default:
        return null;
    }
  }
  if (/Cannot find device|does not exist/i.test(kernel) && typeof p.ifname === 'string' && !has(ns, p.ifname)) {
    return `${label(ns)} has no interface named ${p.ifname} (any more).`;
  }
  if (method === 'route.add' && /Nexthop has invalid gateway|Network is unreachable/i.test(kernel)) {
    return `${String(p.via)} is not on any subnet of ${label(ns)}: give one of its interfaces an address on that subnet first.`;
  }
  if (method === 'addr.del' && /Cannot assign requested address/i.test(kernel)) {
    return `${String(p.ifname)} in ${label(ns)} does not have ${String(p.cidr)}.`;
  }
  if (method === 'route.del' && /No such process/i.test(kernel)) {
    return `${label(ns)} has no such route to ${String(p.to)}.`;
  }
  return null;
}

/** What deleting a namespace takes with it, in words: its interfaces, the far ends of its cables, and the bridges those were ports of. */
export function deletionConsequences(ns: Namespace, namespaces: readonly Namespace[]): string {
  const own = ns.links.filter((l) => l.kind !== 'loopback').map((l) => l.ifname);
  const lines = [own.length ? `Its interfaces go with it: ${own.join(', ')}.` : 'It has no interfaces besides lo.'];
  const far = ns.links.flatMap((l) => {
    if (!l.peer || l.peer.namespaceId === ns.id) return [];
    const there = namespaces.find((n) => n.id === l.peer?.namespaceId);
    const end = there?.links.find((x) => x.ifname === l.peer?.ifname);
    if (!there || !end) return [];
    return [`${end.ifname} in ${namespaceLabel(there)}${end.master ? `, a port of ${end.master}` : ''}`];
  });
  if (far.length) lines.push(`The far ends of its cables go too: ${far.join('; ')}.`);
  return lines.join(' ');
}
