// The helper's entry point: flags, the lab hops, then JSON-RPC on stdio.
import { spawn } from 'node:child_process';
import type { HelperMode } from '../../shared/protocol';
import { startHelperHops, StartError, type StartedHelper } from './start';
import { createServer } from 'node:net';
import { chmodSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveLines, type LineServer } from './rpc';
import { READER_IDLE_MS } from './readers';
import { RECONCILE_MS } from './reconcile';
import { HelperService } from './service';
import { SshLink } from './remote/ssh';
import { parseDestination, type SshDestination } from '../../shared/ssh-destination';

const USAGE = `Usage: netns-explorer-helper [--lab | --host | --ssh=[USER@]HOST[:PORT] [--ssh-config=FILE]] [--reconcile-ms=N] [--reader-idle-ms=N] [--no-watch]
  --lab              (default) run in a private lab: own user, network and mount namespaces; no root needed
  --host             run in the machine's real namespaces; needs root
  --ssh=DEST         act on a remote machine's real namespaces over SSH (OpenSSH's ssh; the server needs iproute2,
                     and root by key or sudo without a password); HOST may be an alias from your SSH config
  --ssh-config=FILE  passed to ssh -F
  --ssh-accept-key=FINGERPRINT  add exactly the host key with this fingerprint to your known_hosts, then connect
  --reconcile-ms=N   least time between full re-reads that catch what no event reports (default 60000; 0: never)
  --reader-idle-ms=N a namespace's reader unused this long ends (default 120000); the re-reads above do not count
  --no-watch         do not follow ip monitor and /run/netns (changes made elsewhere show up on reconcile only)
Speaks JSON-RPC 2.0 on stdin/stdout, one message per line; logs go to stderr.`;

interface Flags {
  mode: HelperMode;
  stage: 'start' | 'run';
  reconcileMs: number;
  readerIdleMs: number;
  watch: boolean;
  /** Test-only: host mode inside a lab that plays the host. */
  insideLab: boolean;
  /** Unix socket where the lab also takes JSON-RPC (for `npm run lab`). */
  controlSocket: string | null;
  /** The private directory the process that built the hops made for this helper's files. */
  workDir: string | null;
  ssh: SshDestination | null;
  sshConfig: string | null;
  sshAcceptKey: string | null;
}

function log(message: string): void {
  process.stderr.write(`netns-explorer helper: ${message}\n`);
}

