import { describe, expect, it } from 'vitest';
import type { Link, Namespace } from '../../shared/model';
import { interfaceRisk, namespaceRisk } from '../../renderer/guards';

const link = (ifname: string, addresses: string[]): Link => ({ ifname, ifindex: 2, kind: 'other', up: true, operstate: 'UP', mtu: 1500, mac: '', addresses, master: null, peer: null });
const machine: Namespace = {
  id: '1',
  name: null,
  root: true,
  links: [link('eth0', ['192.0.2.10/24']), link('wlan0', ['198.51.100.7/24']), link('docker0', ['172.17.0.1/16'])],
  routes: [{ to: 'default', via: '192.0.2.1', dev: 'eth0', protocol: 'dhcp', scope: null }],
};

describe('host-mode guard rails', () => {
  it('names the default route and the SSH session an action would cut', () => {
    expect(interfaceRisk('host', machine, 'eth0', 'down', [])).toMatch(/eth0 carries this machine's default route: bringing it down cuts/);
    expect(interfaceRisk('host', machine, 'wlan0', 'move', ['198.51.100.7'])).toMatch(/Your SSH connection arrives on wlan0 \(198\.51\.100\.7\): moving it away ends that session/);
    expect(interfaceRisk('host', machine, 'docker0', 'delete', ['198.51.100.7'])).toBeNull();
  });

  it('never asks in the lab, or outside the machine’s own namespace', () => {
    expect(interfaceRisk('lab', machine, 'eth0', 'down', [])).toBeNull();
    expect(interfaceRisk('host', { ...machine, root: false, name: 'c1' }, 'eth0', 'down', [])).toBeNull();
    expect(namespaceRisk('lab', machine)).toBeNull();
    expect(namespaceRisk('host', { ...machine, root: false, name: 'vpn' })).toMatch(/vpn is a namespace of the real machine/);
  });
});
