// A namespace held by a process, the way a container's is: started from the
// UI, cabled to the host, and each end of the cable pointing at the other.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../support/web';
import { AppPage, browserSession } from './app-page';

const session = browserSession();
let page: Page;
let app: AppPage;

beforeAll(async () => {
  ({ page, app } = session);
});

describe('containers in the browser', () => {
  it('starts an unnamed namespace held by a process, labelled by its holder', async () => {
    await page.keyboard.press('n');
    await page.locator('[data-action="spawn"]').click();
    const card = page.locator('[data-testid="netns"]').filter({ hasText: /sleep, pid \d+/ });
    await card.waitFor();
    expect(await card.textContent()).toContain('unnamed');
    await page.locator('[data-testid="holders"]').getByText('sleep').waitFor();
  });

  it('cables it to the host, and selecting either end marks the other', async () => {
    const label = (
      await page
        .locator('[data-testid="netns"]')
        .filter({ hasText: /sleep, pid \d+/ })
        .locator('.title')
        .textContent()
    )?.trim() as string;
    const id = (await page
      .locator('[data-testid="netns"]')
      .filter({ hasText: /sleep, pid \d+/ })
      .getAttribute('data-ns-name')) as string;
    await app.newVethPair('vethc0', 'eth0', '', label);
    await app.iface(id, 'eth0').waitFor();
    await app.cable(`/vethc0 ${id}/eth0`).waitFor({ state: 'attached' });
    await app.select(id, 'eth0');
    await expect.poll(() => app.iface('', 'vethc0').getAttribute('class')).toMatch(/\bpeer\b/);
    await app.select('', 'vethc0');
    await expect.poll(() => app.iface(id, 'eth0').getAttribute('class')).toMatch(/\bpeer\b/);
    expect(await page.locator('[data-testid="inspector"]').textContent()).toContain(`Other end: ${label}/eth0`);
    await screenshot(page, 'container-cable');
  });
});
