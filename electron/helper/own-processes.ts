// The helper's own processes (its `ip` queries, pings, captures, the tools
// under a terminal), and those of any other running helper, are never a
// namespace's holders: they come and go with each read and mean nothing to the user.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Set in the environment of every process a helper starts, so any helper can tell them apart. */
export const HELPER_MARK = 'NETNS_EXPLORER_HELPER';

/** The programs a helper runs. One of them carrying the mark is a helper's; a shell or a `sleep` it keeps is not. */
export const TOOLS: ReadonlySet<string> = new Set(['ip', 'tc', 'nsenter', 'unshare', 'tcpdump', 'ping', 'nft', 'sysctl', 'setpriv', 'script', 'podman']);

/** Command name, state letter and parent pid from /proc/PID/stat; null when the process is gone. */
export function parseStat(stat: string): { comm: string; state: string; ppid: number } | null {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const [state = '', ppid] = stat.slice(close + 2).split(' ');
  return Number.isInteger(Number(ppid)) ? { comm: stat.slice(open + 1, close), state, ppid: Number(ppid) } : null;
}

/** Whether an environment block (/proc/PID/environ) carries the helpers' mark. */
export function carriesMark(environ: string): boolean {
  return environ.split('\0').some((entry) => entry.startsWith(`${HELPER_MARK}=`));
}

/** This helper's long-lived children (readers), by pid: the first listing after they start would read /proc twice for each. */
const children = new Set<number>();

/**
 * Remembers a child as this helper's own until it exits. Node forgets the
 * pid in the same turn as it reaps the child, so the pid cannot be reused
 * by another process while it is remembered.
 */
export function rememberOwnChild(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  children.add(pid);
  child.once('exit', () => children.delete(pid));
}

/**
 * Whether a process is a tool some helper runs, judged by its name first so
 * most processes cost one read; null when it is gone (or exiting: a zombie
 * still listed holds nothing).
 */
export async function helperOwned(pid: number): Promise<boolean | null> {
  if (children.has(pid)) return true;
  const stat = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
  if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
  if (!TOOLS.has(stat.comm)) return false;
  return carriesMark(await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => ''));
}
