// path.explain's pure parts on recorded output: the facts batch, the nftables
// judgement, and the sysctl keys a repair may set.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { batchErrors, factLines, parseFacts, rpFilterOn } from '../../electron/helper/path/facts';
import { judge, parseRuleset, type EchoPacket } from '../../electron/helper/path/firewall';
import { sysctlArg } from '../../electron/helper/actions/sysctl';
import { checkParams, sysctlKeyProblem } from '../../shared/schemas';
import { shellQuote } from '../../shared/shell';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ip/${name}`, import.meta.url), 'utf8');

describe('parseFacts (a recorded router batch, one lookup failing)', () => {
  const facts = parseFacts(fixture('explain-router.out'), fixture('explain-router.err'), factLines('10.0.2.2', '10.9.9.9'));

  it('reads interfaces with carrier, bridge port state and addresses', () => {
    const vrb = facts.links.find((l) => l.ifname === 'vrb');
    expect(vrb).toMatchObject({ kind: 'veth', up: true, master: 'br0', carrier: false });
    expect(typeof vrb?.portState).toBe('string');
    const vra = facts.links.find((l) => l.ifname === 'vra');
    // Its far end (va) is down: no carrier.
    expect(vra).toMatchObject({ up: true, carrier: false });
    expect(vra?.addresses).toContainEqual(expect.objectContaining({ address: '10.0.1.1', prefix: 24, family: 'inet' }));
    expect(facts.links.find((l) => l.ifname === 'lo')).toMatchObject({ kind: 'loopback', up: true, carrier: true });
  });

  it('reads forwarding and rp_filter per interface, and both route lookups', () => {
    expect(facts.forwarding4.get('all')).toBe(false);
    expect(facts.forwarding6).toBe(false);
    expect(rpFilterOn(facts, 'vra')).toBe('strict');
    expect(facts.forward).toEqual({ ok: true, type: 'unicast', dev: 'br0', gateway: null, prefsrc: '10.0.2.1' });
    expect(facts.back).toEqual({ ok: false, error: 'Network is unreachable' });
  });

  it('pairs each failed batch line with its message', () => {
    expect(batchErrors('RTNETLINK answers: No route to host\nCommand failed -:4\nError: any valid prefix is expected rather than "x".\nCommand failed -:5\n')).toEqual(
      new Map([
        [4, 'No route to host'],
        [5, 'Error: any valid prefix is expected rather than "x".'],
      ]),
    );
  });

  it('refuses a reading whose first lines failed (the namespace could not be read)', () => {
    expect(() => parseFacts('', 'Cannot open network namespace "x": No such file or directory\nCommand failed -:1\n', factLines('10.0.0.1', null))).toThrow(/Cannot open/);
  });
});

describe('judge (a recorded nftables ruleset)', () => {
  const set = parseRuleset(JSON.parse(fixture('explain-nft.json')));
  const request: EchoPacket = { family: 'ip', saddr: '10.0.1.2', daddr: '10.0.1.1', icmpType: 'echo-request', iif: 'vra', oif: null, ctState: 'new' };

  it('finds the rule that drops a ping and prints it as nft would', () => {
    const v = judge(set, 'input', request);
    expect(v).toMatchObject({ verdict: 'drop', chain: 'inet filter input', rule: 'ip saddr 10.0.1.2 icmp type echo-request counter drop' });
    expect(v.handle).toMatchObject({ family: 'inet', table: 'filter', chain: 'input' });
  });

  it('lets an established reply through, and passes over what it cannot judge, saying so', () => {
    expect(judge(set, 'input', { ...request, icmpType: 'echo-reply', ctState: 'established' }).verdict).toBe('accept');
    const other = judge(set, 'input', { ...request, saddr: '10.0.1.3' });
    expect(other.verdict).toBe('accept');
    expect(other.unsure).toEqual([expect.stringMatching(/ip length 84 drop/)]);
  });

  it('applies a chain policy of drop unless a rule accepts first', () => {
    expect(judge(set, 'forward', { ...request, daddr: '10.0.2.2', oif: 'br0' }).verdict).toBe('accept');
    expect(judge(set, 'forward', { ...request, daddr: '10.0.3.2', oif: 'vrc' })).toMatchObject({ verdict: 'drop', rule: 'policy drop', handle: null });
    expect(judge(set, 'output', request).verdict).toBe('accept');
  });
});

describe('sysctl.set keys', () => {
  it('accepts only forwarding and rp_filter, naming the field otherwise', () => {
    expect(sysctlKeyProblem('net.ipv4.ip_forward')).toBeNull();
    expect(sysctlKeyProblem('net.ipv6.conf.all.forwarding')).toBeNull();
    expect(sysctlKeyProblem('net.ipv4.conf.default.rp_filter')).toBeNull();
    expect(sysctlKeyProblem('net.ipv4.conf.eth0.100.rp_filter')).toBeNull();
    expect(sysctlKeyProblem('kernel.core_pattern')).toMatch(/must be one of/);
    expect(sysctlKeyProblem('net.ipv4.conf.a/b.rp_filter')).toMatch(/interface name/);
    const bad = checkParams('sysctl.set', { key: 'net.ipv4.ip_forward', value: 2 });
    expect(bad.ok ? [] : bad.issues.map((i) => i.field)).toEqual(['value']);
    expect(checkParams('sysctl.set', { key: 'vm.swappiness', value: 1 }).ok).toBe(false);
  });

  it('spells a dotted interface name the way sysctl reads it', () => {
    expect(sysctlArg('net.ipv4.conf.eth0.100.rp_filter')).toBe('net/ipv4/conf/eth0.100/rp_filter');
    expect(sysctlArg('net.ipv4.conf.all.rp_filter')).toBe('net.ipv4.conf.all.rp_filter');
  });
});

describe('shellQuote', () => {
  it('leaves plain words and quotes the rest so a shell reads them back', () => {
    expect(shellQuote(['ip', '-n', 'netns1', 'link', 'set', 'dev', 'veth1', 'up'])).toBe('ip -n netns1 link set dev veth1 up');
    expect(shellQuote(['nsenter', "--net=/run/netns/it's $(x)"])).toBe(`nsenter '--net=/run/netns/it'\\''s $(x)'`);
  });
});
