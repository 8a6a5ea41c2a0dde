// axe-core on the real page, in light and dark: the walkthrough built, an
// interface selected, each side tab, and a dialog open. No serious or critical
// violation (contrast of text and controls, names, roles, tabs).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildArticleLab } from '../support/article';
import { browserSession } from './app-page';

const session = browserSession();
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Serious and critical violations of WCAG 2.x A and AA on the page as it is now. */
async function violations(): Promise<string[]> {
  const { page } = session;
  // Evaluated through the debugger protocol: the page's CSP (script-src 'self') rightly refuses an inline script.
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE);
  const found = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)`)) as Violation[];
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')}: ${n.failureSummary ?? ''}`));
}

describe('accessibility', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe violations in ${scheme} mode`, async () => {
      const { page, app } = session;
      await page.emulateMedia({ colorScheme: scheme });
      if (!(await app.card('netns1').count())) await session.asOtherClient(buildArticleLab);
      await app.card('netns1').waitFor();
      await app.select('netns1', 'veth1');
      expect(await violations(), 'inspector').toEqual([]);
      await app.openTab('lessons');
      expect(await violations(), 'lessons').toEqual([]);
      await app.openTab('ping');
      expect(await violations(), 'ping').toEqual([]);
      await page.keyboard.press('Escape');
      await page.keyboard.press('v');
      await page.locator('#veth-name').waitFor();
      expect(await violations(), 'veth dialog').toEqual([]);
      await page.keyboard.press('Escape');
    });
  }
});
