import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { establishedLocalAddresses, failedBatchLines, parseLinks, parsePingLine, parseSnapshotBatch, parseSnapshotProcess, splitJsonValues } from '../../electron/helper/parse';

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

describe('establishedLocalAddresses', () => {
  it('finds the local ends of established SSH connections, IPv4 and IPv6', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
      '   1: 0F02000A:0016 0202000A:D3B4 01 00000000:00000000 02:0009C8F5 00000000     0        0 2 4',
      '   2: 0100007F:1F90 0100007F:B0A2 01 00000000:00000000 00:00000000 00000000  1000        0 3 1',
    ].join('\n');
    expect(establishedLocalAddresses(tcp, 22, false)).toEqual(['10.0.2.15']);
    const tcp6 = [
      '  sl  local_address                         remote_address                        st',
      '   0: 000080FE00000000FF4C7A02C4F6EFFE:0016 000080FE000000000000000000000001:D3B4 01',
      '   1: 0000000000000000FFFF00000F02000A:0016 0000000000000000FFFF00000202000A:D3B5 01',
    ].join('\n');
    expect(establishedLocalAddresses(tcp6, 22, true)).toEqual(['fe80::27a:4cff:feef:f6c4', '10.0.2.15']);
  });
});
