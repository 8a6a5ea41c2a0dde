import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pidChanges, processCounters } from '../../electron/helper/process-watch';

const recorded = (name: string) => readFileSync(new URL(`../fixtures/proc/${name}`, import.meta.url), 'utf8');

describe('the /proc watch', () => {
  it('reads the kernel-wide fork and thread counts, which any new or ended process moves', () => {
    const stat = recorded('stat');
    const loadavg = recorded('loadavg');
    const forks = /^processes (\d+)$/m.exec(stat)?.[1];
    const threads = loadavg.split(' ')[3]?.split('/')[1];
    expect(processCounters(stat, loadavg)).toBe(`${forks}/${threads}`);
    // One more fork, or one thread fewer: a different reading, so /proc is listed again.
    expect(processCounters(stat.replace(`processes ${forks}`, `processes ${Number(forks) + 1}`), loadavg)).not.toBe(processCounters(stat, loadavg));
    expect(processCounters(stat, loadavg.replace(`/${threads} `, `/${Number(threads) - 1} `))).not.toBe(processCounters(stat, loadavg));
  });

  it('tells which pids came and went between two listings', () => {
    expect(pidChanges(new Set([1, 2, 3]), [2, 3, 4])).toEqual({ added: [4], removed: [1] });
  });
});
