// Validation of every RPC parameter. The helper checks with these before
// anything runs; the renderer uses the same rules to validate forms as you type.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { destinationSchema } from './ssh-destination';

const SAFE_NAME_CHARS = /^[A-Za-z0-9_.@+-]+$/;

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Why `s` is not a usable interface name, or null when it is. */
export function ifnameProblem(s: string): string | null {
  if (s.length === 0) return 'must not be empty';
  if (byteLength(s) > 15) return 'must be at most 15 bytes (the kernel limit)';
  if (s === '.' || s === '..') return 'must not be "." or ".."';
  if (/[\s/:\0]/.test(s)) return 'must not contain whitespace, "/", ":" or NUL';
  if (s.startsWith('-')) return 'must not start with "-"';
  if (!SAFE_NAME_CHARS.test(s)) return 'may contain only letters, digits and . _ - @ +';
  // The kernel keeps these for /proc/sys/net/*/conf/{all,default}.
  if (s === 'all' || s === 'default') return `"${s}" is reserved by the kernel`;
  return null;
}

/** Why `s` is not a usable network namespace name, or null when it is. */
export function netnsNameProblem(s: string): string | null {
  if (s.length === 0) return 'must not be empty';
  if (byteLength(s) > 64) return 'must be at most 64 bytes';
  if (s === '.' || s === '..') return 'must not be "." or ".."';
  if (s.startsWith('-')) return 'must not start with "-"';
  if (!SAFE_NAME_CHARS.test(s)) return 'may contain only letters, digits and . _ - @ +';
  // `ip netns exec all` and `ip netns delete all` act on every namespace.
  if (s === 'all') return '"all" means every namespace to ip netns';
  return null;
}

/**
 * Whether a /run/netns name (made by anyone) can be handed to ip as a name,
 * and written into an `ip -batch` line: the names this app would create.
 * Any other is data only, reached through its path.
 */
export function isPlainNetnsName(s: string): boolean {
  return netnsNameProblem(s) === null;
}

/** Parses a bare IPv4 (dotted quad) or IPv6 address; null when it is neither. */
export function parseAddress(s: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  if (!s.includes('%') && ipaddr.IPv6.isValid(s)) return ipaddr.IPv6.parse(s);
  return null;
}

/** Why `s` is not an address with a prefix length ("10.1.1.1/24"), or null. */
export function cidrProblem(s: string): string | null {
  const slash = s.indexOf('/');
  if (slash < 0) return 'needs a prefix length, like 10.1.1.1/24';
  const address = parseAddress(s.slice(0, slash));
  if (!address) return `"${s.slice(0, slash)}" is not an IPv4 or IPv6 address`;
  const prefix = s.slice(slash + 1);
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `prefix length must be 0–${max}`;
  return null;
}

/** The canonical text of a valid CIDR ("fd00:0::1/64" → "fd00::1/64"). */
export function normalizeCidr(s: string): string {
  const [address, prefix] = ipaddr.parseCIDR(s);
  return `${address.toString()}/${prefix}`;
}

/** Why `s` is not a route destination ("default" or a network in CIDR form), or null. */
export function routeTargetProblem(s: string): string | null {
  if (s === 'default') return null;
  const problem = cidrProblem(s);
  if (problem) return problem;
  const [address, prefix] = ipaddr.parseCIDR(s);
  const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(s) : ipaddr.IPv6.networkAddressFromCIDR(s);
  if (network.toString() !== address.toString()) {
    return `has host bits set; did you mean ${network.toString()}/${prefix}?`;
  }
  return null;
}

function checked(problem: (s: string) => string | null) {
  return z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
}

export const ifnameSchema = checked(ifnameProblem);
export const netnsNameSchema = checked(netnsNameProblem);
export const cidrSchema = checked(cidrProblem).transform(normalizeCidr);
export const addressSchema = checked((s) => (parseAddress(s) ? null : 'must be an IPv4 or IPv6 address')).transform((s) => (parseAddress(s) as ipaddr.IPv4 | ipaddr.IPv6).toString());
export const routeTargetSchema = checked(routeTargetProblem).transform((s) => (s === 'default' ? s : normalizeCidr(s)));
/** A namespace by name; omitted or null means the helper's own. */
export const namespaceSchema = netnsNameSchema.nullable().optional();

