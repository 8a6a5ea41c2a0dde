// The host-mode guard rails' judgement, on the facts the helper reads.
import { describe, expect, it } from 'vitest';
import { checkParams, type HelperMethodName } from '../../shared/schemas';
import { namespaceDeletionRisk, riskOf, whyItMatters, type HostFacts } from '../../electron/helper/guard-rails';

// A machine reached over eth0 (IPv4 default, SSH session), whose IPv6 default goes over wlan0,
// with a bridge br0 whose port veth-up carries a second SSH session.
const facts: HostFacts = {
  links: [
    { ifname: 'lo', master: null, addresses: ['127.0.0.1/8'] },
    { ifname: 'eth0', master: null, addresses: ['192.0.2.10/24'] },
    { ifname: 'wlan0', master: null, addresses: ['2001:db8::10/64'] },
    { ifname: 'br0', master: null, addresses: ['198.51.100.1/24'] },
    { ifname: 'veth-up', master: 'br0', addresses: [] },
    { ifname: 'veth-other', master: 'br0', addresses: [] },
    { ifname: 'spare0', master: null, addresses: ['203.0.113.1/24'] },
  ],
  defaultRoutes: [
    { dev: 'eth0', via: '192.0.2.1', family: 'IPv4' },
    { dev: 'wlan0', via: 'fe80::1', family: 'IPv6' },
  ],
  sshSessions: [
    { local: '192.0.2.10:2202', remote: '192.0.2.99:50000' },
    { local: '198.51.100.1:22', remote: '198.51.100.7:40000' },
  ],
};

function risk<M extends HelperMethodName>(method: M, params: Record<string, unknown>): string | null {
  const checked = checkParams(method, params);
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  return riskOf(method, checked.value, facts);
}

describe('riskOf', () => {
  it('names what downing, moving, deleting or re-mastering a default-route or SSH interface costs', () => {
    expect(risk('link.set', { ifname: 'eth0', up: false })).toMatch(/eth0 carries the machine's IPv4 default route \(via 192\.0\.2\.1\) and the SSH session from 192\.0\.2\.99:50000/);
    expect(risk('link.set', { ifname: 'wlan0', up: false })).toMatch(/IPv6 default route/);
    expect(risk('link.move', { ifname: 'eth0', to: 'x' })).toMatch(/^Moving away eth0/);
    expect(risk('link.delete', { ifname: 'wlan0' })).toMatch(/^Deleting wlan0/);
    expect(risk('link.setMaster', { ifname: 'eth0', master: 'br0' })).toMatch(/master of eth0/);
  });

  it('counts an SSH session on any port, a bridge through its ports, and a port through its bridge', () => {
    expect(risk('link.set', { ifname: 'br0', up: false })).toMatch(/SSH session from 198\.51\.100\.7:40000/);
    expect(whyItMatters({ ...facts, sshSessions: [] }, 'br0')).toBeNull();
    expect(risk('link.setMaster', { ifname: 'veth-up', master: null })).toMatch(/veth-up is a port of br0/);
    expect(risk('link.delete', { ifname: 'veth-other' })).toMatch(/port of br0/);
  });

  it('lets harmless calls through', () => {
    expect(risk('link.set', { ifname: 'eth0', up: true })).toBeNull();
    expect(risk('link.set', { ifname: 'eth0', mtu: 1400 })).toBeNull();
    expect(risk('link.set', { ifname: 'spare0', up: false })).toBeNull();
    expect(risk('route.del', { to: '10.0.0.0/8', dev: 'eth0' })).toBeNull();
    expect(risk('addr.del', { ifname: 'spare0', cidr: '203.0.113.1/24' })).toBeNull();
    expect(risk('netem.set', { ifname: 'eth0', lossPercent: 50 })).toBeNull();
  });

  it('refuses an MTU below 1280, 100 % loss, the default route and the SSH address', () => {
    expect(risk('link.set', { ifname: 'eth0', mtu: 1279 })).toMatch(/MTU of 1279/);
    expect(risk('netem.set', { ifname: 'wlan0', lossPercent: 100 })).toMatch(/Dropping every packet on wlan0/);
    expect(risk('route.del', { to: 'default' })).toMatch(/IPv4 via 192\.0\.2\.1, IPv6 via fe80::1/);
    expect(risk('addr.del', { ifname: 'eth0', cidr: '192.0.2.10/24' })).toMatch(/ends the SSH session from 192\.0\.2\.99:50000/);
  });

  it("judges a namespace deletion by the machine's veth ends it takes along", () => {
    expect(namespaceDeletionRisk(facts, ['veth-up'])).toMatch(/destroys the machine's veth-up/);
    expect(namespaceDeletionRisk(facts, ['spare0'])).toBeNull();
  });
});

describe('confirmRisk', () => {
  it('is accepted by exactly the guarded calls', () => {
    for (const method of ['link.set', 'link.move', 'link.delete', 'link.setMaster', 'route.del', 'addr.del', 'netem.set'] as const) {
      const base = {
        'link.set': { ifname: 'x', up: false },
        'link.move': { ifname: 'x', to: 'n' },
        'link.delete': { ifname: 'x' },
        'link.setMaster': { ifname: 'x', master: null },
        'route.del': { to: 'default' },
        'addr.del': { ifname: 'x', cidr: '10.0.0.1/24' },
        'netem.set': { ifname: 'x', lossPercent: 1 },
      }[method];
      expect(checkParams(method, { ...base, confirmRisk: true }).ok, method).toBe(true);
    }
    expect(checkParams('netns.delete', { name: 'n', confirmRisk: true }).ok).toBe(true);
    expect(checkParams('addr.add', { ifname: 'x', cidr: '10.0.0.1/24', confirmRisk: true }).ok).toBe(false);
  });
});
