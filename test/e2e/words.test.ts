// Errors in the user's terms, confirmations that say what goes, and the
// stable hooks the issue fixed (data-title, lesson list items).
import { describe, expect, it } from 'vitest';
import { buildArticleLab } from '../support/article';
import { browserSession } from './app-page';

const session = browserSession();

describe('words', () => {
  it('says which namespace already has the name when a veth cannot be made, and keeps the kernel’s text as the detail', async () => {
    const { page, app } = session;
    await session.asOtherClient(buildArticleLab);
    await app.card('netns1').waitFor();
    await page.keyboard.press('v');
    await page.locator('#veth-name').fill('veth0');
    await page.locator('#veth-peer').fill('other0');
    expect(await page.locator('[data-testid="dialog-command"]').textContent()).toMatch(/^ip link add name veth0 type veth peer name other0/);
    await page.getByRole('button', { name: 'Create pair' }).click();
    const toast = app.toast(/host already has an interface named veth0/);
    await toast.waitFor();
    expect(await toast.textContent()).toMatch(/File exists/);
    await page.keyboard.press('Escape');
  });

  it('lists what goes with a namespace before deleting it', async () => {
    const { page, app } = session;
    await app.card('netns1').locator('header').click();
    await page.keyboard.press('Delete');
    expect(await page.locator('[data-testid="confirm-body"]').textContent()).toMatch(/Its interfaces go with it: veth1\. The far ends of its cables go too: veth0 in host\./);
    await page.keyboard.press('Escape');
  });

  it('gives every card its displayed title and every lesson its id', async () => {
    const { page, app } = session;
    expect(await app.card('netns1').getAttribute('data-title')).toBe('netns1');
    expect(await app.card('').getAttribute('data-title')).toBe('host');
    await app.openTab('lessons');
    expect(await page.locator('[data-testid="lesson"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-lesson-id')))).toEqual(['article', 'loopback', 'docker', 'move', 'why']);
  });
});
