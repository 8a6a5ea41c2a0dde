// Saving the lab as a file, emptying it, and opening the file again, in the browser.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromTopology, parseTopologyFile } from '../../shared/topology-file';
import { connectBridge } from '../support/rpc-socket';
import { RESULTS, type WebApp } from '../support/web';
import { AppPage, browserSession } from './app-page';

const session = browserSession();
let page: Page;
let app: AppPage;
let web: WebApp;
let saved = '';

beforeAll(async () => {
  ({ page, app, web } = session);
  await page.locator('[data-action="build-example"]').click();
  await app.toast(/example is ready/).waitFor();
});

async function helperView() {
  const bridge = await connectBridge(web.url, web.origin);
  try {
    return fromTopology(await bridge.client.call('snapshot', {}));
  } finally {
    bridge.close();
  }
}

describe('lab files in the browser', () => {
  it('saves the lab as a YAML topology file', async () => {
    await page.locator('[data-action="file-menu"]').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="save-topology"]').click()]);
    expect(download.suggestedFilename()).toMatch(/^netns-lab-.*\.yaml$/);
    saved = await download.path().then((path) => readFileSync(path, 'utf8'));
    expect(parseTopologyFile(saved)).toEqual(await helperView());
  });

  it('resets the lab to its empty start', async () => {
    await page.locator('[data-action="file-menu"]').click();
    await page.locator('[data-action="reset-lab"]').click();
    await page.getByRole('button', { name: 'Reset the lab' }).click();
    await page.locator('[data-testid="empty-state"]').waitFor();
    expect(await page.locator('[data-testid="netns"]').count()).toBe(1);
  });

  it('opens the file again, step by step, to the same lab', async () => {
    await page.locator('[data-field="topology-file"]').setInputFiles({ name: 'article.yaml', mimeType: 'application/yaml', buffer: Buffer.from(saved) });
    await page.getByRole('button', { name: 'Replace the lab' }).click();
    await app.toast(/Opened article.yaml/).waitFor();
    await app.cable('/veth0 netns1/veth1').waitFor({ state: 'attached' });
    expect(await helperView()).toEqual(parseTopologyFile(saved));
  });

  it('exports the graph as PNG and SVG pictures', async () => {
    const exportAs = async (kind: 'png' | 'svg') => {
      await page.locator('[data-action="file-menu"]').click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-action="export-${kind}"]`).click()]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^netns-lab-.*\\.${kind}$`));
      return readFileSync(await download.path());
    };
    // Something selected on screen: the pictures leave it out.
    await app.select('netns1', 'veth1');
    const svg = (await exportAs('svg')).toString();
    // Real shapes and text a vector editor can change, not HTML in a foreignObject.
    expect(svg).not.toMatch(/foreignObject|selected/);
    expect(svg).toMatch(/^<svg [^>]*viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"/);
    expect(svg).toMatch(/<text [^>]*>netns1<\/text>/);
    expect(svg).toMatch(/<text [^>]*>veth1<\/text>/);
    expect(svg).toMatch(/<text [^>]*>10\.1\.1\.1\/24<\/text>/);
    expect(svg).toMatch(/<path class="cable" d="M[^"]+" fill="none" stroke="rgb\(/);
    const [, , , width, height] = /viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"/.exec(svg) ?? [];
    // Two cards side by side with a 24 px margin: tight, not the window's size.
    expect(Number(width)).toBeLessThan(1000);
    expect(Number(height)).toBeLessThan(400);
    const png = await exportAs('png');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // Width and height sit in the IHDR chunk: the drawing at twice its size.
    expect(png.readUInt32BE(16)).toBe(Math.ceil(Number(width) * 2));
    expect(png.readUInt32BE(20)).toBe(Math.ceil(Number(height) * 2));
    // Kept for a person to look at.
    writeFileSync(`${RESULTS}/export.png`, png);
    writeFileSync(`${RESULTS}/export.svg`, svg);
  });

  it('says which line of a broken file is wrong', async () => {
    await page.locator('[data-field="topology-file"]').setInputFiles({ name: 'broken.yaml', mimeType: 'application/yaml', buffer: Buffer.from('namespaces:\n  - name: netns1\n    lo: sideways\n') });
    await app.toast(/line 3: namespaces\.0\.lo/).waitFor();
  });
});
