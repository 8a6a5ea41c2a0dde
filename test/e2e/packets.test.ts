// Packets and focus in the browser: capture from the inspector, ping, read the
// list, save the pcap; filter and focus the graph.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../support/web';
import { hasNetem } from '../support/kernel';
import { AppPage, browserSession } from './app-page';

const session = browserSession();
let page: Page;
let app: AppPage;

beforeAll(async () => {
  ({ page, app } = session);
  await page.locator('[data-action="build-example"]').click();
  await app.toast(/example is ready/).waitFor();
});

describe('capture in the browser', () => {
  it('captures on veth1 inside netns1 while the host pings it, and lists the packets', async () => {
    await app.select('netns1', 'veth1');
    await page.locator('[aria-label="Capture filter (BPF)"]').fill('icmp');
    await page.locator('[data-action="capture"]').click();
    await page.locator('[data-testid="capture-panel"] [data-capture="netns1/veth1"]').waitFor();
    await app.openTab('ping');
    await page.locator('#ping-from').selectOption({ label: 'host' });
    await page.locator('#ping-target').fill('10.1.1.1');
    await page.locator('#ping-count').fill('3');
    await page.getByRole('button', { name: 'Start ping' }).click();
    await page.locator('[data-testid="ping-summary"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('[data-testid="packet"]').count(), { timeout: 5000 }).toBeGreaterThanOrEqual(6);
    const rows = await page.locator('[data-testid="packet"]').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => [r[1], r[2], r[3]])).toEqual([
      ['10.1.1.2', '10.1.1.1', 'ICMP'],
      ['10.1.1.1', '10.1.1.2', 'ICMP'],
      ['10.1.1.2', '10.1.1.1', 'ICMP'],
      ['10.1.1.1', '10.1.1.2', 'ICMP'],
      ['10.1.1.2', '10.1.1.1', 'ICMP'],
      ['10.1.1.1', '10.1.1.2', 'ICMP'],
    ]);
    await screenshot(page, 'capture');
  });

  it('stops the capture and saves it as a pcap that tcpdump reads', async () => {
    await page.locator('[data-action="stop-capture"]').click();
    await page
      .locator('[data-testid="capture-panel"]')
      .getByText(/ended: stopped, 6 packets/)
      .waitFor();
    await page.locator('[data-action="save-capture"]').click();
    const path = join(mkdtempSync(join(tmpdir(), 'netns-explorer-e2e-')), 'veth1.pcap');
    await page.locator('#save-path').fill(path);
    await page.locator('#save-path').press('Enter');
    await app.toast(/Capture saved/).waitFor();
    expect(existsSync(path)).toBe(true);
    const read = execFileSync('tcpdump', ['-r', path, '-n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(read.trim().split('\n')).toHaveLength(6);
  });

  it('shows a netem delay on the cable where the kernel has netem, says so where it does not, and shows a tbf rate limit', async () => {
    await app.select('', 'veth0');
    await page.locator('[aria-label="Delay in ms"]').fill('100');
    await page.locator('[data-action="impair"]').click();
    if (hasNetem()) await app.cable('/veth0 netns1/veth1').locator('.badge', { hasText: 'veth0: 100 ms' }).waitFor({ state: 'attached' });
    else await app.toast(/netem is not available in this kernel/).waitFor();
    await page.locator('[aria-label="Delay in ms"]').fill('');
    await page.locator('[aria-label="Rate in kbit/s"]').fill('2000');
    await page.locator('[data-action="impair"]').click();
    await app.cable('/veth0 netns1/veth1').locator('.badge', { hasText: 'veth0: 2 Mbit/s' }).waitFor({ state: 'attached' });
  });
});

describe('the cable menu', () => {
  it('starts a capture on either end of a cable', async () => {
    // A quarter of the way along: the middle carries the rate badge.
    const wire = await app.cable('/veth0 netns1/veth1').locator('.wire').boundingBox();
    if (!wire) throw new Error('no cable on screen');
    await page.mouse.click(wire.x + wire.width / 4, wire.y + wire.height / 2);
    const menu = page.locator('[data-testid="cable-menu"]');
    await menu.waitFor();
    await menu.getByRole('menuitem', { name: 'Capture on host/veth0' }).click();
    await page.locator('[data-testid="capture-panel"] [data-capture="host/veth0"]').waitFor();
    expect(await menu.count()).toBe(0);
    await page.locator('[data-action="stop-capture"]').click();
  });
});

describe('focus and filters', () => {
  it('filters the graph by text and focuses on a namespace and its neighbours, through live updates', async () => {
    await page.locator('[data-action="new-netns"]').click();
    await page.locator('#ns-name').fill('lonely');
    await page.locator('#ns-name').press('Enter');
    await app.card('lonely').waitFor();
    await page.locator('[data-field="graph-filter"]').fill('lonely');
    await expect.poll(() => page.locator('[data-testid="netns"]').count()).toBe(1);
    expect(await app.card('lonely').count()).toBe(1);
    await page.locator('[data-field="graph-filter"]').fill('');
    await app.card('netns1').waitFor();
    await app.card('netns1').locator('header').click();
    await page.locator('[data-action="focus"]').click();
    await expect.poll(() => page.locator('[data-testid="netns"]').count()).toBe(2);
    expect(await app.card('lonely').count()).toBe(0);
    // A live change keeps the focus.
    await page.locator('[data-action="refresh"]').click();
    await page.waitForTimeout(300);
    expect(await page.locator('[data-testid="netns"]').count()).toBe(2);
    await page.keyboard.press('Escape');
    await app.card('lonely').waitFor();
  });
});
