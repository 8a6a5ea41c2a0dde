// Names are data. Interface names that are ip keywords make exactly the device
// asked for, and /run/netns names made outside the app (by a runtime, a script
// or an attacker) are shown as they are and never run anything.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Namespace, Topology } from '../../shared/model';
import { displayName } from '../../shared/model';
import { ErrorCode } from '../../shared/protocol';
import { labExec, labExecArgv, startHelper, terminalOutput, type HelperHandle } from '../support/helper';
import { hostileNetnsNames, IFNAME_KEYWORDS, NETNS_KEYWORDS } from '../support/hostile-names';

let helper: HelperHandle;
// A name cannot hold "/": the payloads name their files through variables the helper (and so ip, sh, bash) inherits.
const stamp = `${process.pid}-${Date.now()}`;
const pwned = [1, 2, 3, 4].map((i) => `/tmp/netns-explorer-pwned-${stamp}-${i}`);

beforeAll(async () => {
  helper = await startHelper(['--lab', '--reconcile-ms=0'], Object.fromEntries(pwned.map((file, i) => [`NX_PWN${i}`, file])));
});

afterAll(async () => {
  await helper.close();
});

const snapshot = (): Promise<Topology> => helper.client.call('snapshot', {});
const host = (t: Topology): Namespace => t.namespaces.find((n) => n.root) as Namespace;
const named = (t: Topology, name: string): Namespace | undefined => t.namespaces.find((n) => n.name === name);

describe('interface names that are ip keywords', () => {
  it('makes, changes and removes exactly the named device, for every keyword', async () => {
    await helper.client.call('netns.create', { name: 'far' });
    for (const word of IFNAME_KEYWORDS) await helper.client.call('bridge.create', { name: word });
    const bridges = host(await snapshot()).links;
    for (const word of IFNAME_KEYWORDS) expect(bridges.find((l) => l.ifname === word)?.kind, `bridge ${word}`).toBe('bridge');
    expect(bridges.filter((l) => l.kind === 'bridge')).toHaveLength(IFNAME_KEYWORDS.length);
    for (const word of IFNAME_KEYWORDS) await helper.client.call('link.delete', { ifname: word });

    await helper.client.call('bridge.create', { name: 'br0' });
    for (const word of IFNAME_KEYWORDS) {
      await helper.client.call('veth.create', { name: word, peerName: 'kwpeer' });
      await helper.client.call('link.set', { ifname: word, up: true, mtu: 1400 });
      await helper.client.call('addr.add', { ifname: word, cidr: '10.77.0.1/24' });
      await helper.client.call('route.add', { to: '10.78.0.0/24', dev: word });
      await helper.client.call('link.setMaster', { ifname: 'kwpeer', master: 'br0' });
      const before = host(await snapshot());
      const made = before.links.find((l) => l.ifname === word);
      expect(made, `veth ${word}`).toMatchObject({ kind: 'veth', up: true, mtu: 1400, addresses: ['10.77.0.1/24'] });
      expect(made?.peer?.ifname).toBe('kwpeer');
      expect(before.links.find((l) => l.ifname === 'kwpeer')?.master).toBe('br0');
      expect(before.routes.find((r) => r.to === '10.78.0.0/24')?.dev).toBe(word);
      // Nothing else appeared: no kernel-named veth0, no bridge1.
      expect(before.links.filter((l) => /^(veth|bridge)\d+$/.test(l.ifname))).toEqual([]);
      await helper.client.call('route.del', { to: '10.78.0.0/24', dev: word });
      await helper.client.call('addr.del', { ifname: word, cidr: '10.77.0.1/24' });
      await helper.client.call('link.setMaster', { ifname: 'kwpeer', master: null });
      // Renamed into a keyword on the way out, and back.
      await helper.client.call('link.move', { ifname: word, to: 'far', rename: 'help' });
      await helper.client.call('link.move', { namespace: 'far', ifname: 'help', to: null, rename: word });
      await helper.client.call('link.delete', { ifname: word });
      const after = host(await snapshot());
      expect(after.links.map((l) => l.ifname)).toEqual(expect.not.arrayContaining([word, 'kwpeer']));
      expect(after.routes.some((r) => r.to === '10.78.0.0/24')).toBe(false);
    }
  }, 120_000);

  it('captures on, and rate-limits, an interface named like a keyword', async () => {
    await helper.client.call('veth.create', { name: 'up', peerName: 'down' });
    await helper.client.call('link.set', { ifname: 'up', up: true });
    const { captureId } = await helper.client.call('capture.start', { ifname: 'up' });
    await helper.client.call('capture.stop', { captureId });
    // tc reads "dev NAME" too; a kernel without tbf says so, and that branch is checked instead.
    const limited = await helper.client.call('netem.set', { ifname: 'up', rateKbit: 1000 }).then(
      () => null,
      (e: { code: number }) => e,
    );
    if (limited) expect(limited.code).toBe(ErrorCode.NotSupported);
    else {
      expect(host(await snapshot()).links.find((l) => l.ifname === 'up')?.impairment?.qdisc).toBe('tbf');
      await helper.client.call('netem.clear', { ifname: 'up' });
      expect(host(await snapshot()).links.find((l) => l.ifname === 'up')?.impairment).toBeUndefined();
    }
    await helper.client.call('link.delete', { ifname: 'up' });
  });

  it('refuses the names the kernel reserves, naming the field', async () => {
    for (const name of ['all', 'default']) {
      const error = await helper.client.call('veth.create', { name, peerName: 'x0' }).catch((e: { code: number; data: { field: string } }) => e);
      expect(error).toMatchObject({ code: ErrorCode.InvalidParams, data: { field: 'name' } });
    }
  });
});

