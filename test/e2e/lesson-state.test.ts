// Lessons follow the lab: steps done by hand before a lesson opens show as
// done, Reset clears them, "Do it for me" skips what is there already, and
// selecting during a lesson keeps the lesson in view.
import { describe, expect, it } from 'vitest';
import { screenshot } from '../support/web';
import { browserSession } from './app-page';

const session = browserSession();
const stepDone = (i: number) => session.page.locator('[data-testid="lesson-step"]').nth(i).getAttribute('data-done');

describe('lesson state', () => {
  it('shows steps done by hand before the lesson opened, and a step a later one supersedes', async () => {
    const { app } = session;
    await session.asOtherClient(async (client) => {
      await client.call('netns.create', { name: 'netns1' });
      // Step 2 wants both ends in the host "for now"; step 3 moves one: both count as done.
      await client.call('veth.create', { name: 'veth0', peerName: 'veth1', peerNamespace: 'netns1' });
    });
    await app.openLesson('article');
    await expect.poll(() => stepDone(0)).toBe('true');
    expect(await stepDone(1)).toBe('true');
    expect(await stepDone(2)).toBe('true');
    expect(await stepDone(3)).toBe('false');
  });

  it('keeps the Lessons tab when a card is selected, with the inspector under the steps', async () => {
    const { page, app } = session;
    await app.card('netns1').click();
    expect(await page.getByRole('tab', { name: /^Lessons/ }).getAttribute('aria-selected')).toBe('true');
    await page.locator('[data-testid="lessons"]').waitFor();
    await page.locator('#panel-lessons [data-testid="inspector"]').getByText('netns1').first().waitFor();
  });

  it('does for you only what is not done yet, without "File exists"', async () => {
    const { page } = session;
    // Half of step 4 by hand: netns1's address; "Do it for me" adds only the host's.
    await session.asOtherClient((client) => client.call('addr.add', { namespace: 'netns1', ifname: 'veth1', cidr: '10.1.1.1/24' }));
    await page.locator('[data-action="do-step"]').click();
    await expect.poll(() => stepDone(3)).toBe('true');
    expect(
      await page
        .locator('[data-testid="toast"]')
        .filter({ hasText: /File exists|could not finish/ })
        .count(),
    ).toBe(0);
    await screenshot(page, 'lesson-in-place');
  });

  it('clears every tick when the lab is reset, pings included', async () => {
    const { page } = session;
    await page.locator('[data-action="do-step"]').click();
    await expect.poll(() => stepDone(4)).toBe('true');
    await page.locator('[data-action="do-step"]').click();
    await expect.poll(() => stepDone(5), { timeout: 15_000 }).toBe('true');
    await page.locator('[data-action="file-menu"]').click();
    await page.locator('[data-action="reset-lab"]').click();
    await page.getByRole('button', { name: 'Reset the lab', exact: true }).click();
    await expect.poll(() => stepDone(0), { timeout: 15_000 }).toBe('false');
    for (let i = 1; i < 7; i++) expect(await stepDone(i)).toBe('false');
    expect(await page.getByRole('tab', { name: /^Lessons/ }).textContent()).toMatch(/0\/7/);
    // The Ping panel forgets the ping about the lab that is gone.
    await session.app.openTab('ping');
    await page.locator('[data-testid="ping-output"]').waitFor({ state: 'detached' });
    expect(await page.locator('#ping-from option:checked').textContent()).toMatch(/host/);
    await session.app.openTab('lessons');
  });

  it('opens the create dialogs with the current step’s names', async () => {
    const { page } = session;
    await page.keyboard.press('n');
    expect(await page.locator('#ns-name').inputValue()).toBe('netns1');
    await page.keyboard.press('Escape');
    await page.locator('[data-action="do-step"]').click();
    await expect.poll(() => stepDone(0)).toBe('true');
    // Step 2: "Create veth0 and veth1, both in the host for now".
    await page.keyboard.press('v');
    expect(await page.locator('#veth-name').inputValue()).toBe('veth0');
    expect(await page.locator('#veth-peer').inputValue()).toBe('veth1');
    expect(await page.locator('#veth-peer-ns option:checked').textContent()).toMatch(/host/);
    expect(await page.locator('[data-testid="dialog-command"]').textContent()).toBe('ip link add name veth0 type veth peer name veth1');
    await page.keyboard.press('Escape');
  });
});
