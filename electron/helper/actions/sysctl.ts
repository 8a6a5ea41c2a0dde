// sysctl.set: the few settings a path repair needs (the schema fixes the list).
import type { ValidParams } from '../../../shared/schemas';
import { target, type Context } from '../context';

/**
 * sysctl's own spelling of a key: an interface name may hold dots, which
 * sysctl would read as separators, so such keys go in the slash form.
 */
export function sysctlArg(key: string): string {
  const rp = /^net\.ipv4\.conf\.(.+)\.rp_filter$/.exec(key);
  return rp && rp[1]?.includes('.') ? `net/ipv4/conf/${rp[1]}/rp_filter` : key;
}

export async function setSysctl(ctx: Context, p: ValidParams['sysctl.set']): Promise<Record<string, never>> {
  await ctx.ip.check('sysctl', ['-w', `${sysctlArg(p.key)}=${p.value}`], { namespace: target(ctx, p.where), log: true });
  return {};
}
