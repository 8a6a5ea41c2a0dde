// path.explain: reads the namespaces on a packet's way (one ip process each,
// plus nft where installed), follows it with the rules of ../path/walk.ts and
// confirms the verdict with a short ping.
import { ErrorCode, RpcError, type PathExplanation } from '../../../shared/protocol';
import type { ValidParams } from '../../../shared/schemas';
import { namespaceAt, target, type Context } from '../context';
import { type NsRef } from '../ip';
import { findOnPath } from '../process-env';
import { parsePingLine } from '../parse';
import { factLines, parseFacts, type NsFacts } from '../path/facts';
import { PathWalk } from '../path/walk';

/** The probe: two echoes, half a second apart, each given a second to come back. */
const PROBE_ARGS = ['-n', '-c', '2', '-i', '0.5', '-W', '1'];

const refFor = (ctx: Context, namespaceId: string): NsRef => target(ctx, { id: namespaceId });

async function readFacts(ctx: Context, namespaceId: string, target: string, source: string | null): Promise<NsFacts> {
  const lines = factLines(target, source);
  const result = await ctx.ip.run('ip', ['-force', '-j', '-d', '-batch', '-'], { namespace: refFor(ctx, namespaceId), input: `${lines.join('\n')}\n`, log: false });
  try {
    return parseFacts(result.stdout, result.stderr, lines);
  } catch (error) {
    throw new RpcError({ code: ErrorCode.CommandFailed, message: `Could not read the namespace ${namespaceId}: ${(error as Error).message}`, data: { field: 'namespaceId' } });
  }
}

async function readRuleset(ctx: Context, namespaceId: string): Promise<unknown> {
  if (!findOnPath('nft')) return 'nft is not installed';
  const result = await ctx.ip.run('nft', ['-j', 'list', 'ruleset'], { namespace: refFor(ctx, namespaceId), log: false });
  if (result.exitCode !== 0) return `nft could not list the rules (${result.stderr.trim() || `exit ${result.exitCode}`})`;
  try {
    return JSON.parse(result.stdout || '{"nftables":[]}') as unknown;
  } catch {
    return 'nft printed something that is not JSON';
  }
}

async function probe(ctx: Context, ref: NsRef, target: string): Promise<{ transmitted: number; received: number }> {
  const result = await ctx.ip.run('ping', [...PROBE_ARGS, target], { namespace: ref, log: true });
  for (const line of result.stdout.split('\n')) {
    const parsed = parsePingLine(line);
    if (parsed.type === 'summary') return { transmitted: parsed.transmitted, received: parsed.received };
  }
  return { transmitted: 0, received: 0 };
}

export async function explainPath(ctx: Context, p: ValidParams['path.explain']): Promise<PathExplanation> {
  const topology = ctx.snapshots.current();
  const where = p.where;
  const source = namespaceAt(topology.namespaces, where);
  if (!source) {
    const field = 'id' in where ? 'namespaceId' : 'namespace';
    throw new RpcError({ code: ErrorCode.NotFound, message: `There is no network namespace ${'id' in where ? `with id ${where.id}` : `named "${where.name}"`}.`, data: { field } });
  }
  const walk = new PathWalk(topology, { facts: (id, src) => readFacts(ctx, id, p.target, src), ruleset: (id) => readRuleset(ctx, id) }, source.id, p.target);
  const [analysis, echo] = await Promise.all([walk.run(), p.probe === false ? null : probe(ctx, refFor(ctx, source.id), p.target)]);
  const notes = [...analysis.notes];
  let problem = analysis.problem;
  let reachable = problem === null;
  if (echo) {
    reachable = echo.received > 0;
    if (reachable && problem) {
      notes.unshift(`This looked wrong, yet the ping got through: ${problem.message}`);
      problem = null;
    } else if (!reachable && !problem) {
      const checked = analysis.checks.filter((c) => c.ok).map((c) => c.text);
      problem = {
        namespaceId: source.id,
        namespace: source.name,
        ifname: null,
        code: 'unknown',
        message: analysis.leavesMachine
          ? `The ping got no reply, and the path leaves this machine, where the app cannot look. Checked here: ${checked.join('; ')}.`
          : `The ping got no reply, but nothing checked explains it. Checked: ${checked.join('; ')}.`,
        fix: [],
        actions: [],
      };
    }
  }
  return { reachable, hops: analysis.hops, problem, probe: echo, leavesMachine: analysis.leavesMachine, note: notes.length ? notes.join(' ') : null, checks: analysis.checks };
}
