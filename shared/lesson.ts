// Lessons: steps with the ip commands they teach, "do it for me" calls, and
// checks evaluated against the live topology, so a step ticks itself however
// the participant got there. Pure.
import { z } from 'zod';
import { LINK_KINDS, type Namespace, type Topology } from './model';
import { addressSchema, cidrSchema, checkParams, ifnameSchema, isHelperMethodName, normalizeCidr, routeTargetSchema, type HelperMethodName, type MethodName, type MethodParams } from './schemas';
import { checkYamlWith, HOST, parseYamlWith, placeSchema, type YamlProblem } from './topology-file';

const endSchema = z.strictObject({ namespace: placeSchema, name: ifnameSchema });

export type Check =
  | { namespace: string }
  | {
      link: {
        namespace: string;
        name: string;
        kind?: (typeof LINK_KINDS)[number];
        up?: boolean;
        address?: string;
        noAddresses?: boolean;
        master?: string | null;
        peer?: { namespace: string; name: string };
      };
    }
  | { absent: { namespace: string; link?: string } }
  | { route: { namespace: string; to: string; via?: string } }
  | { pinged: { from: string; to: string; ok?: boolean } }
  | { all: Check[] };

export const checkSchema: z.ZodType<Check> = z.lazy(() =>
  z.union([
    z.strictObject({ namespace: placeSchema }),
    z.strictObject({
      link: z.strictObject({
        namespace: placeSchema,
        name: ifnameSchema,
        kind: z.enum(LINK_KINDS).optional(),
        up: z.boolean().optional(),
        address: cidrSchema.optional(),
        noAddresses: z.boolean().optional(),
        master: ifnameSchema.nullable().optional(),
        peer: endSchema.optional(),
      }),
    }),
    z.strictObject({ absent: z.strictObject({ namespace: placeSchema, link: ifnameSchema.optional() }) }),
    z.strictObject({ route: z.strictObject({ namespace: placeSchema, to: routeTargetSchema, via: addressSchema.optional() }) }),
    z.strictObject({ pinged: z.strictObject({ from: placeSchema, to: addressSchema, ok: z.boolean().optional() }) }),
    z.strictObject({ all: z.array(checkSchema).min(1) }),
  ]),
) as z.ZodType<Check>;

/**
 * What a lesson's "do it for me" may call: the methods that build a topology.
 * A lesson file comes from anyone (a workshop's download), and the UI shows
 * only its `commands` text, so it may not open shells, write files or the like.
 */
export const LESSON_METHODS: readonly HelperMethodName[] = [
  'netns.create',
  'netns.delete',
  'veth.create',
  'bridge.create',
  'link.move',
  'link.set',
  'link.delete',
  'link.setMaster',
  'addr.add',
  'addr.del',
  'route.add',
  'route.del',
  'sysctl.set',
  'ping.start',
];

/** A "do it for me" call, checked against the protocol and the lesson allowlist when the lesson loads. */
const callSchema = z.strictObject({ call: z.string(), params: z.record(z.string(), z.unknown()).optional() }).superRefine((c, ctx) => {
  if (!isHelperMethodName(c.call)) {
    ctx.addIssue({ code: 'custom', path: ['call'], message: `not a method of the protocol: ${c.call}` });
    return;
  }
  if (!LESSON_METHODS.includes(c.call)) {
    ctx.addIssue({ code: 'custom', path: ['call'], message: `${c.call} is not allowed in a lesson, which may only build a topology (${LESSON_METHODS.join(', ')})` });
    return;
  }
  const checked = checkParams(c.call, c.params ?? {});
  if (!checked.ok) for (const issue of checked.issues) ctx.addIssue({ code: 'custom', path: ['params', issue.field], message: issue.message });
});

const stepSchema = z.strictObject({
  title: z.string().min(1),
  text: z.string().min(1),
  /** The ip commands the step teaches, as a participant would type them. */
  commands: z.array(z.string().min(1)).min(1),
  do: z.array(callSchema).optional(),
  check: checkSchema,
});

export const lessonSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'),
  title: z.string().min(1),
  summary: z.string().min(1),
  steps: z.array(stepSchema).min(1),
});

export type Lesson = z.infer<typeof lessonSchema>;
export type LessonStep = Lesson['steps'][number];

export function parseLesson(text: string): Lesson {
  return parseYamlWith(lessonSchema, text);
}

/** Every problem of a lesson file, with its line; empty when the lesson is valid. */
export function lessonProblems(text: string): YamlProblem[] {
  const checked = checkYamlWith(lessonSchema, text);
  return checked.ok ? [] : checked.problems;
}