export const MTU_MIN = 68;
export const MTU_MAX = 65535;
export const mtuSchema = z.number().int().min(MTU_MIN).max(MTU_MAX);

const empty = z.strictObject({});

/** The settings a repair may change (docs/explain.md): forwarding, and rp_filter per interface. */
export const FIXED_SYSCTL_KEYS = ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'] as const;

/** Why `s` is not a sysctl key sysctl.set accepts, or null. */
export function sysctlKeyProblem(s: string): string | null {
  if ((FIXED_SYSCTL_KEYS as readonly string[]).includes(s)) return null;
  const prefix = 'net.ipv4.conf.';
  const suffix = '.rp_filter';
  if (s.startsWith(prefix) && s.endsWith(suffix) && s.length > prefix.length + suffix.length) {
    const place = s.slice(prefix.length, -suffix.length);
    if (place === 'all' || place === 'default') return null;
    const problem = ifnameProblem(place);
    return problem ? `the interface name ${problem}` : null;
  }
  return `must be one of ${FIXED_SYSCTL_KEYS.join(', ')} or net.ipv4.conf.<all|default|IFNAME>.rp_filter`;
}

export const sysctlKeySchema = checked(sysctlKeyProblem);

/** A BPF expression, passed to tcpdump as one argument; tcpdump itself judges its syntax. */
export const bpfSchema = checked((s) => {
  if (s.length > 2048) return 'must be at most 2048 characters';
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\0-\x1f\x7f]/.test(s)) return 'must not contain control characters';
  if (s.trim().startsWith('-')) return 'must not start with "-"';
  return null;
});

/** An absolute file path to write to. */
export const savePathSchema = checked((s) => {
  if (!s.startsWith('/')) return 'must be an absolute path';
  if (s.length > 4096 || s.includes('\0')) return 'is not a usable path';
  if (s.endsWith('/')) return 'must name a file, not a folder';
  return null;
});

const percent = z.number().min(0).max(100);
const impairmentFields = {
  delayMs: z.number().int().min(0).max(60000).optional(),
  jitterMs: z.number().int().min(0).max(60000).optional(),
  lossPercent: percent.optional(),
  duplicatePercent: percent.optional(),
  rateKbit: z.number().int().min(8).max(100_000_000).optional(),
};

/** Where a call acts: a named namespace (null: the helper's own), or any namespace by its id. */
export type Where = { name: string | null } | { id: string };

/** A namespace id: its inode number, as `snapshot` reports it. */
export const namespaceIdSchema = z.string().regex(/^\d{1,20}$/, 'must be a namespace id (its inode number) from snapshot');

function whereOf(name: string | null | undefined, id: string | undefined): Where {
  return id !== undefined ? { id } : { name: name ?? null };
}

type Check = (p: Record<string, unknown>) => { path: string; message: string } | null;

/**
 * A call that acts in one namespace: `namespace` (a name, or null for the
 * helper's own) or `namespaceId`, never both; handed on as `where`.
 */
function located<S extends z.ZodRawShape>(shape: S, check?: Check) {
  return z
    .strictObject({ ...shape, namespace: namespaceSchema, namespaceId: namespaceIdSchema.optional() })
    .superRefine((value, ctx) => {
      const p = value as Record<string, unknown>;
      if (p.namespace != null && p.namespaceId !== undefined) ctx.addIssue({ code: 'custom', path: ['namespaceId'], message: 'give namespace or namespaceId, not both' });
      const problem = check?.(p);
      if (problem) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message });
    })
    .transform((value) => {
      const { namespace, namespaceId, ...rest } = value as typeof value & { namespace?: string | null; namespaceId?: string };
      return { ...rest, where: whereOf(namespace, namespaceId) } as Omit<typeof value, 'namespace' | 'namespaceId'> & { where: Where };
    });
}

