// Pure judgement of an ICMP echo against a namespace's nftables ruleset
// (`nft -j list ruleset`). Only what it understands decides: a rule with any
// other match is passed over and named in `unsure`.
import ipaddr from 'ipaddr.js';

export interface EchoPacket {
  family: 'ip' | 'ip6';
  saddr: string;
  daddr: string;
  /** echo-request on the way there, echo-reply on the way back. */
  icmpType: 'echo-request' | 'echo-reply';
  iif: string | null;
  oif: string | null;
  /** The request is new to conntrack, the reply established. */
  ctState: 'new' | 'established';
}

export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

export interface FirewallVerdict {
  verdict: 'accept' | 'drop' | 'reject';
  /** The rule (as nft would print it) or the chain policy that decided; null when nothing did. */
  rule: string | null;
  /** "inet filter input": where it was decided. */
  chain: string | null;
  /** family, table, chain and handle, for `nft delete rule`. */
  handle: { family: string; table: string; chain: string; handle: number } | null;
  /** Rules passed over because they match on something not judged here. */
  unsure: string[];
}

interface Chain {
  family: string;
  table: string;
  name: string;
  hook?: string;
  type?: string;
  prio?: number;
  policy?: string;
}

interface Rule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  expr: Record<string, unknown>[];
}

interface Ruleset {
  chains: Chain[];
  rules: Rule[];
}

export function parseRuleset(json: unknown): Ruleset {
  const items = ((json as { nftables?: Record<string, unknown>[] } | null)?.nftables ?? []) as Record<string, unknown>[];
  return {
    chains: items.filter((i) => i.chain).map((i) => i.chain as Chain),
    rules: items.filter((i) => i.rule).map((i) => i.rule as Rule),
  };
}

type Match = boolean | 'unknown';

const ICMP_NAMES = new Set(['icmp', 'ipv6-icmp', 'icmpv6', 1, 58]);

function inSet(right: unknown, test: (v: unknown) => boolean): boolean {
  const values = typeof right === 'object' && right !== null && 'set' in right ? ((right as { set: unknown[] }).set ?? []) : [right];
  return values.some(test);
}

function addressMatches(address: string, right: unknown): boolean {
  const one = (v: unknown): boolean => {
    try {
      const a = ipaddr.parse(address);
      if (typeof v === 'string') return a.kind() === ipaddr.parse(v).kind() && a.toString() === ipaddr.parse(v).toString();
      const prefix = (v as { prefix?: { addr: string; len: number } }).prefix;
      if (prefix) {
        const net = ipaddr.parse(prefix.addr);
        return a.kind() === net.kind() && a.match(net, prefix.len);
      }
      const range = (v as { range?: [string, string] }).range;
      if (range) return false;
    } catch {
      return false;
    }
    return false;
  };
  return inSet(right, one);
}

/** Whether one match expression holds for the packet. */
function matchOne(m: { op?: string; left?: Record<string, unknown>; right?: unknown }, p: EchoPacket): Match {
  const left = m.left ?? {};
  let holds: Match = 'unknown';
  const payload = left.payload as { protocol?: string; field?: string } | undefined;
  const meta = left.meta as { key?: string } | undefined;
  const ct = left.ct as { key?: string } | undefined;
  if (payload && (payload.protocol === 'ip' || payload.protocol === 'ip6') && (payload.field === 'saddr' || payload.field === 'daddr')) {
    holds = payload.protocol === p.family && addressMatches(payload.field === 'saddr' ? p.saddr : p.daddr, m.right);
  } else if (payload && (payload.protocol === 'icmp' || payload.protocol === 'icmpv6') && payload.field === 'type') {
    holds = (payload.protocol === 'icmp') === (p.family === 'ip') && inSet(m.right, (v) => v === p.icmpType);
  } else if (payload && (payload.protocol === 'ip' || payload.protocol === 'ip6') && (payload.field === 'protocol' || payload.field === 'nexthdr')) {
    holds = payload.protocol === p.family && inSet(m.right, (v) => ICMP_NAMES.has(v as string));
  } else if (meta?.key === 'l4proto') {
    holds = inSet(m.right, (v) => (p.family === 'ip' ? v === 'icmp' || v === 1 : v === 'ipv6-icmp' || v === 'icmpv6' || v === 58));
  } else if (meta?.key === 'nfproto') {
    holds = inSet(m.right, (v) => v === (p.family === 'ip' ? 'ipv4' : 'ipv6'));
  } else if (meta?.key === 'iifname' || meta?.key === 'oifname') {
    const name = meta.key === 'iifname' ? p.iif : p.oif;
    holds = name !== null && inSet(m.right, (v) => v === name);
  } else if (ct?.key === 'state') {
    holds = inSet(m.right, (v) => (Array.isArray(v) ? v.includes(p.ctState) : v === p.ctState));
  }
  if (holds === 'unknown') return holds;
  return m.op === '!=' ? !holds : holds;
}

