// The article's lab through any client: netns1 cabled to the host by
// veth0/veth1, 10.1.1.2 and 10.1.1.1, both ends up; built in one go, or step by
// step as the article walks it (the pair made in the host, then veth1 moved).
import type { NetnsClient } from '../../shared/protocol';

export async function buildArticleLab(client: NetnsClient): Promise<void> {
  await client.call('netns.create', { name: 'netns1' });
  await client.call('veth.create', { name: 'veth0', peerName: 'veth1', peerNamespace: 'netns1' });
  await client.call('addr.add', { namespace: 'netns1', ifname: 'veth1', cidr: '10.1.1.1/24' });
  await client.call('addr.add', { ifname: 'veth0', cidr: '10.1.1.2/24' });
  await client.call('link.set', { namespace: 'netns1', ifname: 'veth1', up: true });
  await client.call('link.set', { ifname: 'veth0', up: true });
}

/** The article's walkthrough, step by step: the pair is made in the host and veth1 moved into netns1. */
export async function walkArticle(client: NetnsClient): Promise<void> {
  await client.call('netns.create', { name: 'netns1' });
  await client.call('veth.create', { name: 'veth0', peerName: 'veth1' });
  await client.call('link.move', { ifname: 'veth1', to: 'netns1' });
  await client.call('addr.add', { namespace: 'netns1', ifname: 'veth1', cidr: '10.1.1.1/24' });
  await client.call('addr.add', { ifname: 'veth0', cidr: '10.1.1.2/24' });
  await client.call('link.set', { namespace: 'netns1', ifname: 'veth1', up: true });
  await client.call('link.set', { ifname: 'veth0', up: true });
}
