// Topology → what the canvas draws: cards with ports, and cables. Pure.
import type { Link, LinkKind, Namespace } from '../../shared/model';
import { namespaceLabel, namespaceSubtitles } from '../../shared/model';

/** A card's place on the canvas. */
export interface XY {
  x: number;
  y: number;
}

export interface PortView {
  ifname: string;
  kind: LinkKind;
  up: boolean;
  operstate: string;
  mtu: number;
  /** Addresses worth showing (link-local IPv6 left out). */
  addresses: string[];
  master: string | null;
  /** 1 for a bridge's port, drawn under its bridge; 0 otherwise. */
  depth: 0 | 1;
  /** Whether the kernel lets this link change namespace (bridges and lo are stuck). */
  movable: boolean;
  hasCable: boolean;
}

export interface NamespaceView {
  id: string;
  /** The full title (see namespaceTitle), for tooltips and data-title. */
  label: string;
  /** The title as the card draws it: shortened in the middle past two lines. */
  shownTitle: string;
  /** How many lines the card gives its title. */
  titleLines: 1 | 2;
  /** Secondary lines (see namespaceSubtitles), shortened in the middle to fit, with the whole line for tooltips. */
  subtitles: { shown: string; full: string }[];
  /** The value of data-ns-name: "" for the helper's own namespace, the id for an unnamed one. */
  attr: string;
  root: boolean;
  /** Has a /run/netns name. */
  named: boolean;
  lo: Link | null;
  ports: PortView[];
  /** The rows the card draws: at most CARD_ROWS; the inspector lists them all. */
  shownPorts: PortView[];
  /** Why the helper could not read this namespace, if it could not. */
  problem: string | null;
  /** Drawn as a compact card whatever the zoom. */
  collapsed?: boolean;
}

export interface CableEnd {
  namespaceId: string;
  ifname: string;
}

export interface CableView {
  id: string;
  a: CableEnd;
  b: CableEnd;
  /** data-ends: both ends as "<ns>/<ifname>", sorted. */
  ends: string;
  /** Carrier on both ends. */
  live: boolean;
  /** Short text for impairments on either end ("tbf 1 Mbit/s", "netem 100 ms · 5% loss"). */
  badge: string | null;
  /** Not a veth: the line from a bridge's row to its switch node. */
  trunk?: true;
}

export interface GraphView {
  namespaces: NamespaceView[];
  cables: CableView[];
}

export const nsAttr = (ns: Pick<Namespace, 'root' | 'name' | 'id'>): string => (ns.root ? '' : (ns.name ?? ns.id));

export const isLinkLocal = (cidr: string): boolean => cidr.toLowerCase().startsWith('fe80:');

const STUCK: ReadonlySet<LinkKind> = new Set(['loopback', 'bridge']);

function portView(link: Link, depth: 0 | 1): PortView {
  return {
    ifname: link.ifname,
    kind: link.kind,
    up: link.up,
    operstate: link.operstate,
    mtu: link.mtu,
    addresses: link.addresses.filter((a) => !isLinkLocal(a)),
    master: link.master,
    depth,
    movable: !STUCK.has(link.kind),
    hasCable: link.peer !== null,
  };
}

/** Bridges first, each followed by its ports; then everything else by name; lo apart. */
export function orderPorts(links: readonly Link[]): PortView[] {
  const byName = [...links].filter((l) => l.kind !== 'loopback').sort((x, y) => x.ifname.localeCompare(y.ifname, undefined, { numeric: true }));
  const bridges = byName.filter((l) => l.kind === 'bridge');
  const bridgeNames = new Set(bridges.map((b) => b.ifname));
  const ports: PortView[] = [];
  for (const bridge of bridges) {
    ports.push(portView(bridge, 0));
    for (const port of byName.filter((l) => l.master === bridge.ifname)) ports.push(portView(port, 1));
  }
  for (const link of byName) {
    if (link.kind !== 'bridge' && !(link.master && bridgeNames.has(link.master))) ports.push(portView(link, 0));
  }
  return ports;
}

