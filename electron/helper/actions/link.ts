// veth.create, bridge.create, link.move, link.set, link.delete, link.setMaster
import { ErrorCode, RpcError, type MethodResults } from '../../../shared/protocol';
import type { ValidParams } from '../../../shared/schemas';
import { change, netnsArg, sameNamespace, target, type Context } from '../context';
import type { NsRef } from '../ip';
import { parseLinks, splitJsonValues } from '../parse';

type Empty = Record<string, never>;

export async function createVeth(ctx: Context, p: ValidParams['veth.create']): Promise<Empty> {
  // `name NAME`, never a bare NAME: a bare "up", "a" or "help" would be read as an ip keyword.
  const args = ['link', 'add', 'name', p.name, 'type', 'veth', 'peer', 'name', p.peerName];
  if (!sameNamespace(ctx, p.where, p.peerWhere)) args.push('netns', netnsArg(ctx, p.peerWhere));
  await change(ctx, args, p.where);
  return {};
}

export async function createBridge(ctx: Context, p: ValidParams['bridge.create']): Promise<Empty> {
  await change(ctx, ['link', 'add', 'name', p.name, 'type', 'bridge'], p.where);
  return {};
}

/** The link as it is now, for telling the user what a move will cost. */
async function currentLink(ctx: Context, namespace: NsRef, ifname: string) {
  const shown = await ctx.ip.run('ip', ['-j', '-d', 'address', 'show', 'dev', ifname], { namespace, log: false });
  if (shown.exitCode !== 0) {
    throw new RpcError({
      code: ErrorCode.NotFound,
      message: shown.stderr.trim() || `There is no interface ${ifname}.`,
    });
  }
  const link = parseLinks(splitJsonValues(shown.stdout)[0] ?? [])[0];
  if (!link) throw new RpcError({ code: ErrorCode.NotFound, message: `There is no interface ${ifname}.` });
  return link;
}

export async function moveLink(ctx: Context, p: ValidParams['link.move']): Promise<MethodResults['link.move']> {
  if (sameNamespace(ctx, p.where, p.toWhere)) {
    throw new RpcError({ code: ErrorCode.InvalidParams, message: 'to: the interface is already in that namespace', data: { field: 'to' } });
  }
  const before = await currentLink(ctx, target(ctx, p.where), p.ifname);
  const args = ['link', 'set', 'dev', p.ifname, 'netns', netnsArg(ctx, p.toWhere)];
  if (p.rename) args.push('name', p.rename);
  try {
    await change(ctx, args, p.where);
  } catch (error) {
    if (error instanceof RpcError && /same name exists|File exists/.test(error.message)) {
      const where = 'name' in p.toWhere ? (p.toWhere.name ?? 'the host namespace') : `namespace ${p.toWhere.id}`;
      const name = p.rename ?? p.ifname;
      throw new RpcError({
        code: error.code,
        message: `${where} already has an interface named ${name}; move it under another name (rename). Kernel said: ${error.message}`,
        data: error.data,
      });
    }
    throw error;
  }
  return {
    ifname: p.rename ?? p.ifname,
    droppedAddresses: before.addresses.filter((a) => !a.startsWith('fe80:')),
    wasUp: before.up,
  };
}

export async function setLink(ctx: Context, p: ValidParams['link.set']): Promise<Empty> {
  const args = ['link', 'set', 'dev', p.ifname];
  if (p.up !== undefined) args.push(p.up ? 'up' : 'down');
  if (p.mtu !== undefined) args.push('mtu', String(p.mtu));
  if (p.rename !== undefined) args.push('name', p.rename);
  await change(ctx, args, p.where);
  return {};
}

export async function deleteLink(ctx: Context, p: ValidParams['link.delete']): Promise<Empty> {
  await change(ctx, ['link', 'delete', 'dev', p.ifname], p.where);
  return {};
}

export async function setMaster(ctx: Context, p: ValidParams['link.setMaster']): Promise<Empty> {
  const args = ['link', 'set', 'dev', p.ifname, ...(p.master === null ? ['nomaster'] : ['master', p.master])];
  await change(ctx, args, p.where);
  return {};
}
