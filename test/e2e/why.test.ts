// "Why can't it ping?" in the UI: a ping that gets nothing back offers Why?,
// the graph lights the path with the broken hop in red, and Fix it repairs it
// through the normal calls and pings again.
import { beforeAll, describe, expect, it } from 'vitest';
import type { NetnsClient } from '../../shared/protocol';
import { browserSession } from './app-page';

const session = browserSession();

/** a — r — b, with r's forwarding off: the lesson's first broken router. */
async function buildRouterLab(client: NetnsClient): Promise<void> {
  for (const name of ['a', 'r', 'b']) {
    await client.call('netns.create', { name });
    await client.call('link.set', { namespace: name, ifname: 'lo', up: true });
  }
  const cable = async (ns: string, ifname: string, cidr: string, peerNs: string, peer: string, peerCidr: string) => {
    await client.call('veth.create', { namespace: ns, name: ifname, peerName: peer, peerNamespace: peerNs });
    await client.call('addr.add', { namespace: ns, ifname, cidr });
    await client.call('addr.add', { namespace: peerNs, ifname: peer, cidr: peerCidr });
    await client.call('link.set', { namespace: ns, ifname, up: true });
    await client.call('link.set', { namespace: peerNs, ifname: peer, up: true });
  };
  await cable('a', 'va', '10.0.1.2/24', 'r', 'vra', '10.0.1.1/24');
  await cable('r', 'vrb', '10.0.2.1/24', 'b', 'vb', '10.0.2.2/24');
  await client.call('route.add', { namespace: 'a', to: 'default', via: '10.0.1.1' });
  await client.call('route.add', { namespace: 'b', to: 'default', via: '10.0.2.1' });
  await client.call('sysctl.set', { namespace: 'r', key: 'net.ipv4.ip_forward', value: 0 });
}

beforeAll(() => session.asOtherClient(buildRouterLab));

describe('Why?', () => {
  it('explains a failed ping, lights the broken hop, and Fix it makes the ping work', async () => {
    const { page, app } = session;
    await app.card('a').click();
    await app.openTab('ping');
    await page.locator('#ping-target').fill('10.0.2.2');
    await page.locator('#ping-count').fill('1');
    await page.getByRole('button', { name: 'Start ping' }).click();
    await page.locator('[data-testid="ping-summary"]').filter({ hasText: '0 received' }).waitFor();
    await page.locator('[data-testid="why-button"]').click();

    const verdict = page.locator('[data-testid="path-verdict"]');
    await verdict.waitFor({ timeout: 15_000 });
    expect(await verdict.textContent()).toMatch(/forwarding is off/);
    expect(await app.card('r').getAttribute('data-path')).toBe('bad');
    expect(await app.card('r').locator('[data-testid="path-message"]').textContent()).toMatch(/forwarding off · vra/);
    expect(await app.card('a').getAttribute('data-path')).toBe('good');
    expect(await page.locator('[data-testid="path-fix"] pre').textContent()).toBe('ip netns exec r sysctl -w net.ipv4.ip_forward=1');
    await page.screenshot({ path: 'test-results/why-broken.png' });

    await page.locator('[data-testid="fix-it"]').click();
    await page.locator('[data-testid="path-verdict"]').filter({ hasText: 'It gets through' }).waitFor({ timeout: 15_000 });
    expect(await app.card('r').getAttribute('data-path')).toBe('good');
    expect(await app.card('b').getAttribute('data-path')).toBe('good');
    // The repair went through the normal path: it is in the command log.
    expect(await page.locator('[data-testid="command-log"]').textContent()).toMatch(/sysctl -w net\.ipv4\.ip_forward=1/);
    await page.screenshot({ path: 'test-results/why-fixed.png' });
    await app.openTab('ping');
    await page.locator('[data-testid="ping-summary"]').filter({ hasText: '3 received' }).waitFor({ timeout: 20_000 });
  });
});
