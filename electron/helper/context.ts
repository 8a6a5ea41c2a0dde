// What every action gets: the process runner, the snapshot reader and a way to notify.
import { statSync } from 'node:fs';
import { ErrorCode, RpcError, type HelperMode, type NotificationName, type Notifications } from '../../shared/protocol';
import type { Namespace } from '../../shared/model';
import type { Where } from '../../shared/schemas';
import type { IpRunner, NsRef } from './ip';
import { refOf, type Snapshotter } from './snapshot';

export interface Context {
  mode: HelperMode;
  /** "[USER@]HOST" when the helper acts on a remote machine; null for this one. */
  remote: string | null;
  ip: IpRunner;
  snapshots: Snapshotter;
  /** The helper's pid in its own pid namespace: `netns PID` names the helper's network namespace. */
  selfPid: number;
  /** A private directory for the helper's files: captures, the batch query file. */
  workDir: string;
  notify<N extends NotificationName>(name: N, params: Notifications[N]): void;
}

/** The namespace a call acts in, ready for the process runner. */
export function target(ctx: Context, where: Where): NsRef {
  if ('name' in where) return where.name;
  const entry = ctx.snapshots.entry(where.id);
  if (!entry) throw new RpcError({ code: ErrorCode.NotFound, message: `There is no network namespace with id ${where.id} (any more).`, data: { field: 'namespaceId' } });
  return refOf(entry);
}

/**
 * The namespace a long-running process (terminal, ping, capture) starts in,
 * checked to exist now: such a start reports success before its process could
 * fail to enter the namespace.
 */
export function existingTarget(ctx: Context, where: Where): NsRef {
  const ref = target(ctx, where);
  if (typeof ref !== 'string') return ref;
  // A remote machine's names are known from the last listing (a stat there would cost a round trip).
  const live = ctx.remote ? ctx.snapshots.current().namespaces.some((n) => n.name === ref) : isLiveName(ref);
  if (!live) throw new RpcError({ code: ErrorCode.NotFound, message: `There is no network namespace named "${ref}".`, data: { field: 'namespace' } });
  return ref;
}

/** Whether /run/netns/NAME here is a live namespace (a bind mount of an nsfs inode). */
function isLiveName(name: string): boolean {
  try {
    return statSync(`/run/netns/${name}`).dev === statSync('/proc/self/ns/net').dev;
  } catch {
    return false;
  }
}

/** The namespace a call's `where` names, in a reading (a name that needs an id never matches by name). */
export function namespaceAt(namespaces: readonly Namespace[], where: Where): Namespace | undefined {
  return namespaces.find((n) => ('id' in where ? n.id === where.id : where.name === null ? n.root : n.name === where.name && !n.nameNeedsId));
}

/** The `netns` argument of `ip link set … netns X`: a name, the helper's pid for its own, or a path. */
export function netnsArg(ctx: Context, where: Where): string {
  const ref = target(ctx, where);
  if (ref === null && ctx.remote) {
    const path = ctx.snapshots.ownNamespacePath();
    if (!path) throw new RpcError({ code: ErrorCode.NotFound, message: `No process on ${ctx.remote} holds its own network namespace open to name it by.` });
    return path;
  }
  if (ref === null) return String(ctx.selfPid);
  return typeof ref === 'string' ? ref : ref.path;
}

/** Whether two places are the same namespace. */
export function sameNamespace(ctx: Context, a: Where, b: Where): boolean {
  const x = target(ctx, a);
  const y = target(ctx, b);
  return (typeof x === 'object' && x !== null ? x.id : x) === (typeof y === 'object' && y !== null ? y.id : y);
}

/** A change runs in the namespace the call names and is logged. */
export function change(ctx: Context, args: string[], where: Where) {
  return ctx.ip.check('ip', args, { namespace: target(ctx, where), log: true });
}