/** Characters of a card title per line: the card's header leaves about 165 px of 13.5 px semibold text. */
export const TITLE_CHARS_PER_LINE = 20;
/** Characters of a line under the title: 260 px of 11.5 px text, judged from screenshots. */
const SUBTITLE_CHARS = 38;

/** Text cut in the middle to `max` characters, so both its start and its end (where ids and numbers differ) stay readable. */
export function middleEllipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (max - 1 - head)).join('')}`;
}

/**
 * Rows a card draws at most. A host with hundreds of veths would otherwise be
 * a card thousands of pixels tall, which no zoom can show beside the others;
 * past it, one line says how many more there are, and their cables meet the card's edge.
 */
export const CARD_ROWS = 12;

/** The rows a card draws of these ports: all of them, or the first CARD_ROWS − 1 and a line for the rest. */
export const shownRows = (ports: PortView[]): PortView[] => (ports.length > CARD_ROWS ? ports.slice(0, CARD_ROWS - 1) : ports);

export function namespaceView(ns: Namespace): NamespaceView {
  const label = namespaceLabel(ns);
  const ports = orderPorts(ns.links);
  const shownTitle = middleEllipsis(label, TITLE_CHARS_PER_LINE * 2 - 2);
  return {
    id: ns.id,
    label,
    shownTitle,
    titleLines: [...shownTitle].length > TITLE_CHARS_PER_LINE ? 2 : 1,
    subtitles: namespaceSubtitles(ns).map((full) => ({ shown: middleEllipsis(full, SUBTITLE_CHARS), full })),
    attr: nsAttr(ns),
    root: ns.root,
    named: ns.name !== null,
    lo: ns.links.find((l) => l.kind === 'loopback') ?? null,
    ports,
    shownPorts: shownRows(ports),
    problem: ns.problem ?? null,
  };
}

export function buildGraph(namespaces: readonly Namespace[], view: (ns: Namespace) => NamespaceView = namespaceView): GraphView {
  const byId = new Map(namespaces.map((n) => [n.id, n]));
  const sorted = [...namespaces].sort((x, y) => Number(y.root) - Number(x.root) || namespaceLabel(x).localeCompare(namespaceLabel(y), undefined, { numeric: true }));
  const views = sorted.map(view);
  const cables: CableView[] = [];
  const seen = new Set<string>();
  for (const ns of namespaces) {
    for (const link of ns.links) {
      const peerNs = link.peer ? byId.get(link.peer.namespaceId) : undefined;
      const peer = peerNs?.links.find((l) => l.ifname === link.peer?.ifname);
      if (!peerNs || !peer) continue;
      const ends = [`${nsAttr(ns)}/${link.ifname}`, `${nsAttr(peerNs)}/${peer.ifname}`].sort();
      // MACs survive a move between namespaces: the cable keeps its identity and its end travels.
      const key = [link.mac || `${ns.id}/${link.ifname}`, peer.mac || `${peerNs.id}/${peer.ifname}`].sort().join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      cables.push({
        id: `cable:${key}`,
        a: { namespaceId: ns.id, ifname: link.ifname },
        b: { namespaceId: peerNs.id, ifname: peer.ifname },
        ends: ends.join(' '),
        live: link.operstate === 'UP' && peer.operstate === 'UP',
        badge: [impairmentText(link), impairmentText(peer)].filter(Boolean).join(' ⇄ ') || null,
      });
    }
  }
  return { namespaces: views, cables };
}

/**
 * Remembers the view made for each namespace object: the store keeps the objects
 * of unchanged namespaces, so their views (and cards) stay the same objects.
 */
export class GraphCache {
  private views = new WeakMap<Namespace, NamespaceView>();

  build(namespaces: readonly Namespace[]): GraphView {
    return buildGraph(namespaces, (ns) => {
      let view = this.views.get(ns);
      if (!view) this.views.set(ns, (view = namespaceView(ns)));
      return view;
    });
  }
}

/** The namespace holding an address (without prefix), if any. */
export function ownerOfAddress(namespaces: readonly Namespace[], address: string): Namespace | undefined {
  return namespaces.find((n) => n.links.some((l) => l.addresses.some((a) => a.split('/')[0] === address)));
}

/** Cables on a shortest path between two namespaces (namespaces are nodes, cables edges). */
export function cablesOnPath(cables: readonly CableView[], from: string, to: string): string[] {
  if (from === to) return [];
  const previous = new Map<string, { ns: string; cable: string }>();
  const queue = [from];
  const visited = new Set([from]);
  while (queue.length) {
    const current = queue.shift() as string;
    for (const cable of cables) {
      const ends = [cable.a.namespaceId, cable.b.namespaceId];
      if (!ends.includes(current)) continue;
      const next = ends[0] === current ? (ends[1] as string) : (ends[0] as string);
      if (visited.has(next)) continue;
      visited.add(next);
      previous.set(next, { ns: current, cable: cable.id });
      if (next === to) {
        const path: string[] = [];
        for (let at = to; at !== from;) {
          const step = previous.get(at) as { ns: string; cable: string };
          path.push(step.cable);
          at = step.ns;
        }
        return path;
      }
      queue.push(next);
    }
  }
  return [];
}

/** A short description of a link's impairment, or null. */
export function impairmentText(link: Link): string | null {
  const i = link.impairment;
  if (!i) return null;
  const s = i.settings;
  if (!s) return i.qdisc;
  const parts: string[] = [];
  if (s.delayMs !== undefined) parts.push(`${s.delayMs} ms${s.jitterMs !== undefined ? ` ±${s.jitterMs}` : ''}`);
  if (s.lossPercent !== undefined) parts.push(`${s.lossPercent}% loss`);
  if (s.duplicatePercent !== undefined) parts.push(`${s.duplicatePercent}% dup`);
  if (s.rateKbit !== undefined) parts.push(s.rateKbit >= 1000 ? `${+(s.rateKbit / 1000).toFixed(1)} Mbit/s` : `${s.rateKbit} kbit/s`);
  return `${link.ifname}: ${parts.join(' · ')}`;
}

/** A bridge drawn as its own node, a switch in the middle of its cables. */
export interface SwitchView {
  /** The node's id. */
  id: string;
  namespaceId: string;
  bridge: string;
  /** Its namespace card's label, for layout keys and titles. */
  home: string;
  up: boolean;
  /** Its ports that have a cable. */
  ports: string[];
}

/** A bridge becomes a switch node from this many cabled ports: fewer read well as rows of its card. */
export const SWITCH_FROM = 2;

/** The bridges drawn as switches: in view, with at least SWITCH_FROM cabled ports, and their card not collapsed. */
export function switchesOf(graph: GraphView): SwitchView[] {
  return graph.namespaces.flatMap((ns) =>
    ns.collapsed
      ? []
      : ns.ports
          .filter((p) => p.kind === 'bridge')
          .map((b) => ({ b, ports: ns.ports.filter((p) => p.master === b.ifname && p.hasCable).map((p) => p.ifname) }))
          .filter(({ ports }) => ports.length >= SWITCH_FROM)
          .map(({ b, ports }) => ({ id: `switch:${ns.id}/${b.ifname}`, namespaceId: ns.id, bridge: b.ifname, home: ns.label, up: b.up, ports })),
  );
}

/** The switch node a cable end hangs off, when its interface is a port of a bridge drawn as a switch. */
export function switchOf(switches: readonly SwitchView[], end: CableEnd): SwitchView | undefined {
  return switches.find((s) => s.namespaceId === end.namespaceId && s.ports.includes(end.ifname));
}
