import { describe, expect, it } from 'vitest';
import { doneReason } from '../../electron/helper/actions/capture';
import { parseTcpdumpLine } from '../../electron/helper/parse';
import { checkParams } from '../../shared/schemas';

describe('tcpdump lines (-n -tt -e)', () => {
  it('reads ICMP, TCP, UDP, ARP and ICMPv6 with frame lengths', () => {
    expect(parseTcpdumpLine('1795665684.031736 9a:1b:2c:3d:4e:5f > 6a:7b:8c:9d:ae:bf, ethertype IPv4 (0x0800), length 98: 10.1.1.2 > 10.1.1.1: ICMP echo request, id 40, seq 1, length 64')).toEqual({
      time: 1795665684.031736,
      protocol: 'ICMP',
      src: '10.1.1.2',
      dst: '10.1.1.1',
      length: 98,
      summary: 'ICMP echo request, id 40, seq 1, length 64',
    });
    expect(
      parseTcpdumpLine('1795665684.1 aa:aa:aa:aa:aa:aa > bb:bb:bb:bb:bb:bb, ethertype IPv4 (0x0800), length 74: 10.1.1.2.45678 > 10.1.1.1.5001: Flags [S], seq 1, win 64240, length 0'),
    ).toMatchObject({
      protocol: 'TCP',
      src: '10.1.1.2:45678',
      dst: '10.1.1.1:5001',
      length: 74,
    });
    expect(parseTcpdumpLine('1795665684.2 aa:aa:aa:aa:aa:aa > bb:bb:bb:bb:bb:bb, ethertype IPv4 (0x0800), length 60: 10.1.1.2.5353 > 10.1.1.1.53: 1+ A? example. (25)')).toMatchObject({
      protocol: 'UDP',
      dst: '10.1.1.1:53',
    });
    expect(parseTcpdumpLine('1795665684.3 aa:aa:aa:aa:aa:aa > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 10.1.1.1 tell 10.1.1.2, length 28')).toMatchObject({
      protocol: 'ARP',
      src: '10.1.1.2',
      dst: '10.1.1.1',
      length: 42,
      summary: 'Request who-has 10.1.1.1 tell 10.1.1.2',
    });
    expect(parseTcpdumpLine('1795665684.4 aa:aa:aa:aa:aa:aa > 33:33:00:00:00:02, ethertype IPv6 (0x86dd), length 70: fe80::1 > ff02::2: ICMP6, router solicitation, length 16')).toMatchObject({
      protocol: 'ICMPv6',
      src: 'fe80::1',
      dst: 'ff02::2',
    });
  });

  it('reads lines without a link layer (tun) and ignores anything else', () => {
    expect(parseTcpdumpLine('1795665684.5 IP 10.0.0.1 > 10.0.0.2: ICMP echo reply, id 1, seq 1, length 64')).toMatchObject({ protocol: 'ICMP', src: '10.0.0.1', length: 64 });
    expect(parseTcpdumpLine('tcpdump: listening on veth1, link-type EN10MB (Ethernet), snapshot length 65535 bytes')).toBeNull();
  });
});

describe('tcpdump', () => {
  it('names why a capture ended', () => {
    expect(doneReason(0, '', true, false)).toBe('stopped');
    expect(doneReason(0, '', false, true)).toBe('packet limit reached');
    expect(doneReason(1, 'tcpdump: pcap_loop: The interface disappeared', false, false)).toBe('the interface disappeared');
  });

  it('rejects filters with control characters or a leading dash', () => {
    expect(checkParams('capture.start', { ifname: 'veth0', filter: 'icmp\nhost 1.2.3.4' }).ok).toBe(false);
    expect(checkParams('capture.start', { ifname: 'veth0', filter: '-w /etc/passwd' }).ok).toBe(false);
    expect(checkParams('capture.save', { captureId: 'c', path: 'relative.pcap' }).ok).toBe(false);
  });
});

describe('impairment settings', () => {
  it('wants at least one setting, each in range', () => {
    expect(checkParams('netem.set', { ifname: 'veth0' }).ok).toBe(false);
    expect(checkParams('netem.set', { ifname: 'veth0', lossPercent: 101 }).ok).toBe(false);
    expect(checkParams('netem.set', { ifname: 'veth0', delayMs: 50 }).ok).toBe(true);
  });
});
