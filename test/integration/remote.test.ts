// Remote hosts over SSH: the real helper, in a network namespace of its own,
// reaches a real sshd in private namespaces that play the server, over a veth
// between the two. Nothing leaves the namespaces the test made.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Namespace, Topology } from '../../shared/model';
import { ErrorCode } from '../../shared/protocol';
import { startHelper, terminalOutput, until, type HelperHandle } from '../support/helper';
import { hostileNetnsNames, IFNAME_KEYWORDS, NETNS_KEYWORDS } from '../support/hostile-names';
import { rejection } from '../support/rejection';
import { walkArticle } from '../support/article';
import { startSshServer, type SshServer } from '../support/ssh-server';

let server: SshServer;
let helper: HelperHandle;

/** Without the user's own agent: only the test's key logs in. */
const NO_AGENT = { SSH_AUTH_SOCK: '' };

const remoteHelper = (destination: string, extra: string[] = []) =>
  startHelper([`--ssh=${destination}`, `--ssh-config=${server.configFile}`, '--reconcile-ms=0', ...extra], NO_AGENT, server.clientWrap);

beforeAll(async () => {
  server = await startSshServer();
  helper = await remoteHelper('server');
});

afterAll(async () => {
  await helper?.close();
  server?.stop();
});

const named = (t: Topology, name: string | null): Namespace => {
  const ns = t.namespaces.find((n) => (name === null ? n.root : n.name === name));
  if (!ns) throw new Error(`no namespace ${JSON.stringify(name ?? 'host')} among ${JSON.stringify(t.namespaces.map((n) => n.name))}`);
  return ns;
};

