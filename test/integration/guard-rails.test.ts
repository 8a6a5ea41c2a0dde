// Host-mode guard rails are the helper's, not the UI's: any client gets
// -32004 for a call that could cut the machine off, until it says confirmRisk.
// The "machine" here is a lab that plays the host: an IPv4 default route over a
// bridge port, an IPv6 default route, and an sshd-like server on a non-22 port
// with an established connection.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../shared/model';
import { ErrorCode, type MethodName, type MethodParams } from '../../shared/protocol';
import { startHelper, type HelperHandle } from '../support/helper';

let helper: HelperHandle;
let dir: string;
let terminalId = '';

/**
 * Starts `node script` in the background from a shell of the helper's (so it
 * shares the helper's credentials, as sshd shares root's on a real host), under
 * the program name `as`: the name /proc/PID/comm shows.
 */
async function runInLab(as: string, script: string, netns?: string): Promise<void> {
  const program = join(dir, as);
  symlinkSync(process.execPath, program);
  const command = `${netns ? `ip netns exec ${netns} ` : ''}${program} ${script} &\n`;
  await helper.client.call('terminal.write', { terminalId, data: command });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'netns-explorer-rails-'));
  helper = await startHelper(['--host', '--inside-lab', '--reconcile-ms=0']);
  const c = helper.client;
  // IPv4: br0 (192.0.2.10) with port eth1, cabled to the "ISP" namespace isp4; the default route goes there.
  await c.call('netns.create', { name: 'isp4' });
  await c.call('veth.create', { name: 'eth1', peerName: 'up4', peerNamespace: 'isp4' });
  await c.call('bridge.create', { name: 'br0' });
  await c.call('link.setMaster', { ifname: 'eth1', master: 'br0' });
  await c.call('addr.add', { ifname: 'br0', cidr: '192.0.2.10/24' });
  await c.call('addr.add', { namespace: 'isp4', ifname: 'up4', cidr: '192.0.2.1/24' });
  for (const ifname of ['eth1', 'br0']) await c.call('link.set', { ifname, up: true });
  await c.call('link.set', { namespace: 'isp4', ifname: 'up4', up: true });
  await c.call('route.add', { to: 'default', via: '192.0.2.1' });
  // IPv6: wlan0 to isp6, with the IPv6 default route.
  await c.call('netns.create', { name: 'isp6' });
  await c.call('veth.create', { name: 'wlan0', peerName: 'up6', peerNamespace: 'isp6' });
  await c.call('addr.add', { ifname: 'wlan0', cidr: '2001:db8::10/64' });
  await c.call('link.set', { ifname: 'wlan0', up: true });
  await c.call('link.set', { namespace: 'isp6', ifname: 'up6', up: true });
  await c.call('route.add', { to: 'default', via: '2001:db8::1', dev: 'wlan0' });
  // "sshd" on port 2202 of br0's address, and a client in isp4 connected to it.
  const server = join(dir, 'server.mjs');
  writeFileSync(server, "import net from 'node:net'; const held = []; net.createServer((s) => held.push(s)).listen(2202, '192.0.2.10');\n");
  const client = join(dir, 'client.mjs');
  writeFileSync(client, "import net from 'node:net'; const go = () => { const s = net.connect(2202, '192.0.2.10'); s.on('error', () => setTimeout(go, 100)); }; go(); setInterval(() => {}, 1000);\n");
  ({ terminalId } = await c.call('terminal.open', { cols: 120, rows: 30 }));
  await runInLab('sshd', server);
  await runInLab('client', client, 'isp4');
  for (let i = 0; i < 100 && (await c.call('helper.info', {})).sshSessions.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  await helper?.close();
  rmSync(dir, { recursive: true, force: true });
});

const snapshot = (): Promise<Topology> => helper.client.call('snapshot', {});
const hostLink = (t: Topology, ifname: string) => t.namespaces.find((n) => n.root)?.links.find((l) => l.ifname === ifname);

