// netns.create / netns.delete
import { ErrorCode, RpcError, type MethodResults } from '../../../shared/protocol';
import type { ValidParams } from '../../../shared/schemas';
import { change, type Context } from '../context';
import { waitUntilGone } from './wait';

export async function createNetns(ctx: Context, p: ValidParams['netns.create']): Promise<MethodResults['netns.create']> {
  await change(ctx, ['netns', 'add', p.name], null);
  const created = await ctx.snapshots.namespace(p.name);
  if (!created) throw new RpcError({ code: ErrorCode.Internal, message: `netns ${p.name} vanished right after it was created` });
  return created;
}

/**
 * Deletes a named namespace and replies once the kernel has destroyed it: the
 * veth ends it held in other namespaces disappear asynchronously, so wait for them.
 */
export async function deleteNetns(
  ctx: Context,
  p: ValidParams['netns.delete'],
  /** Stops pings and captures inside: their processes would keep the namespace alive. */
  stopJobsIn: (namespace: string) => Promise<void>,
): Promise<MethodResults['netns.delete']> {
  const topology = await ctx.snapshots.take();
  const victim = topology.namespaces.find((n) => n.name === p.name);
  if (!victim) throw new RpcError({ code: ErrorCode.NotFound, message: `There is no network namespace named "${p.name}".` });
  await stopJobsIn(p.name);
  const peers = victim.links
    .map((l) => l.peer)
    .filter((peer) => peer !== null && peer.namespaceId !== victim.id)
    .map((peer) => {
      const owner = topology.namespaces.find((n) => n.id === peer?.namespaceId);
      return { namespace: owner?.root ? null : owner?.name ?? null, ifname: peer?.ifname ?? '', label: `${owner?.name ?? ''}/${peer?.ifname}` };
    });
  await change(ctx, ['netns', 'delete', p.name], null);
  await Promise.all(peers.map((peer) => waitUntilGone(ctx, peer.namespace, peer.ifname)));
  return { removedPeers: peers.map((peer) => peer.label) };
}
