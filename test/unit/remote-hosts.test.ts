// The web bridge's remote hosts, on real child processes (a stand-in helper):
// one helper per host however it is spelled, at most BRIDGE_LIMITS.maxRemoteHosts,
// stopped a while after its last tab leaves, never for the host it started with.
import { afterEach, describe, expect, it } from 'vitest';
import { BRIDGE_LIMITS } from '../../shared/protocol';
import { RemoteHelper } from '../../electron/bridge/remote-helper';
import type { HostLease } from '../../electron/web/remote-hosts';
import { RemoteHosts } from '../../electron/web/remote-hosts';
import { argvOf, childrenOf, until } from '../support/helper';
import { standInHelper } from '../support/stand-in-helper';

const launch = { node: process.execPath, helperScript: standInHelper(), env: process.env };
const all: RemoteHosts[] = [];
afterEach(async () => {
  await Promise.all(all.splice(0).map((hosts) => hosts.stopAll()));
});

function hosts(idleMs = 200): RemoteHosts {
  const made = new RemoteHosts(launch, '/tmp/ssh_config', { idleMs, log: () => undefined });
  all.push(made);
  return made;
}

/** The --ssh= of every stand-in helper running as a child of this test. */
function running(): string[] {
  return childrenOf(process.pid)
    .map((pid) => argvOf(pid))
    .filter((argv) => argv.includes(launch.helperScript))
    .map((argv) => argv.find((a) => a.startsWith('--ssh=')) ?? '')
    .sort();
}

function leased(lease: HostLease): { release(): void } {
  if ('refused' in lease) throw new Error(lease.refused);
  return lease;
}

describe("the web bridge's remote hosts", () => {
  it('start one helper per host however it is typed, with the ssh config from the command line', async () => {
    const h = hosts();
    leased(h.lease('root@server'));
    leased(h.lease(' root@server '));
    leased(h.lease('root@[::1]:2222'));
    await until('two helpers', () => running().length === 2);
    expect(running()).toEqual(['--ssh=root@[::1]:2222', '--ssh=root@server']);
    const argv = childrenOf(process.pid)
      .map((pid) => argvOf(pid))
      .find((a) => a.includes('--ssh=root@server'));
    expect(argv).toContain('--ssh-config=/tmp/ssh_config');
  });

  it('refuses what is not a host, starting nothing', () => {
    const h = hosts();
    for (const destination of ['-oProxyCommand=touch /tmp/x', 'a b', '$(id)', '']) expect(h.lease(destination)).toEqual({ refused: 'not a host' });
    expect(running()).toEqual([]);
  });

  it(`refuses a host past ${BRIDGE_LIMITS.maxRemoteHosts}, and takes one again once a host is let go`, async () => {
    const h = hosts(50);
    const leases = Array.from({ length: BRIDGE_LIMITS.maxRemoteHosts }, (_, i) => leased(h.lease(`host${i}`)));
    expect(h.lease('one-more')).toEqual({ refused: `too many hosts open: at most ${BRIDGE_LIMITS.maxRemoteHosts}; close another host's tabs first` });
    // A host already open is not one more.
    leased(h.lease('host0')).release();
    leases[1]?.release();
    await until('host1 stopped', () => !running().includes('--ssh=host1'));
    leased(h.lease('one-more'));
    await until('one-more started', () => running().includes('--ssh=one-more'));
  });

  it('keeps a host through a reload, stops it after its last tab has been gone a while, and starts it afresh when asked again', async () => {
    const h = hosts(300);
    const first = leased(h.lease('server'));
    await until('started', () => running().length === 1);
    const before = childrenOf(process.pid).find((pid) => argvOf(pid).includes('--ssh=server'));
    first.release();
    // A reload: the tab is back before the idle time is up, on the same helper.
    const again = leased(h.lease('server'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(childrenOf(process.pid).find((pid) => argvOf(pid).includes('--ssh=server'))).toBe(before);
    again.release();
    again.release();
    await until('stopped', () => running().length === 0, 5000);
    leased(h.lease('server'));
    await until('started afresh', () => running().length === 1);
  });

  it('never stops the host the bridge was started with', async () => {
    const h = hosts(50);
    const helper = new RemoteHelper({ destination: 'server', configFile: null }, launch, () => undefined);
    helper.supervisor.start();
    h.adopt(helper);
    leased(h.lease('server')).release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(running()).toEqual(['--ssh=server']);
  });
});