/** ifname → addresses, as ip -j shows them on the server. */
function serverAddresses(netns: string | null): Record<string, string[]> {
  const json = server.exec(['ip', ...(netns ? ['-n', netns] : []), '-j', 'address', 'show']);
  const links = JSON.parse(json) as { ifname: string; addr_info?: { local: string; prefixlen: number }[] }[];
  return Object.fromEntries(links.map((l) => [l.ifname, (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`).sort()]));
}

const shown = (ns: Namespace) => Object.fromEntries(ns.links.map((l) => [l.ifname, [...l.addresses].sort()]));

describe('a remote host over SSH', () => {
  it('says it is the remote host, in host mode', async () => {
    const info = await helper.client.call('helper.info', {});
    expect(info.mode).toBe('host');
    expect(info.remote).toBe('server');
    expect(info.iproute2).toMatch(/iproute2/);
    // The helper's own session is one of the SSH sessions the host is reached by.
    expect(info.sshSessions.map((s) => s.local)).toContain('10.251.7.1:22');
  });

  it("reads the server's namespaces as ip -j shows them there", async () => {
    server.exec(['ip', 'netns', 'add', 'srv-a']);
    server.exec(['ip', 'netns', 'add', 'srv-b']);
    server.exec(['ip', '-n', 'srv-a', 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'b0', 'netns', 'srv-b']);
    server.exec(['ip', '-n', 'srv-a', 'addr', 'add', '10.9.0.1/24', 'dev', 'a0']);
    // A namespace without a name, held by a process, the way a container's is.
    const holder = server.exec(['sh', '-c', 'unshare --net sleep 600 >/dev/null 2>&1 & echo $!']).trim();
    server.exec(['ip', 'link', 'add', 'h-un', 'type', 'veth', 'peer', 'name', 'c-un', 'netns', holder]);
    const snapshot = await helper.client.call('snapshot', {});
    // Unnamed namespaces (those processes hold) are the server's too; ip netns list shows the named.
    const names = snapshot.namespaces.filter((n) => n.name !== null).map((n) => n.name);
    expect(names.sort()).toEqual(
      server
        .exec(['ip', 'netns', 'list'])
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0])
        .sort(),
    );
    expect(shown(named(snapshot, null))).toEqual(serverAddresses(null));
    expect(shown(named(snapshot, 'srv-a'))).toEqual(serverAddresses('srv-a'));
    const a0 = named(snapshot, 'srv-a').links.find((l) => l.ifname === 'a0');
    expect(a0?.peer).toEqual({ namespaceId: named(snapshot, 'srv-b').id, ifname: 'b0' });
    // Its far end, in the namespace without a name, is found through that namespace's own nsid table.
    const hun = named(snapshot, null).links.find((l) => l.ifname === 'h-un');
    expect(hun?.peer?.ifname).toBe('c-un');
    const unnamed = snapshot.namespaces.find((n) => n.id === hun?.peer?.namespaceId);
    expect(unnamed?.name).toBeNull();
    expect(unnamed?.holders?.map((h) => h.command)).toEqual(['sleep']);
    // The server sees its own processes only: every namespace shown is the server's.
    expect(snapshot.namespaces.filter((n) => n.name === null && !n.root)).toHaveLength(1);
  });

  it("does the article's walkthrough on the server, ping included", async () => {
    const c = helper.client;
    await walkArticle(c);
    // It happened on the server, not here.
    expect(serverAddresses('netns1').veth1).toContain('10.1.1.1/24');
    const { pingId } = await c.call('ping.start', { namespace: 'netns1', target: '10.1.1.2', count: 3, intervalMs: 200 });
    const done = await helper.waitFor('ping.done', (d) => d.pingId === pingId, 15_000);
    expect(done.received).toBe(3);
  });

  it('hears a change made on the server by someone else', async () => {
    const since = helper.notifications.length;
    server.exec(['ip', 'netns', 'add', 'outside']);
    await helper.waitFor('topology', (t) => t.namespaces.some((n) => n.name === 'outside'), 10_000, since);
    const moreSince = helper.notifications.length;
    server.exec(['ip', '-n', 'outside', 'link', 'set', 'lo', 'up']);
    await helper.waitFor('topology', (t) => t.namespaces.some((n) => n.name === 'outside' && n.links.some((l) => l.ifname === 'lo' && l.up)), 10_000, moreSince);
  });

  it('captures on the server: packets stream back, the pcap is saved here, and no tcpdump stays there', async () => {
    const c = helper.client;
    const { captureId } = await c.call('capture.start', { ifname: 'veth0' });
    const since = helper.notifications.length;
    const { pingId } = await c.call('ping.start', { namespace: 'netns1', target: '10.1.1.2', count: 3, intervalMs: 200 });
    await helper.waitFor('ping.done', (d) => d.pingId === pingId, 15_000, since);
    await helper.waitFor('capture.packet', (p) => p.captureId === captureId && p.summary.includes('echo reply'), 10_000, since);
    await c.call('capture.stop', { captureId });
    await helper.waitFor('capture.done', (d) => d.captureId === captureId && d.reason === 'stopped');
    const path = join(server.dir, 'saved.pcap');
    await c.call('capture.save', { captureId, path });
    const pcap = readFileSync(path);
    // The classic pcap magic (microseconds), little-endian; then as many records as packets were announced.
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    let records = 0;
    for (let at = 24; at + 16 <= pcap.length; at += 16 + pcap.readUInt32LE(at + 8)) records++;
    const announced = helper.notifications.filter((n) => n.method === 'capture.packet' && (n.params as { captureId: string }).captureId === captureId).length;
    expect(announced).toBeGreaterThanOrEqual(2);
    expect(records).toBe(announced);
    await until('tcpdump to end on the server', () => server.processes('tcpdump').length === 0);
  });

  it('opens a terminal in a namespace on the server, resizes it, and leaves no shell there when closed', async () => {
    const c = helper.client;
    const since = helper.notifications.length;
    const { terminalId } = await c.call('terminal.open', { namespace: 'netns1', cols: 100, rows: 30 });
    const out = () => terminalOutput(helper, terminalId, since);
    await c.call('terminal.write', { terminalId, data: 'echo mark-$((6*7)); ip -br link show veth1; stty size\n' });
    await until('the shell to answer', () => /mark-42[\s\S]*veth1[\s\S]*30 100/.test(out()));
    expect(out()).toContain('[netns1]');
    // The pty's name, which the shell says first, is the helper's and not shown.
    expect(out()).not.toMatch(/\/dev\/pts\//);
    await c.call('terminal.resize', { terminalId, cols: 120, rows: 40 });
    await c.call('terminal.write', { terminalId, data: 'stty size\n' });
    await until('the new size', () => out().includes('40 120'));
    expect(server.processes('--norc').length).toBe(1);
    await c.call('terminal.close', { terminalId });
    await helper.waitFor('terminal.exit', (e) => e.terminalId === terminalId);
    await until('the shell to end on the server', () => server.processes('--norc').length === 0);
  });

  it("keeps the host-mode guard rails, counting the app's own SSH session", async () => {
    // uplink carries the session the helper itself is connected by.
    const error = await rejection(helper.client.call('link.set', { ifname: 'uplink', up: false }));
    expect(error.code).toBe(ErrorCode.RiskRefused);
    expect(error.message).toMatch(/SSH session from 10\.251\.7\.2/);
    expect(JSON.parse(server.exec(['ip', '-j', 'link', 'show', 'uplink']))[0].operstate).toBe('UP');
  });

  it('answers readings from readers on the server, which never keep a namespace alive', async () => {
    const readers = (name: string) => server.processes(`ip -n ${name} -force -j -d -batch -`);
    server.exec(['ip', 'netns', 'add', 'kept']);
    server.exec(['ip', 'netns', 'add', 'far']);
    server.exec(['ip', '-n', 'kept', 'link', 'add', 'name', 'kv', 'type', 'veth', 'peer', 'name', 'pv', 'netns', 'far']);
    await helper.client.call('snapshot', {});

    await until('readers inside both', () => readers('kept').length === 1 && readers('far').length === 1);
    // The next reading goes through them, and sees what changed since.
    server.exec(['ip', '-n', 'kept', 'address', 'add', '10.9.9.1/24', 'dev', 'kv']);
    const read = named(await helper.client.call('snapshot', {}), 'kept');
    expect(read.links.find((l) => l.ifname === 'kv')?.addresses).toEqual(['10.9.9.1/24']);
    expect(readers('kept').length).toBe(1);
    // Deleted by someone else: the veth goes with the namespace, as if the helper were not there.
    const output = server.exec([
      'sh',
      '-c',
      'ip netns delete kept; t0=$(date +%s%N); n=0; while ip -n far link show pv >/dev/null 2>&1 && [ $n -lt 20000 ]; do n=$((n+1)); done; echo "gone-after $(( ($(date +%s%N) - t0) / 1000000 ))"',
    ]);
    const ms = Number(/gone-after (\d+)/.exec(output)?.[1]);
    process.stderr.write(`remote.test: veth gone ${ms} ms after ip netns delete on the server\n`);
    expect(ms).toBeLessThan(1000);
    expect(readers('kept')).toEqual([]);
    // The app deleting one ends its reader first. Asked at once, before an event says pv went with kept: the stale pv
    // must not be matched by its indices alone to the uplink, whose peer has the same ifindex as kv had.
    expect((await helper.client.call('netns.delete', { name: 'far' })).removedPeers).toEqual([]);
    await until('no reader left in far', () => readers('far').length === 0);
  });

  it('reads afresh through a reader killed on the server, and a name made again gets a new reader', async () => {
    const readers = () => server.processes('ip -n again -force -j -d -batch -');
    const lo = (t: Topology) => named(t, 'again').links.find((l) => l.ifname === 'lo');
    server.exec(['ip', 'netns', 'add', 'again']);
    await helper.client.call('snapshot', {});
    await until('a reader inside', () => readers().length === 1);
    const hub = server.processes('sentinel=link show dev');
    for (const pid of readers()) process.kill(pid, 'SIGKILL');
    server.exec(['ip', '-n', 'again', 'address', 'add', '10.7.7.1/8', 'dev', 'lo']);
    expect(lo(await helper.client.call('snapshot', {}))?.addresses).toEqual(['10.7.7.1/8']);
    // Writing to the dead reader failed that answer alone: the hub, and every other reader, carry on.
    expect(server.processes('sentinel=link show dev')).toEqual(hub);
    // Read the usual way that time; the next reading starts a new reader.
    await helper.client.call('snapshot', {});
    await until('a new reader', () => readers().length === 1);
    const [first] = readers();
    server.exec(['sh', '-c', 'ip netns delete again && ip netns add again']);
    const after = await helper.client.call('snapshot', {});
    // The new namespace is read (its lo has no address). Its id may equal the old one's: the kernel reuses a freed namespace's inode number.
    expect(lo(after)?.addresses).toEqual([]);
    await until('one new reader, in the new namespace', () => readers().length === 1 && readers()[0] !== first && readlinkSync(`/proc/${readers()[0]}/ns/net`) === `net:[${named(after, 'again').id}]`);
    expect(lo(await helper.client.call('snapshot', {}))?.addresses).toEqual([]);
    await helper.client.call('netns.delete', { name: 'again' });
  });

  it('refuses a destination that could be read as an option', async () => {
    const started = startHelper(['--ssh=-oProxyCommand=touch /tmp/x', `--ssh-config=${server.configFile}`], NO_AGENT, server.clientWrap);
    await expect(started).rejects.toThrow(/--ssh: the host must not start with "-"/);
  });
});

describe("names over SSH, where every command passes through the server's shell", () => {
  // Payloads name files relative to where remote commands start, root's home there: the test's folder.
  const pwned = [0, 1, 2, 3].map((i) => `nx-pwned-${i}`);
  const hostile = hostileNetnsNames((i) => pwned[i] as string);
  const ranNothing = () => pwned.filter((f) => existsSync(join(server.dir, f)));

  it('creates, cables, uses and deletes a namespace named like each ip netns keyword', async () => {
    const c = helper.client;
    for (const word of NETNS_KEYWORDS) {
      await c.call('netns.create', { name: word });
      await c.call('veth.create', { name: 'kw0', peerName: 'kw1', peerNamespace: word });
      await c.call('link.set', { namespace: word, ifname: 'kw1', up: true });
      const ns = named(await c.call('snapshot', {}), word);
      expect(ns.links.find((l) => l.ifname === 'kw1')?.up, word).toBe(true);
      expect(JSON.parse(server.exec(['ip', '-n', word, '-j', 'link', 'show', 'kw1']))[0].ifname).toBe('kw1');
      await c.call('netns.delete', { name: word });
    }
    expect(server.exec(['ip', 'netns', 'list'])).not.toMatch(/^(exec|list|help)\b/m);
  }, 120_000);

  it('makes and removes exactly the bridge named, for every ip keyword', async () => {
    const c = helper.client;
    for (const word of IFNAME_KEYWORDS) await c.call('bridge.create', { name: word });
    const links = JSON.parse(server.exec(['ip', '-j', '-d', 'link', 'show', 'type', 'bridge'])) as { ifname: string }[];
    expect(links.map((l) => l.ifname).sort()).toEqual([...IFNAME_KEYWORDS].sort());
    for (const word of IFNAME_KEYWORDS) await c.call('link.delete', { ifname: word });
    expect(JSON.parse(server.exec(['ip', '-j', 'link', 'show', 'type', 'bridge']))).toEqual([]);
  }, 120_000);

  it('shows /run/netns names made on the server as they are, reads them, acts on them by id, and runs nothing', async () => {
    for (const [i, name] of hostile.entries()) {
      server.exec(['ip', 'netns', 'add', `src${i}`]);
      server.exec(['ip', 'link', 'add', `hv${i}`, 'type', 'veth', 'peer', 'name', 'inner0', 'netns', `src${i}`]);
      server.exec(['touch', `/run/netns/${name}`]);
      server.exec(['mount', '--bind', `/run/netns/src${i}`, `/run/netns/${name}`]);
      // Detached, as `ip netns delete` does: the helper may have the name open for a moment, and a plain umount then fails as busy.
      server.exec(['umount', '--lazy', `/run/netns/src${i}`]);
      server.exec(['rm', `/run/netns/src${i}`]);
    }
    for (let round = 0; round < 2; round++) {
      const topology = await helper.client.call('snapshot', {});
      const ids = server.exec(['ip', '-j', 'netns', 'list-id']);
      for (const [i, name] of hostile.entries()) {
        const ns = named(topology, name);
        // What was read, and the server's nsid table, for finding out why when this fails.
        const seen = JSON.stringify({ round, name, ns, hv: named(topology, null).links.find((l) => l.ifname === `hv${i}`), ids });
        expect(ns.nameNeedsId, seen).toBe(true);
        expect(ns.problem, seen).toBeUndefined();
        expect(ns.links.map((l) => l.ifname).sort(), seen).toEqual(['inner0', 'lo']);
        expect(named(topology, null).links.find((l) => l.ifname === `hv${i}`)?.peer?.namespaceId, seen).toBe(ns.id);
      }
      expect(ranNothing()).toEqual([]);
    }
    const topology = await helper.client.call('snapshot', {});
    const zz = named(topology, hostile[0] as string);
    await helper.client.call('link.set', { namespaceId: zz.id, ifname: 'lo', up: true });
    expect(named(await helper.client.call('snapshot', {}), hostile[0] as string).links.find((l) => l.ifname === 'lo')?.up).toBe(true);
    await helper.client.call('netns.delete', { namespaceId: zz.id });
    expect(server.exec(['ip', 'netns', 'list'])).not.toContain('zz sh');
    const all = named(topology, 'all');
    expect(await rejection(helper.client.call('netns.delete', { namespaceId: all.id }))).toMatchObject({ code: ErrorCode.InvalidRequest });
    expect(server.exec(['ip', 'netns', 'list'])).toContain('all');
    expect(ranNothing()).toEqual([]);
  });
});

describe('a dropped connection', () => {
  it('ends what ran on the server, fails calls with -32003, says reconnecting, and comes back', async () => {
    const c = helper.client;
    const { pingId } = await c.call('ping.start', { namespace: 'netns1', target: '10.1.1.2', count: 1000, intervalMs: 200 });
    const { captureId } = await c.call('capture.start', { namespace: 'netns1', ifname: 'veth1', filter: 'icmp' });
    await helper.waitFor('capture.packet', (p) => p.captureId === captureId, 10_000);
    expect(server.processes('10.1.1.2').length).toBeGreaterThan(0);
    expect(server.processes('tcpdump').length).toBeGreaterThan(0);
    const since = helper.notifications.length;
    server.dropConnections();
    await helper.waitFor('helper.connection', (s) => s.state === 'reconnecting', 15_000, since);
    // Nothing hangs: what was running ends here, and on the server.
    await helper.waitFor('ping.done', (d) => d.pingId === pingId, 10_000);
    await helper.waitFor('capture.done', (d) => d.captureId === captureId, 10_000);
    await until('the ping and tcpdump to end on the server', () => server.processes('10.1.1.2').length === 0 && server.processes('tcpdump').length === 0);
    await helper.waitFor('helper.connection', (s) => s.state === 'connected', 30_000, since);
    // Back: what changed meanwhile is read.
    server.exec(['ip', 'netns', 'add', 'while-away']);
    const snapshot = await c.call('snapshot', {});
    expect(snapshot.namespaces.some((n) => n.name === 'while-away')).toBe(true);
  });

  it('fails calls at once while the host is unreachable, and resumes when it is back', async () => {
    const since = helper.notifications.length;
    // The host goes away for a while: its link down, then every connection cut.
    server.exec(['ip', 'link', 'set', 'uplink', 'down']);
    server.dropConnections();
    await helper.waitFor('helper.connection', (s) => s.state === 'reconnecting', 15_000, since);
    for (let i = 0; i < 3; i++) {
      const error = await rejection(helper.client.call('snapshot', {}));
      expect(error.code).toBe(ErrorCode.Unavailable);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    server.exec(['ip', 'link', 'set', 'uplink', 'up']);
    await helper.waitFor('helper.connection', (s) => s.state === 'connected', 30_000, since);
    expect((await helper.client.call('snapshot', {})).namespaces.length).toBeGreaterThan(1);
  });
});

describe('a helper killed outright', () => {
  it('leaves nothing running on the server', async () => {
    // The other helper of this file keeps its own monitor there.
    const monitors = () => server.processes('monitor all-nsid').length;
    const before = monitors();
    const hubs = () => server.processes('netns monitor').length;
    const inNetns1 = () => server.processes('ip -n netns1 -force').length;
    const hubsBefore = hubs();
    const readersBefore = inNetns1();
    const doomed = await remoteHelper('server');
    await doomed.client.call('snapshot', {});
    await doomed.client.call('ping.start', { namespace: 'netns1', target: '10.1.1.2', intervalMs: 200 });
    await doomed.client.call('capture.start', { namespace: 'netns1', ifname: 'veth1' });
    await until(
      'the ping, tcpdump, a monitor, a reader hub and its reader in netns1 to run there',
      () => server.processes('10.1.1.2').length > 0 && server.processes('tcpdump').length > 0 && monitors() > before && hubs() > hubsBefore && inNetns1() > readersBefore,
    );
    doomed.process.kill('SIGKILL');
    await until(
      'the ping, tcpdump, its monitor, hub and readers to end on the server',
      () => server.processes('10.1.1.2').length === 0 && server.processes('tcpdump').length === 0 && monitors() === before && hubs() === hubsBefore && inNetns1() === readersBefore,
      15_000,
    );
  });
});

describe('errors the user can act on', () => {
  it('an unknown host key fails with -32006 and its fingerprint, and is accepted only when asked', async () => {
    // A config whose known_hosts is empty.
    const { writeFileSync } = await import('node:fs');
    const config = `${server.dir}/ssh_config_new`;
    const known = `${server.dir}/known_hosts_new`;
    writeFileSync(known, '');
    writeFileSync(config, readFileSync(server.configFile, 'utf8').replaceAll(server.knownHosts, known));
    const stranger = await startHelper(['--ssh=server', `--ssh-config=${config}`, '--reconcile-ms=0'], NO_AGENT, server.clientWrap);
    try {
      const error = await rejection(stranger.client.call('snapshot', {}));
      expect(error.code).toBe(ErrorCode.UnknownHostKey);
      expect(error.data).toEqual({ fingerprint: server.fingerprint, keyType: 'ED25519' });
      expect(readFileSync(known, 'utf8')).toBe('');
    } finally {
      await stranger.close();
    }
    const accepted = await startHelper(['--ssh=server', `--ssh-config=${config}`, `--ssh-accept-key=${server.fingerprint}`, '--reconcile-ms=0'], NO_AGENT, server.clientWrap);
    try {
      expect((await accepted.client.call('helper.info', {})).remote).toBe('server');
      expect(readFileSync(known, 'utf8')).toContain('ssh-ed25519');
    } finally {
      await accepted.close();
    }
  });

  it('a sudo that asks for a password fails with -32007 and says what to allow', async () => {
    const tester = await remoteHelper('tester');
    try {
      const error = await rejection(tester.client.call('helper.info', {}));
      expect(error.code).toBe(ErrorCode.SudoNeedsPassword);
      expect(error.message).toMatch(/password/);
      expect(error.message).toMatch(/root/);
    } finally {
      await tester.close();
    }
  });
});