/** nft's text for the expressions this module knows (the rule is shown only when all are known). */
function render(expr: Record<string, unknown>[]): string {
  const value = (v: unknown): string => {
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    if (Array.isArray(v)) return v.join(', ');
    const o = v as { prefix?: { addr: string; len: number }; set?: unknown[] };
    if (o.prefix) return `${o.prefix.addr}/${o.prefix.len}`;
    if (o.set) return `{ ${o.set.map(value).join(', ')} }`;
    return JSON.stringify(v);
  };
  return expr
    .map((e) => {
      if (e.match) {
        const m = e.match as { op?: string; left: Record<string, { protocol?: string; field?: string; key?: string }>; right: unknown };
        const [kind, l] = Object.entries(m.left)[0] ?? ['', {}];
        const left = kind === 'payload' ? `${l.protocol} ${l.field}` : `${kind} ${l.key}`;
        return `${left} ${m.op && m.op !== '==' ? `${m.op} ` : ''}${value(m.right)}`;
      }
      if ('drop' in e) return 'drop';
      if ('accept' in e) return 'accept';
      if ('reject' in e) return 'reject';
      if ('counter' in e) return 'counter';
      return Object.keys(e)[0] ?? '';
    })
    .join(' ');
}

type Outcome = { verdict: 'accept' | 'drop' | 'reject' | 'return' | 'continue'; rule: Rule | null };

function runChain(set: Ruleset, family: string, table: string, chain: string, p: EchoPacket, unsure: string[], depth: number): Outcome {
  if (depth > 16) return { verdict: 'continue', rule: null };
  for (const rule of set.rules.filter((r) => r.family === family && r.table === table && r.chain === chain)) {
    let matched = true;
    let uncertain = false;
    let outcome: Outcome | null = null;
    for (const e of rule.expr) {
      if (e.match) {
        const m = matchOne(e.match as Parameters<typeof matchOne>[0], p);
        if (m === 'unknown') uncertain = true;
        else if (!m) matched = false;
      } else if ('accept' in e || 'drop' in e || 'reject' in e) {
        outcome = { verdict: 'accept' in e ? 'accept' : 'drop' in e ? 'drop' : 'reject', rule };
      } else if ('return' in e) {
        outcome = { verdict: 'return', rule };
      } else if (e.jump || e.goto) {
        const target = ((e.jump ?? e.goto) as { target: string }).target;
        if (matched && !uncertain) {
          const inner = runChain(set, family, table, target, p, unsure, depth + 1);
          if (inner.verdict !== 'continue' && inner.verdict !== 'return') return inner;
          if (e.goto) return { verdict: 'return', rule: null };
        }
      } else if (!('counter' in e) && !('log' in e) && !('comment' in e)) {
        // Statements that change nothing about the verdict are fine; others (limit, quota…) are not judged.
        if ('limit' in e || 'quota' in e || 'meter' in e) uncertain = true;
      }
      if (!matched) break;
    }
    if (!matched || !outcome) continue;
    if (uncertain) {
      unsure.push(`${family} ${table} ${chain}: ${render(rule.expr)} (handle ${rule.handle})`);
      continue;
    }
    return outcome;
  }
  return { verdict: 'continue', rule: null };
}

/** What the namespace's filter chains on `hook` do to the packet. */
export function judge(set: Ruleset, hook: Hook, p: EchoPacket): FirewallVerdict {
  const unsure: string[] = [];
  const chains = set.chains.filter((c) => c.hook === hook && (c.type ?? 'filter') === 'filter' && (c.family === 'inet' || c.family === p.family)).sort((a, b) => (a.prio ?? 0) - (b.prio ?? 0));
  for (const chain of chains) {
    const where = `${chain.family} ${chain.table} ${chain.name}`;
    const outcome = runChain(set, chain.family, chain.table, chain.name, p, unsure, 0);
    if (outcome.verdict === 'drop' || outcome.verdict === 'reject') {
      const rule = outcome.rule as Rule;
      return { verdict: outcome.verdict, rule: render(rule.expr), chain: where, handle: { family: rule.family, table: rule.table, chain: rule.chain, handle: rule.handle }, unsure };
    }
    // An accept ends this base chain only; the next one still sees the packet.
    if (outcome.verdict !== 'accept' && chain.policy === 'drop') {
      return { verdict: 'drop', rule: `policy drop`, chain: where, handle: null, unsure };
    }
  }
  return { verdict: 'accept', rule: null, chain: null, handle: null, unsure };
}
