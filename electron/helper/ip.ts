// The one place that starts processes touching the network. Everything goes
// through argument arrays (never a shell); changes are reported as `command`
// notifications for the app's command log.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execa, type ResultPromise } from 'execa';
import { ErrorCode, RpcError, type CommandErrorData, type CommandEvent } from '../../shared/protocol';

import { HELPER_MARK, rememberOwnChild } from './own-processes';
import { processEnv } from './process-env';
import type { SshLink } from './remote/ssh';

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A namespace to run in: a /run/netns name, null for the helper's own, or any by a path to it. */
export type NsRef = string | null | { path: string; id: string };

/** How the command log names a namespace: its name, null for the helper's own, its id otherwise. */
export function nsLabel(ref: NsRef): string | null {
  return ref === null || typeof ref === 'string' ? ref : ref.id;
}

export interface RunOptions {
  namespace: NsRef;
  /** What is fed to stdin (`-batch -` lines, a file's bytes). */
  input?: string | Uint8Array;
  /** Changes are logged as `command` notifications; queries are not. */
  log: boolean;
}

export interface Counters {
  /** Processes started since the helper began; benchmarks and tests read it. */
  spawned: number;
}

/**
 * argv for `program args…` inside a namespace: `ip -n` for ip, `ip netns exec`
 * otherwise, and nsenter for one without a name (it leaves no trace behind,
 * unlike `ip netns attach`).
 */
export function namespacedArgv(program: string, args: readonly string[], namespace: NsRef): string[] {
  if (namespace === null) return [program, ...args];
  if (typeof namespace !== 'string') return ['nsenter', `--net=${namespace.path}`, '--', program, ...args];
  if (program === 'ip') return ['ip', '-n', namespace, ...args];
  return ['ip', 'netns', 'exec', namespace, program, ...args];
}

/** Kernel answers that mean "this kernel lacks the feature", not "you did it wrong". */
const NOT_SUPPORTED = [/Unknown device type/i, /Operation not supported/i, /Protocol not supported/i, /Unknown qdisc/i];

export function commandError(data: CommandErrorData): RpcError {
  const message = data.stderr.trim() || `${data.argv.join(' ')} exited with ${data.exitCode}`;
  const code = NOT_SUPPORTED.some((re) => re.test(message)) ? ErrorCode.NotSupported : ErrorCode.CommandFailed;
  return new RpcError({ code, message, data });
}

/** What a remote command gets in its environment: the helpers' mark, and messages in English as parse.ts reads them. */
const REMOTE_ENV = { [HELPER_MARK]: '1', LC_ALL: 'C' };
/** How long a stopped remote command may take to flush and end before its channel is cut. */
const REMOTE_STOP_GRACE_MS = 3_000;

export class IpRunner {
  private nextId = 1;
  readonly counters: Counters = { spawned: 0 };

  constructor(
    private readonly emit: (event: CommandEvent) => void,
    /** The machine's connection when it is remote: every process then runs there, each on a channel of its own. */
    readonly remote: SshLink | null = null,
  ) {}

