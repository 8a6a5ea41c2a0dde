// A shell in the lab from the browser: typed ip commands change the graph,
// and a lesson ticks from commands typed by hand.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLesson } from '../../shared/lesson';
import { screenshot } from '../support/web';
import { AppPage, browserSession } from './app-page';

const session = browserSession();
let page: Page;
let app: AppPage;

beforeAll(() => {
  ({ page, app } = session);
});

async function typeLine(line: string): Promise<void> {
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type(`${line}\n`);
}

describe('the terminal', () => {
  it('opens a shell in the lab host and runs what is typed', async () => {
    await page.locator('[data-tab="terminal"]').click();
    await page.locator('[data-action="open-terminal"]').click();
    await page.locator('[data-terminal-tab="host"]').waitFor();
    await expect.poll(() => page.locator('.xterm-rows').innerText()).toMatch(/\[lab host\] .*\$/);
    await typeLine('ip netns add typed1 && echo made');
    await expect.poll(() => page.locator('.xterm-rows').innerText()).toMatch(/^made$/m);
    await app.card('typed1').waitFor();
  });

  it('ticks a lesson from commands typed by hand', async () => {
    const lesson = parseLesson(readFileSync(new URL('../../lessons/4-move.yaml', import.meta.url), 'utf8'));
    await page.locator('[data-tab="lessons"]').click();
    await page.locator(`[data-lesson="${lesson.id}"]`).click();
    for (const [i, step] of lesson.steps.entries()) {
      for (const command of step.commands) await typeLine(command);
      await expect.poll(() => page.locator('[data-testid="lesson-step"]').nth(i).getAttribute('data-done'), { timeout: 10_000 }).toBe('true');
    }
    await page.locator('[data-testid="lesson-complete"]').waitFor();
    await screenshot(page, 'terminal-lesson');
  });
});
