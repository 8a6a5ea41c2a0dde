// Topology files: a lab saved as YAML, replayed through the same RPC calls,
// or exported as a bash script of ip commands. Pure, shared by the renderer,
// the CLI and the tests.
import { isMap, isSeq, LineCounter, parseDocument, stringify, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import type { Namespace, Topology } from './model';
import type { MethodName, MethodParams } from './protocol';
import { cidrSchema, ifnameSchema, mtuSchema, netnsNameSchema, routeTargetSchema, addressSchema } from './schemas';
import { shellWord } from './shell';

/** "host" stands for the helper's own namespace (the lab's host, or the machine's). */
export const HOST = 'host';

/** A namespace in a file: its name, or "host". */
export const placeSchema = z.union([z.literal(HOST), netnsNameSchema]);
const endSchema = z.strictObject({ namespace: placeSchema, name: ifnameSchema });

const linkSchema = z.strictObject({
  name: ifnameSchema,
  up: z.boolean().optional(),
  mtu: mtuSchema.optional(),
  addresses: z.array(cidrSchema).optional(),
});

const routeSchema = z.strictObject({ to: routeTargetSchema, via: addressSchema.optional(), dev: ifnameSchema.optional() });

const namespaceSchema = z.strictObject({
  name: placeSchema,
  /** Loopback's admin state: a fresh namespace has it down. */
  lo: z.enum(['up', 'down']).optional(),
  links: z.array(linkSchema).optional(),
  routes: z.array(routeSchema).optional(),
});

export const topologyFileSchema = z.strictObject({
  /** Namespaces to create (by name) or, for "host", to configure; in this order. */
  namespaces: z.array(namespaceSchema),
  veths: z.array(z.strictObject({ a: endSchema, b: endSchema })).optional(),
  bridges: z.array(z.strictObject({ namespace: placeSchema, name: ifnameSchema, ports: z.array(ifnameSchema).optional() })).optional(),
});

export type TopologyFile = z.infer<typeof topologyFileSchema>;

/** The JSON schema of topology files, for editors and for the repository. */
export function topologyJsonSchema(): unknown {
  return z.toJSONSchema(topologyFileSchema, { io: 'input', unrepresentable: 'any' });
}

const placeOf = (ns: Namespace): string => (ns.root ? HOST : (ns.name as string));

/** What a lab looks like as a file: named namespaces and the host; veths, bridges, addresses, routes and admin state. */
export function fromTopology(topology: Topology): TopologyFile {
  const usable = topology.namespaces.filter((ns) => ns.root || ns.name !== null);
  const byId = new Map(usable.map((ns) => [ns.id, ns]));
  const veths: TopologyFile['veths'] = [];
  const seen = new Set<string>();
  for (const ns of usable) {
    for (const link of ns.links) {
      const far = link.peer ? byId.get(link.peer.namespaceId) : undefined;
      if (link.kind !== 'veth' || !far || !link.peer) continue;
      const key = [`${ns.id}/${link.ifname}`, `${far.id}/${link.peer.ifname}`].sort().join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      veths.push({ a: { namespace: placeOf(ns), name: link.ifname }, b: { namespace: placeOf(far), name: link.peer.ifname } });
    }
  }
  const bridges = usable.flatMap((ns) =>
    ns.links
      .filter((l) => l.kind === 'bridge')
      .map((bridge) => {
        const ports = ns.links.filter((l) => l.master === bridge.ifname).map((l) => l.ifname);
        return { namespace: placeOf(ns), name: bridge.ifname, ...(ports.length ? { ports } : {}) };
      }),
  );
  const namespaces = [...usable]
    .sort((x, y) => Number(y.root) - Number(x.root) || placeOf(x).localeCompare(placeOf(y), undefined, { numeric: true }))
    .map((ns) => {
      const lo = ns.links.find((l) => l.kind === 'loopback');
      const links = ns.links
        .filter((l) => l.kind === 'veth' || l.kind === 'bridge')
        .map((l) => {
          const addresses = l.addresses.filter((a) => !a.toLowerCase().startsWith('fe80:'));
          return { name: l.ifname, up: l.up, ...(l.mtu !== 1500 ? { mtu: l.mtu } : {}), ...(addresses.length ? { addresses } : {}) };
        });
      const routes = ns.routes.filter((r) => r.protocol !== 'kernel').map((r) => ({ to: r.to, ...(r.via ? { via: r.via } : {}), ...(r.dev && !r.via ? { dev: r.dev } : {}) }));
      return { name: placeOf(ns), ...(lo ? { lo: lo.up ? ('up' as const) : ('down' as const) } : {}), ...(links.length ? { links } : {}), ...(routes.length ? { routes } : {}) };
    });
  return { namespaces, ...(veths.length ? { veths } : {}), ...(bridges.length ? { bridges } : {}) };
}

export function toYaml(file: TopologyFile): string {
  return `# Netns Explorer topology: open it in the app, or turn it into a script with npm run lab -- script FILE\n${stringify(file)}`;
}

/** A YAML file that does not parse or does not fit its schema; `line` says where. */
export class TopologyFileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(line ? `line ${line}: ${message}` : message);
  }
}

export interface YamlProblem {
  line: number | null;
  message: string;
}

