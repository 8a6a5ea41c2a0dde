// The lab: private user + network + mount (+ pid) namespaces built with
// unshare(1) in two hops, so nothing of the machine's own network is touched.
//
// Hop 1 maps the user to root in a new user+mount namespace, where whoever
// builds the lab (the app, or the helper's own starter) puts a private tmpfs on
// /run/netns (util-linux mount refuses non-root uids). A sleeping process holds
// it; nothing there runs Node.
// Hop 2 makes the lab proper: a nested user namespace that maps the user to a
// NON-zero uid with capabilities kept (tcpdump drops privileges and fails under
// uid 0 there), a new network namespace (the lab's "host"), a mount namespace
// for `ip netns`, and a pid namespace so that every process of the lab dies
// with the helper, even on SIGKILL.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { findOnPath, processEnv } from './process-env';
import { untilUnshared } from './pids';

const run = promisify(execFile);

export interface LabOptions {
  /** uid/gid the user has inside the lab; 0 only when the lab plays the host in tests. */
  innerUid: number;
  innerGid: number;
  /** Arguments for the next hop of this same program. */
  forward: string[];
}

/**
 * Each hop runs under setpriv's parent-death signal: if the process before it
 * dies, however, the hop's unshare is killed, and --kill-child passes that on,
 * so no part of a lab outlives the process that built it.
 */
const ORPHAN_GUARD = ['setpriv', '--pdeathsig', 'KILL', '--'];

/** Hop 1's holder: unshare (user+mount, mapped to root) that becomes a `sleep` keeping those namespaces for the lab's life. */
const HOP1_HOLDER = [...ORPHAN_GUARD, 'unshare', '--user', '--map-root-user', '--mount', '--', 'sleep', 'infinity'];

/**
 * argv that runs `command` in hop 1's namespaces, as root there: the user is
 * mapped to uid 0 in hop 1, so keeping the credentials is being root there.
 * Without --preserve-credentials nsenter calls setgroups, which hop 1 denies
 * to an ordinary user.
 */
export function inHop1Argv(holder: number, command: string[]): string[] {
  return ['nsenter', `--target=${holder}`, '--user', '--mount', '--preserve-credentials', '--', ...command];
}

/** argv for hop 2 (the lab proper), entered from hop 1, with `init` as pid 1 and the helper as its child. */
export function hop2Argv(holder: number, self: string[], options: LabOptions, init: string[]): string[] {
  const identity = options.innerUid === 0 ? ['--map-root-user'] : [`--map-user=${options.innerUid}`, `--map-group=${options.innerGid}`, '--keep-caps'];
  // nsenter execs setpriv, so the parent-death signal still ties hop 2 to the process that built the lab.
  return inHop1Argv(holder, [
    ...ORPHAN_GUARD,
    'unshare',
    '--user',
    ...identity,
    '--net',
    '--mount',
    '--pid',
    '--fork',
    '--mount-proc',
    '--kill-child',
    '--',
    ...init,
    ...self,
    ...options.forward,
    '--stage=run',
  ]);
}

/**
 * Host mode's one hop: a pid namespace of its own, so that nothing the helper
 * starts (tcpdump, ip monitor, pings, holders, shells and their jobs) outlives
 * it, however it dies: when its pid 1 ends, the kernel kills the rest. No
 * --mount-proc: /proc keeps showing the machine's processes, which the helper
 * must see.
 */
export function hostArgv(self: string[], forward: string[], init: string[]): string[] {
  return [...ORPHAN_GUARD, 'unshare', '--pid', '--fork', '--kill-child', '--', ...init, ...self, ...forward, '--stage=run'];
}

/**
 * pid 1 for a pid namespace of the helper's: it reaps orphans (a shell's ended
 * jobs), which Node cannot, and exits as the helper exits. Empty when neither
 * tini nor catatonit is installed: the helper is then pid 1 and orphans stay zombies.
 */
export function initArgv(path = processEnv.PATH ?? ''): string[] {
  const init = findOnPath('tini', path) ?? findOnPath('catatonit', path);
  return init ? [init, '--'] : [];
}

/** The uid to use inside the lab: the user's own, or 1000 when started as root. */
export function innerIdentity(uid: number, gid: number): { innerUid: number; innerGid: number } {
  return uid === 0 ? { innerUid: 1000, innerGid: 1000 } : { innerUid: uid, innerGid: gid };
}

function readSetting(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Why an ordinary user cannot create user namespaces here, with the fix; null when nothing blocks it. */
export function userNamespaceBlocker(read: (path: string) => string | null = readSetting): string | null {
  if (read('/proc/sys/kernel/unprivileged_userns_clone') === '0') {
    return 'Unprivileged user namespaces are disabled (sysctl kernel.unprivileged_userns_clone = 0). Enable them with: sudo sysctl -w kernel.unprivileged_userns_clone=1';
  }
  if (read('/proc/sys/user/max_user_namespaces') === '0') {
    return 'User namespaces are disabled (sysctl user.max_user_namespaces = 0). Enable them with: sudo sysctl -w user.max_user_namespaces=15000';
  }
  if (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1') {
    return 'AppArmor restricts unprivileged user namespaces (sysctl kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10+). Allow them with: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or install an AppArmor profile that grants "userns," to this app.';
  }
  return null;
}

/**
 * Hop 1: starts its holder and puts a private tmpfs where `ip netns` keeps its
 * names. It is always a mount point of its own, so `ip netns add` never
 * bind-mounts the directory over itself later (which would hide it from a
 * watcher). Resolves to the holder, which the builder kills when the lab ends.
 */
export async function openHop1(): Promise<ChildProcess & { pid: number }> {
  const [program, ...args] = HOP1_HOLDER;
  const holder = spawn(program as string, args, { stdio: ['ignore', 'ignore', 'pipe'], env: processEnv });
  let stderr = '';
  holder.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pid = holder.pid;
  try {
    if (pid === undefined) throw new Error(`cannot start ${program}`);
    // Before unshare has made hop 1, nsenter would enter this process's own namespaces: never mount there.
    const unshared = await untilUnshared(pid, 'user', 'sleep', 5000, () => holder.exitCode !== null || holder.signalCode !== null);
    if (unshared === null) throw new Error('hop 1 (unshare --user --map-root-user --mount) did not start');
    const inHop1 = async (command: string[]) => {
      const [cmd, ...rest] = inHop1Argv(pid, command);
      await run(cmd as string, rest, { env: processEnv }).catch((error: Error & { stderr?: string }) => {
        throw new Error(`${command.join(' ')}: ${error.stderr?.trim() || error.message}`, { cause: error });
      });
    };
    if (!existsSync('/run/netns')) {
      // Without a /run/netns to mount over, make a private /run to hold one.
      await inHop1(['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'netns-explorer-run', '/run']);
      await inHop1(['mkdir', '/run/netns']);
    }
    await inHop1(['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'netns-explorer', '/run/netns']);
    return holder as ChildProcess & { pid: number };
  } catch (error) {
    holder.kill('SIGKILL');
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(stderr.trim() ? `${why}: ${stderr.trim()}` : why, { cause: error });
  }
}
