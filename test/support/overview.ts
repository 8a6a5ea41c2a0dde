// Finding a card in the overview (a canvas, no element per card): the host's
// box is the one drawn in the accent's soft colour.
import type { Page } from 'playwright-core';

/** Where the overview drew the host's card, in page coordinates, a few pixels inside it. */
export async function overviewHostBox(page: Page): Promise<{ x: number; y: number }> {
  // Browser-side code as text: this file is type-checked for Node, not the DOM.
  const found = (await page.evaluate(`(() => {
    const canvas = document.querySelector('[data-testid="overview"]');
    if (!canvas) return null;
    const probe = document.createElement('span');
    probe.style.color = 'var(--accent-soft)';
    document.body.append(probe);
    const [r, g, b] = (getComputedStyle(probe).color.match(/\\d+/g) || []).map(Number);
    probe.remove();
    const { width, height } = canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] === r && data[i + 1] === g && data[i + 2] === b) {
        const rect = canvas.getBoundingClientRect();
        const scale = rect.width / width;
        return { x: rect.left + ((i / 4) % width) * scale + 3, y: rect.top + Math.floor(i / 4 / width) * scale + 3 };
      }
    }
    return null;
  })()`)) as { x: number; y: number } | null;
  if (!found) throw new Error('the overview drew no host card');
  return found;
}
