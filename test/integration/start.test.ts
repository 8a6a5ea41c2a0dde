// npm start always starts the app: without Electron's binary (as here, where it
// cannot be downloaded) or a display, it says so in one line and serves the
// same UI in web mode.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/helper';

describe('npm start', () => {
  it('falls back to web mode in one line, prints the URL, and serves the app', async () => {
    const env = { ...process.env };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, [`${ROOT}scripts/start.mjs`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        const found = /^Netns Explorer: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/.exec(line)?.[1];
        if (found) resolve(found);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    expect(lines[0]).toMatch(/^Netns Explorer: (Electron's binary is not installed here|there is no display).*runs in web mode/);
    const status = await new Promise<number>((resolve, reject) => {
      request(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
