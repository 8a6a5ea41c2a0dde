// Starts the real helper over stdio, the way the app does, for integration tests.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NotificationName, Notifications } from '../../shared/protocol';
import { RpcClient } from '../../shared/rpc-client';
import { startHelperHops } from '../../electron/helper/start';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HELPER = `${ROOT}out/helper/helper.mjs`;

export interface HelperHandle {
  client: RpcClient;
  process: ChildProcessWithoutNullStreams;
  stderr(): string;
  /** Every notification received so far, in order. */
  notifications: { method: NotificationName; params: unknown; /** performance.now() when it arrived */ at: number }[];
  /** Resolves with the first matching notification at index `since` or later (default: any so far). */
  waitFor<N extends NotificationName>(name: N, match?: (p: Notifications[N]) => boolean, timeoutMs?: number, since?: number): Promise<Notifications[N]>;
  /** Ends stdin and waits for the helper to exit; resolves to its exit code. */
  close(): Promise<number | null>;
  /** Every process of the helper's, as outer pids: its starter (if it has one) and every process below. */
  pids(): number[];
  /** Hop 1's holder and the lab's first process (labs only). */
  lab(): { hop1: number; lab: number };
}

/** argv prefix that runs the helper as root in a private network and mount namespace playing the host (no pid namespace). */
export const PRIVATE_HOST = ['unshare', '--net', '--mount', '--', process.execPath, `${ROOT}test/support/private-host.mjs`];

/** Starts the helper (after `wrap`, a command that runs it, if given) the way it is run by hand, with a starter of its own, and waits until it is ready. */
export async function startHelper(args: string[] = ['--lab', '--reconcile-ms=0'], env: NodeJS.ProcessEnv = {}, wrap: string[] = [], helper = HELPER): Promise<HelperHandle> {
  if (!existsSync(HELPER)) throw new Error(`${HELPER} is missing: run "npm run build" first`);
  const [program, ...rest] = [...wrap, process.execPath, helper, ...args];
  const child = spawn(program as string, rest, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const pid = child.pid as number;
  return attach(child, { pids: () => [pid, ...descendantsOf(pid)], lab: () => labPids(pid) });
}

/** Starts the helper the way the app does: this process builds the lab and waits on it, with no starter in between. */
export async function startAppHelper(flags: string[] = ['--lab', '--reconcile-ms=0']): Promise<HelperHandle> {
  if (!existsSync(HELPER)) throw new Error(`${HELPER} is missing: run "npm run build" first`);
  const mode = flags.includes('--host') ? 'host' : 'lab';
  const started = await startHelperHops({ node: process.execPath, script: HELPER, mode, flags, insideLab: flags.includes('--inside-lab'), env: process.env, warn: () => undefined });
  const [program, ...rest] = started.argv;
  const child = spawn(program as string, rest, { stdio: ['pipe', 'pipe', 'pipe'], env: started.env });
  // As the app's supervisor does: once the helper has gone, hop 1 and the session's files go too.
  child.on('close', started.close);
  const pid = child.pid as number;
  const hop1 = started.holder;
  return attach(child, {
    pids: () => [...(hop1 === null ? [] : [hop1]), pid, ...descendantsOf(pid)],
    lab: () => {
      const lab = childrenOf(pid)[0];
      if (hop1 === null || lab === undefined) throw new Error('no lab: is it running?');
      return { hop1, lab };
    },
  });
}

/** A handle on a started helper: its client, notifications and processes; resolves once it is ready. */
async function attach(child: ChildProcessWithoutNullStreams, tree: Pick<HelperHandle, 'pids' | 'lab'>): Promise<HelperHandle> {
  let stderr = '';
  const notifications: HelperHandle['notifications'] = [];
  const waiters = new Set<() => void>();
  const client = new RpcClient((text) => child.stdin.write(`${text}\n`));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { method?: NotificationName; id?: unknown; params?: unknown };
    if (message.method && message.id === undefined) notifications.push({ method: message.method, params: message.params, at: performance.now() });
    client.receive(line);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.on('exit', () => client.disconnect('the helper exited'));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('ready (')) resolve();
    });
    void exited.then((code) => reject(new Error(`helper exited with ${code} before it was ready:\n${stderr}`)));
  });
  const waitFor: HelperHandle['waitFor'] = (name, match, timeoutMs = 10_000, since = 0) =>
    new Promise((resolve, reject) => {
      let seen = since;
      const check = () => {
        for (; seen < notifications.length; seen++) {
          const n = notifications[seen];
          if (n && n.method === name && (!match || match(n.params as never))) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(n.params as never);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${name} notification within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    client,
    process: child,
    stderr: () => stderr,
    notifications,
    waitFor,
    close: () => {
      child.stdin.end();
      return exited;
    },
    ...tree,
  };
}

/** Parent pid of a process, from /proc. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => parentOf(p) === pid);
}

/** Every process below `pid`, as outer pids. */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  for (const child of childrenOf(pid)) found.push(child, ...descendantsOf(child));
  return found;
}

/** A process's argv, or [] once it is gone. */
export function argvOf(pid: number | string): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
}

