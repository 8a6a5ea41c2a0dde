// What the kernel does at the edges of the walkthrough, and what bad input gets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Namespace, Topology } from '../../shared/model';
import { ErrorCode } from '../../shared/protocol';
import { startHelper, type HelperHandle } from '../support/helper';
import { rejection } from '../support/rejection';

let helper: HelperHandle;

beforeAll(async () => {
  helper = await startHelper();
});

afterAll(async () => {
  await helper.close();
});

const ns = (t: Topology, name: string | null): Namespace | undefined => t.namespaces.find((n) => (name === null ? n.root : n.name === name));
const names = (n: Namespace | undefined) => n?.links.map((l) => l.ifname).sort() ?? [];

describe('moving interfaces', () => {
  it('refuses to move into a namespace that has the name already, and moves with rename', async () => {
    const c = helper.client;
    await c.call('netns.create', { name: 'a' });
    await c.call('veth.create', { name: 'veth1', peerName: 'x1' });
    await c.call('veth.create', { name: 'veth1', peerName: 'x2', namespace: 'a', peerNamespace: 'a' });
    const error = await rejection(c.call('link.move', { ifname: 'veth1', to: 'a' }));
    expect(error.code).toBe(ErrorCode.CommandFailed);
    expect(error.message).toMatch(/a already has an interface named veth1/);
    expect(error.message).toMatch(/same name exists/);
    expect((error.data as { argv: string[] }).argv).toEqual(['ip', 'link', 'set', 'dev', 'veth1', 'netns', 'a']);

    const moved = await c.call('link.move', { ifname: 'veth1', to: 'a', rename: 'eth0' });
    expect(moved.ifname).toBe('eth0');
    const after = await c.call('snapshot', {});
    expect(names(ns(after, 'a'))).toEqual(['eth0', 'lo', 'veth1', 'x2']);
    const x1 = ns(after, null)?.links.find((l) => l.ifname === 'x1');
    expect(x1?.peer).toEqual({ namespaceId: ns(after, 'a')?.id, ifname: 'eth0' });
  });

  it('drops the addresses and the up state of a moved interface, and says so', async () => {
    const c = helper.client;
    await c.call('netns.create', { name: 'b' });
    await c.call('veth.create', { name: 'm0', peerName: 'm1' });
    await c.call('addr.add', { ifname: 'm1', cidr: '10.2.2.1/24' });
    await c.call('addr.add', { ifname: 'm1', cidr: 'fd00:2::1/64' });
    await c.call('link.set', { ifname: 'm1', up: true });
    const moved = await c.call('link.move', { ifname: 'm1', to: 'b' });
    expect(moved.wasUp).toBe(true);
    expect(moved.droppedAddresses).toEqual(expect.arrayContaining(['10.2.2.1/24', 'fd00:2::1/64']));
    const m1 = ns(await c.call('snapshot', {}), 'b')?.links.find((l) => l.ifname === 'm1');
    expect(m1?.up).toBe(false);
    expect(m1?.addresses).toEqual([]);
    // And back to the helper's own namespace.
    await c.call('link.move', { namespace: 'b', ifname: 'm1', to: null });
    expect(names(ns(await c.call('snapshot', {}), null))).toContain('m1');
  });
});

