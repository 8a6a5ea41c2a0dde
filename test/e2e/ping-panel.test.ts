// The Ping panel follows the lab: a From that goes away falls back to the host,
// output about a lab that is gone is cleared, and Start ping says why it cannot run.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildArticleLab } from '../support/article';
import { browserSession } from './app-page';

const session = browserSession();

beforeAll(() => session.asOtherClient(buildArticleLab));

describe('the Ping panel', () => {
  it('says why Start ping cannot run instead of doing nothing', async () => {
    const { page, app } = session;
    await app.openTab('ping');
    const start = page.getByRole('button', { name: 'Start ping' });
    await page.locator('#ping-target').fill('');
    expect(await start.isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="ping-blocked"]').textContent()).toMatch(/Type an address to ping/);
    await page.locator('#ping-target').fill('10.1.1.');
    expect(await page.locator('[data-testid="ping-blocked"]').textContent()).toMatch(/To must be an IPv4 or IPv6 address/);
  });

  it('falls back to the host when its From goes away, and forgets output and a To that went with it', async () => {
    const { page, app } = session;
    await app.card('netns1').click();
    await app.openTab('ping');
    await page.locator('#ping-target').fill('10.1.1.2');
    await page.locator('#ping-count').fill('1');
    await page.getByRole('button', { name: 'Start ping' }).click();
    await page.locator('[data-testid="ping-summary"]').waitFor();
    expect(await page.locator('#ping-from option:checked').textContent()).toMatch(/netns1/);
    await session.asOtherClient((client) => client.call('netns.delete', { name: 'netns1' }));
    await page.locator('[data-testid="ping-output"]').waitFor({ state: 'detached' });
    expect(await page.locator('#ping-from option:checked').textContent()).toMatch(/host/);
    expect(await page.locator('#ping-target').inputValue()).toBe('');
    expect(await page.getByRole('button', { name: 'Start ping' }).isDisabled()).toBe(true);
  });
});
