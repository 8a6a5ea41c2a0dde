// A mixed container host in the UI: real Podman (a container, a pod, a long
// name), Docker and containerd in a sandbox that plays the host, the web
// bridge in host mode there, and Chromium on the sandbox's loopback. Every
// container is told apart by name at a glance, in cards and in pickers.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntimes, startSandbox, type Sandbox } from '../support/runtime-sandbox';
import { launchChromium, screenshot, startWeb, type WebApp } from '../support/web';
import { AppPage } from './app-page';

const LONG = 'payments-gateway-canary-eu-west-1-blue-7f9c2';
let sandbox: Sandbox;
let web: WebApp;
let browser: Browser;
let page: Page;
let app: AppPage;
/** The containers each runtime that runs here started, by the title their card should have. */
const expected: string[] = [];
const unavailable: string[] = [];

const card = (title: string) => page.locator(`[data-testid="netns"][data-title="${title}"]`);

beforeAll(async () => {
  sandbox = await startSandbox();
  const { running, unavailable: why } = await startRuntimes(sandbox, 'e2e/runtimes.test');
  for (const [name, reason] of why) unavailable.push(`${name}: ${reason}`);
  const podman = running.get('podman');
  const docker = running.get('docker');
  const ctr = running.get('containerd');
  if (podman) {
    const run = (args: string[]) => podman.cli(['run', '-d', ...args, podman.image, 'sleep', '3600']);
    await run(['--name', 'pweb']);
    await run(['--name', LONG]);
    await podman.cli(['pod', 'create', '--name', 'shop']);
    await run(['--name', 'shop-api', '--pod', 'shop']);
    await run(['--name', 'shop-db', '--pod', 'shop']);
    expected.push('pweb', LONG, 'shop');
  }
  if (docker) {
    await docker.cli(['run', '-d', '--name', 'dweb', docker.image, 'sleep', '3600']);
    expected.push('dweb');
  }
  if (ctr) {
    await ctr.cli(['run', '-d', '--cni', ctr.image, 'cweb', 'sleep', '3600']);
    expected.push('cweb');
  }
  web = await startWeb(['--host', '--port=0'], sandbox.argv([]), podman?.env ?? {});
  browser = await launchChromium(sandbox.pid);
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  app = new AppPage(page);
  await app.open(web.url);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await sandbox?.close();
}, 60_000);

describe('a mixed Podman + Docker + containerd host', () => {
  it('titles every container card by its container or pod name, with the netns name, runtime and image beneath', async (ctx) => {
    if (!expected.length) return ctx.skip(`no runtime runs here: ${unavailable.join('; ')}`);
    for (const title of expected) await card(title).waitFor();
    if (expected.includes('pweb')) {
      // Each line whole in its tooltip, shortened in the middle on the card.
      const lines = card('pweb').locator('[data-testid="card-subtitles"] .subtitle');
      expect(await lines.nth(0).getAttribute('title')).toMatch(/^\/run\/netns\/netns-[0-9a-f-]{36}$/);
      expect(await lines.nth(0).textContent()).toMatch(/^\/run\/netns\/netns-[0-9a-f-]+…[0-9a-f-]+$/);
      expect(await lines.nth(1).getAttribute('title')).toMatch(/^podman [0-9a-f]{12} · localhost\/local\/bb:latest$/);
      expect(await card('shop').locator('[data-testid="card-subtitles"]').textContent()).toContain('pod: shop-api, shop-db');
    }
    if (expected.includes('dweb')) expect(await card('dweb').locator('[data-testid="card-subtitles"]').textContent()).toMatch(/docker [0-9a-f]{12} · local\/dbb/);
    await screenshot(page, 'runtimes-mixed-host');
  });

  it('fits a long name in two lines, shortened in the middle, with the whole name in its tooltip', async (ctx) => {
    if (!expected.includes(LONG)) return ctx.skip(`podman does not run here: ${unavailable.join('; ')}`);
    const title = card(LONG).locator('[data-testid="card-title"]');
    const shown = (await title.textContent()) as string;
    expect(shown).toContain('…');
    expect(shown.startsWith('payments-gateway')).toBe(true);
    expect(shown.endsWith('blue-7f9c2')).toBe(true);
    expect(await title.getAttribute('title')).toBe(LONG);
    const box = await title.boundingBox();
    // Two lines of 18 px at most, never cut at the end by the card's edge.
    expect(box?.height).toBeLessThanOrEqual(37);
    expect(await title.evaluate((el) => el.scrollHeight <= el.clientHeight + 1)).toBe(true);
  });

  it('uses the same names in every picker', async (ctx) => {
    if (!expected.length) return ctx.skip(`no runtime runs here: ${unavailable.join('; ')}`);
    await app.openTab('ping');
    const options = await page.locator('#ping-from option').allTextContents();
    for (const title of expected) expect(options).toContain(title);
    expect(options.some((o) => o.startsWith('netns-'))).toBe(false);
  });

  it("asks before deleting a Podman container's namespace, and says to stop the container instead", async (ctx) => {
    if (!expected.includes('pweb')) return ctx.skip(`podman does not run here: ${unavailable.join('; ')}`);
    await card('pweb').locator('header').click();
    await page.keyboard.press('Delete');
    const body = page.locator('[data-testid="confirm-body"]');
    await body.waitFor();
    expect(await body.textContent()).toMatch(/podman container pweb.*clean-up of the container will fail.*podman stop pweb/s);
    await screenshot(page, 'runtimes-delete-container');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await card('pweb').waitFor();
  });
});
