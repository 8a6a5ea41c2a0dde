// Namespaces that only processes hold, the way containers' are: found,
// labelled, cabled to a docker0-like bridge, and reachable by id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Namespace, Topology } from '../../shared/model';
import type { PingDone } from '../../shared/protocol';
import { labExec, startHelper, type HelperHandle } from '../support/helper';

// Once in the lab, once in host mode inside a lab that plays the host.
describe.each([
  ['the lab', ['--lab', '--reconcile-ms=0']],
  ['host mode', ['--host', '--inside-lab', '--reconcile-ms=0']],
])('in %s', (_where, args) => {
  let helper: HelperHandle;
  const ids: string[] = [];
  const pids: number[] = [];

  const byId = (t: Topology, id: string): Namespace => {
    const ns = t.namespaces.find((n) => n.id === id);
    if (!ns) throw new Error(`no namespace ${id}`);
    return ns;
  };

  beforeAll(async () => {
    helper = await startHelper(args);
    for (let i = 0; i < 2; i++) {
      const { pid, namespaceId } = await helper.client.call('netns.spawn', {});
      pids.push(pid);
      ids.push(namespaceId);
    }
  });

  afterAll(async () => {
    await helper.close();
  });

  describe('containers', () => {
    it('finds namespaces that have no name, with the processes that hold them', async () => {
      const t = await helper.client.call('snapshot', {});
      for (const [i, id] of ids.entries()) {
        const ns = byId(t, id);
        expect(ns.name).toBeNull();
        expect(ns.root).toBe(false);
        expect(ns.holderCount).toBe(1);
        expect(ns.holders?.[0]).toMatchObject({ pid: pids[i], command: 'sleep', label: `sleep, pid ${pids[i]}` });
        expect(ns.links.map((l) => l.ifname)).toEqual(['lo']);
      }
    });

    it('cables each to a docker0-like bridge by id, addresses them and pings from one to the other', async () => {
      const c = helper.client;
      await c.call('bridge.create', { name: 'docker0' });
      await c.call('link.set', { ifname: 'docker0', up: true });
      for (const [i, id] of ids.entries()) {
        await c.call('veth.create', { name: `veth${i}h`, peerName: 'eth0', peerNamespaceId: id });
        await c.call('link.setMaster', { ifname: `veth${i}h`, master: 'docker0' });
        await c.call('link.set', { ifname: `veth${i}h`, up: true });
        await c.call('link.set', { namespaceId: id, ifname: 'eth0', up: true });
        await c.call('addr.add', { namespaceId: id, ifname: 'eth0', cidr: `172.17.0.${i + 2}/16` });
      }
      const t = await c.call('snapshot', {});
      const host = t.namespaces.find((n) => n.root) as Namespace;
      for (const [i, id] of ids.entries()) {
        const hostEnd = host.links.find((l) => l.ifname === `veth${i}h`);
        expect(hostEnd?.master).toBe('docker0');
        expect(hostEnd?.peer).toEqual({ namespaceId: id, ifname: 'eth0' });
        expect(byId(t, id).links.find((l) => l.ifname === 'eth0')?.peer).toEqual({ namespaceId: host.id, ifname: `veth${i}h` });
      }
      const { pingId } = await c.call('ping.start', { namespaceId: ids[0] as string, target: '172.17.0.3', count: 3, intervalMs: 200 });
      const done: PingDone = await helper.waitFor('ping.done', (d) => d.pingId === pingId, 15_000);
      expect(done).toMatchObject({ transmitted: 3, received: 3 });
      const ran = helper.notifications.filter((n) => n.method === 'command').map((n) => (n.params as { argv: string[] }).argv);
      expect(ran).toContainEqual(['nsenter', `--net=/proc/${pids[0]}/ns/net`, '--', 'ping', '-n', '-W', '2', '-c', '3', '-i', '0.2', '172.17.0.3']);
    });

    it('names a namespace on request (netns.attach), keeping its id', async () => {
      await helper.client.call('netns.attach', { pid: pids[0] as number, name: 'web' });
      const ns = byId(await helper.client.call('snapshot', {}), ids[0] as string);
      expect(ns.name).toBe('web');
    });

    it('ends a namespace it started, and its cable with it', async () => {
      const result = await helper.client.call('netns.delete', { namespaceId: ids[1] as string });
      expect(result.removedPeers).toEqual(['/veth1h']);
      const t = await helper.client.call('snapshot', {});
      expect(t.namespaces.some((n) => n.id === ids[1])).toBe(false);
      expect(t.namespaces.find((n) => n.root)?.links.some((l) => l.ifname === 'veth1h')).toBe(false);
    });

    it('refuses an id that names no namespace, naming the field', async () => {
      await expect(helper.client.call('addr.add', { namespaceId: '12345', ifname: 'eth0', cidr: '10.0.0.1/8' })).rejects.toThrow(/no network namespace with id 12345/);
      await expect(helper.client.call('addr.add', { namespace: 'x', namespaceId: '12345', ifname: 'eth0', cidr: '10.0.0.1/8' })).rejects.toThrow(
        /namespaceId: give namespace or namespaceId, not both/,
      );
    });
  });

  describe('stale things', () => {
    it('shows a /run/netns name whose namespace is gone, and removes it on request', async () => {
      labExec(helper.process.pid as number, ['touch', '/run/netns/ghost']);
      const ghost = (await helper.client.call('snapshot', {})).namespaces.find((n) => n.name === 'ghost');
      expect(ghost?.problem).toMatch(/^stale/);
      expect(ghost?.links).toEqual([]);
      await helper.client.call('netns.delete', { name: 'ghost' });
      expect((await helper.client.call('snapshot', {})).namespaces.some((n) => n.name === 'ghost')).toBe(false);
    });
  });
});
