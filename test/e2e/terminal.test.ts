// A shell in the lab from the browser: typed ip commands change the graph,
// and a lesson ticks from commands typed by hand.
import { readdirSync, readFileSync } from 'node:fs';
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

  // Every shipped lesson, this time through the commands it teaches, typed by hand (pings included).
  const lessons = readdirSync(new URL('../../lessons/', import.meta.url))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parseLesson(readFileSync(new URL(`../../lessons/${f}`, import.meta.url), 'utf8')));

  it.each(lessons.map((l) => [l.id, l] as const))(
    'ticks "%s" from commands typed by hand',
    async (_id, lesson) => {
      await app.openLesson(lesson.id);
      for (const [i, step] of lesson.steps.entries()) {
        for (const command of step.commands) await typeLine(command);
        await expect.poll(() => page.locator('[data-testid="lesson-step"]').nth(i).getAttribute('data-done'), { timeout: 15_000 }).toBe('true');
      }
      await page.locator('[data-testid="lesson-complete"]').waitFor();
      if (lesson.id === 'move') await screenshot(page, 'terminal-lesson');
    },
    90_000,
  );
});