/** Parses and validates YAML text against a schema: the value, or every problem with the line it is about. */
export function checkYamlWith<S extends z.ZodType>(schema: S, text: string): { ok: true; value: z.output<S> } | { ok: false; problems: YamlProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    return { ok: false, problems: doc.errors.map((e) => ({ line: lines.linePos(e.pos[0]).line, message: e.message.split('\n')[0] ?? 'not valid YAML' })) };
  }
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const node = nodeAt(doc.contents as YamlNode | null, issue.path);
      const field = issue.path.join('.') || '(top level)';
      const what = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message;
      return { line: node?.range ? lines.linePos(node.range[0]).line : null, message: `${field}: ${what}` };
    }),
  };
}

/** Parses and validates YAML text against a schema; the error names the line of the first problem. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string): z.output<S> {
  const checked = checkYamlWith(schema, text);
  if (checked.ok) return checked.value;
  const first = checked.problems[0] as YamlProblem;
  throw new TopologyFileError(first.message, first.line);
}

export function parseTopologyFile(text: string): TopologyFile {
  return parseYamlWith(topologyFileSchema, text);
}

/** The deepest YAML node along a path, for pointing at the line of a problem. */
function nodeAt(root: YamlNode | null, path: readonly PropertyKey[]): YamlNode | null {
  let node = root;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      if (!pair) return node;
      node = (pair.value as YamlNode | null) ?? (pair.key as YamlNode);
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as YamlNode | undefined;
      if (!item) return node;
      node = item;
    } else return node;
  }
  return node;
}

export interface PlannedCall {
  method: MethodName;
  params: MethodParams[MethodName];
}

const where = (place: string) => ({ namespace: place === HOST ? null : place });

/** The RPC calls that build a file's topology in an empty lab, in an order that works. */
export function planOf(file: TopologyFile): PlannedCall[] {
  const calls: PlannedCall[] = [];
  const call = <M extends MethodName>(method: M, params: MethodParams[M]) => calls.push({ method, params });
  for (const ns of file.namespaces) if (ns.name !== HOST) call('netns.create', { name: ns.name });
  for (const bridge of file.bridges ?? []) call('bridge.create', { ...where(bridge.namespace), name: bridge.name });
  for (const veth of file.veths ?? []) {
    call('veth.create', { ...where(veth.a.namespace), name: veth.a.name, peerName: veth.b.name, peerNamespace: veth.b.namespace === HOST ? null : veth.b.namespace });
  }
  for (const bridge of file.bridges ?? []) for (const port of bridge.ports ?? []) call('link.setMaster', { ...where(bridge.namespace), ifname: port, master: bridge.name });
  for (const ns of file.namespaces) {
    if (ns.lo === 'up' && ns.name !== HOST) call('link.set', { ...where(ns.name), ifname: 'lo', up: true });
    for (const link of ns.links ?? []) {
      if (link.mtu !== undefined) call('link.set', { ...where(ns.name), ifname: link.name, mtu: link.mtu });
      for (const cidr of link.addresses ?? []) call('addr.add', { ...where(ns.name), ifname: link.name, cidr });
      if (link.up) call('link.set', { ...where(ns.name), ifname: link.name, up: true });
    }
  }
  for (const ns of file.namespaces) for (const route of ns.routes ?? []) call('route.add', { ...where(ns.name), ...route });
  return calls;
}

const q = shellWord;
const ipIn = (place: string) => (place === HOST ? 'ip' : `ip -n ${q(place)}`);

/** A bash script of plain ip commands that builds the same topology on any Linux machine (as root). */
export function scriptOf(file: TopologyFile): string {
  const out = ['#!/usr/bin/env bash', '# Built by Netns Explorer: plain ip commands; run as root on a machine where these names are free.', 'set -e', ''];
  const plan = planOf(file);
  let section = '';
  for (const { method, params } of plan) {
    const p = params as Record<string, unknown> & { namespace?: string | null };
    const place = p.namespace ?? HOST;
    const heading =
      method === 'netns.create'
        ? '# Namespaces'
        : method === 'bridge.create'
          ? '# Bridges'
          : method === 'veth.create'
            ? '# Veth cables'
            : `# ${place === HOST ? 'The host namespace' : `Namespace ${place}`}`;
    if (heading !== section) {
      if (section) out.push('');
      out.push(heading);
      section = heading;
    }
    out.push(commandOf(method, p, place));
  }
  return `${out.join('\n')}\n`;
}

function commandOf(method: MethodName, p: Record<string, unknown>, place: string): string {
  const s = (k: string) => q(String(p[k]));
  switch (method) {
    case 'netns.create':
      return `ip netns add ${s('name')}`;
    case 'bridge.create':
      return `${ipIn(place)} link add ${s('name')} type bridge`;
    case 'veth.create': {
      const peer = (p.peerNamespace as string | null) ?? HOST;
      const target = peer === place ? '' : ` netns ${peer === HOST ? '1' : q(peer)}`;
      return `${ipIn(place)} link add ${s('name')} type veth peer name ${s('peerName')}${target}`;
    }
    case 'link.setMaster':
      return `${ipIn(place)} link set dev ${s('ifname')} master ${s('master')}`;
    case 'link.set':
      return p.mtu !== undefined ? `${ipIn(place)} link set dev ${s('ifname')} mtu ${s('mtu')}` : `${ipIn(place)} link set dev ${s('ifname')} up`;
    case 'addr.add':
      return `${ipIn(place)} address add ${s('cidr')} dev ${s('ifname')}`;
    case 'route.add':
      return `${ipIn(place)} route add ${s('to')}${p.via ? ` via ${s('via')}` : ''}${p.dev ? ` dev ${s('dev')}` : ''}`;
    default:
      throw new Error(`no script line for ${method}`);
  }
}
