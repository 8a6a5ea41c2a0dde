// Long-lived readers sit inside named namespaces. They must never keep one
// alive: a namespace deleted by anyone, or whose last holder exits, loses its
// veths as fast as it would without the helper.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argvOf, descendantsOf, endReaders, labExec, pidsInNetns, startHelper, until, type HelperHandle } from '../support/helper';
import { msUntilGone, openLabShell, type LabShell } from '../support/lab-shell';
import type { Topology } from '../../shared/model';
import type { TopologyChange } from '../../shared/protocol';

let helper: HelperHandle;
let shell: LabShell;

beforeAll(async () => {
  helper = await startHelper(['--lab', '--reconcile-ms=0']);
  shell = await openLabShell(helper);
});

afterAll(async () => {
  await shell.close();
  await helper.close();
});

/** Makes a namespace with a veth to the lab's host, and reads it (which starts its reader). */
async function namespaceWithReader(name: string, hostEnd: string): Promise<string> {
  const c = helper.client;
  await c.call('netns.create', { name });
  await c.call('veth.create', { name: hostEnd, peerName: 'eth0', peerNamespace: name });
  const id = (await c.call('snapshot', {})).namespaces.find((n) => n.name === name)?.id as string;
  // The reader is an ip process inside it.
  expect(pidsInNetns(`net:[${id}]`).length).toBeGreaterThan(0);
  return id;
}

