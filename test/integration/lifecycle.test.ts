// The helper's life: modes, exit on EOF, nothing left behind when killed,
// and changes made by other processes inside the lab.
import { existsSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labExec, labPids, pidsInNetns, startHelper } from '../support/helper';

const alive = (pid: number) => existsSync(`/proc/${pid}`);

async function until(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

describe('helper lifecycle', () => {
  it('exits cleanly on stdin EOF, stopping a running ping', async () => {
    const helper = await startHelper();
    await helper.client.call('ping.start', { target: '127.0.0.1', intervalMs: 200 });
    await helper.waitFor('ping.reply');
    expect(await helper.close()).toBe(0);
  });

  it('takes every lab process and namespace with it when killed', async () => {
    const helper = await startHelper();
    await helper.client.call('netns.create', { name: 'n1' });
    await helper.client.call('ping.start', { target: '127.0.0.1', namespace: null, intervalMs: 200 });
    const { lab } = labPids(helper.process.pid as number);
    const netns = readlinkSync(`/proc/${lab}/ns/net`);
    expect(pidsInNetns(netns).length).toBeGreaterThan(1);
    process.kill(lab, 'SIGKILL');
    await helper.close();
    // No process anywhere is left in the lab's network namespace.
    expect(await until(() => pidsInNetns(netns).length === 0)).toBe(true);
    expect(alive(lab)).toBe(false);
  });

  it('runs host mode inside a lab that plays the host', async () => {
    const helper = await startHelper(['--host', '--inside-lab', '--reconcile-ms=0']);
    expect((await helper.client.call('helper.info', {})).mode).toBe('host');
    await helper.client.call('netns.create', { name: 'container1' });
    await helper.client.call('veth.create', { name: 'vethhost', peerName: 'eth0', peerNamespace: 'container1' });
    const t = await helper.client.call('snapshot', {});
    expect(t.namespaces.map((n) => n.name)).toEqual([null, 'container1']);
    expect(t.namespaces[0]?.links.find((l) => l.ifname === 'vethhost')?.peer?.ifname).toBe('eth0');
    expect(helper.stderr()).toMatch(/host mode, inside a lab that plays the host/);
    expect(await helper.close()).toBe(0);
  });
});

describe('changes made outside the helper', () => {
  it('appear on the periodic reconcile even without the monitor, and nothing more when nothing changed', async () => {
    const helper = await startHelper(['--lab', '--reconcile-ms=300', '--no-watch']);
    const root = (await helper.client.call('snapshot', {})).namespaces[0];
    labExec(helper.process.pid as number, ['ip', 'link', 'add', 'outside0', 'type', 'veth', 'peer', 'name', 'outside1']);
    const change = await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.links.some((l) => l.ifname === 'outside0')));
    expect(change.namespaces.map((n) => n.id)).toEqual([root?.id]);
    const before = helper.notifications.length;
    labExec(helper.process.pid as number, ['ip', 'link', 'delete', 'outside0']);
    await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.root && !n.links.some((l) => l.ifname === 'outside0')), 5000, before);
    // Nothing changed since: the reconcile stays quiet.
    const count = helper.notifications.filter((n) => n.method === 'topology').length;
    await new Promise((r) => setTimeout(r, 800));
    expect(helper.notifications.filter((n) => n.method === 'topology').length).toBe(count);
    await helper.close();
  });
});
