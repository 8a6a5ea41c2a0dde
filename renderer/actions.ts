// What the user can do, as sequences of RPC calls. Each goes through the
// topology store, so it shows in the command log, errors become toasts, and a
// host-mode call the helper finds risky is confirmed and repeated there.
import type { Namespace } from '../shared/model';
import { namespaceLabel } from '../shared/model';
import { useTopology } from './stores/topology';
import { useUi } from './stores/ui';

const label = (ns: Namespace | undefined) => (ns ? namespaceLabel(ns) : 'the namespace');
type WhereParam = { namespace: string | null } | { namespaceId: string };
const peer = (w: WhereParam) => ('namespaceId' in w ? { peerNamespaceId: w.namespaceId } : { peerNamespace: w.namespace });
const destination = (w: WhereParam) => ('namespaceId' in w ? { toId: w.namespaceId } : { to: w.namespace });

export async function createNamespace(name: string): Promise<boolean> {
  const created = await useTopology().request('netns.create', { name }, `Could not create namespace ${name}`);
  if (created) useUi().selection = { type: 'netns', id: created.id };
  return created !== undefined;
}

export async function deleteNamespace(id: string): Promise<void> {
  const topology = useTopology();
  const ns = topology.byId(id);
  if (!ns || ns.root) return;
  const result = await topology.request('netns.delete', ns.name !== null && !ns.nameNeedsId ? { name: ns.name } : { namespaceId: ns.id }, `Could not delete ${label(ns)}`);
  if (result) {
    const peers = result.removedPeers.length ? ` The kernel also removed the cable ends ${result.removedPeers.join(', ')}.` : '';
    useUi().toast('info', `Deleted ${label(ns)}`, `Its interfaces went with it.${peers}`);
  }
}

export async function createVeth(name: string, peerName: string, namespaceId: string, peerNamespaceId: string): Promise<boolean> {
  const topology = useTopology();
  const ok = await topology.request(
    'veth.create',
    { name, peerName, ...topology.whereOf(namespaceId), ...peer(topology.whereOf(peerNamespaceId)) },
    `Could not create the veth pair ${name}/${peerName}`,
  );
  return ok !== undefined;
}

export async function createBridge(namespaceId: string, name: string): Promise<boolean> {
  const topology = useTopology();
  return (await topology.request('bridge.create', { ...topology.whereOf(namespaceId), name }, `Could not create bridge ${name}`)) !== undefined;
}

/** Moves an interface and says plainly what the kernel did to it on the way. */
export async function moveInterface(fromId: string, ifname: string, toId: string): Promise<void> {
  const topology = useTopology();
  const ui = useUi();
  const to = topology.byId(toId);
  if (!to || fromId === toId) return;
  const moved = await topology.request(
    'link.move',
    { ...topology.whereOf(fromId), ifname, ...destination(topology.whereOf(toId)) },
    `Could not move ${ifname} to ${label(to)}`,
  );
  if (!moved) return;
  const lost: string[] = [];
  if (moved.droppedAddresses.length) lost.push(`dropped its address${moved.droppedAddresses.length > 1 ? 'es' : ''} ${moved.droppedAddresses.join(', ')}`);
  if (moved.wasUp) lost.push('took it down');
  const detail = lost.length
    ? `The kernel ${lost.join(' and ')}: an interface arrives in a new namespace bare and down.`
    : 'It arrives down and without addresses, as every moved interface does.';
  ui.toast('info', `${moved.ifname} is now in ${label(to)}`, detail, 8000);
  ui.selection = { type: 'iface', namespaceId: toId, ifname: moved.ifname };
}

export async function setUp(namespaceId: string, ifname: string, up: boolean): Promise<void> {
  const topology = useTopology();
  await topology.request('link.set', { ...topology.whereOf(namespaceId), ifname, up }, `Could not bring ${ifname} ${up ? 'up' : 'down'}`);
}

export async function addAddress(namespaceId: string, ifname: string, cidr: string): Promise<boolean> {
  const topology = useTopology();
  return (await topology.request('addr.add', { ...topology.whereOf(namespaceId), ifname, cidr }, `Could not add ${cidr} to ${ifname}`)) !== undefined;
}

export async function removeAddress(namespaceId: string, ifname: string, cidr: string): Promise<void> {
  const topology = useTopology();
  await topology.request('addr.del', { ...topology.whereOf(namespaceId), ifname, cidr }, `Could not remove ${cidr} from ${ifname}`);
}

export async function deleteInterface(namespaceId: string, ifname: string): Promise<void> {
  const topology = useTopology();
  const ok = await topology.request('link.delete', { ...topology.whereOf(namespaceId), ifname }, `Could not delete ${ifname}`);
  if (ok) useUi().selection = { type: 'netns', id: namespaceId };
}

/**
 * The article's walkthrough in one go: netns1, the pair veth0/veth1, veth1 into
 * netns1, 10.1.1.1/24 and 10.1.1.2/24, both up. Stops at the first failure.
 */
export async function buildArticleExample(): Promise<void> {
  const topology = useTopology();
  const ui = useUi();
  const steps: (() => Promise<unknown>)[] = [
    () => topology.request('netns.create', { name: 'netns1' }, 'Could not create netns1'),
    () => topology.request('veth.create', { name: 'veth0', peerName: 'veth1' }, 'Could not create veth0/veth1'),
    () => topology.request('link.move', { ifname: 'veth1', to: 'netns1' }, 'Could not move veth1'),
    () => topology.request('addr.add', { namespace: 'netns1', ifname: 'veth1', cidr: '10.1.1.1/24' }, 'Could not address veth1'),
    () => topology.request('addr.add', { ifname: 'veth0', cidr: '10.1.1.2/24' }, 'Could not address veth0'),
    () => topology.request('link.set', { namespace: 'netns1', ifname: 'veth1', up: true }, 'Could not bring veth1 up'),
    () => topology.request('link.set', { ifname: 'veth0', up: true }, 'Could not bring veth0 up'),
  ];
  for (const step of steps) if ((await step()) === undefined) return;
  ui.toast('success', 'The article’s example is ready', 'host/veth0 (10.1.1.2) ↔ netns1/veth1 (10.1.1.1). Try a ping from the panel on the right.');
}

/** A name not yet taken, like netns2 or veth3. */
export function nextFreeName(prefix: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let i = 0; ; i++) if (!used.has(`${prefix}${i}`) && (prefix !== 'netns' || i > 0)) return `${prefix}${i}`;
}
