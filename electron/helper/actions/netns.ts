// netns.create / delete / spawn / attach
import { readlink } from 'node:fs/promises';
import { displayName, owningHolder, type Holder, type Namespace, type Topology } from '../../../shared/model';
import { shellQuote } from '../../../shared/shell';
import { hasRawBytes } from '../names';
import { ErrorCode, RpcError, type MethodResults, type RiskErrorData } from '../../../shared/protocol';
import type { ValidParams } from '../../../shared/schemas';
import { change, target, type Context } from '../context';
import type { NsRef } from '../ip';
import { Jobs } from '../jobs';
import { enforceRails, namespaceDeletionRisk } from '../guard-rails';
import { waitUntilGone } from './wait';
import { procPid, untilUnshared } from '../pids';

export async function createNetns(ctx: Context, p: ValidParams['netns.create']): Promise<MethodResults['netns.create']> {
  await change(ctx, ['netns', 'add', p.name], { name: null });
  const created = await ctx.snapshots.namespace(p.name);
  if (!created) throw new RpcError({ code: ErrorCode.Internal, message: `netns ${p.name} vanished right after it was created` });
  return created;
}

/** The veth ends a namespace holds elsewhere: they die with it. */
function farEnds(ctx: Context, topology: Topology, victim: Namespace): { namespace: NsRef; ifname: string; label: string }[] {
  return victim.links.flatMap((l) => {
    const owner = l.peer && l.peer.namespaceId !== victim.id ? topology.namespaces.find((n) => n.id === l.peer?.namespaceId) : undefined;
    if (!owner || !l.peer) return [];
    return [{ namespace: target(ctx, { id: owner.id }), ifname: l.peer.ifname, label: `${owner.root ? '' : (owner.name ?? owner.id)}/${l.peer.ifname}` }];
  });
}

/** Holders the helper started with netns.spawn: the only unnamed namespaces it may delete. */
export class Spawned {
  readonly jobs = new Jobs('holder');
  private readonly byNamespace = new Map<string, string>();

  constructor(private readonly ctx: Context) {}

  /** `unshare --net sleep infinity`: a process holding a namespace of its own, like a container; it ends with the helper. */
  async spawn(): Promise<MethodResults['netns.spawn']> {
    const started = performance.now();
    const { argv, process: child } = this.ctx.ip.start('unshare', ['--net', '--', 'sleep', 'infinity'], null);
    const pid = child.pid;
    if (pid === undefined) throw new RpcError({ code: ErrorCode.CommandFailed, message: 'unshare did not start' });
    // Replied before sleep runs, a snapshot could miss the namespace: no listing counts an unshare as a holder (a CI run did, once).
    const ns = await untilUnshared(pid, 'net', 'sleep', 1000);
    if (ns === null) {
      child.kill();
      throw new RpcError({ code: ErrorCode.CommandFailed, message: 'unshare --net did not create a namespace' });
    }
    const namespaceId = (/\d+/.exec(ns) as RegExpExecArray)[0];
    this.ctx.ip.logFinished(argv, null, 0, '', performance.now() - started);
    const holderId = this.jobs.newId();
    this.byNamespace.set(namespaceId, holderId);
    this.jobs.add(holderId, {
      namespace: namespaceId,
      stop: () => child.kill('SIGTERM'),
      finished: child.then(() => void this.byNamespace.delete(namespaceId)),
    });
    // The pid the machine's /proc (and so the holders list) shows.
    return { pid: (await procPid(pid)) ?? pid, namespaceId };
  }

  /** Ends the holder of a namespace netns.spawn made; false when it made none for that id. */
  async end(namespaceId: string): Promise<boolean> {
    const holder = this.byNamespace.get(namespaceId);
    if (!holder) return false;
    await this.jobs.stop(holder);
    return true;
  }
}

/**
 * Deletes a namespace and replies once the kernel has destroyed it: the veth
 * ends it held in other namespaces disappear asynchronously, so wait for them.
 */
