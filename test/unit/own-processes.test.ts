// Telling the helpers' own processes from a namespace's holders, with real
// processes: by the mark in their environment, or as this helper's children.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { HELPER_MARK, helperOwned, rememberOwnChild } from '../../electron/helper/own-processes';

const started: ChildProcess[] = [];
/** An idle process: `ip -batch -` waits on its input and touches nothing. */
function idle(program: 'ip' | 'sleep', marked: boolean): number {
  const env = { PATH: process.env.PATH, ...(marked ? { [HELPER_MARK]: '1' } : {}) };
  const child = spawn(program, program === 'ip' ? ['-batch', '-'] : ['30'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  started.push(child);
  return child.pid as number;
}

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

describe('own processes', () => {
  it("counts a tool carrying the helpers' mark as theirs, not one without it, nor a program that is no tool", async () => {
    expect(await helperOwned(idle('ip', true))).toBe(true);
    expect(await helperOwned(idle('ip', false))).toBe(false);
    expect(await helperOwned(idle('sleep', true))).toBe(false);
  });

  it('knows its own long-lived children without reading their environment, until they exit', async () => {
    const child = spawn('sleep', ['30'], { env: { PATH: process.env.PATH }, stdio: 'ignore' });
    started.push(child);
    rememberOwnChild(child);
    const pid = child.pid as number;
    expect(await helperOwned(pid)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await helperOwned(pid)).toBeNull();
  });
});
