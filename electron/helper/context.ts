// What every action gets: the process runner, the snapshot reader and a way to notify.
import type { HelperMode, NotificationName, Notifications } from '../../shared/protocol';
import type { IpRunner } from './ip';
import type { Snapshotter } from './snapshot';

export interface Context {
  mode: HelperMode;
  ip: IpRunner;
  snapshots: Snapshotter;
  /** The helper's pid in its own pid namespace: `netns PID` names the helper's network namespace. */
  selfPid: number;
  notify<N extends NotificationName>(name: N, params: Notifications[N]): void;
}

/** The `netns` argument of `ip link set … netns X` for a namespace name (null = the helper's own). */
export function netnsTarget(ctx: Context, name: string | null | undefined): string {
  return name ?? String(ctx.selfPid);
}

/** A change runs in the named namespace (null/undefined = the helper's own) and is logged. */
export function change(ctx: Context, args: string[], namespace: string | null | undefined) {
  return ctx.ip.check('ip', args, { namespace: namespace ?? null, log: true });
}
