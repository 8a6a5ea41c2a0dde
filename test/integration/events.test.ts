// Changes made by other processes in the lab reach the client as `topology`
// notifications from `ip monitor`, re-reading only the namespaces they touched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endReaders, labExec, startHelper, type HelperHandle } from '../support/helper';
import { openLabShell } from '../support/lab-shell';

let helper: HelperHandle;
const pid = () => helper.process.pid as number;

beforeAll(async () => {
  // No periodic reconcile: whatever arrives here came from the event path.
  helper = await startHelper(['--lab', '--reconcile-ms=0']);
  for (let i = 1; i <= 10; i++) await helper.client.call('netns.create', { name: `ns${i}` });
  await helper.client.call('veth.create', { name: 'ev0', peerName: 'ev1', peerNamespace: 'ns1' });
});

afterAll(async () => {
  await helper.close();
});

async function settled(): Promise<void> {
  // Let a burst of monitor lines finish and be read.
  let count = -1;
  while (count !== helper.notifications.length) {
    count = helper.notifications.length;
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('cost', () => {
  it('reads a full snapshot with at most one ip process per namespace', async () => {
    await settled();
    const before = await helper.client.call('helper.stats', {});
    const snapshot = await helper.client.call('snapshot', {});
    const after = await helper.client.call('helper.stats', {});
    expect(snapshot.namespaces).toHaveLength(11);
    expect(after.processesStarted - before.processesStarted).toBeLessThanOrEqual(11);
  });
});

describe('events from outside the app', () => {
  it('names the namespace that changed, and re-reads only that one', async () => {
    await settled();
    const ns3 = (await helper.client.call('snapshot', {})).namespaces.find((n) => n.name === 'ns3');
    const before = await helper.client.call('helper.stats', {});
    const since = helper.notifications.length;
    labExec(pid(), ['ip', '-n', 'ns3', 'link', 'set', 'lo', 'up']);
    const change = await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.name === 'ns3'), 5000, since);
    expect(change.namespaces.map((n) => n.id)).toEqual([ns3?.id]);
    expect(change.namespaces[0]?.links.find((l) => l.ifname === 'lo')?.up).toBe(true);
    await settled();
    const after = await helper.client.call('helper.stats', {});
    // 11 namespaces exist; the event cost at most two ip processes.
    expect(after.processesStarted - before.processesStarted).toBeLessThanOrEqual(2);
  });

  it('sends a moved veth end as one change of both namespaces, so the cable travels', async () => {
    await settled();
    const since = helper.notifications.length;
    labExec(pid(), ['ip', '-n', 'ns1', 'link', 'set', 'dev', 'ev1', 'netns', 'ns2']);
    const change = await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.name === 'ns2' && n.links.some((l) => l.ifname === 'ev1')), 5000, since);
    expect(change.namespaces.map((n) => n.name).sort()).toEqual(expect.arrayContaining(['ns1', 'ns2']));
    expect(change.namespaces.find((n) => n.name === 'ns1')?.links.some((l) => l.ifname === 'ev1')).toBe(false);
    const ns2 = change.namespaces.find((n) => n.name === 'ns2');
    const host = (await helper.client.call('snapshot', {})).namespaces.find((n) => n.root);
    expect(host?.links.find((l) => l.ifname === 'ev0')?.peer).toEqual({ namespaceId: ns2?.id, ifname: 'ev1' });
  });

  it('cables a namespace made outside with a veth into it (a new nsid), and drops it when it is deleted there, reading only what changed, not everything', async () => {
    // Typed in the lab's own shell, as a participant would: the kernel gives the namespace an nsid before the helper has read it.
    const shell = await openLabShell(helper);
    await settled();
    // Without readers, a full reading would cost one process per namespace (12 here).
    endReaders(helper);
    const before = await helper.client.call('helper.stats', {});
    const since = helper.notifications.length;
    const made = await shell.run('ip netns add cabled-outside && ip link add ov0 type veth peer name ov1 netns cabled-outside && ip -n cabled-outside addr add 10.77.0.2/24 dev ov1');
    expect(made.code).toBe(0);
    const cabled = await helper.waitFor(
      'topology',
      (c) => c.namespaces.some((n) => n.name === 'cabled-outside' && n.links.some((l) => l.ifname === 'ov1' && l.addresses.includes('10.77.0.2/24'))),
      5000,
      since,
    );
    const far = cabled.namespaces.find((n) => n.name === 'cabled-outside');
    await settled();
    const after = await helper.client.call('helper.stats', {});
    const host = (await helper.client.call('snapshot', { reuse: true })).namespaces.find((n) => n.root);
    expect(host?.links.find((l) => l.ifname === 'ov0')?.peer).toEqual({ namespaceId: far?.id, ifname: 'ov1' });
    expect(after.processesStarted - before.processesStarted).toBeLessThanOrEqual(6);

    // Deleted from the shell: its last events name an nsid the kernel has already dropped, and nothing is read for them.
    await settled();
    endReaders(helper);
    const beforeDelete = await helper.client.call('helper.stats', {});
    const sinceDelete = helper.notifications.length;
    expect((await shell.run('ip netns delete cabled-outside')).code).toBe(0);
    await helper.waitFor('topology', (c) => c.removed.includes(far?.id as string), 5000, sinceDelete);
    await settled();
    const afterDelete = await helper.client.call('helper.stats', {});
    expect(afterDelete.processesStarted - beforeDelete.processesStarted).toBeLessThanOrEqual(4);
    expect((await helper.client.call('snapshot', { reuse: true })).namespaces.find((n) => n.root)?.links.some((l) => l.ifname === 'ov0')).toBe(false);
    await shell.close();
  });

  it('shows a namespace created outside, and drops it when it is deleted', async () => {
    await settled();
    const since = helper.notifications.length;
    labExec(pid(), ['ip', 'netns', 'add', 'made-outside']);
    const added = await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.name === 'made-outside'), 5000, since);
    const id = added.namespaces.find((n) => n.name === 'made-outside')?.id;
    expect(id).toBeDefined();
    const since2 = helper.notifications.length;
    labExec(pid(), ['ip', 'netns', 'delete', 'made-outside']);
    const removed = await helper.waitFor('topology', (c) => c.removed.includes(id as string), 5000, since2);
    expect(removed.removed).toEqual([id]);
  });
});