  /** Runs to completion; never throws for a non-zero exit (see `check`), only when a remote machine cannot be reached. */
  async run(program: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    const argv = namespacedArgv(program, args, options.namespace);
    const started = performance.now();
    const channel = this.remote ? await this.remote.channel() : null;
    this.counters.spawned++;
    const real = channel ? channel.argv(argv, { env: REMOTE_ENV, endWithChannel: false }) : argv;
    const result = await execa(real[0] as string, real.slice(1), {
      input: options.input ?? '',
      reject: false,
      env: processEnv,
      extendEnv: false,
      timeout: 30_000,
    }).finally(() => channel?.release());
    const exitCode = result.exitCode ?? (result.timedOut ? 124 : 1);
    // A process that could not start at all has no stderr of its own; say why.
    const stderr = String(result.stderr ?? '') || (result.exitCode === undefined ? String(result.shortMessage) : '');
    if (channel?.dropped(exitCode, stderr)) {
      throw new RpcError({
        code: ErrorCode.Unavailable,
        message: `Lost the connection to ${this.remote?.label} while running ${argv.join(' ')}: ${stderr.trim()}`,
        data: { remote: this.remote?.label },
      });
    }
    if (options.log) {
      this.emit({
        id: this.nextId++,
        argv,
        namespace: nsLabel(options.namespace),
        exitCode,
        stderr,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
    }
    return { stdout: String(result.stdout), stderr, exitCode };
  }

  /** Runs and throws the command's own error message when it fails. */
  async check(program: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    const result = await this.run(program, args, options);
    if (result.exitCode !== 0) {
      throw commandError({
        argv: namespacedArgv(program, args, options.namespace),
        namespace: nsLabel(options.namespace),
        exitCode: result.exitCode,
        stderr: result.stderr,
      });
    }
    return result;
  }

  /** Starts a long-running process (ping); the caller reads its output and waits. */
  start(
    program: string,
    args: readonly string[],
    namespace: NsRef,
    options: {
      env?: NodeJS.ProcessEnv;
      buffer?: boolean;
      cwd?: string;
      /** A pseudo-terminal for it on a remote machine (ssh -tt); here the caller makes its own. */
      tty?: boolean;
      /** On a remote machine: the command reads the channel itself, and ends when it closes. */
      ownInput?: boolean;
    } = {},
  ): {
    argv: string[];
    process: ResultPromise<{ reject: false; env: NodeJS.ProcessEnv; extendEnv: false; buffer: boolean }>;
    /** Ends it with `signal`; on a remote machine by closing its input, so the server sends SIGINT and what it printed still arrives. */
    stop(signal?: NodeJS.Signals): void;
  } {
    const argv = namespacedArgv(program, args, namespace);
    const channel = this.remote?.channelNow() ?? null;
    this.counters.spawned++;
    // With a terminal, sshd hangs up the command when the channel closes; without, the server-side guard ends it.
    const real = channel ? channel.argv(argv, { env: { ...REMOTE_ENV, ...options.env }, endWithChannel: !options.tty && !options.ownInput, tty: options.tty === true }) : argv;
    // buffer: false for what may run for hours (terminals): read as it comes, kept nowhere.
    const child = execa(real[0] as string, real.slice(1), {
      reject: false,
      env: { ...processEnv, ...options.env },
      extendEnv: false,
      buffer: options.buffer ?? true,
      ...(options.cwd && !channel ? { cwd: options.cwd } : {}),
    });
    if (channel) void child.finally(() => channel.release());
    const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!channel || options.tty) return void child.kill(channel ? 'SIGTERM' : signal);
      child.stdin?.end();
      // A server that no longer answers: the channel goes with the client.
      setTimeout(() => child.kill('SIGKILL'), REMOTE_STOP_GRACE_MS).unref();
    };
    return { argv, process: child, stop };
  }

  /**
   * Starts a long-lived query process on this machine with bare pipes: a
   * reader lives as long as the app is used, and there are hundreds. execa
   * keeps about 60 KiB per live process (its streams and promises), node's
   * own spawn about 5; at 200 readers that was 12 MiB of the helper's.
   */
  startPipes(program: string, args: readonly string[], namespace: NsRef): ChildProcessWithoutNullStreams {
    const [cmd, ...rest] = namespacedArgv(program, args, namespace);
    this.counters.spawned++;
    const child = spawn(cmd as string, rest, { stdio: 'pipe', env: processEnv });
    rememberOwnChild(child);
    return child;
  }

  /** Reports a finished long-running process to the command log. */
  logFinished(argv: string[], namespace: NsRef, exitCode: number, stderr: string, durationMs: number): void {
    this.emit({ id: this.nextId++, argv, namespace: nsLabel(namespace), exitCode, stderr, durationMs: Math.round(durationMs) });
  }
}