describe('readers never keep a namespace alive', () => {
  it('ip netns delete from a shell frees the namespace and its veth at once', async () => {
    const id = await namespaceWithReader('r1', 'vr1');
    const ms = await msUntilGone(shell, 'ip netns delete r1', 'vr1');
    process.stderr.write(`readers.test: veth gone ${ms} ms after ip netns delete\n`);
    expect(ms).toBeLessThan(1000);
    expect(pidsInNetns(`net:[${id}]`)).toEqual([]);
  });

  it('the app deleting a namespace ends its reader first', async () => {
    const id = await namespaceWithReader('r2', 'vr2');
    const result = await helper.client.call('netns.delete', { name: 'r2' });
    expect(result.removedPeers).toEqual(['/vr2']);
    expect(pidsInNetns(`net:[${id}]`)).toEqual([]);
  });

  it('a namespace whose name went while a process held it is freed when that process exits', async () => {
    const id = await namespaceWithReader('r3', 'vr3');
    // Wait until sleep runs inside (ip netns exec has entered r3 and exec'd) before the name goes.
    await shell.run('ip netns exec r3 sleep 1000 & HOLDER=$!; while [ "$(cat /proc/$HOLDER/comm)" != sleep ]; do :; done; ip netns delete r3');
    // Held by sleep alone now: no reader left inside.
    await new Promise((r) => setTimeout(r, 200));
    expect(pidsInNetns(`net:[${id}]`)).toHaveLength(1);
    const ms = await msUntilGone(shell, 'kill "$HOLDER"; wait "$HOLDER" 2>/dev/null; true', 'vr3');
    process.stderr.write(`readers.test: veth gone ${ms} ms after its last holder exited\n`);
    expect(ms).toBeLessThan(1000);
  });

  it('a name pointed at another namespace gets a new reader, not the old one', async () => {
    await namespaceWithReader('r4', 'vr4');
    const first = (await helper.client.call('snapshot', {})).namespaces.find((n) => n.name === 'r4')?.id as string;
    const oldReaders = pidsInNetns(`net:[${first}]`);
    await shell.run('ip netns delete r4; ip netns add r4; ip -n r4 link add dummyish type bridge');
    const again = await helper.client.call('snapshot', {});
    const r4 = again.namespaces.find((n) => n.name === 'r4');
    // The new namespace is read. Its id may be the old one's: the kernel reuses a freed namespace's inode number.
    expect(r4?.links.map((l) => l.ifname)).toContain('dummyish');
    // The old reader is gone, so it kept nothing alive.
    expect(oldReaders.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
  });
});

describe('an app left alone', () => {
  it('lets its readers end though the reconcile goes on, and the reconcile still brings what no event reports', async () => {
    // Short times instead of the defaults (a reader idle for 2 minutes ends; a re-read every minute at least).
    const alone = await startHelper(['--lab', '--reconcile-ms=300', '--reader-idle-ms=1500']);
    const aloneShell = await openLabShell(alone);
    try {
      const c = alone.client;
      await c.call('netns.create', { name: 'quiet' });
      await c.call('veth.create', { name: 'vq', peerName: 'eth0', peerNamespace: 'quiet' });
      const id = (await c.call('snapshot', {})).namespaces.find((n) => n.name === 'quiet')?.id as string;
      expect(pidsInNetns(`net:[${id}]`).length).toBeGreaterThan(0);
      const qdisc = (t: Topology) => t.namespaces.find((n) => n.name === 'quiet')?.links.find((l) => l.ifname === 'eth0')?.impairment?.qdisc;
      // tc sends no event the helper hears: only the reconcile can bring this (soon while the reader runs; within 200× a reading's time once it has ended).
      let since = alone.notifications.length;
      await aloneShell.run('ip netns exec quiet tc qdisc add dev eth0 root tbf rate 1mbit burst 32kbit latency 400ms');
      await alone.waitFor('topology', (change: TopologyChange) => change.namespaces.some((n) => n.name === 'quiet' && n.links.some((l) => l.impairment?.qdisc === 'tbf')), 60_000, since);
      // Re-read every few hundred ms meanwhile, the reader still ends once nobody else uses it.
      await until('the reader to end', () => pidsInNetns(`net:[${id}]`).length === 0, 15_000);
      since = alone.notifications.length;
      await aloneShell.run('ip netns exec quiet tc qdisc del dev eth0 root');
      await alone.waitFor('topology', (change: TopologyChange) => change.namespaces.some((n) => n.name === 'quiet' && n.links.some((l) => l.ifname === 'eth0' && !l.impairment)), 60_000, since);
      // Read without a reader, and none started for it.
      expect(pidsInNetns(`net:[${id}]`)).toEqual([]);
      expect(qdisc(await c.call('snapshot', { reuse: true }))).toBeUndefined();
    } finally {
      await aloneShell.close();
      await alone.close();
    }
  }, 180_000);
});

describe('full readings while a shell makes and removes namespaces', () => {
  it('leave no ip process behind and end on what the shell left', async () => {
    // Namespaces that appear and go between a listing and the batch group that reads them: `netns exec` fails inside the group.
    const making = shell.run(
      'for i in $(seq 1 90); do ip netns add race$i; ip link add vrace$i type veth peer name eth0 netns race$i; if [ $((i % 3)) = 0 ]; then ip netns delete race$((i - 1)); ip netns delete race$((i - 2)); fi; done',
      60_000,
    );
    let done = false;
    void making.then(() => (done = true));
    let readings = 0;
    // Cold and warm readings alike: namespaces without a reader are read in batch groups.
    while (!done) {
      await helper.client.call('snapshot', {});
      readings++;
    }
    expect((await making).code).toBe(0);
    const groups = () => descendantsOf(helper.process.pid as number).filter((pid) => isGroupReading(argvOf(pid)));
    // Every reading has answered: no batch process of the helper's may outlive it.
    await new Promise((r) => setTimeout(r, 500));
    expect(groups()).toEqual([]);
    const names = (await helper.client.call('snapshot', {})).namespaces.map((n) => n.name).filter((n) => n?.startsWith('race'));
    const listed = (await shell.run('ip netns list')).output.match(/race\d+/g) ?? [];
    expect(new Set(names)).toEqual(new Set(listed));
    expect(listed).toHaveLength(30);
    process.stderr.write(`readers.test: ${readings} full readings while the shell made 90 namespaces and removed 60\n`);
  });
});

describe('a namespace the helper cannot enter', () => {
  it('is shown with its problem, and the batch groups around it leave no process behind', async () => {
    // Made from outside the lab's user namespace: owned by its parent, so the helper may not enter it (as a root-owned one in a rootless lab).
    const foreign = Array.from({ length: 40 }, (_, i) => `foreign${i}`);
    for (const name of foreign) labExec(helper.process.pid as number, ['ip', 'netns', 'add', name]);
    await shell.run('for i in $(seq 1 24); do ip netns add near$i; done');
    // Cold: every reader ended, so the named namespaces are read in batch groups, where `netns exec` fails for these.
    await new Promise((r) => setTimeout(r, 300));
    endReaders(helper.process.pid as number);
    const started = performance.now();
    const { namespaces } = await helper.client.call('snapshot', {});
    const took = performance.now() - started;
    const groups = descendantsOf(helper.process.pid as number).filter((pid) => isGroupReading(argvOf(pid)));
    expect(groups).toEqual([]);
    for (const name of foreign) expect(namespaces.find((n) => n.name === name)?.problem).toBeTruthy();
    expect(namespaces.filter((n) => n.name?.startsWith('near') && !n.problem)).toHaveLength(24);
    process.stderr.write(`readers.test: a reading with ${foreign.length} namespaces it cannot enter took ${took.toFixed(0)} ms\n`);
    expect(took).toBeLessThan(15_000);
  });
});

/** A batch group's process (`ip [-force] -j -d -batch -`, no -n): a reader has `-n NAME`. */
const isGroupReading = (argv: string[]) => argv[0] === 'ip' && argv.at(-1) === '-' && argv.includes('-batch') && !argv.includes('-n');
