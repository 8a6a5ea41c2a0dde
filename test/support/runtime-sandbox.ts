// A sandbox that plays a container host: a private network, mount and pid
// namespace with all runtime state on tmpfs, where real Podman, Docker and
// containerd run. Nothing they make (bridges, veths, NAT rules, mounts)
// reaches the machine's own namespaces; the cgroup directories they make are
// removed on close.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf, ROOT } from './helper';

export interface Run {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

export type RuntimeName = 'podman' | 'docker' | 'containerd';

/** Debian's docker client: another one earlier on PATH may not speak to this dockerd. */
export const DOCKER = '/usr/bin/docker';
const CTR_SOCKET = '/run/docker/containerd/containerd.sock';

export interface Sandbox {
  /** A process inside (as the machine numbers it), for nsenter. */
  pid: number;
  /** The sandbox's tmpfs for runtime state (its path is empty outside). */
  state: string;
  /** argv that runs a command inside. */
  argv(command: string[]): string[];
  run(command: string[], env?: NodeJS.ProcessEnv): Promise<Run>;
  /** Runs a command inside and fails with its stderr unless it succeeds; returns stdout. */
  check(command: string[], env?: NodeJS.ProcessEnv): Promise<string>;
  /** Writes a file inside, through /proc/PID/root (the sandbox's own mounts). */
  write(path: string, text: string): void;
  /** Starts a long-running command inside; it is stopped on close. */
  daemon(command: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  close(): Promise<void>;
}

function collect(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ stdout, stderr: `${stderr}${error.message}`, exitCode: null }));
    child.on('close', (exitCode) => resolve({ stdout, stderr, exitCode }));
  });
}

/** Cgroup directories the runtimes make at the top of each hierarchy (cgroupfs driver). */
const RUNTIME_CGROUPS = ['docker', 'default', 'libpod_parent', 'machine.slice'];

/** Removes an empty cgroup tree, children first (rmdir is how cgroups are removed). */
function removeCgroupTree(path: string): void {
  let entries: string[];
  try {
    entries = readdirSync(path).filter((n) => {
      try {
        return statSync(join(path, n)).isDirectory();
      } catch {
        return false;
      }
    });
  } catch {
    return;
  }
  for (const entry of entries) removeCgroupTree(join(path, entry));
  try {
    rmdirSync(path);
  } catch {
    // Still in use, or not ours: leave it.
  }
}

function cgroupRoots(): string[] {
  try {
    const top = '/sys/fs/cgroup';
    // v2 has cgroup.controllers at the top; v1 has one directory per hierarchy.
    if (existsSync(`${top}/cgroup.controllers`)) return [top];
    return readdirSync(top)
      .map((n) => join(top, n))
      .filter((p) => existsSync(`${p}/cgroup.procs`));
  } catch {
    return [];
  }
}

