// Every shipped lesson, completed in the browser with "Do it for me": each
// step's own calls run through the helper, and its check ticks from the live state.
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLesson } from '../../shared/lesson';
import { screenshot } from '../support/web';
import { AppPage, browserSession } from './app-page';

const dir = new URL('../../lessons/', import.meta.url);
const shipped = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parseLesson(readFileSync(new URL(f, dir), 'utf8')));

const session = browserSession();
let page: Page;
let app: AppPage;

beforeAll(() => {
  ({ page, app } = session);
});

describe('lessons in the browser', () => {
  it.each(shipped.map((l) => [l.id, l] as const))(
    'completes "%s" step by step',
    async (_id, lesson) => {
      await app.openLesson(lesson.id);
      for (let i = 0; i < lesson.steps.length; i++) {
        const step = page.locator('[data-testid="lesson-step"]').nth(i);
        await expect.poll(() => step.getAttribute('data-done')).toBe('false');
        await page.locator('[data-action="hint"]').click();
        expect(await page.locator('[data-testid="lessons"] .commands').textContent()).toBe(lesson.steps[i]?.commands.join('\n'));
        await page.locator('[data-action="do-step"]').click();
        // Pings take a moment, and a step that builds a whole lab (why: 44 calls) longer: the step ticks when the kernel (or the ping) says so.
        await expect.poll(() => step.getAttribute('data-done'), { timeout: 45_000 }).toBe('true');
        if (app && i === 2 && lesson.id === 'docker') await screenshot(page, 'lesson-docker');
      }
      await page.locator('[data-testid="lesson-complete"]').waitFor();
    },
    180_000,
  );
});
