// Failures in the user's terms, and what a namespace's deletion takes along.
import { describe, expect, it } from 'vitest';
import type { Link, Namespace } from '../../shared/model';
import { deletionConsequences, describeFailure } from '../../renderer/model/failures';

const link = (ifname: string, more: Partial<Link> = {}): Link => ({
  ifname,
  ifindex: 2,
  kind: 'veth',
  up: true,
  operstate: 'UP',
  mtu: 1500,
  mac: '',
  addresses: [],
  master: null,
  peer: null,
  ...more,
});
const host: Namespace = {
  id: '1',
  name: null,
  title: 'host',
  root: true,
  routes: [],
  links: [
    link('lo', { kind: 'loopback' }),
    link('br0', { kind: 'bridge' }),
    link('veth0', { addresses: ['10.1.1.2/24'], peer: { namespaceId: '2', ifname: 'veth1' } }),
    link('p1', { master: 'br0', peer: { namespaceId: '2', ifname: 'e1' } }),
  ],
};
const netns1: Namespace = {
  id: '2',
  name: 'netns1',
  title: 'netns1',
  root: false,
  routes: [],
  links: [link('lo', { kind: 'loopback' }), link('veth1', { peer: { namespaceId: '1', ifname: 'veth0' } }), link('e1', { peer: { namespaceId: '1', ifname: 'p1' } })],
};
const lab = [host, netns1];

describe('describeFailure', () => {
  it('names the namespace that already has the interface, the address or the route', () => {
    expect(describeFailure('veth.create', { name: 'veth0', peerName: 'x' }, 'RTNETLINK answers: File exists', lab)).toBe('host already has an interface named veth0.');
    expect(describeFailure('veth.create', { name: 'new0', peerName: 'veth1', peerNamespace: 'netns1' }, 'RTNETLINK answers: File exists', lab)).toBe('netns1 already has an interface named veth1.');
    expect(describeFailure('addr.add', { namespaceId: '1', ifname: 'veth0', cidr: '10.1.1.2/24' }, 'RTNETLINK answers: File exists', lab)).toBe('veth0 in host already has 10.1.1.2/24.');
    expect(describeFailure('netns.create', { name: 'netns1' }, 'Cannot create namespace file "/run/netns/netns1": File exists', lab)).toBe('A namespace named netns1 exists already.');
  });

  it('says what is missing, and leaves messages it cannot improve alone', () => {
    expect(describeFailure('link.set', { namespace: 'netns1', ifname: 'gone0', up: true }, 'Cannot find device "gone0"', lab)).toBe('netns1 has no interface named gone0 (any more).');
    expect(describeFailure('route.add', { to: 'default', via: '10.9.9.1' }, 'Error: Nexthop has invalid gateway.', lab)).toMatch(/10\.9\.9\.1 is not on any subnet of host/);
    expect(describeFailure('link.set', { ifname: 'veth0', mtu: 70000 }, 'Error: mtu greater than device maximum.', lab)).toBeNull();
  });
});

describe('deletionConsequences', () => {
  it('lists the interfaces and the far ends of its cables, with the bridge they are ports of', () => {
    expect(deletionConsequences(netns1, lab)).toBe('Its interfaces go with it: veth1, e1. The far ends of its cables go too: veth0 in host; p1 in host, a port of br0.');
  });
});
