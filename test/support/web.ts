// Starts `npm run web -- --lab` (its built output) and Debian's Chromium, for end-to-end tests.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './helper';

export const CHROMIUM = '/usr/bin/chromium';
export const RESULTS = `${ROOT}test-results`;

export interface WebApp {
  url: string;
  origin: string;
  /** The bridge, which builds its helper's lab itself: hop 1's holder and hop 2 are its children (see labPids). */
  process: ChildProcessWithoutNullStreams;
  stop(): Promise<void>;
}

/** Starts the web bridge (after `wrap`, a command that runs it, if given: e.g. into a sandbox). */
export async function startWeb(args: string[] = ['--lab', '--port=0'], wrap: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<WebApp> {
  const script = `${ROOT}out/web/web.mjs`;
  if (!existsSync(script) || !existsSync(`${ROOT}out/renderer/index.html`)) throw new Error('out/ is missing: run "npm run build" first');
  const [program, ...rest] = [...wrap, process.execPath, script, ...args];
  const child = spawn(program as string, rest, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^Netns Explorer: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/.exec(line);
      if (match) resolve(match[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`web exited with ${code}:\n${stderr}`)));
  });
  // Wait for the helper too, so the first page load finds it ready.
  for (let i = 0; i < 100 && !stderr.includes('ready ('); i++) await new Promise((r) => setTimeout(r, 50));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url,
    origin: new URL(url).origin,
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Debian's Chromium, headless. With `netnsOf`, it runs in that process's
 * network namespace (a sandbox's, where its web bridge listens on loopback).
 */
export async function launchChromium(netnsOf?: number): Promise<Browser> {
  mkdirSync(RESULTS, { recursive: true });
  let executablePath = CHROMIUM;
  if (netnsOf !== undefined) {
    // Playwright runs one executable with its own arguments and pipes: a two-line wrapper enters the namespace first.
    executablePath = join(mkdtempSync(join(tmpdir(), 'netns-explorer-chromium-')), 'chromium');
    writeFileSync(executablePath, `#!/bin/sh\nexec nsenter --target=${netnsOf} --net -- ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = `${RESULTS}/${name}.png`;
  await page.screenshot({ path });
  return path;
}