describe('namespaces, bridges and peers', () => {
  it('deleting a namespace removes the veth end left behind before it replies', async () => {
    const c = helper.client;
    await c.call('netns.create', { name: 'doomed' });
    await c.call('veth.create', { name: 'keep0', peerName: 'gone0', peerNamespace: 'doomed' });
    expect(names(ns(await c.call('snapshot', {}), null))).toContain('keep0');
    const result = await c.call('netns.delete', { name: 'doomed' });
    expect(result.removedPeers).toEqual(['/keep0']);
    const after = await c.call('snapshot', {});
    expect(ns(after, 'doomed')).toBeUndefined();
    expect(names(ns(after, null))).not.toContain('keep0');
  });

  it('refuses, naming them, to delete a namespace that processes keep alive, and tells the truth when told to go ahead', async () => {
    const c = helper.client;
    await c.call('netns.create', { name: 'held' });
    await c.call('veth.create', { name: 'heldhost0', peerName: 'heldin0', peerNamespace: 'held' });
    // A process the helper did not start in it, the way a container's is: from a shell in the lab's host.
    const { terminalId } = await c.call('terminal.open', { cols: 80, rows: 24 });
    await c.call('terminal.write', { terminalId, data: 'ip netns exec held sleep 1000 &\n' });
    try {
      for (let i = 0; i < 100 && (ns(await c.call('snapshot', {}), 'held')?.holderCount ?? 0) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const refused = await c.call('netns.delete', { name: 'held' }).catch((e: { code: number; message: string; data: { risk: string } }) => e);
      expect(refused).toMatchObject({ code: ErrorCode.RiskRefused, message: expect.stringMatching(/held is kept alive by sleep \(pid \d+\)/) });
      expect(ns(await c.call('snapshot', {}), 'held')).toBeDefined();
      const started = performance.now();
      const result = await c.call('netns.delete', { name: 'held', confirmRisk: true });
      expect(result.removedPeers).toEqual([]);
      expect(result.stillHeldBy).toEqual([expect.stringMatching(/^sleep \(pid \d+\)$/)]);
      // It did not wait for ends that cannot go.
      expect(performance.now() - started).toBeLessThan(2000);
      expect(names(ns(await c.call('snapshot', {}), null))).toContain('heldhost0');
    } finally {
      await c.call('terminal.close', { terminalId });
    }
  });

  it('shows master on each of a bridge’s three ports', async () => {
    const c = helper.client;
    await c.call('netns.create', { name: 'br' });
    await c.call('bridge.create', { namespace: 'br', name: 'br0' });
    for (const i of [1, 2, 3]) {
      await c.call('veth.create', { namespace: 'br', name: `port${i}`, peerName: `cont${i}`, peerNamespace: 'br' });
      await c.call('link.setMaster', { namespace: 'br', ifname: `port${i}`, master: 'br0' });
    }
    const bridge = ns(await c.call('snapshot', {}), 'br');
    expect(bridge?.links.find((l) => l.ifname === 'br0')?.kind).toBe('bridge');
    expect(
      bridge?.links
        .filter((l) => l.master === 'br0')
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(['port1', 'port2', 'port3']);
    await c.call('link.setMaster', { namespace: 'br', ifname: 'port3', master: null });
    const detached = ns(await c.call('snapshot', {}), 'br')?.links.find((l) => l.ifname === 'port3');
    expect(detached?.master).toBeNull();
    // Peers inside one namespace resolve too.
    expect(bridge?.links.find((l) => l.ifname === 'port1')?.peer).toEqual({ namespaceId: bridge?.id, ifname: 'cont1' });
  });

  it('resolves veth pairs whose ends sit in two other namespaces', async () => {
    const c = helper.client;
    await c.call('netns.create', { name: 'left' });
    await c.call('netns.create', { name: 'right' });
    await c.call('veth.create', { namespace: 'left', name: 'l0', peerName: 'r0', peerNamespace: 'right' });
    const t = await c.call('snapshot', {});
    const left = ns(t, 'left');
    const right = ns(t, 'right');
    expect(left?.links.find((l) => l.ifname === 'l0')?.peer).toEqual({ namespaceId: right?.id, ifname: 'r0' });
    expect(right?.links.find((l) => l.ifname === 'r0')?.peer).toEqual({ namespaceId: left?.id, ifname: 'l0' });
  });

  it('adds and removes routes', async () => {
    const c = helper.client;
    await c.call('netns.create', { name: 'rt' });
    await c.call('veth.create', { namespace: 'rt', name: 'rt0', peerName: 'rt1' });
    await c.call('addr.add', { namespace: 'rt', ifname: 'rt0', cidr: '10.7.0.1/24' });
    await c.call('link.set', { namespace: 'rt', ifname: 'rt0', up: true });
    await c.call('route.add', { namespace: 'rt', to: 'default', via: '10.7.0.254' });
    const routes = () => c.call('snapshot', {}).then((t) => ns(t, 'rt')?.routes ?? []);
    expect(await routes()).toContainEqual(expect.objectContaining({ to: 'default', via: '10.7.0.254', dev: 'rt0' }));
    await c.call('route.del', { namespace: 'rt', to: 'default' });
    expect((await routes()).some((r) => r.to === 'default')).toBe(false);
  });
});

describe('bad input', () => {
  const bad: [string, Record<string, unknown>, string][] = [
    ['netns.create', { name: 'x;reboot' }, 'name'],
    ['veth.create', { name: 'a-name-of-16byte', peerName: 'p' }, 'name'],
    ['addr.add', { ifname: 'lo', cidr: '10.0.0.1/33' }, 'cidr'],
    ['addr.add', { ifname: 'lo', cidr: '10.0.0.1/8', extra: true }, 'extra'],
    ['link.set', { ifname: 'lo', mtu: 67 }, 'mtu'],
    ['link.set', { ifname: '../lo', up: true }, 'ifname'],
    ['ping.start', { target: '10.0.0.1; reboot' }, 'target'],
    ['ping.start', { target: '127.0.0.1', count: 0 }, 'count'],
    ['ping.start', { target: '127.0.0.1', intervalMs: 10 }, 'intervalMs'],
    ['route.add', { to: '10.1.2.3/16', dev: 'lo' }, 'to'],
  ];

  it('rejects each with -32602 naming the field, starts nothing and changes nothing', async () => {
    const c = helper.client;
    const before = await c.call('snapshot', {});
    const commandsBefore = helper.notifications.filter((n) => n.method === 'command').length;
    for (const [method, params, field] of bad) {
      const error = await rejection(c.call(method as 'netns.create', params as { name: string }));
      expect(error.code, `${method} ${JSON.stringify(params)}`).toBe(ErrorCode.InvalidParams);
      expect((error.data as { field: string }).field).toBe(field);
      expect(error.message).toContain(field);
    }
    expect(helper.notifications.filter((n) => n.method === 'command').length).toBe(commandsBefore);
    expect(await c.call('snapshot', {})).toEqual(before);
  });

  it('answers unknown methods and broken JSON with the JSON-RPC codes', async () => {
    const error = await rejection(helper.client.call('no.such' as 'snapshot', {}));
    expect(error.code).toBe(ErrorCode.MethodNotFound);
    helper.process.stdin.write('{not json\n');
    // The helper stays up and keeps answering.
    expect((await helper.client.call('helper.info', {})).mode).toBe('lab');
  });

  it('passes ip’s own message back when the kernel refuses', async () => {
    const error = await rejection(helper.client.call('addr.add', { ifname: 'nosuch0', cidr: '10.9.9.9/24' }));
    expect(error.code).toBe(ErrorCode.CommandFailed);
    expect(error.message).toMatch(/Cannot find device "nosuch0"/);
  });
});
