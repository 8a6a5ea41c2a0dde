// netem.set / netem.clear: delay, jitter, loss, duplication and rate on an interface.
import { ErrorCode, RpcError, type Impairment } from '../../../shared/protocol';
import type { ValidParams } from '../../../shared/schemas';
import { target, type Context } from '../context';
import { commandError, namespacedArgv, nsLabel } from '../ip';

type Empty = Record<string, never>;

/**
 * tc argv for an impairment: netem for delay, jitter, loss or duplication
 * (with its own rate when one is asked too); tbf when only a rate is asked,
 * which also works on kernels without netem.
 */
function qdiscArgs(ifname: string, p: Impairment): string[] {
  const netem = p.delayMs !== undefined || p.jitterMs !== undefined || p.lossPercent !== undefined || p.duplicatePercent !== undefined;
  const base = ['qdisc', 'replace', 'dev', ifname, 'root'];
  if (!netem) {
    // A burst of at least one MTU-sized packet per timer tick, and a bounded queue.
    const burst = Math.max(1600, Math.ceil(((p.rateKbit ?? 0) * 1000) / 8 / 250));
    return [...base, 'tbf', 'rate', `${p.rateKbit}kbit`, 'burst', String(burst), 'latency', '400ms'];
  }
  const args = [...base, 'netem'];
  if (p.delayMs !== undefined || p.jitterMs !== undefined) {
    args.push('delay', `${p.delayMs ?? 0}ms`);
    if (p.jitterMs !== undefined) args.push(`${p.jitterMs}ms`);
  }
  if (p.lossPercent !== undefined) args.push('loss', `${p.lossPercent}%`);
  if (p.duplicatePercent !== undefined) args.push('duplicate', `${p.duplicatePercent}%`);
  if (p.rateKbit !== undefined) args.push('rate', `${p.rateKbit}kbit`);
  return args;
}

export async function setImpairment(ctx: Context, p: ValidParams['netem.set'], remember: (impairment: Impairment | null) => void): Promise<Empty> {
  const { where, ifname, ...impairment } = p;
  try {
    await ctx.ip.check('tc', qdiscArgs(ifname, impairment), { namespace: target(ctx, where), log: true });
  } catch (error) {
    if (error instanceof RpcError && /qdisc kind is unknown|Unknown qdisc|No such file or directory/i.test(error.message) && qdiscArgs(ifname, impairment).includes('netem')) {
      throw new RpcError({
        code: ErrorCode.NotSupported,
        message: `netem is not available in this kernel (CONFIG_NET_SCH_NETEM), so delay, jitter, loss and duplication cannot be set. A rate limit alone still works (tbf). tc said: ${error.message}`,
        data: error.data,
      });
    }
    throw error;
  }
  remember(impairment);
  return {};
}

export async function clearImpairment(ctx: Context, p: ValidParams['netem.clear'], remember: (impairment: Impairment | null) => void): Promise<Empty> {
  const namespace = target(ctx, p.where);
  const result = await ctx.ip.run('tc', ['qdisc', 'del', 'dev', p.ifname, 'root'], { namespace, log: true });
  // Nothing to delete is not a failure: the interface is unimpaired either way.
  if (result.exitCode !== 0 && !/Cannot delete qdisc with handle of zero|No such file or directory|Invalid handle/i.test(result.stderr)) {
    throw commandError({ argv: namespacedArgv('tc', ['qdisc', 'del', 'dev', p.ifname, 'root'], namespace), namespace: nsLabel(namespace), exitCode: result.exitCode, stderr: result.stderr });
  }
  remember(null);
  return {};
}
