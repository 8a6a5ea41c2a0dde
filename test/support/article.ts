// The article's lab, built through any client in one go: netns1 cabled to the
// host by veth0/veth1, 10.1.1.2 and 10.1.1.1, both ends up.
import type { NetnsClient } from '../../shared/protocol';

export async function buildArticleLab(client: NetnsClient): Promise<void> {
  await client.call('netns.create', { name: 'netns1' });
  await client.call('veth.create', { name: 'veth0', peerName: 'veth1', peerNamespace: 'netns1' });
  await client.call('addr.add', { namespace: 'netns1', ifname: 'veth1', cidr: '10.1.1.1/24' });
  await client.call('addr.add', { ifname: 'veth0', cidr: '10.1.1.2/24' });
  await client.call('link.set', { namespace: 'netns1', ifname: 'veth1', up: true });
  await client.call('link.set', { ifname: 'veth0', up: true });
}
