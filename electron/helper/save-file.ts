// Writes a file the user asked for (a saved capture) without trusting the path:
// regular files only, never through a symlink, never blocking the helper on a
// FIFO or a device, and in host mode as the user who asked, not as root.
import { constants } from 'node:fs';
import { lstat, open, readFile } from 'node:fs/promises';
import { ErrorCode, RpcError } from '../../shared/protocol';
import type { IpRunner } from './ip';

/** The user pkexec ran the helper for, with their primary group from /etc/passwd; null when pkexec did not start it. */
export async function pkexecUser(env: NodeJS.ProcessEnv = process.env): Promise<{ uid: number; gid: number } | null> {
  const uid = Number(env.PKEXEC_UID);
  if (!env.PKEXEC_UID || !Number.isInteger(uid) || uid < 0) return null;
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const entry = passwd
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[2] === String(uid));
  const gid = Number(entry?.[3]);
  return { uid, gid: Number.isInteger(gid) ? gid : uid };
}

function refused(path: string, why: string): RpcError {
  return new RpcError({ code: ErrorCode.CommandFailed, message: `Could not write ${path}: ${why}`, data: { field: 'path' } });
}

/** Copies `source` to `path`, as this process. */
async function copyAsSelf(source: string, path: string): Promise<void> {
  // O_NONBLOCK: a FIFO with no reader fails at once instead of hanging; O_NOFOLLOW: a symlink is refused.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  let handle;
  try {
    handle = await open(path, flags, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw refused(path, 'it is a symbolic link; give the real path');
    if (code === 'ENXIO') throw refused(path, 'it is not a regular file');
    throw refused(path, (error as Error).message);
  }
  try {
    if (!(await handle.stat()).isFile()) throw refused(path, 'it is not a regular file');
    await handle.truncate(0);
    await handle.writeFile(await readFile(source));
  } finally {
    await handle.close();
  }
}

/**
 * Saves `source` as `path`. In host mode, started through pkexec, the file is
 * made by a process running as that user (dd with nofollow and nonblock), so
 * it is theirs, and root's rights never decide where it may go.
 */
export async function saveFile(source: string, path: string, runner: IpRunner, hostMode: boolean): Promise<void> {
  // What is there already must be a plain file (open checks again, race-free, below).
  const existing = await lstat(path).catch(() => null);
  if (existing?.isSymbolicLink()) throw refused(path, 'it is a symbolic link; give the real path');
  if (existing && !existing.isFile()) throw refused(path, 'it is not a regular file');
  // Only a root helper started by pkexec writes on someone's behalf; a lab's helper is that user already.
  const asUser = hostMode ? await pkexecUser() : null;
  if (!asUser) return copyAsSelf(source, path);
  const result = await runner.run('setpriv', [`--reuid=${asUser.uid}`, `--regid=${asUser.gid}`, '--clear-groups', '--', 'dd', `of=${path}`, 'oflag=nofollow,nonblock', 'status=none'], {
    namespace: null,
    input: await readFile(source),
    log: false,
  });
  if (result.exitCode !== 0) throw refused(path, result.stderr.replace(/^dd: /, '').trim() || 'dd failed');
}
