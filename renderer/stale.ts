// What looks left behind, and how to clean it up. Pure.
import type { HelperMode } from '../shared/protocol';
import type { Namespace } from '../shared/model';

export interface StaleThing {
  reason: string;
  /** What cleans it up. */
  fix: { kind: 'delete-namespace' } | { kind: 'delete-interface'; ifname: string };
  fixLabel: string;
}

export function staleThings(ns: Namespace, mode: HelperMode): StaleThing[] {
  if (ns.root) return [];
  if (ns.problem?.startsWith('stale')) {
    return [{ reason: `The name ${ns.name} points at a namespace that no longer exists.`, fix: { kind: 'delete-namespace' }, fixLabel: 'Remove the name' }];
  }
  const things: StaleThing[] = [];
  // In the lab a fresh namespace looks just like this; on a real machine it is usually a leftover.
  if (mode === 'host' && !ns.holderCount && ns.links.every((l) => l.kind === 'loopback')) {
    things.push({ reason: 'Only lo, and no process uses it.', fix: { kind: 'delete-namespace' }, fixLabel: 'Delete the namespace' });
  }
  for (const link of ns.links) {
    if (link.kind === 'veth' && link.peer === null) {
      things.push({ reason: `The other end of ${link.ifname} cannot be found.`, fix: { kind: 'delete-interface', ifname: link.ifname }, fixLabel: `Delete ${link.ifname}` });
    }
  }
  return things;
}