/** One of the helper's long-lived readers: `ip -n NAME … -batch -`. */
export const isReader = (argv: string[]) => argv[0] === 'ip' && argv[1] === '-n' && argv.includes('-batch') && argv.at(-1) === '-';

/** Ends the helper's readers from outside, so the next snapshot reads every namespace cold. */
export function endReaders(helper: number | Pick<HelperHandle, 'pids'>): void {
  for (const pid of typeof helper === 'number' ? descendantsOf(helper) : helper.pids()) if (isReader(argvOf(pid))) process.kill(pid, 'SIGKILL');
}

/** The serving helper below a starter: the Node process run with --stage=run (unshare and the init before it carry that argument too). */
export function servingHelper(starterPid: number): number {
  const pid = descendantsOf(starterPid).find((p) => {
    const argv = argvOf(p);
    return argv[0] === process.execPath && argv.includes('--stage=run');
  });
  if (pid === undefined) throw new Error(`no serving helper below ${starterPid}`);
  return pid;
}

/** The two children of whatever built the lab (the helper's own starter, or the app): hop 1's holder (a `sleep` in its user and mount namespaces) and hop 2's unshare, whose child is the lab's init (or helper); as outer pids. */
export function labPids(helperPid: number): { hop1: number; lab: number } {
  const children = childrenOf(helperPid);
  const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  const hop1 = children.find((pid) => comm(pid) === 'sleep');
  const hop2 = children.find((pid) => comm(pid) === 'unshare');
  const lab = hop2 === undefined ? undefined : childrenOf(hop2)[0];
  if (hop1 === undefined || lab === undefined) throw new Error(`no lab below ${helperPid}; is it running?`);
  return { hop1, lab };
}

/**
 * argv that runs a command inside the lab's network and mount namespaces from
 * outside, as "someone else" would. Going through hop 1's user namespace (uid 0
 * there, owner of the lab's) keeps capabilities that a plain nsenter into the
 * lab's own user namespace would lose at exec.
 */
export function labExecArgv(helper: number | { hop1: number; lab: number }, command: string[]): string[] {
  const { hop1, lab } = typeof helper === 'number' ? labPids(helper) : helper;
  // The lab's /proc belongs to its pid namespace, and ip needs /proc/self: enter that too.
  return ['nsenter', `--target=${hop1}`, '--user', '--preserve-credentials', '--', 'nsenter', `--target=${lab}`, '--net', '--mount', '--pid', '--', ...command];
}

/** Runs a command inside the lab as an outside process would; returns its stdout. */
export function labExec(helper: number | { hop1: number; lab: number }, command: string[]): string {
  const [program, ...args] = labExecArgv(helper, command);
  return execFileSync(program as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Pids of every process whose network namespace is `netns` ("net:[…]"). */
export function pidsInNetns(netns: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readlinkSync(`/proc/${d}/ns/net`) === netns;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Everything terminal `terminalId` printed, from notification index `since` on. */
export function terminalOutput(helper: Pick<HelperHandle, 'notifications'>, terminalId: string, since = 0): string {
  return helper.notifications
    .slice(since)
    .filter((n) => n.method === 'terminal.data' && (n.params as { terminalId: string }).terminalId === terminalId)
    .map((n) => (n.params as { data: string }).data)
    .join('');
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