describe('namespace names that are ip netns keywords', () => {
  it('creates, cables, uses and deletes each one', async () => {
    for (const word of NETNS_KEYWORDS) {
      await helper.client.call('netns.create', { name: word });
      await helper.client.call('veth.create', { name: 'kw0', peerName: 'kw1', peerNamespace: word });
      await helper.client.call('link.set', { namespace: word, ifname: 'kw1', up: true });
      const ns = named(await snapshot(), word);
      expect(ns?.links.find((l) => l.ifname === 'kw1')?.up, word).toBe(true);
      expect(host(await snapshot()).links.find((l) => l.ifname === 'kw0')?.peer?.namespaceId).toBe(ns?.id);
      await helper.client.call('netns.delete', { name: word });
      expect(named(await snapshot(), word)).toBeUndefined();
    }
  }, 60_000);

  it('refuses "all", which ip netns takes for every namespace', async () => {
    const error = await helper.client.call('netns.create', { name: 'all' }).catch((e: { code: number; data: { field: string } }) => e);
    expect(error).toMatchObject({ code: ErrorCode.InvalidParams, data: { field: 'name' } });
  });
});

describe('hostile /run/netns names made outside the app', () => {
  const hostile = hostileNetnsNames((i) => `$NX_PWN${i}`);
  const python = existsSync('/usr/bin/python3');

  afterAll(() => {
    for (const file of pwned) rmSync(file, { force: true });
  });

  /** Gives namespace `source` (made by the app) the name `name` instead, as a bind mount made from outside. */
  function rename(source: string, name: string): void {
    labExec(helper.process.pid as number, ['touch', `/run/netns/${name}`]);
    labExec(helper.process.pid as number, ['mount', '--bind', `/run/netns/${source}`, `/run/netns/${name}`]);
    // Detached, as `ip netns delete` does: the helper may have the name open for a moment, and a plain umount then fails as busy.
    labExec(helper.process.pid as number, ['umount', '--lazy', `/run/netns/${source}`]);
    labExec(helper.process.pid as number, ['rm', `/run/netns/${source}`]);
  }

  it('shows each with its exact name, reads it, and runs nothing, on every reading', async () => {
    for (const [i, name] of hostile.entries()) {
      await helper.client.call('netns.create', { name: `src${i}` });
      await helper.client.call('veth.create', { name: `hv${i}`, peerName: 'inner0', peerNamespace: `src${i}` });
      rename(`src${i}`, name);
    }
    if (python) {
      // A name that is not even UTF-8: bytes 0xff 0xfe.
      await helper.client.call('netns.create', { name: 'srcbytes' });
      const [program, ...args] = labExecArgv(helper.process.pid as number, [
        'python3',
        '-c',
        "import os,subprocess; p=b'/run/netns/bin\\xff\\xfe'; open(p,'w').close(); subprocess.run([b'mount',b'--bind',b'/run/netns/srcbytes',p],check=True); subprocess.run(['umount','--lazy','/run/netns/srcbytes'],check=True); os.remove('/run/netns/srcbytes')",
      ]);
      execFileSync(program as string, args);
    }
    for (let round = 0; round < 3; round++) {
      const topology = await snapshot();
      for (const [i, name] of hostile.entries()) {
        const ns = named(topology, name);
        expect(ns, JSON.stringify(name)).toBeDefined();
        expect(ns?.nameNeedsId).toBe(true);
        expect(ns?.problem).toBeUndefined();
        expect(ns?.links.map((l) => l.ifname).sort()).toEqual(['inner0', 'lo']);
        // The cable still finds its far end there.
        expect(host(topology).links.find((l) => l.ifname === `hv${i}`)?.peer?.namespaceId).toBe(ns?.id);
      }
      if (python) {
        const raw = topology.namespaces.find((n) => n.name?.startsWith('bin'));
        expect(raw && displayName(raw.name as string)).toBe('bin\\xff\\xfe');
        expect(raw?.links.map((l) => l.ifname)).toEqual(['lo']);
      }
      for (const file of pwned) expect(existsSync(file), file).toBe(false);
    }
    expect(displayName('two\nlines')).toBe('two\\nlines');
    expect(displayName('\x1b[31mred\x1b[0m')).toBe('\\x1b[31mred\\x1b[0m');
  });

  it('acts on them by namespaceId', async () => {
    const topology = await snapshot();
    const ns = named(topology, hostile[0] as string) as Namespace;
    await helper.client.call('link.set', { namespaceId: ns.id, ifname: 'lo', up: true });
    expect(named(await snapshot(), hostile[0] as string)?.links.find((l) => l.ifname === 'lo')?.up).toBe(true);
    // A call cannot carry such a name at all.
    const refused = await helper.client.call('link.set', { namespace: hostile[0] as string, ifname: 'lo', up: true }).catch((e: { code: number; data: { field: string } }) => e);
    expect(refused).toMatchObject({ code: ErrorCode.InvalidParams, data: { field: 'namespace' } });
  });

  it('opens a terminal there whose prompt shows the name and expands nothing', async () => {
    const topology = await snapshot();
    for (const name of [hostile[1] as string, 'two\nlines']) {
      const ns = named(topology, name) as Namespace;
      const since = helper.notifications.length;
      const { terminalId } = await helper.client.call('terminal.open', { namespaceId: ns.id, cols: 120, rows: 30 });
      await helper.client.call('terminal.write', { terminalId, data: 'echo mark-$((6*7))\n' });
      const out = () => terminalOutput(helper, terminalId, since);
      for (let i = 0; i < 100 && !/mark-42[\s\S]*\]/.test(out()); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out()).toContain(`[${displayName(name)}]`);
      await helper.client.call('terminal.close', { terminalId });
    }
    for (const file of pwned) expect(existsSync(file), file).toBe(false);
  });

  it('deletes one by id, and refuses "all" rather than deleting every namespace', async () => {
    const topology = await snapshot();
    const count = topology.namespaces.length;
    const zz = named(topology, hostile[0] as string) as Namespace;
    await helper.client.call('netns.delete', { namespaceId: zz.id });
    expect((await snapshot()).namespaces.length).toBe(count - 1);
    const all = named(topology, 'all') as Namespace;
    const refused = await helper.client.call('netns.delete', { namespaceId: all.id }).catch((e: { code: number; message: string }) => e);
    expect(refused).toMatchObject({ code: ErrorCode.InvalidRequest });
    expect((await snapshot()).namespaces.length).toBe(count - 1);
  });

  it('says a terminal cannot open in a namespace that does not exist', async () => {
    const error = await helper.client.call('terminal.open', { namespace: 'nowhere', cols: 80, rows: 24 }).catch((e: { code: number }) => e);
    expect(error).toMatchObject({ code: ErrorCode.NotFound });
  });
});
