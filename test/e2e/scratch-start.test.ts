import { it } from 'vitest';
import { launchChromium, startWeb } from '../support/web';
it('start', async () => {
  const web = await startWeb();
  const browser = await launchChromium();
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(web.url);
    await page.waitForSelector('[data-ready]', { timeout: 60000 });
    await page.waitForTimeout(200);
    console.log('START', await page.evaluate(`JSON.stringify({
      nav: (() => { const n = performance.getEntriesByType('navigation')[0]; return { responseEnd: Math.round(n.responseEnd), dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) }; })(),
      res: performance.getEntriesByType('resource').map((r) => [r.name.split('/').pop().slice(0, 30), Math.round(r.startTime), Math.round(r.responseEnd)]),
      marks: performance.getEntries().filter((e) => e.entryType === 'mark').map((e) => [e.name, Math.round(e.startTime)]),
      paint: performance.getEntriesByType('paint').map((e) => [e.name, Math.round(e.startTime)]),
    })`));
    await context.close();
  }
  await browser.close();
  await web.stop();
}, 120000);
