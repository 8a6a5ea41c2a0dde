import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSnapshotBatch, type RawLink } from '../../electron/helper/parse';
import { findPeer, resolveTopology, type RawNamespace } from '../../electron/helper/peers';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ip/${name}`, import.meta.url), 'utf8');
const recorded = (id: string, name: string | null, file: string): RawNamespace => ({ id, name, root: name === null, ...parseSnapshotBatch(fixture(file)) });

describe('peer resolution on a recorded lab', () => {
  const all = [recorded('1', null, 'host.batch'), recorded('2', 'netns1', 'netns1.batch'), recorded('3', 'netns2', 'netns2.batch')];
  const topology = resolveTopology(all);
  const peerOf = (nsId: string, ifname: string) => topology.find((n) => n.id === nsId)?.links.find((l) => l.ifname === ifname)?.peer;

  it('pairs the article’s cable both ways (nsid table one way, symmetric check the other)', () => {
    expect(peerOf('1', 'veth0')).toEqual({ namespaceId: '2', ifname: 'veth1' });
    expect(peerOf('2', 'veth1')).toEqual({ namespaceId: '1', ifname: 'veth0' });
  });

  it('pairs a bridge port with its far end, ends in two non-root namespaces, and ends in one namespace', () => {
    expect(peerOf('1', 'vp1')).toEqual({ namespaceId: '3', ifname: 'vp1c' });
    expect(peerOf('3', 'vp1c')).toEqual({ namespaceId: '1', ifname: 'vp1' });
    expect(peerOf('2', 'a1')).toEqual({ namespaceId: '3', ifname: 'a2' });
    expect(peerOf('3', 'a2')).toEqual({ namespaceId: '2', ifname: 'a1' });
    expect(peerOf('3', 'same0')).toEqual({ namespaceId: '3', ifname: 'same1' });
  });

  it('gives non-veth links no peer', () => {
    expect(peerOf('1', 'br0')).toBeNull();
    expect(peerOf('1', 'mv0')).toBeNull();
  });
});

function veth(ifname: string, ifindex: number, linkIndex: number, linkNetnsid: number | null): RawLink {
  return { ifname, ifindex, kind: 'veth', up: false, operstate: 'DOWN', mtu: 1500, mac: '', addresses: [], master: null, peer: null, linkIndex, linkNetnsid, linkName: null, qdisc: 'noqueue' };
}
const ns = (id: string, name: string | null, links: RawLink[], nsids: [number, string | null][] = []): RawNamespace => ({
  id,
  name,
  root: id === 'root',
  links,
  routes: [],
  nsids: new Map(nsids),
});

describe('never guessing', () => {
  it('refuses an ambiguous symmetric match instead of taking the first', () => {
    // Two unnamed "containers" each hold eth0 (ifindex 2) whose peer index is 5:
    // from the root, veth ifindex 5 → link_index 2 fits both.
    const root = ns('root', null, [veth('vethA', 5, 2, 7)], [[7, null]]);
    const c1 = ns('c1', null, [veth('eth0', 2, 5, 0)], [[0, null]]);
    const c2 = ns('c2', null, [veth('eth0', 2, 5, 0)], [[0, null]]);
    expect(findPeer(root, root.links[0] as RawLink, [root, c1, c2])).toBeNull();
    expect(findPeer(root, root.links[0] as RawLink, [root, c1])).toEqual({ namespaceId: 'c1', ifname: 'eth0' });
  });

  it('trusts a named nsid only when the far end points back', () => {
    const a = ns('a', 'a', [veth('x', 4, 9, 1)], [[1, 'b']]);
    const b = ns('b', 'b', [veth('y', 9, 3, 0)], [[0, 'a']]);
    expect(findPeer(a, a.links[0] as RawLink, [a, b])).toBeNull();
    const b2 = ns('b', 'b', [veth('y', 9, 4, 0)], [[0, 'a']]);
    expect(findPeer(a, a.links[0] as RawLink, [a, b2])).toEqual({ namespaceId: 'b', ifname: 'y' });
  });

  it('does not match through a namespace whose own table names someone else', () => {
    const a = ns('a', 'a', [veth('x', 4, 9, 1)], [[1, null]]);
    const b = ns('b', 'b', [veth('y', 9, 4, 0)], [[0, 'c']]);
    expect(findPeer(a, a.links[0] as RawLink, [a, b])).toBeNull();
  });

  it('does not match a veth whose namespace knows this one under another nsid (a stale end left by a deleted namespace)', () => {
    // far's pv lost its peer (kv, ifindex 2) with the namespace kept; the root's uplink is ifindex 2 with a peer of ifindex 2 too,
    // but the root knows far as nsid 3, and uplink points at nsid 1 (the machine at the other end of the SSH session).
    const far = ns('far', 'far', [veth('pv', 2, 2, 0)], []);
    // The root knows far as nsid 3, and the machine at the other end of the SSH session as nsid 1.
    const rootWithUplinkTo = (nsid: number) =>
      ns(
        'root',
        null,
        [veth('uplink', 2, 2, nsid)],
        [
          [1, null],
          [3, 'far'],
        ],
      );
    expect(findPeer(far, far.links[0] as RawLink, [rootWithUplinkTo(1), far])).toBeNull();
    // Pointing at far's nsid, it is far's peer.
    const cabled = rootWithUplinkTo(3);
    expect(findPeer(far, far.links[0] as RawLink, [cabled, far])).toEqual({ namespaceId: 'root', ifname: 'uplink' });
  });
});

describe('many namespaces', () => {
  it("pairs each of 1,000 unnamed containers' eth0 (all ifindex 2) with its own host veth, both ways, by indices", () => {
    const n = 1000;
    const root = ns(
      'root',
      null,
      Array.from({ length: n }, (_, i) => veth(`veth${i}`, 100 + i, 2, i)),
      Array.from({ length: n }, (_, i): [number, null] => [i, null]),
    );
    const containers = Array.from({ length: n }, (_, i) => ns(`c${i}`, null, [veth('eth0', 2, 100 + i, 0)], [[0, null]]));
    const topology = resolveTopology([root, ...containers]);
    const host = topology[0];
    expect(host?.links.map((l) => l.peer)).toEqual(containers.map((c) => ({ namespaceId: c.id, ifname: 'eth0' })));
    expect(topology.slice(1).map((c) => c.links[0]?.peer)).toEqual(Array.from({ length: n }, (_, i) => ({ namespaceId: 'root', ifname: `veth${i}` })));
  });
});
