/// <reference lib="dom" />
// The window sizes a workshop meets: a 1024×640 laptop, a 1366×768 projector
// and a 1920×1080 screen, light and dark, at every text size. Nothing scrolls
// sideways, every toolbar action stays on screen, the side panel's tabs and
// the Ping panel's Start ping are above the fold, and the minimap covers no card.
import { describe, expect, it } from 'vitest';
import { buildArticleLab } from '../support/article';
import { screenshot } from '../support/web';
import { browserSession } from './app-page';

const session = browserSession();

const SIZES = [
  { width: 1024, height: 640 },
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
];

/** The rendered elements matching `selector` that lie (partly) outside the window: none, when all is well. */
async function offScreen(selector: string): Promise<string[]> {
  return session.page.evaluate((sel) => {
    const shown = [...document.querySelectorAll(sel)].filter((el) => el.getClientRects().length > 0);
    if (!shown.length) return [`nothing matches ${sel}`];
    return shown
      .filter((el) => {
        const r = el.getBoundingClientRect();
        if (r.left < 0 || r.top < 0 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5) return true;
        // Inside the window but clipped by a scrolling panel or covered: what is at its centre is something else.
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !hit || !(el === hit || el.contains(hit));
      })
      .map((el) => el.textContent?.trim() || el.getAttribute('aria-label') || el.tagName);
  }, selector);
}

describe('window sizes', () => {
  it('fits 1024×640, 1366×768 and 1920×1080 in light and dark, at 100, 125 and 150 % text', async () => {
    const { page, app } = session;
    await session.asOtherClient(buildArticleLab);
    await app.card('netns1').waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const size of SIZES) {
        await page.setViewportSize(size);
        for (const scale of ['1', '1.25', '1.5']) {
          await page.locator('[data-field="text-size"]').selectOption(scale);
          await page.keyboard.press('f');
          await app.openTab('ping');
          // Fitting animates for 250 ms: judge the picture once it has settled.
          await page.waitForTimeout(400);
          const where = `${size.width}×${size.height} ${scheme} ${scale}`;
          expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${where}: sideways scroll`).toBe(true);
          expect(await offScreen('.toolbar button, .toolbar input, .toolbar select'), `${where}: toolbar`).toEqual([]);
          expect(await offScreen('[role="tab"]'), `${where}: tabs`).toEqual([]);
          expect(await offScreen('#panel-ping button[type="submit"]'), `${where}: Start ping`).toEqual([]);
          const overlap = await page.evaluate(() => {
            const map = document.querySelector('.vue-flow__minimap')?.getBoundingClientRect();
            if (!map) return false;
            return [...document.querySelectorAll('[data-testid="netns"]')].some((card) => {
              const r = card.getBoundingClientRect();
              return r.left < map.right && r.right > map.left && r.top < map.bottom && r.bottom > map.top;
            });
          });
          expect(overlap, `${where}: the minimap covers a card`).toBe(false);
          if (scale === '1' || (size.width === 1024 && scale === '1.5')) await screenshot(page, `viewport-${size.width}x${size.height}-${scheme}-${Number(scale) * 100}`);
        }
      }
    }
    await page.locator('[data-field="text-size"]').selectOption('1');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('remembers the text size and the theme across a reload, whatever the system says', async () => {
    const { page } = session;
    await page.emulateMedia({ colorScheme: 'light' });
    await page.locator('[data-field="text-size"]').selectOption('1.25');
    await page.locator('[data-field="theme"]').selectOption('dark');
    await page.reload();
    await page.locator('[data-field="text-size"]').waitFor();
    expect(await page.locator('[data-field="text-size"]').inputValue()).toBe('1.25');
    expect(await page.locator('[data-field="theme"]').inputValue()).toBe('dark');
    // The dark theme's background, though the system asks for light.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(20, 24, 30)');
    await screenshot(page, 'theme-dark-chosen');
    await page.locator('[data-field="text-size"]').selectOption('1');
    await page.locator('[data-field="theme"]').selectOption('system');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(244, 246, 249)');
  });
});