/** Goes ahead with a host-mode call the helper refused with RiskRefused (-32004), once the user agreed. */
const confirmRisk = { confirmRisk: z.boolean().optional() };

/** Methods the helper answers. */
export const helperParamSchemas = {
  'helper.info': empty,
  'helper.stats': empty,
  /** `reuse`: answer from the helper's last reading, kept current by events, instead of re-reading now. */
  snapshot: z.strictObject({ reuse: z.boolean().optional() }),
  'netns.create': z.strictObject({ name: netnsNameSchema }),
  /** A named namespace by name; an unnamed one the helper started (netns.spawn) by id. */
  'netns.delete': z
    .strictObject({ name: netnsNameSchema.optional(), namespaceId: namespaceIdSchema.optional(), ...confirmRisk })
    .refine((p) => (p.name === undefined) !== (p.namespaceId === undefined), { message: 'give name or namespaceId', path: ['name'] }),
  /** An unnamed namespace held by a process of the helper's, the way a container's is. */
  'netns.spawn': empty,
  'netns.attach': z.strictObject({
    pid: z
      .number()
      .int()
      .min(1)
      .max(2 ** 22),
    name: netnsNameSchema,
  }),
  'veth.create': located({ name: ifnameSchema, peerName: ifnameSchema, peerNamespace: namespaceSchema, peerNamespaceId: namespaceIdSchema.optional() }, (p) =>
    p.peerNamespace != null && p.peerNamespaceId !== undefined ? { path: 'peerNamespaceId', message: 'give peerNamespace or peerNamespaceId, not both' } : null,
  ).transform(({ peerNamespace, peerNamespaceId, ...rest }) => ({ ...rest, peerWhere: whereOf(peerNamespace, peerNamespaceId) })),
  'link.move': located({ ifname: ifnameSchema, to: netnsNameSchema.nullable().optional(), toId: namespaceIdSchema.optional(), rename: ifnameSchema.optional(), ...confirmRisk }, (p) =>
    (p.to === undefined) === (p.toId === undefined) ? { path: 'to', message: "give to (a name, or null for the helper's own namespace) or toId" } : null,
  ).transform(({ to, toId, ...rest }) => ({ ...rest, toWhere: whereOf(to, toId) })),
  'link.set': located({ ifname: ifnameSchema, up: z.boolean().optional(), mtu: mtuSchema.optional(), rename: ifnameSchema.optional(), ...confirmRisk }, (p) =>
    p.up === undefined && p.mtu === undefined && p.rename === undefined ? { path: 'up', message: 'give at least one of up, mtu, rename' } : null,
  ),
  'link.delete': located({ ifname: ifnameSchema, ...confirmRisk }),
  'addr.add': located({ ifname: ifnameSchema, cidr: cidrSchema }),
  'addr.del': located({ ifname: ifnameSchema, cidr: cidrSchema, ...confirmRisk }),
  'bridge.create': located({ name: ifnameSchema }),
  'link.setMaster': located({ ifname: ifnameSchema, master: ifnameSchema.nullable(), ...confirmRisk }),
  'route.add': located({ to: routeTargetSchema, via: addressSchema.optional(), dev: ifnameSchema.optional() }, (p) =>
    p.via === undefined && p.dev === undefined ? { path: 'via', message: 'give via, dev or both' } : null,
  ),
  'route.del': located({ to: routeTargetSchema, via: addressSchema.optional(), dev: ifnameSchema.optional(), ...confirmRisk }),
  'ping.start': located({
    target: addressSchema,
    count: z.number().int().min(1).max(1000).optional(),
    intervalMs: z.number().int().min(200).max(60000).optional(),
  }),
  'ping.stop': z.strictObject({ pingId: z.string().min(1).max(64) }),
  'capture.start': located({
    ifname: ifnameSchema,
    filter: bpfSchema.optional(),
    maxPackets: z.number().int().min(1).max(100000).optional(),
  }),
  'capture.stop': z.strictObject({ captureId: z.string().min(1).max(64) }),
  'capture.save': z.strictObject({ captureId: z.string().min(1).max(64), path: savePathSchema }),
  'capture.wireshark': z.strictObject({ captureId: z.string().min(1).max(64) }),
  'netem.set': located({ ifname: ifnameSchema, ...impairmentFields, ...confirmRisk }, (p) =>
    Object.keys(impairmentFields).some((k) => p[k] !== undefined) ? null : { path: 'delayMs', message: 'give at least one of delayMs, jitterMs, lossPercent, duplicatePercent, rateKbit' },
  ),
  'netem.clear': located({ ifname: ifnameSchema }),
  'terminal.open': located({ cols: z.number().int().min(10).max(500), rows: z.number().int().min(4).max(300) }),
  'terminal.write': z.strictObject({ terminalId: z.string().min(1).max(64), data: z.string().max(65536) }),
  'terminal.resize': z.strictObject({ terminalId: z.string().min(1).max(64), cols: z.number().int().min(10).max(500), rows: z.number().int().min(4).max(300) }),
  'terminal.close': z.strictObject({ terminalId: z.string().min(1).max(64) }),
  /** Why a packet from here to `target` gets (or would get) no answer; see docs/explain.md. */
  'path.explain': located({ target: addressSchema, probe: z.boolean().optional() }),
  'sysctl.set': located({ key: sysctlKeySchema, value: z.number().int().min(0).max(2), ...confirmRisk }, (p) =>
    typeof p.key === 'string' && !p.key.endsWith('.rp_filter') && p.value === 2 ? { path: 'value', message: 'forwarding is 0 or 1' } : null,
  ),
} as const;

