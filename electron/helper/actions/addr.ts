// addr.add, addr.del, route.add, route.del
import type { ValidParams } from '../../../shared/schemas';
import { change, type Context } from '../context';

type Empty = Record<string, never>;

export async function addAddress(ctx: Context, p: ValidParams['addr.add']): Promise<Empty> {
  await change(ctx, ['address', 'add', p.cidr, 'dev', p.ifname], p.where);
  return {};
}

export async function deleteAddress(ctx: Context, p: ValidParams['addr.del']): Promise<Empty> {
  await change(ctx, ['address', 'del', p.cidr, 'dev', p.ifname], p.where);
  return {};
}

function routeArgs(verb: 'add' | 'del', p: ValidParams['route.add'] | ValidParams['route.del']): string[] {
  const args = ['route', verb, p.to];
  if (p.via !== undefined) args.push('via', p.via);
  if (p.dev !== undefined) args.push('dev', p.dev);
  return args;
}

export async function addRoute(ctx: Context, p: ValidParams['route.add']): Promise<Empty> {
  await change(ctx, routeArgs('add', p), p.where);
  return {};
}

export async function deleteRoute(ctx: Context, p: ValidParams['route.del']): Promise<Empty> {
  await change(ctx, routeArgs('del', p), p.where);
  return {};
}