export async function startSandbox(): Promise<Sandbox> {
  const state = mkdtempSync(join(tmpdir(), 'netns-explorer-sandbox-'));
  const cgroupsBefore = new Set(cgroupRoots().flatMap((root) => RUNTIME_CGROUPS.filter((n) => existsSync(join(root, n))).map((n) => join(root, n))));
  const init = spawn(
    'unshare',
    ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--propagation', 'private', 'tini', '-s', '--', process.execPath, `${ROOT}test/support/runtime-sandbox-init.mjs`, state],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let initErr = '';
  init.stderr.on('data', (c: Buffer) => (initErr += c.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: init.stdout }).on('line', (line) => line === 'ready' && resolve());
    init.on('exit', (code) => reject(new Error(`the sandbox exited with ${code}: ${initErr}`)));
  });
  const pid = childrenOf(init.pid as number)[0];
  if (pid === undefined) throw new Error('the sandbox has no init process');
  const daemons: ChildProcess[] = [];
  const argv = (command: string[]) => ['nsenter', `--target=${pid}`, '--net', '--mount', '--pid', '--', ...command];
  const start = (command: string[], env: NodeJS.ProcessEnv = {}) => {
    const [program, ...args] = argv(command);
    return spawn(program as string, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  };
  const run = (command: string[], env?: NodeJS.ProcessEnv) => collect(start(command, env));
  return {
    pid,
    state,
    argv,
    run,
    async check(command, env) {
      const result = await run(command, env);
      if (result.exitCode !== 0) throw new Error(`${command.join(' ')} failed (${result.exitCode}): ${result.stderr.trim()}`);
      return result.stdout;
    },
    write(path, text) {
      writeFileSync(`/proc/${pid}/root${path}`, text);
    },
    daemon(command, env) {
      const child = start(command, env);
      daemons.push(child);
      return child;
    },
    async close() {
      for (const child of daemons) child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      // pid 1 going takes every process of the sandbox, and its namespaces, with it.
      init.stdin.end();
      init.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      for (const root of cgroupRoots()) for (const name of RUNTIME_CGROUPS) if (!cgroupsBefore.has(join(root, name))) removeCgroupTree(join(root, name));
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it is true; false after `ms`. */
async function until(probe: () => Promise<boolean> | boolean, ms: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A busybox root filesystem as a tar, for `podman import` / `docker import` (no registry is reachable). */
export async function busyboxTar(sandbox: Sandbox): Promise<string> {
  const rootfs = `${sandbox.state}/rootfs`;
  for (const dir of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp']) await sandbox.check(['mkdir', '-p', `${rootfs}/${dir}`]);
  await sandbox.check(['cp', '/bin/busybox', `${rootfs}/bin/busybox`]);
  await sandbox.check(['chroot', rootfs, '/bin/busybox', '--install', '-s', '/bin']);
  const tar = `${sandbox.state}/rootfs.tar`;
  await sandbox.check(['tar', '-C', rootfs, '-cf', tar, '.']);
  return tar;
}

export interface RuntimeHandle {
  name: RuntimeName;
  /** The runtime's CLI, as argv run inside the sandbox. */
  cli(args: string[]): Promise<string>;
  /** The image containers run. */
  image: string;
  /** Environment the runtime's CLI needs (Podman's config files). */
  env: NodeJS.ProcessEnv;
}

/** Podman with netavark, runc and cgroupfs, its API socket at /run/podman/podman.sock. */
export async function startPodman(sandbox: Sandbox, tar: string): Promise<RuntimeHandle> {
  const s = sandbox.state;
  await sandbox.check(['mkdir', '-p', `${s}/podman/tmp`, `${s}/podman/networks`, `${s}/podman/storage`]);
  const conf = `${s}/podman/containers.conf`;
  const storage = `${s}/podman/storage.conf`;
  sandbox.write(
    conf,
    `[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\ntmp_dir = "${s}/podman/tmp"\n[network]\nnetwork_backend = "netavark"\nnetwork_config_dir = "${s}/podman/networks"\n`,
  );
  sandbox.write(storage, `[storage]\ndriver = "overlay"\ngraphroot = "${s}/podman/storage"\nrunroot = "/run/containers/storage"\n`);
  const env = { CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage, TMPDIR: `${s}/podman/tmp` };
  const cli = (args: string[]) => sandbox.check(['podman', ...args], env);
  await cli(['import', tar, 'local/bb']);
  sandbox.daemon(['podman', 'system', 'service', '--time=0', 'unix:///run/podman/podman.sock'], env);
  if (!(await until(async () => (await sandbox.run(['test', '-S', '/run/podman/podman.sock'])).exitCode === 0, 15_000))) throw new Error('podman system service did not make its socket');
  return { name: 'podman', cli, image: 'localhost/local/bb', env };
}

/** dockerd with cgroupfs and overlay2, its state on the sandbox's tmpfs; it starts its own containerd. */
export async function startDocker(sandbox: Sandbox, tar: string): Promise<RuntimeHandle> {
  const s = sandbox.state;
  const daemon = sandbox.daemon([
    'dockerd',
    '--data-root',
    `${s}/docker`,
    '--exec-root',
    '/run/docker',
    '--pidfile',
    '/run/docker.pid',
    '-H',
    'unix:///run/docker.sock',
    '--exec-opt',
    'native.cgroupdriver=cgroupfs',
    '--storage-driver',
    'overlay2',
  ]);
  let log = '';
  daemon.stderr?.on('data', (c: Buffer) => (log = `${log}${c.toString()}`.slice(-4000)));
  const cli = (args: string[]) => sandbox.check([DOCKER, '-H', 'unix:///run/docker.sock', ...args]);
  if (!(await until(async () => (await sandbox.run([DOCKER, '-H', 'unix:///run/docker.sock', 'version'])).exitCode === 0, 30_000, 250)))
    throw new Error(`dockerd did not answer: ${log.trim().split('\n').slice(-3).join(' / ')}`);
  await cli(['import', tar, 'local/dbb']);
  return { name: 'docker', cli, image: 'local/dbb', env: {} };
}

/** containerd (the one dockerd started) through ctr, with CNI for --cni; the image comes from docker save. */
export async function startContainerd(sandbox: Sandbox, docker: RuntimeHandle): Promise<RuntimeHandle> {
  const saved = `${sandbox.state}/dbb.tar`;
  await docker.cli(['save', '-o', saved, docker.image]);
  const cli = (args: string[]) => sandbox.check(['ctr', '--address', CTR_SOCKET, '--namespace', 'default', ...args]);
  await cli(['images', 'import', saved]);
  return { name: 'containerd', cli, image: 'docker.io/local/dbb:latest', env: {} };
}

/** Whether a runtime's programs are installed; the reason when not. */
export function missingPrograms(name: RuntimeName): string | null {
  const needs: Record<RuntimeName, string[]> = {
    podman: ['/usr/bin/podman', '/usr/lib/podman/netavark', '/usr/sbin/runc'],
    docker: ['/usr/sbin/dockerd', DOCKER, '/usr/bin/containerd'],
    containerd: ['/usr/bin/ctr', '/usr/lib/cni/bridge'],
  };
  const missing = needs[name].filter((p) => !existsSync(p));
  return missing.length ? `not installed: ${missing.join(', ')}` : null;
}

export interface Runtimes {
  /** The runtimes that started, by name. */
  running: Map<RuntimeName, RuntimeHandle>;
  /** Why each of the others could not run here. */
  unavailable: Map<RuntimeName, string>;
}

/**
 * Starts whichever runtimes can run in the sandbox (containerd as the one
 * dockerd starts), says on stderr which could not and why, and under CI
 * (CI=true) fails when none could.
 */
export async function startRuntimes(sandbox: Sandbox, who: string): Promise<Runtimes> {
  const tar = await busyboxTar(sandbox);
  const running = new Map<RuntimeName, RuntimeHandle>();
  const unavailable = new Map<RuntimeName, string>();
  const attempt = async (name: RuntimeName, start: () => Promise<RuntimeHandle>) => {
    const missing = missingPrograms(name);
    if (missing) return void unavailable.set(name, missing);
    try {
      running.set(name, await start());
    } catch (error) {
      unavailable.set(name, error instanceof Error ? error.message : String(error));
    }
  };
  await attempt('podman', () => startPodman(sandbox, tar));
  await attempt('docker', () => startDocker(sandbox, tar));
  const docker = running.get('docker');
  if (docker) await attempt('containerd', () => startContainerd(sandbox, docker));
  else unavailable.set('containerd', 'it runs here as the containerd dockerd starts, and dockerd did not start');
  for (const [name, why] of unavailable) process.stderr.write(`${who}: ${name} cannot run here: ${why}\n`);
  if (process.env.CI === 'true' && running.size === 0) throw new Error(`no container runtime could run: ${[...unavailable].map(([n, w]) => `${n}: ${w}`).join('; ')}`);
  return { running, unavailable };
}