function fail(message: string, code = 2): never {
  log(message);
  process.exit(code);
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    mode: 'lab',
    stage: 'start',
    reconcileMs: RECONCILE_MS,
    readerIdleMs: READER_IDLE_MS,
    watch: true,
    insideLab: false,
    controlSocket: null,
    workDir: null,
    ssh: null,
    sshConfig: null,
    sshAcceptKey: null,
  };
  let lab = false;
  for (const arg of argv) {
    const [key, value] = arg.split('=', 2) as [string, string | undefined];
    const number = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) fail(`${key} needs a whole number\n${USAGE}`);
      return n;
    };
    if (arg === '--lab') lab = true;
    else if (key === '--ssh') {
      const parsed = parseDestination(value ?? '');
      if (!parsed.ok) fail(`--ssh: ${parsed.problem}\n${USAGE}`);
      flags.ssh = parsed.value;
      flags.mode = 'host';
    } else if (key === '--ssh-config' && value) flags.sshConfig = value;
    else if (key === '--ssh-accept-key' && value) flags.sshAcceptKey = value;
    else if (arg === '--host') flags.mode = 'host';
    else if (arg === '--inside-lab') flags.insideLab = true;
    else if (arg === '--no-watch') flags.watch = false;
    else if (key === '--reconcile-ms') flags.reconcileMs = number();
    else if (key === '--reader-idle-ms') flags.readerIdleMs = number();
    else if (key === '--stage' && value === 'run') flags.stage = value;
    else if (key === '--control-socket' && value) flags.controlSocket = value;
    else if (key === '--work-dir' && value) flags.workDir = value;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument ${arg}\n${USAGE}`);
  }
  if (lab && flags.ssh) fail(`--lab is local only: a remote machine is always seen in host mode\n${USAGE}`);
  if (lab) flags.mode = 'lab';
  if (!flags.ssh && (flags.sshConfig || flags.sshAcceptKey)) fail(`--ssh-config and --ssh-accept-key go with --ssh\n${USAGE}`);
  return flags;
}

/** Runs the helper in its namespaces with our stdio, passes signals on, and exits as it exits. */
function relay(started: StartedHelper): void {
  const [program, ...args] = started.argv;
  const child = spawn(program as string, args, { stdio: 'inherit', env: started.env });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => fail(`cannot start ${program}: ${error.message}`, 1));
  child.on('exit', (code, signal) => {
    started.close();
    process.exit(code ?? (signal ? 128 + 15 : 1));
  });
}

async function serve(flags: Flags): Promise<void> {
  const selfPid = process.pid;
  // Started with no hops built for it (a test, by hand): a work directory of its own.
  const ownWorkDir = flags.workDir ? null : mkdtempSync(join(tmpdir(), 'netns-explorer-'));
  const workDir = flags.workDir ?? (ownWorkDir as string);
  // Every client hears every notification: the app on stdio, and `npm run lab` on the control socket.
  const clients = new Set<LineServer>();
  const server = serveLines(process.stdin, process.stdout, (method, params) => service.dispatch(method, params));
  clients.add(server);
  const ssh = flags.ssh ? new SshLink({ destination: flags.ssh, configFile: flags.sshConfig, acceptKey: flags.sshAcceptKey, workDir }, (state) => service.onConnection(state)) : null;
  const service = new HelperService({
    ssh,
    mode: flags.mode,
    selfPid,
    workDir,
    reconcileMs: flags.reconcileMs,
    readerIdleMs: flags.readerIdleMs,
    watch: flags.watch,
    notify: (name, params) => {
      for (const client of clients) client.notify(name, params);
    },
  });
  if (flags.controlSocket) {
    const control = createServer((socket) => {
      socket.on('error', () => undefined);
      // Shells opened over this connection end with it, however the other side went away.
      const opened = new Set<string>();
      const client = serveLines(socket, socket, async (method, params) => {
        const result = await service.dispatch(method, params);
        if (method === 'terminal.open') opened.add((result as { terminalId: string }).terminalId);
        return result;
      });
      clients.add(client);
      // 'close' comes however the peer went (a killed client resets rather than ends the stream).
      socket.on('close', () => {
        clients.delete(client);
        for (const terminalId of opened) void service.dispatch('terminal.close', { terminalId }).catch(() => undefined);
      });
    });
    control.listen(flags.controlSocket, () => chmodSync(flags.controlSocket as string, 0o600));
    control.unref();
  }
  if (flags.mode === 'lab') {
    await service.ip.check('ip', ['link', 'set', 'lo', 'up'], { namespace: null, log: false });
  }
  await service.start();
  const stop = async (code: number) => {
    await service.shutdown();
    if (ownWorkDir) rmSync(ownWorkDir, { recursive: true, force: true });
    process.exit(code);
  };
  // As pid 1 of the lab's pid namespace, default signal actions do not apply.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(0));
  log(`ready (${flags.mode} mode${flags.insideLab ? ', inside a lab that plays the host' : ''}${ssh ? `, on ${ssh.label} over SSH` : ''}, pid ${selfPid})`);
  await server.closed;
  await stop(0);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  // A remote machine needs no hop here: nothing runs on this one but ssh, as the user.
  if (flags.ssh) return serve(flags);
  if (flags.mode === 'host' && !flags.insideLab && process.geteuid?.() !== 0) {
    fail("host mode changes the machine's real network namespaces and needs root. Run it as root (the desktop app uses pkexec), or use --lab.", 4);
  }
  if (flags.stage === 'start') {
    // Run by hand (or by pkexec): this process builds the hops and then only waits; the app builds them itself.
    const started = await startHelperHops({
      node: process.execPath,
      script: process.argv[1] as string,
      mode: flags.mode,
      flags: process.argv.slice(2),
      insideLab: flags.insideLab,
      env: process.env,
      warn: log,
    }).catch((error: Error) => fail(error.message, error instanceof StartError ? 3 : 1));
    relay(started);
    return;
  }
  await serve(flags);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error), 1));
