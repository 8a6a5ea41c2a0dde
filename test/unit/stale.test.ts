import { describe, expect, it } from 'vitest';
import type { Link, Namespace } from '../../shared/model';
import { staleThings } from '../../renderer/stale';

const lo: Link = { ifname: 'lo', ifindex: 1, kind: 'loopback', up: false, operstate: 'DOWN', mtu: 65536, mac: '', addresses: [], master: null, peer: null };
const ns = (over: Partial<Namespace>): Namespace => ({ id: '9', name: 'x', title: 'x', root: false, links: [lo], routes: [], ...over });

describe('staleThings', () => {
  it('flags a dead name, a lone namespace on a real machine, and a veth without its far end', () => {
    expect(staleThings(ns({ problem: 'stale: gone' }), 'lab').map((t) => t.fixLabel)).toEqual(['Remove the name']);
    expect(staleThings(ns({}), 'host').map((t) => t.reason)).toEqual(['Only lo, and no process uses it.']);
    const orphan: Link = { ...lo, ifname: 'veth9', kind: 'veth' };
    expect(staleThings(ns({ links: [lo, orphan], holderCount: 3 }), 'host')).toEqual([
      { reason: 'The other end of veth9 cannot be found.', fix: { kind: 'delete-interface', ifname: 'veth9' }, fixLabel: 'Delete veth9' },
    ]);
  });

  it('leaves a fresh lab namespace and the host alone', () => {
    expect(staleThings(ns({}), 'lab')).toEqual([]);
    expect(staleThings(ns({ root: true, name: null }), 'host')).toEqual([]);
  });
});
