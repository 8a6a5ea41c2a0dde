import { describe, expect, it } from 'vitest';
import type { Namespace } from '../../shared/model';
import { isEmptyChange, TopologyDiffer } from '../../electron/helper/diff';

const ns = (id: string, mtu = 1500): Namespace => ({
  id,
  name: id,
  title: id,
  root: false,
  routes: [],
  links: [{ ifname: 'lo', ifindex: 1, kind: 'loopback', up: true, operstate: 'UNKNOWN', mtu, mac: '', addresses: [], master: null, peer: null }],
});

describe('TopologyDiffer', () => {
  it('reports added, changed and removed namespaces, and nothing when nothing changed', () => {
    const differ = new TopologyDiffer();
    expect(differ.next([ns('a'), ns('b')]).namespaces.map((n) => n.id)).toEqual(['a', 'b']);
    expect(isEmptyChange(differ.next([ns('a'), ns('b')]))).toBe(true);
    expect(differ.next([ns('a', 9000), ns('b')]).namespaces.map((n) => n.id)).toEqual(['a']);
    expect(differ.next([ns('a', 9000)])).toEqual({ namespaces: [], removed: ['b'] });
  });
});
