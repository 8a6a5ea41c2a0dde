// A lab of a few hundred namespaces, zoomed out: the page draws the overview
// (one canvas) instead of a card each, pans it, and a click on a card zooms in
// to that card, drawn as itself again and selected.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLabShell } from '../support/lab-shell';
import { overviewHostBox } from '../support/overview';
import { connectBridge } from '../support/rpc-socket';
import { launchChromium, screenshot, startWeb, type WebApp } from '../support/web';

const N = 320;
let web: WebApp;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  web = await startWeb();
  const bridge = await connectBridge(web.url, web.origin);
  const shell = await openLabShell(bridge);
  // One ip -batch for the lot: a process per step would take a minute.
  const built = await shell.run(`for i in $(seq 0 ${N - 1}); do echo "netns add b$i"; echo "link add vh$i type veth peer name eth0 netns b$i"; echo "link set vh$i up"; done | ip -batch -`, 120_000);
  expect(built.code, built.output.slice(-500)).toBe(0);
  await shell.close();
  for (let i = 0; i < 240; i++) {
    const { namespaces } = await bridge.client.call('snapshot', { reuse: true });
    if (namespaces.length > N) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  bridge.close();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(20_000);
  await page.goto(web.url);
  await page.locator('[data-ready]').waitFor({ timeout: 60_000 });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

async function hostBox(): Promise<{ x: number; y: number }> {
  await page.waitForTimeout(300);
  return overviewHostBox(page);
}

describe(`a lab of ${N} namespaces, zoomed out`, () => {
  it('is drawn as one overview, not a card each, and says how to zoom in', async () => {
    await page.locator('[data-testid="overview"]').waitFor();
    expect(await page.locator('[data-testid="netns"]').count()).toBe(0);
    expect(await page.locator('[data-testid="overview-hint"]').textContent()).toMatch(new RegExp(`${N + 1} namespaces at a glance: click one to zoom in`));
    await screenshot(page, 'overview');
  });

  it('pans under the pointer', async () => {
    const before = await hostBox();
    const pane = (await page.locator('.vue-flow__pane').boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(pane.x + pane.width - 40, pane.y + pane.height - 40);
    await page.mouse.down();
    await page.mouse.move(pane.x + pane.width - 140, pane.y + pane.height - 90, { steps: 8 });
    await page.mouse.up();
    const after = await hostBox();
    expect(Math.round(after.x - before.x)).toBeCloseTo(-100, -1);
    expect(Math.round(after.y - before.y)).toBeCloseTo(-50, -1);
  });

  it('zooms in to the card clicked, drawn as a card again and selected, and back out with F', async () => {
    const host = await hostBox();
    await page.mouse.click(host.x, host.y);
    await page.locator('[data-testid="netns"][data-ns-name=""]').waitFor();
    await page.locator('[data-testid="overview"]').waitFor({ state: 'detached' });
    expect(await page.locator('[data-testid="netns"][data-ns-name=""]').getAttribute('class')).toMatch(/selected/);
    await screenshot(page, 'overview-zoomed-in');
    await page.keyboard.press('f');
    await page.locator('[data-testid="overview"]').waitFor();
    expect(await page.locator('[data-testid="netns"]').count()).toBe(0);
  });

  it('drags the host, whose cables follow on a canvas while it moves and are cables again where it is dropped', async () => {
    const host = await hostBox();
    await page.mouse.click(host.x, host.y);
    const card = page.locator('[data-testid="netns"][data-ns-name=""]');
    await page.locator('[data-testid="overview"]').waitFor({ state: 'detached' });
    // Cables to cards out of view are not drawn; the host's are all those on the canvas.
    const cables = page.locator('[data-testid="cable"]');
    await expect.poll(() => cables.count()).toBeGreaterThan(0);
    const drawn = await cables.count();
    const before = (await card.locator('.head .title').boundingBox()) as { x: number; y: number };
    await page.mouse.move(before.x + 4, before.y + 4);
    await page.mouse.down();
    await page.mouse.move(before.x + 124, before.y + 64, { steps: 10 });
    const layer = page.locator('[data-testid="hub-drag-cables"]');
    await layer.waitFor();
    expect(await cables.count()).toBe(0);
    // Browser-side code as text: this file is type-checked for Node, not the DOM.
    const painted = (await page.evaluate(`(() => {
      const c = document.querySelector('[data-testid="hub-drag-cables"]');
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]) n++;
      return n;
    })()`)) as number;
    expect(painted).toBeGreaterThan(1000);
    // Picked up, it is drawn over every other card.
    const lifted = await page.evaluate(`(() => {
      const nodes = [...document.querySelectorAll('.vue-flow__node')];
      const z = (n) => Number(getComputedStyle(n).zIndex) || 0;
      const dragged = nodes.find((n) => n.classList.contains('dragging'));
      return !!dragged && nodes.length > 1 && nodes.every((n) => n === dragged || z(n) < z(dragged));
    })()`);
    expect(lifted).toBe(true);
    await screenshot(page, 'overview-hub-drag');
    await page.mouse.up();
    await layer.waitFor({ state: 'detached' });
    await expect.poll(() => cables.count()).toBe(drawn);
    const after = (await card.locator('.head .title').boundingBox()) as { x: number; y: number };
    // Where the pointer left it, less the first step, which only starts the drag.
    expect(after.x - before.x).toBeGreaterThan(95);
    expect(after.x - before.x).toBeLessThan(125);
    expect(after.y - before.y).toBeGreaterThan(45);
    expect(after.y - before.y).toBeLessThan(65);
    await screenshot(page, 'overview-hub-dropped');
  });
});
