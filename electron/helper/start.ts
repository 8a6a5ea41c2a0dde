// Starting the helper in its namespaces, for whoever then waits on it: the
// helper's own starter when it is run by hand (`node helper.mjs --lab`), or the
// app's supervisor (the desktop app, the web bridge), which thus needs no Node
// process of the helper's that only waits: 25 MiB of PSS at 200 namespaces.
import { prepareSession } from './control';
import { hop2Argv, hostArgv, initArgv, innerIdentity, openHop1, userNamespaceBlocker } from './lab';
import { helperProcessEnv } from './process-env';

/**
 * Node flags for the serving helper. V8's default young generation (16 MiB
 * semi-spaces) was a fifth of the helper's memory: at 200 namespaces peak RSS
 * 128 → 103 MiB. The peak came from garbage V8 let pile up while a lab was
 * built (RSS fell to 75 MiB at the next full GC): --optimize-for-size grows the
 * heap more slowly, and the peak went 98–102 → 79–80 MiB, snapshots no slower.
 */
const HELPER_NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size'];

/**
 * glibc's malloc keeps what is freed at the top of its heap for later, and
 * raises that threshold as it goes. The helper allocates in bursts (a reading
 * of every namespace) and then idles, so it hands memory back at once: its PSS
 * at 200 namespaces went 43 → 37 MiB, snapshots no slower.
 */
const MALLOC_TUNABLES = 'glibc.malloc.trim_threshold=0:glibc.malloc.top_pad=0';

export interface StartedHelper {
  /** Runs the serving helper in its namespaces, with the client on its stdio. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** Hop 1's holder, in lab mode: one of the helper's processes that is not below argv's. */
  holder: number | null;
  /** Once the helper has exited: ends hop 1 and removes the session's files. */
  close(): void;
}

export interface StartOptions {
  /** The Node binary (or Electron's, run as Node) and the bundled helper. */
  node: string;
  script: string;
  mode: 'lab' | 'host';
  /** The helper's flags as given (the mode's among them), passed on. */
  flags: string[];
  /** Host mode inside a lab that plays the host (tests only). */
  insideLab?: boolean;
  /** The environment the helper starts from. */
  env: NodeJS.ProcessEnv;
  /** Where a warning goes (no tini: orphans stay zombies). */
  warn(message: string): void;
}

/** Why the helper cannot start: a setting of the machine's, or a hop that failed. Restarting will not cure it. */
export class StartError extends Error {}

/** The environment of the serving helper. */
function servingEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = helperProcessEnv(base);
  return { ...env, GLIBC_TUNABLES: env.GLIBC_TUNABLES ? `${env.GLIBC_TUNABLES}:${MALLOC_TUNABLES}` : MALLOC_TUNABLES };
}

/** pid 1 for the helper's pid namespace, or none (with a warning: orphans then stay zombies). */
function withInit(warn: (message: string) => void): string[] {
  const init = initArgv();
  if (!init.length) warn('neither tini nor catatonit is installed: ended shells may stay as zombies until the helper exits');
  return init;
}

/**
 * Builds what the helper runs in: for a lab, the session's files and hop 1,
 * resolving to hop 2's argv; for host mode (as root), the session's files and
 * host mode's one hop. The session is named by this process's pid.
 */
export async function startHelperHops(options: StartOptions): Promise<StartedHelper> {
  const self = [options.node, ...HELPER_NODE_FLAGS, options.script];
  const flags = options.flags.filter((flag) => !flag.startsWith('--work-dir=') && !flag.startsWith('--control-socket='));
  const env = servingEnv(options.env);
  if (options.mode === 'host' && !options.insideLab) {
    const session = prepareSession(process.pid, false);
    return { argv: hostArgv(self, [...flags, `--work-dir=${session.workDir}`], withInit(options.warn)), env, holder: null, close: session.cleanup };
  }
  const uid = process.getuid?.() ?? 1000;
  const gid = process.getgid?.() ?? 1000;
  if (uid !== 0) {
    const blocker = userNamespaceBlocker();
    if (blocker) throw new StartError(`cannot build the lab. ${blocker}`);
  }
  const identity = options.insideLab ? { innerUid: 0, innerGid: 0 } : innerIdentity(uid, gid);
  // The lab's own /run may hide the user's runtime directory: prepare the session's places from out here.
  const session = prepareSession(process.pid, options.mode === 'lab');
  const sessionArgs = [`--work-dir=${session.workDir}`, ...(session.socket ? [`--control-socket=${session.socket}`] : [])];
  const hop1 = await openHop1().catch((error: Error) => {
    session.cleanup();
    throw new StartError(`cannot build the lab: ${error.message}`, { cause: error });
  });
  return {
    argv: hop2Argv(hop1.pid, self, { ...identity, forward: [...flags, ...sessionArgs] }, withInit(options.warn)),
    env,
    holder: hop1.pid,
    close: () => {
      hop1.kill('SIGKILL');
      session.cleanup();
    },
  };
}
