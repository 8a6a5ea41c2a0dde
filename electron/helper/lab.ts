// The lab: private user + network + mount (+ pid) namespaces built with
// unshare(1) in two hops, so nothing of the machine's own network is touched.
//
// Hop 1 maps the user to root in a new user+mount namespace, just long enough
// to put a private tmpfs on /run/netns (util-linux mount refuses non-root uids).
// Hop 2 makes the lab proper: a nested user namespace that maps the user to a
// NON-zero uid with capabilities kept (tcpdump drops privileges and fails under
// uid 0 there), a new network namespace (the lab's "host"), a mount namespace
// for `ip netns`, and a pid namespace so that every process of the lab dies
// with the helper, even on SIGKILL.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { findOnPath, processEnv } from './ip';

export type LabStage = 'mount' | 'run';

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
 * so no part of a lab outlives its starter.
 */
const ORPHAN_GUARD = ['setpriv', '--pdeathsig', 'KILL', '--'];

/** unshare argv for hop 1 (user+mount, mapped to root). */
export function hop1Argv(self: string[], options: LabOptions): string[] {
  return [...ORPHAN_GUARD, 'unshare', '--user', '--map-root-user', '--mount', '--fork', '--kill-child', '--', ...self, ...options.forward, '--stage=mount'];
}

/** unshare argv for hop 2 (the lab proper), with `init` as pid 1 and the helper as its child. */
export function hop2Argv(self: string[], options: LabOptions, init: string[]): string[] {
  const identity = options.innerUid === 0 ? ['--map-root-user'] : [`--map-user=${options.innerUid}`, `--map-group=${options.innerGid}`, '--keep-caps'];
  return [...ORPHAN_GUARD, 'unshare', '--user', ...identity, '--net', '--mount', '--pid', '--fork', '--mount-proc', '--kill-child', '--', ...init, ...self, ...options.forward, '--stage=run'];
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
 * Hop 1's own work: a private tmpfs where `ip netns` keeps its names. It is
 * always a mount point of its own, so `ip netns add` never bind-mounts the
 * directory over itself later (which would hide it from a watcher).
 */
export async function mountPrivateNetnsDir(): Promise<void> {
  const options = { env: processEnv, extendEnv: false } as const;
  if (!existsSync('/run/netns')) {
    // Without a /run/netns to mount over, make a private /run to hold one.
    await execa('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'netns-explorer-run', '/run'], options);
    mkdirSync('/run/netns');
  }
  await execa('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'netns-explorer', '/run/netns'], options);
}
