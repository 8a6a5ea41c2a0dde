// The article's walkthrough done with the mouse and keyboard in Chromium,
// against `npm run web -- --lab` and a real lab.
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { labExec } from '../support/helper';
import { connectBridge } from '../support/rpc-socket';
import { screenshot, type WebApp } from '../support/web';
import { AppPage, browserSession } from './app-page';

const session = browserSession();
let web: WebApp;
let browser: Browser;
let page: Page;
let app: AppPage;

beforeAll(async () => {
  ({ web, browser, page, app } = session);
});

describe("the article's walkthrough in the browser", () => {
  it('starts with the empty-state hint', async () => {
    await page.locator('[data-testid="empty-state"]').waitFor();
    expect(await page.locator('[data-testid="mode"]').textContent()).toMatch(/Lab/);
  });

  it('builds netns1 and the veth pair by hand, drags veth1 into netns1, addresses and raises both ends', async () => {
    await app.newNamespace('netns1');
    await app.newVethPair('veth0', 'veth1', '', '');
    await app.cable('/veth0 /veth1').waitFor({ state: 'attached' });

    await app.dragIface('', 'veth1', 'netns1');
    await app.iface('netns1', 'veth1').waitFor();
    await app.cable('/veth0 netns1/veth1').waitFor({ state: 'attached' });
    expect(await app.iface('', 'veth1').count()).toBe(0);
    await app.toast(/veth1 is now in netns1/).waitFor();

    await app.addAddress('netns1', 'veth1', '10.1.1.1/24');
    await app.iface('netns1', 'veth1').getByText('10.1.1.1/24').waitFor();
    await app.addAddress('', 'veth0', '10.1.1.2/24');
    await app.iface('', 'veth0').getByText('10.1.1.2/24').waitFor();
    await app.bringUp('netns1', 'veth1');
    await app.bringUp('', 'veth0');
    await page.locator('[data-testid="cable"].live').waitFor({ state: 'attached' });
    // A card with interfaces never also says it has none.
    expect(
      await app
        .card('netns1')
        .getByText(/No interfaces besides lo/)
        .count(),
    ).toBe(0);
  });

  it('pings 10.1.1.1 from the host and shows the replies and the summary', async () => {
    await app.openTab('ping');
    await page.locator('#ping-from').selectOption({ label: 'host' });
    await page.locator('#ping-target').fill('10.1.1.1');
    await page.locator('#ping-count').fill('3');
    await page.getByRole('button', { name: 'Start ping' }).click();
    await page.locator('[data-testid="ping-line"]').first().waitFor();
    const summary = page.locator('[data-testid="ping-summary"]');
    await summary.waitFor({ timeout: 15_000 });
    expect(await summary.textContent()).toMatch(/3 sent, 3 received, 0% loss/);
    expect(await page.locator('[data-testid="ping-line"]').count()).toBe(3);
    await page.locator('[data-action="fit"]').click();
    // The README's picture: the result, without the notices on top of it.
    for (const close of await page.locator('[data-testid="toast"] button[aria-label="Dismiss"]').all()) await close.click();
    await page.waitForTimeout(400);
    await screenshot(page, 'walkthrough');
  });

  it('shows the same state as the helper’s own snapshot', async () => {
    const bridge = await connectBridge(web.url, web.origin);
    const snapshot = await bridge.client.call('snapshot', {});
    bridge.close();
    const domCards = await page.locator('[data-testid="netns"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ns-name')).sort());
    expect(domCards).toEqual(snapshot.namespaces.map((n) => (n.root ? '' : n.name)).sort());
    for (const ns of snapshot.namespaces) {
      const attr = ns.root ? '' : (ns.name as string);
      const domIfaces = await app
        .card(attr)
        .locator('[data-testid="iface"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-ifname')).sort());
      expect(domIfaces).toEqual(ns.links.map((l) => l.ifname).sort());
      for (const link of ns.links) {
        for (const address of link.addresses.filter((a) => !a.startsWith('fe80:') && link.kind !== 'loopback')) {
          expect(await app.iface(attr, link.ifname).textContent()).toContain(address);
        }
      }
    }
    const cables = await page.locator('[data-testid="cable"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ends')));
    expect(cables).toEqual(['/veth0 netns1/veth1']);
    const veth0 = snapshot.namespaces.find((n) => n.root)?.links.find((l) => l.ifname === 'veth0');
    expect(veth0?.peer?.ifname).toBe('veth1');
    expect(veth0?.up).toBe(true);
  });
});

describe('feedback and safety', () => {
  it('shows ip’s own message when the kernel refuses', async () => {
    await app.addAddress('netns1', 'veth1', '10.1.1.1/24');
    await app.toast(/Address already assigned/).waitFor();
  });

  it('cancels a drag with Esc: nothing moves', async () => {
    await app.dragIface('', 'veth0', 'netns1', { release: false });
    await page.locator('[data-testid="netns"].drop-here').waitFor();
    await page.keyboard.press('Escape');
    await page.mouse.up();
    await page.waitForTimeout(300);
    expect(await app.iface('', 'veth0').count()).toBe(1);
    expect(await app.iface('netns1', 'veth0').count()).toBe(0);
  });

  it('follows a change made by a separate ip command in the lab', async () => {
    labExec(web.process.pid as number, ['ip', 'link', 'add', 'outside0', 'type', 'veth', 'peer', 'name', 'outside1']);
    await app.iface('', 'outside0').waitFor({ timeout: 8000 });
    await app.cable('/outside0 /outside1').waitFor({ state: 'attached' });
  });

  it('keeps the token out of the address bar and out of cookies, and survives a reload', async () => {
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    expect(await page.evaluate('document.cookie')).toBe('');
    expect((await page.context().cookies()).length).toBe(0);
    await page.reload();
    await app.card('netns1').waitFor();
    // A new tab without the token is told how to get in, and gets nothing.
    const bare = await browser.newPage();
    await bare.goto(web.origin);
    await bare.locator('[role="alert"]', { hasText: 'no access token' }).waitFor();
    expect(await bare.locator('[data-testid="netns"]').count()).toBe(0);
    await bare.close();
  });

  it('refuses pages and sockets without the right token or origin', async () => {
    const wrong = new URL(web.url);
    wrong.searchParams.set('token', 'not-the-token');
    const page2 = await browser.newPage();
    const response = await page2.goto(wrong.toString());
    expect(response?.status()).toBe(403);
    expect(await page2.locator('[data-testid="netns"]').count()).toBe(0);
    await page2.close();
    await expect(connectBridge(wrong.toString(), web.origin)).rejects.toThrow(/403/);
    await expect(connectBridge(web.url, 'http://evil.example')).rejects.toThrow(/403/);
  });
});
