// Page object for the renderer: finds things by the testability contract
// (data-testid, data-ns-name, data-ifname, data-ends) and acts like a person.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { NetnsClient } from '../../shared/protocol';
import { connectBridge } from '../support/rpc-socket';
import { launchChromium, screenshot, startWeb, type WebApp } from '../support/web';

export interface Session {
  web: WebApp;
  browser: Browser;
  page: Page;
  app: AppPage;
  /** Acts on the lab as another client of the same bridge would (the page sees it by push). */
  asOtherClient(work: (client: NetnsClient) => Promise<unknown>): Promise<void>;
}

/**
 * For one test file: `npm run web -- --lab` (its built output) and a Chromium
 * page on it, opened before the tests and closed after them.
 */
export function browserSession(): Session {
  const session = {
    async asOtherClient(work: (client: NetnsClient) => Promise<unknown>) {
      const { client, close } = await connectBridge(session.web.url, session.web.origin);
      try {
        await work(client);
      } finally {
        close();
      }
    },
  } as Session;
  beforeAll(async () => {
    session.web = await startWeb();
    session.browser = await launchChromium();
    session.page = await session.browser.newPage({ viewport: { width: 1440, height: 900 } });
    session.app = new AppPage(session.page);
    await session.app.open(session.web.url);
  });
  // What the page showed when a test failed, for finding out why (test-results/failed-*.png).
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || !session.page) return;
    await screenshot(session.page, `failed-${context.task.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80)}`).catch(() => undefined);
  });
  afterAll(async () => {
    await session.browser?.close();
    await session.web?.stop();
  });
  return session;
}

export class AppPage {
  constructor(readonly page: Page) {
    // Fail with Playwright's own message (what it waited for) well before the test times out.
    page.setDefaultTimeout(10_000);
  }

  card(ns: string): Locator {
    return this.page.locator(`[data-testid="netns"][data-ns-name="${ns}"]`);
  }

  iface(ns: string, ifname: string): Locator {
    return this.card(ns).locator(`[data-testid="iface"][data-ifname="${ifname}"]`);
  }

  cable(ends: string): Locator {
    return this.page.locator(`[data-testid="cable"][data-ends="${ends}"]`);
  }

  toast(text: string | RegExp): Locator {
    return this.page.locator('[data-testid="toast"]').filter({ hasText: text });
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.card('').waitFor();
  }

  async newNamespace(name: string): Promise<void> {
    await this.page.keyboard.press('n');
    const input = this.page.locator('#ns-name');
    await input.fill(name);
    await input.press('Enter');
    await this.card(name).waitFor();
  }

  async newVethPair(name: string, peer: string, ns: string, peerNs: string): Promise<void> {
    await this.page.locator('[data-action="new-veth"]').click();
    await this.page.locator('#veth-name').fill(name);
    await this.page.locator('#veth-peer').fill(peer);
    await this.page.locator('#veth-ns').selectOption({ label: ns || 'host' });
    await this.page.locator('#veth-peer-ns').selectOption({ label: peerNs || 'host' });
    // The peer's card is found by its data-ns-name (its id when it has no name), not by its label.
    await this.page.getByRole('button', { name: 'Create pair' }).click();
    await this.page.locator(`[data-testid="iface"][data-ifname="${peer}"]`).first().waitFor();
  }

  /** Presses on a port and moves the pointer onto a card's header, in steps, like a hand would. */
  async dragIface(fromNs: string, ifname: string, toNs: string, options: { release?: boolean } = {}): Promise<void> {
    const from = await this.iface(fromNs, ifname).boundingBox();
    const to = await this.card(toNs).locator('header').boundingBox();
    if (!from || !to) throw new Error('port or card not on screen');
    await this.page.mouse.move(from.x + 40, from.y + from.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    if (options.release !== false) await this.page.mouse.up();
  }

  /** Brings a side panel tab forward: Inspector, Lessons or Ping. */
  async openTab(tab: 'inspector' | 'lessons' | 'ping'): Promise<void> {
    await this.page.getByRole('tab', { name: new RegExp(`^${tab}`, 'i') }).click();
  }

  /** Opens a lesson from the Lessons tab (coming back from another lesson first). */
  async openLesson(id: string): Promise<void> {
    await this.openTab('lessons');
    if (await this.page.locator('[data-testid="lessons"] .head').count()) await this.page.getByRole('button', { name: '‹ Lessons' }).click();
    await this.page.locator(`[data-lesson="${id}"]`).click();
  }

  async select(ns: string, ifname: string): Promise<void> {
    const port = this.iface(ns, ifname);
    const box = await port.boundingBox();
    if (!box) throw new Error(`${ns}/${ifname} not on screen`);
    // locator.click waits until the card stops moving (a relayout after a new cable), then clicks like a pointer.
    await port.click({ position: { x: 60, y: Math.min(12, box.height / 2) } });
    await this.page.locator('[data-testid="inspector"] h3', { hasText: ifname }).waitFor();
  }

  async addAddress(ns: string, ifname: string, cidr: string): Promise<void> {
    await this.select(ns, ifname);
    const input = this.page.locator('[data-testid="inspector"] [data-field="cidr"]');
    await input.click();
    await input.pressSequentially(cidr);
    await input.press('Enter');
  }

  async bringUp(ns: string, ifname: string): Promise<void> {
    await this.select(ns, ifname);
    await this.page.locator('[data-action="toggle-up"]', { hasText: 'Bring up' }).click();
    await this.page.locator('[data-action="toggle-up"]', { hasText: 'Bring down' }).waitFor();
  }
}
