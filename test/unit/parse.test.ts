import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { failedBatchLines, parseProcNetTcp, parseLinks, parsePingLine, parseSnapshotBatch, parseSnapshotProcess, splitJsonValues } from '../../electron/helper/parse';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ip/${name}`, import.meta.url), 'utf8');

describe('parseSnapshotBatch on recorded output', () => {
  const host = parseSnapshotBatch(fixture('host.batch'));
  const netns1 = parseSnapshotBatch(fixture('netns1.batch'));

  it('reads links with kind, state, mtu, mac and addresses', () => {
    const veth0 = host.links.find((l) => l.ifname === 'veth0');
    expect(veth0).toMatchObject({ kind: 'veth', up: true, operstate: 'UP', mtu: 1500, master: null, linkNetnsid: 0 });
    expect(veth0?.addresses[0]).toBe('10.1.1.2/24');
    expect(veth0?.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const lo = host.links.find((l) => l.ifname === 'lo');
    expect(lo).toMatchObject({ kind: 'loopback', up: true, addresses: ['127.0.0.1/8', '::1/128'] });
    expect(netns1.links.find((l) => l.ifname === 'lo')).toMatchObject({ kind: 'loopback', up: false, operstate: 'DOWN' });
  });

  it('tells the kinds this kernel has apart', () => {
    const kinds = Object.fromEntries(host.links.map((l) => [l.ifname, l.kind]));
    expect(kinds).toMatchObject({ br0: 'bridge', vp1: 'veth', vxlan7: 'vxlan', mv0: 'macvlan', tap0: 'tap', tun0: 'tun' });
    expect(host.links.find((l) => l.ifname === 'vp1')?.master).toBe('br0');
  });

  it('reads IPv6 addresses and main-table routes', () => {
    expect(netns1.links.find((l) => l.ifname === 'veth1')?.addresses).toEqual(expect.arrayContaining(['10.1.1.1/24', 'fd00::1/64']));
    expect(netns1.routes).toContainEqual({ to: 'default', via: '10.1.1.2', dev: 'veth1', protocol: 'boot', scope: 'global' });
    expect(host.routes).toContainEqual(expect.objectContaining({ to: '10.9.0.0/16', via: '10.1.1.1', dev: 'veth0' }));
  });

  it('reads the nsid table, named and unnamed', () => {
    expect([...netns1.nsids.entries()]).toEqual(expect.arrayContaining([[1, 'netns2']]));
    expect([...netns1.nsids.values()]).toContain(null);
  });
});

describe('other kinds, from documented output', () => {
  const links = parseLinks(JSON.parse(fixture('other-kinds.json')));
  it('maps dummy, vlan, bond, ipvlan and wireguard, and anything else to other', () => {
    expect(Object.fromEntries(links.map((l) => [l.ifname, l.kind]))).toEqual({
      dummy0: 'dummy',
      'eth0.9': 'vlan',
      bond0: 'bond',
      ipvl0: 'ipvlan',
      wg0: 'wireguard',
      gre1: 'other',
      eth0: 'other',
    });
    expect(links.find((l) => l.ifname === 'wg0')?.addresses).toEqual(['10.8.0.1/24']);
  });
});

describe('splitJsonValues', () => {
  it('splits back-to-back values and ignores brackets inside strings', () => {
    expect(splitJsonValues('[{"a":"]["}]\n[]\n[{"b":1}]')).toEqual([[{ a: '][' }], [], [{ b: 1 }]]);
  });
});

describe('parsePingLine', () => {
  it('reads replies, the summary and rtt from recorded output', () => {
    const lines = fixture('ping-ok.txt').split('\n').map(parsePingLine);
    expect(lines.filter((l) => l.type === 'reply')).toEqual([
      { type: 'reply', from: '10.1.1.1', seq: 1, ttl: 64, timeMs: expect.any(Number) },
      { type: 'reply', from: '10.1.1.1', seq: 2, ttl: 64, timeMs: expect.any(Number) },
    ]);
    expect(lines).toContainEqual({ type: 'summary', transmitted: 2, received: 2, lossPercent: 0 });
    expect(lines.find((l) => l.type === 'rtt')).toMatchObject({ type: 'rtt', min: expect.any(Number) });
    expect(lines.some((l) => l.type === 'message')).toBe(false);
  });

  it('reports total loss and passes other lines on as messages', () => {
    const lines = fixture('ping-unreachable.txt').split('\n').map(parsePingLine);
    expect(lines).toContainEqual({ type: 'summary', transmitted: 2, received: 0, lossPercent: 100 });
    expect(parsePingLine('From 10.1.1.2 icmp_seq=1 Destination Host Unreachable')).toEqual({
      type: 'message',
      text: 'From 10.1.1.2 icmp_seq=1 Destination Host Unreachable',
    });
    expect(parsePingLine('4 packets transmitted, 1 received, +3 errors, 75% packet loss, time 3050ms')).toMatchObject({ received: 1, lossPercent: 75 });
  });
});

describe('parseSnapshotProcess on a recorded snapshot group', () => {
  it('splits the children’s readings from the process’s own', () => {
    const parsed = parseSnapshotProcess(fixture('group-ok.out'), 2, 3);
    expect(parsed?.children.map((c) => c.links.map((l) => l.ifname).sort())).toEqual([
      ['a1', 'lo', 'veth1'],
      ['a2', 'lo', 'same0', 'same1', 'vp1c'],
    ]);
    expect(parsed?.children[0]?.routes).toContainEqual(expect.objectContaining({ to: 'default', via: '10.1.1.2' }));
    expect(parsed?.native.links.map((l) => l.ifname)).toContain('veth0');
    expect([...(parsed?.native.nsids.values() ?? [])].sort()).toEqual(['netns1', 'netns2']);
  });

  it('refuses the output of a group in which a namespace vanished', () => {
    expect(failedBatchLines(fixture('group-failed.err'))).toEqual(new Set([2]));
    // ip's failed child ran the rest of the batch too: the values do not add up.
    expect(parseSnapshotProcess(fixture('group-failed.out'), 3, 3)).toBeNull();
  });
});

describe('parseProcNetTcp (recorded /proc/net/tcp and tcp6)', () => {
  it('lists every socket with both ends, its state and inode', () => {
    const v4 = parseProcNetTcp(readFileSync(new URL('../fixtures/proc/net-tcp.txt', import.meta.url), 'utf8'), false);
    expect(v4).toHaveLength(3);
    expect(v4[0]).toEqual({ local: '10.0.2.15:2222', remote: '0.0.0.0:0', established: false, inode: '139981' });
    expect(v4[1]).toEqual({ local: '10.0.2.15:2222', remote: '10.0.2.15:35756', established: true, inode: '139985' });
    const v6 = parseProcNetTcp(readFileSync(new URL('../fixtures/proc/net-tcp6.txt', import.meta.url), 'utf8'), true);
    expect(v6[2]).toEqual({ local: '[fd00::15]:2222', remote: '[fd00::16]:34359', established: true, inode: '139986' });
  });
});
