// A remote host as the user types it: [USER@]HOST[:PORT], HOST being a name,
// an alias from their SSH config, an IPv4 address or a bracketed IPv6 one.
// Pure; the helper checks with it before any ssh runs, and forms as you type.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

export interface SshDestination {
  user: string | null;
  host: string;
  port: number | null;
}

/** A login name as useradd takes it (letters, digits, . _ -), never an option. */
const userSchema = z
  .string()
  .min(1, 'the user name is empty')
  .max(32, 'the user name is longer than 32 characters')
  .refine((s) => !s.startsWith('-'), 'the user name must not start with "-"')
  .refine((s) => [...s].every((c) => /[\p{L}\p{N}._-]/u.test(c)), 'the user name may contain only letters, digits and . _ -');

/** A host name or an alias of the user's SSH config: DNS labels, never an option. */
const nameSchema = z
  .string()
  .min(1, 'the host is empty')
  .max(253, 'the host name is longer than 253 characters')
  .refine((s) => !s.startsWith('-'), 'the host must not start with "-"')
  .refine((s) => s.split('.').every((label) => label.length > 0 && label.length <= 63), 'the host name has an empty or overlong part')
  .refine((s) => [...s].every((c) => /[\p{L}\p{N}_-]/u.test(c) || c === '.'), 'the host may contain only letters, digits and . _ -');

const portSchema = z.coerce.number({ error: 'the port is not a number' }).int('the port is not a whole number').min(1, 'the port must be 1 to 65535').max(65535, 'the port must be 1 to 65535');

export type DestinationResult = { ok: true; value: SshDestination } | { ok: false; problem: string };

const fail = (problem: string): DestinationResult => ({ ok: false, problem });
const firstIssue = (error: z.ZodError) => error.issues[0]?.message ?? 'is not valid';

/** Reads `[USER@]HOST[:PORT]`; `[ADDR]` or `[ADDR]:PORT` for IPv6. */
export function parseDestination(text: string): DestinationResult {
  const trimmed = text.trim();
  if (!trimmed) return fail('the host is empty');
  const at = trimmed.lastIndexOf('@');
  const user = at >= 0 ? trimmed.slice(0, at) : null;
  const rest = at >= 0 ? trimmed.slice(at + 1) : trimmed;
  if (user !== null) {
    const checked = userSchema.safeParse(user);
    if (!checked.success) return fail(firstIssue(checked.error));
  }
  let host: string;
  let portText: string | null;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return fail('an IPv6 address in brackets needs its closing "]"');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after && !after.startsWith(':')) return fail('only ":PORT" may follow "]"');
    portText = after ? after.slice(1) : null;
    if (!ipaddr.IPv6.isValid(host)) return fail(`${host} is not an IPv6 address`);
  } else {
    const colons = rest.split(':').length - 1;
    if (colons > 1) return fail('write an IPv6 address in brackets: [ADDR]:PORT');
    [host, portText = null] = colons ? (rest.split(':') as [string, string]) : [rest];
    if (!ipaddr.IPv4.isValidFourPartDecimal(host)) {
      const checked = nameSchema.safeParse(host);
      if (!checked.success) return fail(firstIssue(checked.error));
    }
  }
  let port: number | null = null;
  if (portText !== null) {
    const checked = portSchema.safeParse(portText === '' ? 'x' : portText);
    if (!checked.success) return fail(firstIssue(checked.error));
    port = checked.data;
  }
  return { ok: true, value: { user, host, port } };
}

/** How the app names a destination: `[USER@]HOST`, with `:PORT` when one was given. */
export function destinationLabel(d: SshDestination, withPort = true): string {
  const host = d.host.includes(':') ? `[${d.host}]` : d.host;
  return `${d.user ? `${d.user}@` : ''}${host}${withPort && d.port !== null ? `:${d.port}` : ''}`;
}

/** One name per host however it was typed (spaces around it, brackets, the user), or null when it is not one. */
export function canonicalDestination(text: string): string | null {
  const parsed = parseDestination(text);
  return parsed.ok ? destinationLabel(parsed.value) : null;
}

/** A destination as a field of a call: checked with parseDestination, kept as the user typed it (trimmed). */
export const destinationSchema = z
  .string()
  .max(300, 'the destination is longer than 300 characters')
  .transform((s) => s.trim())
  .superRefine((s, ctx) => {
    const parsed = parseDestination(s);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
  });
