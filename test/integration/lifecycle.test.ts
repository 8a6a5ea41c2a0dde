// The helper's life: modes, exit on EOF, nothing left behind when killed,
// and changes made by other processes inside the lab.
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argvOf, descendantsOf, HELPER, labExec, labPids, pidsInNetns, PRIVATE_HOST, servingHelper, startHelper, type HelperHandle } from '../support/helper';
import { startWeb } from '../support/web';

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
  it('builds the lab for an ordinary user, as the app runs without root', async () => {
    // A copy the user can read, started from a directory the user may enter: a clone of the repository may be private to root.
    const dir = mkdtempSync(join(tmpdir(), 'netns-explorer-user-'));
    chmodSync(dir, 0o755);
    copyFileSync(HELPER, join(dir, 'helper.mjs'));
    const asUser = ['setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', 'env', `--chdir=${dir}`];
    const helper = await startHelper(['--lab', '--reconcile-ms=0'], { HOME: dir }, asUser, join(dir, 'helper.mjs'));
    try {
      expect(readFileSync(`/proc/${servingHelper(helper.process.pid as number)}/status`, 'utf8')).toMatch(/^Uid:\s+1000\s/m);
      await helper.client.call('netns.create', { name: 'mine' });
      await helper.client.call('veth.create', { name: 'v0', peerName: 'eth0', peerNamespace: 'mine' });
      const { namespaces } = await helper.client.call('snapshot', {});
      expect(namespaces.find((n) => n.name === 'mine')?.links.map((l) => l.ifname)).toEqual(['lo', 'eth0']);
      expect(namespaces.find((n) => n.root)?.links.find((l) => l.ifname === 'v0')?.peer).not.toBeNull();
    } finally {
      await helper.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

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
    const serving = servingHelper(helper.process.pid as number);
    const netns = readlinkSync(`/proc/${serving}/ns/net`);
    expect(pidsInNetns(netns).length).toBeGreaterThan(1);
    process.kill(serving, 'SIGKILL');
    await helper.close();
    // No process anywhere is left in the lab's network namespace.
    expect(await until(() => pidsInNetns(netns).length === 0)).toBe(true);
    expect(alive(serving)).toBe(false);
  });

  it('takes every lab process with it when the process that started the lab is killed', async () => {
    const helper = await startHelper();
    await helper.client.call('ping.start', { target: '127.0.0.1', namespace: null, intervalMs: 200 });
    await helper.waitFor('ping.reply');
    const below = descendantsOf(helper.process.pid as number);
    expect(below.length).toBeGreaterThan(4);
    process.kill(helper.process.pid as number, 'SIGKILL');
    expect(await until(() => below.every((pid) => !alive(pid))), `left: ${below.filter(alive).join(' ')}`).toBe(true);
  });

  it('is started by the app with no Node process of its own in between, and goes with the app when that is killed', async () => {
    // The web bridge starts its helper as the desktop app does (HelperSupervisor): it builds the lab's hops itself.
    const web = await startWeb();
    const bridge = web.process.pid as number;
    try {
      const below = descendantsOf(bridge);
      expect(below.filter((pid) => argvOf(pid)[0] === process.execPath)).toEqual([servingHelper(bridge)]);
      expect(labPids(bridge).hop1).toBeGreaterThan(0);
      process.kill(bridge, 'SIGKILL');
      expect(await until(() => below.every((pid) => !alive(pid))), `left: ${below.filter(alive).join(' ')}`).toBe(true);
    } finally {
      await web.stop();
    }
  });

  it('reaps what ends inside the lab: no zombies after 30 terminals opened and closed', async () => {
    const helper = await startHelper();
    const { lab } = labPids(helper.process.pid as number);
    const pidns = readlinkSync(`/proc/${lab}/ns/pid`);
    const zombies = () =>
      descendantsOf(helper.process.pid as number).filter((p) => {
        try {
          const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
          return readlinkSync(`/proc/${p}/ns/pid`) === pidns && stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
        } catch {
          return false;
        }
      });
    for (let i = 0; i < 30; i++) {
      const { terminalId } = await helper.client.call('terminal.open', { cols: 80, rows: 24 });
      await helper.waitFor('terminal.data', (d) => d.terminalId === terminalId);
      await helper.client.call('terminal.close', { terminalId });
    }
    expect(await until(() => zombies().length === 0, 3000), `zombies: ${zombies().join(' ')}`).toBe(true);
    expect(await helper.close()).toBe(0);
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

describe('host mode, in a private network namespace that plays the host (no pid namespace, as on a real host)', () => {
  /** Starts root processes of every kind the helper makes, and returns the pids below the test's wrapper. */
  async function busyHostHelper(): Promise<{ helper: HelperHandle; started: Map<number, string> }> {
    const helper = await startHelper(['--host', '--reconcile-ms=0'], {}, PRIVATE_HOST);
    const c = helper.client;
    await c.call('netns.create', { name: 'c1' });
    await c.call('veth.create', { name: 'v0', peerName: 'v1', peerNamespace: 'c1' });
    await c.call('addr.add', { ifname: 'v0', cidr: '10.9.0.1/24' });
    await c.call('addr.add', { namespace: 'c1', ifname: 'v1', cidr: '10.9.0.2/24' });
    await c.call('link.set', { ifname: 'v0', up: true });
    await c.call('link.set', { namespace: 'c1', ifname: 'v1', up: true });
    await c.call('ping.start', { target: '10.9.0.2', intervalMs: 200 });
    await helper.waitFor('ping.reply');
    await c.call('capture.start', { ifname: 'v0' });
    await c.call('netns.spawn', {});
    const { terminalId } = await c.call('terminal.open', { cols: 80, rows: 24 });
    // A shell's background job: not the helper's child, and no parent-death signal reaches it.
    await c.call('terminal.write', { terminalId, data: 'sleep 1000 &\n' });
    const wanted = ['tcpdump', 'ping', 'ip', 'sleep', 'script', 'bash'];
    const started = new Map<number, string>();
    await until(() => {
      for (const pid of descendantsOf(helper.process.pid as number)) {
        try {
          started.set(pid, readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
        } catch {
          // Gone.
        }
      }
      return wanted.every((name) => [...started.values()].includes(name)) && [...started.values()].filter((n) => n === 'sleep').length >= 2;
    });
    expect([...new Set(started.values())]).toEqual(expect.arrayContaining(wanted));
    return { helper, started };
  }

  async function nothingLeft(started: Map<number, string>): Promise<void> {
    const left = () => [...started.keys()].filter(alive).map((pid) => `${pid} ${started.get(pid)}`);
    expect(await until(() => left().length === 0), `still running: ${left().join(', ')}`).toBe(true);
  }

  it("names processes by the machine's pids, though the helper has a pid namespace of its own", async () => {
    const helper = await startHelper(['--host', '--reconcile-ms=0'], {}, PRIVATE_HOST);
    const info = await helper.client.call('helper.info', {});
    expect(info.pid).toBe(servingHelper(helper.process.pid as number));
    const { pid, namespaceId } = await helper.client.call('netns.spawn', {});
    expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(`net:[${namespaceId}]`);
    await helper.client.call('netns.attach', { pid, name: 'held' });
    const held = (await helper.client.call('snapshot', {})).namespaces.find((n) => n.name === 'held');
    expect(held?.id).toBe(namespaceId);
    expect(await helper.close()).toBe(0);
  });

  it('leaves nothing running after kill -9 of the helper', async () => {
    const { helper, started } = await busyHostHelper();
    process.kill(servingHelper(helper.process.pid as number), 'SIGKILL');
    await nothingLeft(started);
    await helper.close();
  });

  it('leaves nothing running after kill -9 of the process that started it', async () => {
    const { helper, started } = await busyHostHelper();
    // The starter: the helper process the app (here, the test's wrapper) ran; it relays to the pid namespace.
    const starter = descendantsOf(helper.process.pid as number).find((p) => started.get(p) === 'node' && p !== servingHelper(helper.process.pid as number));
    expect(starter).toBeDefined();
    process.kill(starter as number, 'SIGKILL');
    await nothingLeft(started);
    await helper.close();
  });
});

describe('changes made outside the helper', () => {
  it('appear on the periodic reconcile even without the monitor, and nothing more when nothing changed', { timeout: 90_000 }, async () => {
    // With no reader alive the reconcile comes every 200× a reading's time (a few seconds here), 300 ms at least.
    const helper = await startHelper(['--lab', '--reconcile-ms=300', '--no-watch']);
    const root = (await helper.client.call('snapshot', {})).namespaces[0];
    labExec(helper.process.pid as number, ['ip', 'link', 'add', 'outside0', 'type', 'veth', 'peer', 'name', 'outside1']);
    const change = await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.links.some((l) => l.ifname === 'outside0')), 30_000);
    expect(change.namespaces.map((n) => n.id)).toEqual([root?.id]);
    const before = helper.notifications.length;
    labExec(helper.process.pid as number, ['ip', 'link', 'delete', 'outside0']);
    await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.root && !n.links.some((l) => l.ifname === 'outside0')), 30_000, before);
    // Nothing changed since: the next reconcile (it starts an ip) stays quiet.
    const count = helper.notifications.filter((n) => n.method === 'topology').length;
    const started = (await helper.client.call('helper.stats', {})).processesStarted;
    for (let i = 0; i < 300 && (await helper.client.call('helper.stats', {})).processesStarted === started; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    expect((await helper.client.call('helper.stats', {})).processesStarted).toBeGreaterThan(started);
    expect(helper.notifications.filter((n) => n.method === 'topology').length).toBe(count);
    await helper.close();
  });
});
