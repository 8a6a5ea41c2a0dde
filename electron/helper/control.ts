// The lab's control socket: how `npm run lab -- shell|apply` reaches a running
// lab from an ordinary terminal. It lives in a directory only the user can
// open, and a pointer file says where.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A directory that only this user can open: anything else there could be someone else's trap. */
export function privateDir(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && st.uid === (process.getuid?.() ?? st.uid) && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/**
 * Where the pointer to the running lab's socket is kept: the user's runtime
 * directory, or a 0700 directory of theirs in /tmp (tests set their own).
 */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.NETNS_EXPLORER_RUNTIME_DIR ?? env.XDG_RUNTIME_DIR;
  if (chosen) return chosen;
  const own = join(tmpdir(), `netns-explorer-${process.getuid?.() ?? 'user'}`);
  mkdirSync(own, { recursive: true, mode: 0o700 });
  if (!privateDir(own)) throw new Error(`${own} is not a private directory of yours: refusing to use it`);
  return own;
}

export function pointerPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(runtimeDir(env), 'netns-explorer-lab.json');
}

export interface Pointer {
  socket: string;
  pid: number;
}

/**
 * Made by the helper before it enters the lab, where /run may be hidden: a
 * 0700 directory in /tmp for the socket, and the pointer file (0600).
 */
export function prepareControl(pid: number, env: NodeJS.ProcessEnv = process.env): { socket: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'netns-explorer-'));
  chmodSync(dir, 0o700);
  const socket = join(dir, 'lab.sock');
  const pointer = pointerPath(env);
  writeFileSync(pointer, JSON.stringify({ socket, pid } satisfies Pointer), { mode: 0o600 });
  return {
    socket,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      // Another lab may have started since and taken the pointer: leave theirs alone.
      if (readPointer(env)?.socket === socket) rmSync(pointer, { force: true });
    },
  };
}

/** The running lab's socket, if the pointer is there and the socket sits in a directory only this user can open. */
export function readPointer(env: NodeJS.ProcessEnv = process.env): Pointer | null {
  try {
    const pointer = JSON.parse(readFileSync(pointerPath(env), 'utf8')) as Pointer;
    return privateDir(join(pointer.socket, '..')) ? pointer : null;
  } catch {
    return null;
  }
}
