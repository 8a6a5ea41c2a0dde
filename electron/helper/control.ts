// The lab's control socket: how `npm run lab -- shell|apply` reaches a running
// lab from an ordinary terminal. It lives in a directory only the user can
// open, and a pointer file says where.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the pointer to the running lab's socket is kept (tests set their own). */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NETNS_EXPLORER_RUNTIME_DIR ?? env.XDG_RUNTIME_DIR ?? tmpdir();
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

export function readPointer(env: NodeJS.ProcessEnv = process.env): Pointer | null {
  try {
    return JSON.parse(readFileSync(pointerPath(env), 'utf8')) as Pointer;
  } catch {
    return null;
  }
}
