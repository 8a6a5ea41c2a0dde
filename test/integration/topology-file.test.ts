// A lab saved as a file comes back the same: replayed through the RPC into a
// fresh lab, and as a bash script run in another fresh lab.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../shared/model';
import { fromTopology, parseTopologyFile, planOf, scriptOf, toYaml, type TopologyFile } from '../../shared/topology-file';
import { parseSnapshotBatch, ROOT_QUERY_LINES } from '../../electron/helper/parse';
import { resolveTopology } from '../../electron/helper/peers';
import { startHelper, type HelperHandle } from '../support/helper';

const helpers: HelperHandle[] = [];
afterAll(async () => {
  await Promise.all(helpers.map((h) => h.close()));
});

/** The Docker-style lesson: a bridge in the host, two "containers" with eth0, one subnet, default routes. */
async function buildDockerish(h: HelperHandle): Promise<Topology> {
  const c = h.client;
  await c.call('bridge.create', { name: 'br0' });
  await c.call('addr.add', { ifname: 'br0', cidr: '172.20.0.1/24' });
  await c.call('link.set', { ifname: 'br0', up: true });
  for (const i of [1, 2]) {
    await c.call('netns.create', { name: `c${i}` });
    await c.call('veth.create', { name: `veth${i}`, peerName: 'eth0', peerNamespace: `c${i}` });
    await c.call('link.setMaster', { ifname: `veth${i}`, master: 'br0' });
    await c.call('link.set', { ifname: `veth${i}`, up: true });
    await c.call('link.set', { namespace: `c${i}`, ifname: 'lo', up: true });
    await c.call('addr.add', { namespace: `c${i}`, ifname: 'eth0', cidr: `172.20.0.${10 + i}/24` });
    await c.call('link.set', { namespace: `c${i}`, ifname: 'eth0', up: true, mtu: 1400 });
    await c.call('route.add', { namespace: `c${i}`, to: 'default', via: '172.20.0.1' });
  }
  return c.call('snapshot', {});
}

describe('topology files', () => {
  let saved: TopologyFile;

  it('saves a lab and opens it into a fresh lab through the RPC, to the same topology', async () => {
    const first = await startHelper(['--lab', '--reconcile-ms=0']);
    helpers.push(first);
    saved = fromTopology(await buildDockerish(first));
    const text = toYaml(saved);
    expect(text).toContain('name: c1');

    const second = await startHelper(['--lab', '--reconcile-ms=0']);
    helpers.push(second);
    for (const { method, params } of planOf(parseTopologyFile(text))) await second.client.call(method, params as never);
    expect(fromTopology(await second.client.call('snapshot', {}))).toEqual(saved);
    // Every step went through the helper and shows in its command log.
    expect(second.notifications.filter((n) => n.method === 'command').length).toBe(planOf(saved).length);
  });

  it('exports a bash script that builds the same topology in another fresh lab', () => {
    // The script runs in a throwaway lab of its own, then each namespace is read with ip -j.
    const names = saved.namespaces.map((n) => n.name).filter((n) => n !== 'host');
    const dump = ['', ...names].map((n) => `echo "=== ${n}"; printf '${ROOT_QUERY_LINES.join('\\n')}\\n' | ip -j -d ${n ? `-n ${n}` : ''} -batch -`).join('\n');
    const inner = `set -e\nip link set lo up\n${scriptOf(saved)}\n${dump}`;
    const out = execFileSync(
      'unshare',
      [
        '--user',
        '--map-root-user',
        '--mount',
        '--fork',
        '--kill-child',
        '--',
        'bash',
        '-c',
        'mount -t tmpfs tmpfs /run/netns 2>/dev/null || { mount -t tmpfs tmpfs /run && mkdir /run/netns; }; exec unshare --user --map-user=1000 --map-group=1000 --keep-caps --net --mount --pid --fork --mount-proc --kill-child -- bash -c "$0"',
        inner,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const sections = out.split(/^=== (.*)$/m).slice(1);
    const raw = [];
    for (let i = 0; i < sections.length; i += 2) {
      const name = (sections[i] as string).trim();
      raw.push({ id: name || 'host', name: name || null, root: !name, ...parseSnapshotBatch(sections[i + 1] as string) });
    }
    expect(fromTopology({ namespaces: resolveTopology(raw) })).toEqual(saved);
  });
});
