// The renderer's graph model on a recorded lab (real `ip -j` output through the
// helper's own parser): cables keyed by MAC, the path a ping takes, filters,
// and unchanged namespaces keeping their objects through a pushed change.
import { readFileSync } from 'node:fs';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Link, Namespace } from '../../shared/model';
import { parseSnapshotBatch } from '../../electron/helper/parse';
import { resolveTopology, type RawNamespace } from '../../electron/helper/peers';
import { applyFilter, NO_FILTER } from '../../renderer/graph/filter';
import { estimateHeight } from '../../renderer/graph/layout';
import { buildGraph, cablesOnPath, CARD_ROWS, GraphCache, ownerOfAddress, switchesOf, switchOf, type NamespaceView } from '../../renderer/model/graph';
import { useTopology } from '../../renderer/stores/topology';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ip/${name}`, import.meta.url), 'utf8');
const recorded = (id: string, name: string | null, file: string): RawNamespace => ({ id, name, root: name === null, ...parseSnapshotBatch(fixture(file)) });
const lab = (): Namespace[] => resolveTopology([recorded('1', null, 'host.batch'), recorded('2', 'netns1', 'netns1.batch'), recorded('3', 'netns2', 'netns2.batch')]);

describe('cables', () => {
  it("are keyed by their ends' MACs, so a moved end keeps its cable", () => {
    const before = buildGraph(lab());
    const cable = before.cables.find((c) => c.ends === '/veth0 netns1/veth1');
    expect(cable).toBeDefined();
    // veth1 moves to netns2 (same MAC), as the kernel reports it after `ip link set veth1 netns netns2`.
    const moved = lab().map((ns) => {
      if (ns.id === '2') return { ...ns, links: ns.links.filter((l) => l.ifname !== 'veth1') };
      if (ns.id === '3') return { ...ns, links: [...ns.links, { ...(lab()[1]?.links.find((l) => l.ifname === 'veth1') as Namespace['links'][number]), peer: { namespaceId: '1', ifname: 'veth0' } }] };
      if (ns.id === '1') return { ...ns, links: ns.links.map((l) => (l.ifname === 'veth0' ? { ...l, peer: { namespaceId: '3', ifname: 'veth1' } } : l)) };
      return ns;
    });
    const after = buildGraph(moved).cables.find((c) => c.ends === '/veth0 netns2/veth1');
    expect(after?.id).toBe(cable?.id);
  });

  it('are drawn once per pair, ends in one namespace included', () => {
    const cables = buildGraph(lab()).cables;
    expect(new Set(cables.map((c) => c.id)).size).toBe(cables.length);
    expect(cables.map((c) => c.ends)).toEqual(expect.arrayContaining(['/veth0 netns1/veth1', 'netns1/a1 netns2/a2', 'netns2/same0 netns2/same1']));
  });
});

describe('the path a ping takes', () => {
  it('is the shortest chain of cables between the two namespaces', () => {
    const namespaces = lab();
    const { cables } = buildGraph(namespaces);
    const owner = ownerOfAddress(namespaces, '10.1.1.1');
    expect(owner?.name).toBe('netns1');
    const direct = cablesOnPath(cables, '1', '2');
    expect(direct.map((id) => cables.find((c) => c.id === id)?.ends)).toEqual(['/veth0 netns1/veth1']);
    expect(cablesOnPath(cables, '1', '1')).toEqual([]);
    expect(cablesOnPath(cables, '1', 'nowhere')).toEqual([]);
  });
});

describe('filters', () => {
  it('match names, kinds and addresses, and focus on a namespace and its neighbours', () => {
    const graph = buildGraph(lab());
    expect(applyFilter(graph, { ...NO_FILTER, text: '10.1.1.1' }).namespaces.map((n) => n.label)).toEqual(['netns1']);
    expect(applyFilter(graph, { ...NO_FILTER, text: 'bridge' }).namespaces.map((n) => n.label)).toEqual(['host']);
    const focused = applyFilter(graph, { ...NO_FILTER, focusId: '2' })
      .namespaces.map((n) => n.label)
      .sort();
    expect(focused).toEqual(['host', 'netns1', 'netns2']);
    expect(applyFilter(graph, NO_FILTER)).toEqual(graph);
  });
});

describe('a pushed change', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('replaces only the namespaces it carries: the others keep their objects, and so their views', () => {
    const topology = useTopology();
    topology.replaceAll(lab());
    const cache = new GraphCache();
    const first = cache.build(topology.namespaces);
    const host = topology.byId('1');
    const netns1 = topology.byId('2');
    const changed = { ...(netns1 as Namespace), links: (netns1 as Namespace).links.map((l) => (l.ifname === 'veth1' ? { ...l, up: !l.up } : l)) };
    topology.applyChange({ namespaces: [changed], removed: ['3'] });
    expect(topology.byId('1')).toBe(host);
    expect(topology.byId('2')).toBe(changed);
    expect(topology.byId('3')).toBeUndefined();
    const second = cache.build(topology.namespaces);
    expect(second.namespaces.find((v) => v.id === '1')).toBe(first.namespaces.find((v) => v.id === '1'));
    expect(second.namespaces.find((v) => v.id === '2')).not.toBe(first.namespaces.find((v) => v.id === '2'));
    // A full reading that finds nothing new keeps every object.
    topology.replaceAll(
      lab()
        .filter((n) => n.id !== '3')
        .map((n) => (n.id === '2' ? changed : n)),
    );
    expect(topology.byId('1')).toBe(host);
  });
});

describe('switches', () => {
  const port = (ifname: string, master: string | null, peer: { namespaceId: string; ifname: string } | null, kind: Link['kind'] = 'veth'): Link => ({
    ifname,
    ifindex: 1,
    kind,
    up: true,
    operstate: 'UP',
    mtu: 1500,
    mac: '',
    addresses: [],
    master,
    peer,
  });
  const host: Namespace = {
    id: '1',
    name: null,
    title: 'host',
    root: true,
    routes: [],
    links: [
      port('br0', null, null, 'bridge'),
      port('br1', null, null, 'bridge'),
      port('p1', 'br0', { namespaceId: '2', ifname: 'eth0' }),
      port('p2', 'br0', { namespaceId: '3', ifname: 'eth0' }),
      port('q1', 'br1', { namespaceId: '2', ifname: 'eth1' }),
    ],
  };
  const c = (id: string): Namespace => ({ id, name: `c${id}`, title: `c${id}`, root: false, routes: [], links: [port('eth0', null, { namespaceId: '1', ifname: id === '2' ? 'p1' : 'p2' })] });

  it('draws a bridge with two or more cabled ports as a switch, and hangs those cables off it', () => {
    const graph = buildGraph([host, c('2'), c('3')]);
    const switches = switchesOf(graph);
    expect(switches.map((s) => [s.bridge, s.ports])).toEqual([['br0', ['p1', 'p2']]]);
    expect(switchOf(switches, { namespaceId: '1', ifname: 'p2' })?.bridge).toBe('br0');
    expect(switchOf(switches, { namespaceId: '1', ifname: 'q1' })).toBeUndefined();
    expect(switchOf(switches, { namespaceId: '2', ifname: 'eth0' })).toBeUndefined();
  });

  it('leaves a collapsed card’s bridges alone', () => {
    const graph = buildGraph([host, c('2'), c('3')]);
    graph.namespaces[0] = { ...(graph.namespaces[0] as NamespaceView), collapsed: true };
    expect(switchesOf(graph)).toEqual([]);
  });
});

describe('a card with many interfaces', () => {
  it('draws CARD_ROWS rows at most, so its height stays bounded, and keeps every port for the inspector', () => {
    const [host, ...rest] = lab();
    const veth = host?.links.find((l) => l.ifname === 'veth0') as Link;
    const many = { ...(host as Namespace), links: [...(host as Namespace).links, ...Array.from({ length: 300 }, (_, i) => ({ ...veth, ifname: `vh${i}`, ifindex: 1000 + i, peer: null }))] };
    const view = buildGraph([many, ...rest]).namespaces.find((v) => v.root) as NamespaceView;
    expect(view.ports.length).toBeGreaterThan(300);
    expect(view.shownPorts).toHaveLength(CARD_ROWS - 1);
    expect(estimateHeight(view)).toBeLessThan(estimateHeight({ ...view, ports: view.shownPorts }) + 40);
    // Hiding unconnected interfaces recounts the rows from what is left.
    const filtered = applyFilter(buildGraph([many, ...rest]), { ...NO_FILTER, hideUnconnected: true }).namespaces.find((v) => v.root) as NamespaceView;
    expect(filtered.shownPorts.every((p) => filtered.ports.includes(p))).toBe(true);
    expect(filtered.shownPorts.length).toBe(Math.min(filtered.ports.length, filtered.ports.length > CARD_ROWS ? CARD_ROWS - 1 : filtered.ports.length));
  });
});
