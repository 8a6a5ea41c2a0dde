// Waiting for the kernel's asynchronous clean-up to show.
import type { Context } from '../context';
import type { NsRef } from '../ip';

const DELAYS_MS = [5, 10, 20, 40, 80, 160, 250, 250, 500, 500, 1000, 1000];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to true once `ifname` no longer exists in `namespace`; false if it is still there after about four seconds. */
export async function waitUntilGone(ctx: Context, namespace: NsRef, ifname: string): Promise<boolean> {
  for (const delay of DELAYS_MS) {
    const probe = await ctx.ip.run('ip', ['link', 'show', 'dev', ifname], { namespace, log: false });
    if (probe.exitCode !== 0) return true;
    await sleep(delay);
  }
  return false;
}