export function lessonJsonSchema(): unknown {
  return z.toJSONSchema(lessonSchema, { io: 'input', unrepresentable: 'any' });
}

/** A ping the app saw finish: from which namespace, to what, and whether anything answered. */
export interface PingRecord {
  fromId: string;
  target: string;
  received: number;
}

function find(topology: Topology, place: string): Namespace | undefined {
  return topology.namespaces.find((n) => (place === HOST ? n.root : n.name === place));
}

/** Whether the topology (and the pings seen so far) satisfy a check. */
export function satisfied(check: Check, topology: Topology, pings: readonly PingRecord[]): boolean {
  if ('all' in check) return check.all.every((c) => satisfied(c, topology, pings));
  if ('namespace' in check) return find(topology, check.namespace) !== undefined;
  if ('absent' in check) {
    const ns = find(topology, check.absent.namespace);
    return check.absent.link === undefined ? ns === undefined : !ns?.links.some((l) => l.ifname === check.absent.link);
  }
  if ('route' in check) {
    const r = check.route;
    return !!find(topology, r.namespace)?.routes.some((route) => route.to === r.to && (r.via === undefined || route.via === r.via));
  }
  if ('pinged' in check) {
    const from = find(topology, check.pinged.from);
    const ok = check.pinged.ok ?? true;
    return !!from && pings.some((p) => p.fromId === from.id && p.target === check.pinged.to && p.received > 0 === ok);
  }
  const want = check.link;
  const ns = find(topology, want.namespace);
  const link = ns?.links.find((l) => l.ifname === want.name);
  if (!ns || !link) return false;
  if (want.kind !== undefined && link.kind !== want.kind) return false;
  if (want.up !== undefined && link.up !== want.up) return false;
  if (want.address !== undefined && !link.addresses.includes(want.address)) return false;
  if (want.noAddresses && link.addresses.some((a) => !a.toLowerCase().startsWith('fe80:'))) return false;
  if (want.master !== undefined && link.master !== want.master) return false;
  if (want.peer) {
    const far = find(topology, want.peer.namespace);
    if (!far || link.peer?.namespaceId !== far.id || link.peer.ifname !== want.peer.name) return false;
  }
  return true;
}

/**
 * Whether a "do it for me" call's effect is in the lab already, so running it
 * again would only fail ("File exists"). Calls whose effect the topology does
 * not show (sysctl.set, ping.start) are never done.
 */
export function alreadyDone(method: MethodName, params: Record<string, unknown>, topology: Topology): boolean {
  const place = (key: string) => (params[key] as string | null | undefined) ?? HOST;
  const ns = find(topology, place('namespace'));
  const link = (name: unknown, where = ns) => where?.links.find((l) => l.ifname === name);
  const here = link(params.ifname);
  switch (method) {
    case 'netns.create':
      return find(topology, params.name as string) !== undefined;
    case 'netns.delete':
      return find(topology, params.name as string) === undefined;
    case 'bridge.create':
      return link(params.name)?.kind === 'bridge';
    case 'veth.create': {
      const far = find(topology, place('peerNamespace'));
      const a = link(params.name);
      return !!a && !!far && a.peer?.namespaceId === far.id && a.peer.ifname === params.peerName;
    }
    case 'link.move': {
      const to = params.to === undefined ? undefined : find(topology, (params.to as string | null) ?? HOST);
      return !here && !!link(params.rename ?? params.ifname, to);
    }
    case 'link.set':
      return !!here && (params.up === undefined || here.up === params.up) && (params.mtu === undefined || here.mtu === params.mtu) && (params.rename === undefined || here.ifname === params.rename);
    case 'link.delete':
      return !!ns && !here;
    case 'link.setMaster':
      return !!here && here.master === (params.master as string | null);
    case 'addr.add':
      return !!here && here.addresses.includes(normalizeCidr(params.cidr as string));
    case 'addr.del':
      return !!here && !here.addresses.includes(normalizeCidr(params.cidr as string));
    case 'route.add':
      return !!ns?.routes.some((r) => r.to === params.to && (params.via === undefined || r.via === params.via));
    case 'route.del':
      return !!ns && !ns.routes.some((r) => r.to === params.to && (params.via === undefined || r.via === params.via));
    default:
      return false;
  }
}

/** A step's "do it for me" calls, ready for the client. */
export function callsOf(step: LessonStep): { method: MethodName; params: MethodParams[MethodName] }[] {
  return (step.do ?? []).map((c) => ({ method: c.call as MethodName, params: (c.params ?? {}) as MethodParams[MethodName] }));
}
