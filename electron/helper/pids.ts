// In host mode the helper lives in a pid namespace of its own while /proc
// still shows the machine's: the pids Node gives for its children are then not
// the ones /proc lists. This maps one to the other, and waits for a child of
// unshare to be in its new namespaces.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { readlinkSync } from 'node:fs';

/** This process's pid as the mounted /proc numbers it (the machine's, in host mode). */
export function procSelfPid(): number {
  return Number(readlinkSync('/proc/self'));
}

/** Whether the mounted /proc numbers processes as this process's own pid namespace does. */
function procMatchesOwnPids(): boolean {
  try {
    return procSelfPid() === process.pid;
  } catch {
    return true;
  }
}

/** The first and last fields of a status file's NSpid line: the pid as /proc numbers it, and as its own namespace does. */
export function nsPids(status: string): { outer: number; inner: number } | null {
  const line = /^NSpid:\s+(.+)$/m.exec(status)?.[1];
  const pids = line?.trim().split(/\s+/).map(Number);
  return pids?.length ? { outer: pids[0] as number, inner: pids[pids.length - 1] as number } : null;
}

/** The /proc pid of a process that the helper's own pid namespace calls `pid`; null when it is gone. */
export async function procPid(pid: number): Promise<number | null> {
  if (procMatchesOwnPids()) return pid;
  const own = await readlink('/proc/self/ns/pid');
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ids = nsPids(await readFile(`/proc/${entry}/status`, 'utf8').catch(() => ''));
    if (ids?.inner !== pid) continue;
    if ((await readlink(`/proc/${entry}/ns/pid`).catch(() => '')) === own) return ids.outer;
  }
  return null;
}

/**
 * unshare makes its namespaces, then execs the program it was given: waits
 * until the child Node calls `pid` runs `program` in a `kind` namespace other
 * than this process's. Until then it is an `unshare`: entering its namespaces
 * would enter ours, and no listing counts it as a holder. Resolves to that
 * namespace ("net:[…]"), or null when it does not within `timeoutMs` or
 * `ended()` says it exited.
 */
export async function untilUnshared(pid: number, kind: 'net' | 'user', program: string, timeoutMs: number, ended: () => boolean = () => false): Promise<string | null> {
  const own = await readlink(`/proc/self/ns/${kind}`);
  const end = performance.now() + timeoutMs;
  while (performance.now() < end && !ended()) {
    const shown = await procPid(pid);
    if (shown !== null) {
      const [link, comm] = await Promise.all([readlink(`/proc/${shown}/ns/${kind}`).catch(() => null), readFile(`/proc/${shown}/comm`, 'utf8').catch(() => '')]);
      if (link !== null && link !== own && comm.trim() === program) return link;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}
