/// <reference lib="dom" />
// A dense lab laid out by Arrange: a router namespace with six neighbours and a
// Docker-style bridge with eight "containers". Checked geometrically: no two
// cards overlap, and no cable passes under a card that is not one of its ends.
import { describe, expect, it } from 'vitest';
import type { NetnsClient } from '../../shared/protocol';
import { screenshot } from '../support/web';
import { browserSession } from './app-page';

const session = browserSession();

async function buildDenseLab(client: NetnsClient): Promise<void> {
  await client.call('netns.create', { name: 'hub' });
  await client.call('veth.create', { name: 'up0', peerName: 'hub0', peerNamespace: 'hub' });
  for (let i = 1; i <= 6; i++) {
    await client.call('netns.create', { name: `n${i}` });
    await client.call('veth.create', { namespace: 'hub', name: `h${i}`, peerName: 'eth0', peerNamespace: `n${i}` });
  }
  await client.call('bridge.create', { name: 'br0' });
  for (let i = 1; i <= 8; i++) {
    await client.call('netns.create', { name: `c${i}` });
    await client.call('veth.create', { name: `vc${i}`, peerName: 'eth0', peerNamespace: `c${i}` });
    await client.call('link.setMaster', { ifname: `vc${i}`, master: 'br0' });
  }
}

/** What is wrong with the picture: overlapping cards, and cables under cards that are not their ends. */
const geometry = () =>
  session.page.evaluate(() => {
    const cards = [...document.querySelectorAll<HTMLElement>('[data-testid="netns"]')].map((el) => ({ attr: el.dataset.nsName ?? '', title: el.dataset.title ?? '', box: el.getBoundingClientRect() }));
    const found: string[] = [];
    for (const [i, a] of cards.entries()) {
      for (const b of cards.slice(i + 1)) {
        if (a.box.left < b.box.right && b.box.left < a.box.right && a.box.top < b.box.bottom && b.box.top < a.box.bottom) found.push(`cards ${a.title} and ${b.title} overlap`);
      }
    }
    for (const g of document.querySelectorAll<SVGGElement>('[data-testid="cable"]')) {
      const path = g.querySelector<SVGPathElement>('path.wire');
      const ends = (g.dataset.ends ?? '').split(' ');
      if (!path) continue;
      const length = path.getTotalLength();
      const matrix = path.getScreenCTM();
      if (!matrix) continue;
      for (let t = 0.04; t < 0.97; t += 0.03) {
        const p = path.getPointAtLength(length * t).matrixTransform(matrix);
        // A few pixels inside the edge: a cable may touch a card's border at its handle.
        const under = cards.find((c) => p.x > c.box.left + 4 && p.x < c.box.right - 4 && p.y > c.box.top + 4 && p.y < c.box.bottom - 4);
        if (under && !ends.some((e) => e.startsWith(`${under.attr}/`))) {
          found.push(`cable ${g.dataset.ends} passes under ${under.title}`);
          break;
        }
      }
    }
    return found;
  });

describe('layout of a dense lab', () => {
  it('has no overlapping cards and no cable under a card that is not one of its ends', async () => {
    const { page } = session;
    await session.asOtherClient(buildDenseLab);
    // The last change pushed: the bridge's switch has all eight ports. Arranging earlier would leave late arrivals where they fell.
    await page.locator('[data-testid="switch"] .count').filter({ hasText: /^8$/ }).waitFor();
    await page.locator('[data-action="arrange"]').click();
    await page.locator('[data-arranged="1"]').waitFor();
    await screenshot(page, 'layout-dense');
    expect(await geometry(), 'zoomed out, compact cards').toEqual([]);
    // Zoomed in far enough for full cards, with their port rows.
    for (let i = 0; i < 8 && !(await page.locator('[data-testid="netns"] .ports').count()); i++) {
      await page.getByRole('button', { name: 'Zoom in' }).click();
      await page.waitForTimeout(250);
    }
    expect(await page.locator('[data-testid="netns"] .ports').count()).toBeGreaterThan(0);
    await page.waitForTimeout(300);
    await screenshot(page, 'layout-dense-full');
    expect(await geometry(), 'full cards').toEqual([]);
  });
});