export async function deleteNetns(
  ctx: Context,
  p: ValidParams['netns.delete'],
  /** Stops pings and captures inside: their processes would keep the namespace alive. */
  stopJobsIn: (namespace: string) => Promise<void>,
  spawned: Spawned,
): Promise<MethodResults['netns.delete']> {
  // The last reading, with any namespace that appeared since: events keep it current, and a full re-read per delete made a reset quadratic.
  const topology = await ctx.snapshots.refresh([]);
  const victim = topology.namespaces.find((n) => (p.name !== undefined ? n.name === p.name : n.id === p.namespaceId));
  if (!victim || victim.root) {
    throw new RpcError({ code: ErrorCode.NotFound, message: p.name !== undefined ? `There is no network namespace named "${p.name}".` : `There is no namespace ${p.namespaceId} to delete.` });
  }
  const peers = farEnds(ctx, topology, victim);
  const machineEnds = peers.filter((peer) => peer.namespace === null).map((peer) => peer.ifname);
  await enforceRails(ctx, 'netns.delete', p, (facts) => namespaceDeletionRisk(facts, machineEnds));
  if (victim.name !== null && victim.nameNeedsId && !deletableByIp(victim.name)) {
    throw new RpcError({
      code: ErrorCode.InvalidRequest,
      message: `The name ${JSON.stringify(displayName(victim.name))} cannot be given to ip netns delete safely${victim.name === 'all' ? ' ("all" means every namespace to it)' : ' (it is not text)'}. Unmount and remove /run/netns/${displayName(victim.name)} by hand.`,
    });
  }
  await stopJobsIn(victim.name !== null && !victim.nameNeedsId ? victim.name : victim.id);
  // Processes inside (a container, a shell started elsewhere) keep the namespace alive: its name would go, nothing else.
  if (victim.name !== null) await spawned.end(victim.id);
  const holders = victim.name !== null ? await currentHolders(ctx, victim.id) : [];
  const owner = victim.name !== null ? runtimeOwnedName(victim.name) : null;
  if ((holders.length || owner) && !p.confirmRisk) {
    const name = displayName(victim.name as string);
    // A container's namespace goes by the container: "pweb's namespace (netns-…)".
    const it = victim.title !== name ? `${victim.title}'s namespace (${name})` : name;
    const lines = [
      ...(holders.length ? [`${it} is kept alive by ${holders.map((h) => h.text).join(', ')}: deleting its name leaves the namespace, its interfaces and their cables in place.`] : []),
      ...(owner ? [`${holders.length ? 'The name' : it} is ${owner}'s own: its clean-up of the container will fail once the name is gone.`] : []),
      stopAdvice(holders.map((h) => h.holder)),
    ];
    const risk = lines.join(' ');
    throw new RpcError({ code: ErrorCode.RiskRefused, message: risk, data: { risk, title: `Delete the name of ${victim.title}?` } satisfies RiskErrorData });
  }
  if (victim.name !== null) await change(ctx, ['netns', 'delete', victim.name], { name: null });
  else if (!(await spawned.end(victim.id))) {
    throw new RpcError({
      code: ErrorCode.InvalidRequest,
      message: `Namespace ${victim.id} has no name: it lives as long as its processes (${victim.holders?.map((h) => h.label).join('; ') || 'none'}). ${stopAdvice(victim.holders ?? [])}`,
    });
  }
  // Only ends that really went: with holders left, nothing does, and there is nothing to wait for.
  const gone = holders.length ? peers.map(() => false) : await Promise.all(peers.map((peer) => waitUntilGone(ctx, peer.namespace, peer.ifname)));
  return { removedPeers: peers.filter((_, i) => gone[i]).map((peer) => peer.label), stillHeldBy: holders.map((h) => h.text) };
}

/** The processes in a namespace now (not the helpers' own), as "comm (pid N)" with their container. */
async function currentHolders(ctx: Context, namespaceId: string): Promise<{ holder: Holder; text: string }[]> {
  const entry = (await ctx.snapshots.listNow()).find((e) => e.id === namespaceId);
  return (entry?.holders ?? []).map((holder) => ({
    holder,
    text: `${holder.command} (pid ${holder.pid}${holder.containerName ? `, ${holder.runtime} container ${displayName(holder.containerName)}` : ''})`,
  }));
}

/** The runtime whose own /run/netns name this is: netavark's netns-UUID (Podman), CNI's cni-UUID (containerd, CRI-O, kubelet). */
export function runtimeOwnedName(name: string): string | null {
  const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
  if (new RegExp(`^netns-${uuid}$`).test(name)) return 'Podman (netavark)';
  if (new RegExp(`^cni-${uuid}$`).test(name)) return 'the container runtime (CNI)';
  return null;
}

/** What to do instead: stop the container with its own runtime. */
function stopAdvice(holders: readonly Holder[]): string {
  const owner = owningHolder(holders);
  const which = owner?.containerName ?? owner?.containerId?.slice(0, 12) ?? '';
  const argv =
    owner?.runtime === 'podman'
      ? owner.podName
        ? ['podman', 'pod', 'stop', owner.podName]
        : ['podman', 'stop', which]
      : owner?.runtime === 'docker'
        ? ['docker', 'stop', which]
        : owner?.runtime === 'containerd' && owner.containerId
          ? ['ctr', 'task', 'kill', owner.containerId]
          : null;
  return argv ? `Stop the container with its runtime instead: ${shellQuote(argv)}.` : 'Stop those processes, or the container with its runtime, instead.';
}

/** ip netns delete takes one argument as the name, except "all"; a name that is not text cannot be an argument. */
function deletableByIp(name: string): boolean {
  return name !== 'all' && !hasRawBytes(name);
}

/**
 * Gives a process's namespace a name, so `ip netns` tools reach it too. ip
 * opens /proc/PID/ns/net, so `pid` is as the mounted /proc shows it (the
 * machine's numbering in host mode), like every pid the helper reports.
 */
export async function attachNetns(ctx: Context, p: ValidParams['netns.attach']): Promise<MethodResults['netns.attach']> {
  // On a remote machine ip's own message says it when the pid is not there.
  if (!ctx.remote && (await readlink(`/proc/${p.pid}/ns/net`).catch(() => null)) === null) {
    throw new RpcError({ code: ErrorCode.NotFound, message: `There is no process ${p.pid} (or its namespace cannot be opened).`, data: { field: 'pid' } });
  }
  await change(ctx, ['netns', 'attach', p.name, String(p.pid)], { name: null });
  return {};
}
