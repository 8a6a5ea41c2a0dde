// What the canvas shows of the graph: a text filter, a focus on one namespace
// and its neighbours, unconnected interfaces hidden, cards collapsed. Pure.
import { shownRows, type CableView, type GraphView, type NamespaceView, type PortView } from '../model/graph';

export interface GraphFilter {
  /** Matches namespace names, interface names and kinds, and addresses. */
  text: string;
  /** Show only this namespace and those cabled to it. */
  focusId: string | null;
  /** Leave out lo and interfaces without a cable (bridges keep their cabled ports). */
  hideUnconnected: boolean;
  collapsed: Readonly<Record<string, boolean>>;
  /** Show only these namespaces (the stale ones, say); null for no such limit. */
  only: ReadonlySet<string> | null;
}

export const NO_FILTER: GraphFilter = { text: '', focusId: null, hideUnconnected: false, collapsed: {}, only: null };

function matches(ns: NamespaceView, needle: string): boolean {
  if (ns.label.toLowerCase().includes(needle)) return true;
  return ns.ports.some((p) => p.ifname.toLowerCase().includes(needle) || p.kind === needle || p.addresses.some((a) => a.toLowerCase().includes(needle)));
}

function connectedPorts(ports: readonly PortView[]): PortView[] {
  const cabledBridges = new Set(ports.filter((p) => p.hasCable && p.master).map((p) => p.master));
  return ports.filter((p) => p.hasCable || (p.kind === 'bridge' && cabledBridges.has(p.ifname)));
}

export function applyFilter(graph: GraphView, filter: GraphFilter): GraphView {
  const needle = filter.text.trim().toLowerCase();
  let visible = graph.namespaces;
  if (filter.focusId) {
    const keep = new Set([filter.focusId]);
    for (const c of graph.cables) {
      if (c.a.namespaceId === filter.focusId) keep.add(c.b.namespaceId);
      if (c.b.namespaceId === filter.focusId) keep.add(c.a.namespaceId);
    }
    visible = visible.filter((ns) => keep.has(ns.id));
  }
  if (needle) visible = visible.filter((ns) => matches(ns, needle));
  if (filter.only) visible = visible.filter((ns) => filter.only?.has(ns.id));
  const views = visible.map((ns): NamespaceView => {
    const collapsed = filter.collapsed[ns.id] === true;
    if (!filter.hideUnconnected && !collapsed) return ns;
    const ports = filter.hideUnconnected ? connectedPorts(ns.ports) : ns.ports;
    return { ...ns, ...(filter.hideUnconnected ? { ports, shownPorts: shownRows(ports), lo: null } : {}), collapsed };
  });
  const shown = new Map(views.map((v) => [v.id, v]));
  const portShown = (end: CableView['a']) => {
    const view = shown.get(end.namespaceId);
    return !!view && (view.collapsed || view.ports.some((p) => p.ifname === end.ifname));
  };
  return { namespaces: views, cables: graph.cables.filter((c) => portShown(c.a) && portShown(c.b)) };
}

export function isFiltering(filter: GraphFilter): boolean {
  return filter.text.trim() !== '' || filter.focusId !== null || filter.hideUnconnected || filter.only !== null;
}