/** Methods the host process answers itself (Electron main; the web bridge refuses them). */
export const appParamSchemas = {
  'app.setMode': z.strictObject({ mode: z.enum(['lab', 'host']) }),
  /** Trust a remote host's key: ssh-keygen's SHA256 fingerprint, unpadded base64 of 32 bytes. */
  'app.acceptHostKey': z.strictObject({ fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be a SHA256 fingerprint as ssh-keygen -l prints it') }),
  /** Open a remote host in a window of its own (the desktop app; a web page opens a tab itself). */
  'app.openHost': z.strictObject({ destination: destinationSchema }),
} as const;

export const paramSchemas = { ...helperParamSchemas, ...appParamSchemas } as const;

export type MethodName = keyof typeof paramSchemas;
export type HelperMethodName = keyof typeof helperParamSchemas;
export type AppMethodName = keyof typeof appParamSchemas;
/** What a caller sends (before defaults and normalisation). */
export type MethodParams = { [M in MethodName]: z.input<(typeof paramSchemas)[M]> };
/** What the helper works with after validation. */
export type ValidParams = { [M in MethodName]: z.output<(typeof paramSchemas)[M]> };

export const METHOD_NAMES = Object.keys(paramSchemas) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(paramSchemas, name);
}

export function isHelperMethodName(name: unknown): name is HelperMethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(helperParamSchemas, name);
}

export function isAppMethodName(name: unknown): name is AppMethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(appParamSchemas, name);
}

export interface ParamIssue {
  field: string;
  message: string;
}

export type ParamCheck<M extends MethodName> = { ok: true; value: ValidParams[M] } | { ok: false; issues: ParamIssue[] };

/** Validates params for a method; `undefined` counts as `{}`. */
export function checkParams<M extends MethodName>(method: M, params: unknown): ParamCheck<M> {
  const parsed = paramSchemas[method].safeParse(params ?? {});
  if (parsed.success) return { ok: true, value: parsed.data as ValidParams[M] };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.join('.') : (unknownKey(issue) ?? '(params)'),
      message: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message,
    })),
  };
}

function unknownKey(issue: z.core.$ZodIssue): string | undefined {
  return issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : undefined;
}
