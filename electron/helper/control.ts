// Where a running helper keeps its files, and how `npm run lab -- shell|apply`
// finds a running lab. Each helper gets a private work directory in /tmp,
// named by the pid of the process that built its hops (the control socket, the
// batch query file, captures); one left by a helper that died is removed at the
// next start. Each lab leaves a pointer to its socket in the user's runtime
// directory.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'netns-explorer-';

const uid = () => process.getuid?.() ?? 0;

/** The temporary directory `env` names (as os.tmpdir() reads it from the process's own). */
function tempRoot(env: NodeJS.ProcessEnv): string {
  return env.TMPDIR?.replace(/\/+$/, '') || '/tmp';
}

/** A directory that only this user can open: anything else there could be someone else's trap. */
export function privateDir(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && st.uid === uid() && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The directories that may hold lab pointers: the one the environment names
 * (the user's runtime directory), else /tmp/netns-explorer-UID, and the private
 * fallbacks made when someone else had taken that name first.
 */
export function pointerDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const chosen = env.NETNS_EXPLORER_RUNTIME_DIR ?? env.XDG_RUNTIME_DIR;
  if (chosen) return [chosen];
  const own = `${PREFIX}${uid()}`;
  let names: string[] = [];
  try {
    names = readdirSync(tempRoot(env)).filter((n) => n === own || n.startsWith(`${own}-`));
  } catch {
    // No listing: nothing found.
  }
  return names.map((n) => join(tempRoot(env), n)).filter(privateDir);
}

/** Where this lab writes its pointer: the runtime directory, or a private directory of the user's in /tmp. */
function pointerDirForWriting(env: NodeJS.ProcessEnv): string {
  const chosen = env.NETNS_EXPLORER_RUNTIME_DIR ?? env.XDG_RUNTIME_DIR;
  if (chosen) return chosen;
  const own = join(tempRoot(env), `${PREFIX}${uid()}`);
  try {
    mkdirSync(own, { mode: 0o700 });
  } catch {
    // Already there: ours, or someone else's.
  }
  if (privateDir(own)) return own;
  // Another user made that name first, to block or trap us: use a fresh private one instead.
  const fresh = mkdtempSync(`${own}-`);
  chmodSync(fresh, 0o700);
  return fresh;
}

export interface Pointer {
  socket: string;
  /** The pid of the process that built the lab (the app, or the helper's starter), as the machine numbers it: the lab's id for the CLI. */
  pid: number;
  startedAt: string;
}

/** Removes the work directories of helpers whose builders are gone (killed before they could clean up). */
export function removeStaleWorkDirs(env: NodeJS.ProcessEnv = process.env): void {
  let names: string[];
  try {
    names = readdirSync(tempRoot(env));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = new RegExp(`^${PREFIX}run-(\\d+)-`).exec(name)?.[1];
    const path = join(tempRoot(env), name);
    if (pid && !alive(Number(pid)) && privateDir(path)) rmSync(path, { recursive: true, force: true });
  }
}

export interface Session {
  /** A private directory for this helper's files, removed when it ends. */
  workDir: string;
  /** The lab's control socket (labs only). */
  socket: string | null;
  cleanup(): void;
}

/**
 * Made by whoever builds the hops, before any hop, where /tmp is still the
 * machine's: the work directory and, for a lab, the socket's place and the
 * pointer to it.
 */
export function prepareSession(pid: number, lab: boolean, env: NodeJS.ProcessEnv = process.env): Session {
  removeStaleWorkDirs(env);
  const workDir = mkdtempSync(join(tempRoot(env), `${PREFIX}run-${pid}-`));
  chmodSync(workDir, 0o700);
  const socket = lab ? join(workDir, 'lab.sock') : null;
  let pointer: string | null = null;
  if (socket) {
    pointer = join(pointerDirForWriting(env), `${PREFIX}lab-${pid}.json`);
    writeFileSync(pointer, JSON.stringify({ socket, pid, startedAt: new Date().toISOString() } satisfies Pointer), { mode: 0o600 });
  }
  return {
    workDir,
    socket,
    cleanup: () => {
      if (pointer) rmSync(pointer, { force: true });
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function readPointerFile(path: string): Pointer | null {
  try {
    const pointer = JSON.parse(readFileSync(path, 'utf8')) as Partial<Pointer>;
    if (typeof pointer.socket !== 'string' || typeof pointer.pid !== 'number') return null;
    return { socket: pointer.socket, pid: pointer.pid, startedAt: typeof pointer.startedAt === 'string' ? pointer.startedAt : '' };
  } catch {
    return null;
  }
}

/**
 * The running labs: pointers whose builder is alive and whose socket sits in a
 * directory only this user can open. Pointers of labs that died are removed.
 */
export function runningLabs(env: NodeJS.ProcessEnv = process.env): Pointer[] {
  const labs: Pointer[] = [];
  for (const dir of pointerDirs(env)) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.startsWith(`${PREFIX}lab-`) && n.endsWith('.json'));
    } catch {
      continue;
    }
    for (const name of names) {
      const pointer = readPointerFile(join(dir, name));
      if (!pointer) continue;
      if (!alive(pointer.pid)) {
        rmSync(join(dir, name), { force: true });
        continue;
      }
      if (privateDir(join(pointer.socket, '..'))) labs.push(pointer);
    }
  }
  return labs.sort((a, b) => a.pid - b.pid);
}