async function refused<M extends MethodName>(method: M, params: MethodParams[M]): Promise<string> {
  const error = await helper.client.call(method, params).then(
    () => null,
    (e: { code: number; message: string; data: { risk: string } }) => e,
  );
  expect(error, `${method} ${JSON.stringify(params)} went ahead`).not.toBeNull();
  expect(error?.code).toBe(ErrorCode.RiskRefused);
  expect(error?.data.risk).toBe(error?.message);
  return error?.message ?? '';
}

describe('host-mode guard rails in the helper', () => {
  it('sees the SSH session on a port other than 22', async () => {
    const info = await helper.client.call('helper.info', {});
    expect(info.mode).toBe('host');
    expect(info.sshSessions).toEqual([expect.objectContaining({ local: '192.0.2.10:2202' })]);
  });

  it('refuses to down, re-master or move what carries the default routes or the SSH session, saying what would be lost', async () => {
    expect(await refused('link.set', { ifname: 'br0', up: false })).toMatch(/br0 carries the machine's IPv4 default route \(via 192\.0\.2\.1\) and the SSH session from 192\.0\.2\.1:\d+/);
    expect(await refused('link.set', { ifname: 'eth1', up: false })).toMatch(/eth1 is a port of br0/);
    expect(await refused('link.setMaster', { ifname: 'eth1', master: null })).toMatch(/Taking off its bridge eth1/);
    expect(await refused('link.delete', { ifname: 'br0' })).toMatch(/^Deleting br0/);
    expect(await refused('link.set', { ifname: 'wlan0', up: false })).toMatch(/IPv6 default route \(via 2001:db8::1\)/);
    expect(await refused('link.move', { ifname: 'wlan0', to: 'isp6' })).toMatch(/^Moving away wlan0/);
    expect(await refused('link.set', { ifname: 'br0', mtu: 1200 })).toMatch(/MTU of 1200/);
    expect(await refused('netem.set', { ifname: 'wlan0', lossPercent: 100 })).toMatch(/Dropping every packet/);
    expect(await refused('route.del', { to: 'default' })).toMatch(/IPv4 via 192\.0\.2\.1/);
    expect(await refused('addr.del', { ifname: 'br0', cidr: '192.0.2.10/24' })).toMatch(/ends the SSH session/);
    expect(await refused('netns.delete', { name: 'isp6' })).toMatch(/destroys the machine's wlan0/);
    // Nothing changed.
    const t = await snapshot();
    expect(hostLink(t, 'br0')).toMatchObject({ up: true, mtu: 1500, addresses: expect.arrayContaining(['192.0.2.10/24']) });
    expect(hostLink(t, 'eth1')).toMatchObject({ up: true, master: 'br0' });
    expect(hostLink(t, 'wlan0')?.up).toBe(true);
    expect(t.namespaces.find((n) => n.root)?.routes.filter((r) => r.to === 'default')).toHaveLength(1);
    expect(t.namespaces.some((n) => n.name === 'isp6')).toBe(true);
  });

  it('lets harmless calls and other namespaces alone', async () => {
    await helper.client.call('link.set', { ifname: 'br0', mtu: 1400 });
    await helper.client.call('link.set', { ifname: 'br0', mtu: 1500 });
    await helper.client.call('link.set', { namespace: 'isp4', ifname: 'up4', up: false });
    await helper.client.call('link.set', { namespace: 'isp4', ifname: 'up4', up: true });
  });

  it('goes ahead once the call carries confirmRisk', async () => {
    await helper.client.call('link.set', { ifname: 'wlan0', up: false, confirmRisk: true });
    expect(hostLink(await snapshot(), 'wlan0')?.up).toBe(false);
    await helper.client.call('netns.delete', { name: 'isp6', confirmRisk: true });
    const t = await snapshot();
    expect(t.namespaces.some((n) => n.name === 'isp6')).toBe(false);
    expect(hostLink(t, 'wlan0')).toBeUndefined();
  });
});
