// The article's walkthrough, driven through the real helper in a real lab.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Link, Namespace, Topology } from '../../shared/model';
import type { PingDone } from '../../shared/protocol';
import { startHelper, type HelperHandle } from '../support/helper';

let helper: HelperHandle;

beforeAll(async () => {
  helper = await startHelper();
});

afterAll(async () => {
  expect(await helper.close()).toBe(0);
});

const byName = (t: Topology, name: string | null): Namespace => {
  const ns = t.namespaces.find((n) => (name === null ? n.root : n.name === name));
  if (!ns) throw new Error(`no namespace ${name ?? 'host'} in snapshot`);
  return ns;
};
const link = (ns: Namespace, ifname: string): Link => {
  const l = ns.links.find((x) => x.ifname === ifname);
  if (!l) throw new Error(`no ${ifname} in ${ns.name ?? 'host'}`);
  return l;
};

async function ping(namespace: string | null, target: string, count = 3): Promise<{ replies: number; done: PingDone }> {
  const { pingId } = await helper.client.call('ping.start', { namespace, target, count, intervalMs: 200 });
  const done = await helper.waitFor('ping.done', (d) => d.pingId === pingId, 15_000);
  const replies = helper.notifications.filter((n) => n.method === 'ping.reply' && (n.params as { pingId: string }).pingId === pingId).length;
  return { replies, done };
}

describe("the article's walkthrough", () => {
  it('starts in lab mode with lo up in the host namespace', async () => {
    const info = await helper.client.call('helper.info', {});
    expect(info.mode).toBe('lab');
    const snapshot = await helper.client.call('snapshot', {});
    expect(snapshot.namespaces).toHaveLength(1);
    expect(link(byName(snapshot, null), 'lo').up).toBe(true);
  });

  it('creates netns1 and the veth pair, moves veth1, addresses both ends and pings both ways', async () => {
    const created = await helper.client.call('netns.create', { name: 'netns1' });
    expect(created.name).toBe('netns1');
    await helper.client.call('veth.create', { name: 'veth0', peerName: 'veth1' });
    const moved = await helper.client.call('link.move', { ifname: 'veth1', to: 'netns1' });
    expect(moved).toEqual({ ifname: 'veth1', droppedAddresses: [], wasUp: false });
    await helper.client.call('addr.add', { namespace: 'netns1', ifname: 'veth1', cidr: '10.1.1.1/24' });
    await helper.client.call('addr.add', { ifname: 'veth0', cidr: '10.1.1.2/24' });
    await helper.client.call('link.set', { namespace: 'netns1', ifname: 'veth1', up: true });
    await helper.client.call('link.set', { ifname: 'veth0', up: true });

    const snapshot = await helper.client.call('snapshot', {});
    const host = byName(snapshot, null);
    const netns1 = byName(snapshot, 'netns1');
    const veth0 = link(host, 'veth0');
    const veth1 = link(netns1, 'veth1');
    expect(veth0.peer).toEqual({ namespaceId: netns1.id, ifname: 'veth1' });
    expect(veth1.peer).toEqual({ namespaceId: host.id, ifname: 'veth0' });
    expect(veth0.addresses).toContain('10.1.1.2/24');
    expect(veth1.addresses).toContain('10.1.1.1/24');
    expect([veth0.up, veth1.up]).toEqual([true, true]);
    expect(veth0.kind).toBe('veth');

    const there = await ping(null, '10.1.1.1');
    expect(there.replies).toBeGreaterThanOrEqual(3);
    expect(there.done).toMatchObject({ transmitted: 3, received: 3, lossPercent: 0, exitCode: 0 });
    const back = await ping('netns1', '10.1.1.2');
    expect(back.replies).toBeGreaterThanOrEqual(3);
    expect(back.done.received).toBe(3);
  });

  it('reports every change as a command notification before the reply', async () => {
    const commands = helper.notifications.filter((n) => n.method === 'command').map((n) => n.params as { argv: string[]; exitCode: number });
    expect(commands.map((c) => c.argv.join(' '))).toEqual(
      expect.arrayContaining([
        'ip netns add netns1',
        'ip link add name veth0 type veth peer name veth1',
        'ip link set dev veth1 netns netns1',
        'ip -n netns1 address add 10.1.1.1/24 dev veth1',
        'ip address add 10.1.1.2/24 dev veth0',
      ]),
    );
    expect(commands.every((c) => c.exitCode === 0)).toBe(true);
  });

  it('announces each change as a topology notification', async () => {
    await helper.client.call('link.set', { ifname: 'veth0', mtu: 1400 });
    const change = await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.root && n.links.some((l) => l.ifname === 'veth0' && l.mtu === 1400)));
    expect(change.removed).toEqual([]);
  });
});
