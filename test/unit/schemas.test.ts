import { describe, expect, it } from 'vitest';
import { checkParams, cidrProblem, ifnameProblem, METHOD_NAMES, routeTargetProblem } from '../../shared/schemas';

describe('interface names', () => {
  it.each([['veth0'], ['eth0.9'], ['br-1a2b3c'], ['a'], ['fifteen-bytes15']])('accepts %s', (name) => {
    expect(ifnameProblem(name)).toBeNull();
  });
  it.each([
    ['', /empty/],
    ['sixteen-bytes-16', /15 bytes/],
    ['x;reboot', /only letters/],
    ['a b', /whitespace/],
    ['a/b', /"\/"/],
    ['a:1', /":"/],
    ['.', /"\."/],
    ['..', /"\."/],
    ['-x', /start/],
    ['$(id)', /only letters/],
    ['vétho', /only letters/],
  ])('rejects %j', (name, reason) => {
    expect(ifnameProblem(name)).toMatch(reason);
  });
});

describe('addresses', () => {
  it('checks and normalises CIDRs with ipaddr.js, IPv4 and IPv6', () => {
    expect(cidrProblem('10.1.1.1/24')).toBeNull();
    expect(cidrProblem('fd00::1/64')).toBeNull();
    expect(cidrProblem('10.0.0.1/33')).toMatch(/0–32/);
    expect(cidrProblem('fd00::1/129')).toMatch(/0–128/);
    expect(cidrProblem('10.0.0.1')).toMatch(/prefix length/);
    expect(cidrProblem('10.1/8')).toMatch(/not an IPv4/);
    expect(cidrProblem('300.1.1.1/8')).toMatch(/not an IPv4/);
    const parsed = checkParams('addr.add', { ifname: 'veth0', cidr: 'FD00:0:0::1/64' });
    expect(parsed.ok && parsed.value.cidr).toBe('fd00::1/64');
  });

  it('wants route destinations as networks', () => {
    expect(routeTargetProblem('default')).toBeNull();
    expect(routeTargetProblem('10.9.0.0/16')).toBeNull();
    expect(routeTargetProblem('10.9.1.0/16')).toMatch(/did you mean 10.9.0.0\/16/);
  });
});

describe('checkParams', () => {
  it('names every offending field, unknown ones included', () => {
    const result = checkParams('addr.add', { ifname: 'x;reboot', cidr: '10.0.0.1/33', bogus: 1 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.field)).toEqual(['ifname', 'cidr', 'bogus']);
  });

  it('checks the ranges of mtu, count and interval', () => {
    expect(checkParams('link.set', { ifname: 'a', mtu: 68 }).ok).toBe(true);
    expect(checkParams('link.set', { ifname: 'a', mtu: 65536 }).ok).toBe(false);
    expect(checkParams('link.set', { ifname: 'a' }).ok).toBe(false);
    expect(checkParams('ping.start', { target: '10.0.0.1', count: 1000, intervalMs: 200 }).ok).toBe(true);
    expect(checkParams('ping.start', { target: '10.0.0.1', count: 1001 }).ok).toBe(false);
    expect(checkParams('ping.start', { target: '10.0.0.1', intervalMs: 199 }).ok).toBe(false);
    expect(checkParams('ping.start', { target: 'example.com' }).ok).toBe(false);
  });

  it('treats absent params as an empty object and knows every method', () => {
    expect(checkParams('snapshot', undefined).ok).toBe(true);
    expect(METHOD_NAMES).toEqual(expect.arrayContaining(['snapshot', 'link.move', 'ping.start', 'route.del']));
  });
});
