// Runs the helper as a child process, restarts it when it dies, and reports
// its state. Used by the Electron main process and by the web bridge alike.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { HelperMode, HelperStatus } from '../../shared/protocol';
import type { StartedHelper } from '../helper/start';

export interface HelperLaunch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Exits before ready that mean "do not retry" (pkexec's 126 and 127). */
  fatalExitCodes?: number[];
  /**
   * Builds the helper's namespaces here and says what to run in them, instead
   * of command and args (which do the same with a starter of their own that
   * then only waits). When they cannot be built, the helper has failed: no
   * restart cures a disabled setting.
   */
  hops?: (warn: (message: string) => void) => Promise<StartedHelper>;
}

export interface SupervisorEvents {
  message: [text: string];
  status: [status: HelperStatus];
}

const STDERR_TAIL = 4000;
/** Restarts closer together than this count as a crash loop. */
const QUICK_DEATH_MS = 5000;
const MAX_QUICK_DEATHS = 3;

/** Exit codes that no restart will cure: pkexec's dismissed dialog (126) and refusal (127). */
export const PKEXEC_EXIT: Readonly<Record<number, string>> = {
  126: 'the password dialog was dismissed',
  127: 'you are not authorised to run the helper as root (or pkexec failed)',
};

export class HelperSupervisor extends EventEmitter<SupervisorEvents> {
  private child: ChildProcessWithoutNullStreams | null = null;
  private stopping = false;
  private quickDeaths = 0;
  private stderrTail = '';
  /** Counts starts, so that a lab built for an earlier one is ended rather than run. */
  private attempts = 0;
  private building: Promise<void> | null = null;
  status: HelperStatus;

  constructor(
    public mode: HelperMode,
    private launch: HelperLaunch,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    super();
    this.status = { state: 'starting', mode };
  }

  /** Changes how the next start runs the helper. */
  configure(mode: HelperMode, launch: HelperLaunch): void {
    this.mode = mode;
    this.launch = launch;
    this.quickDeaths = 0;
  }

  /** Resolves with the next ready or failed status (or the current one, if it is one of those). */
  settled(timeoutMs: number): Promise<HelperStatus> {
    if (this.status.state === 'ready' || this.status.state === 'failed') return Promise.resolve(this.status);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.off('status', listener);
        resolve({ state: 'failed', mode: this.mode, message: `the helper did not start within ${Math.round(timeoutMs / 1000)} s` });
      }, timeoutMs);
      const listener = (status: HelperStatus) => {
        if (status.state !== 'ready' && status.state !== 'failed') return;
        clearTimeout(timer);
        this.off('status', listener);
        resolve(status);
      };
      this.on('status', listener);
    });
  }

  start(restart = false): void {
    this.stopping = false;
    this.setStatus({ state: restart ? 'restarting' : 'starting', mode: this.mode });
    const started = Date.now();
    const attempt = ++this.attempts;
    const { hops } = this.launch;
    if (!hops) {
      this.run(this.launch.command, this.launch.args, this.launch.env ?? process.env, started, () => undefined);
      return;
    }
    this.building = hops(this.log).then(
      (built) => {
        // Stopped or started again meanwhile: this lab is nobody's.
        if (this.stopping || attempt !== this.attempts) return built.close();
        const [command, ...args] = built.argv;
        this.run(command as string, args, built.env, started, built.close);
      },
      (error: Error) => {
        if (!this.stopping && attempt === this.attempts) this.setStatus({ state: 'failed', mode: this.mode, message: error.message });
      },
    );
  }

  private run(command: string, args: string[], env: NodeJS.ProcessEnv, started: number, whenEnded: () => void): void {
    let over = false;
    const ended = () => {
      if (!over) whenEnded();
      over = true;
    };
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
      // Its own process group, so stop() reaches the lab's unshare chain too.
      detached: true,
    });
    this.child = child;
    this.stderrTail = '';
    createInterface({ input: child.stdout }).on('line', (line) => this.emit('message', line));
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.log(line);
      this.stderrTail = `${this.stderrTail}${line}\n`.slice(-STDERR_TAIL);
      if (line.includes('ready (')) {
        this.quickDeaths = 0;
        this.setStatus({ state: 'ready', mode: this.mode });
      }
    });
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      // The program could not be started at all (e.g. pkexec missing): no close event follows a spawn error.
      ended();
      this.stderrTail += `${error.message}\n`;
      if (this.child === child) this.child = null;
      if (!this.stopping) this.setStatus({ state: 'failed', mode: this.mode, message: `cannot start ${command}: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      ended();
      if (this.child === child) this.child = null;
      if (this.stopping || this.status.state === 'failed') return;
      const reason = `the helper exited (${signal ?? `code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').slice(-3).join(' ')}` : ''}`;
      const fatal = this.launch.fatalExitCodes?.includes(code ?? -1) && this.status.state !== 'ready';
      if (fatal) {
        this.setStatus({ state: 'failed', mode: this.mode, message: PKEXEC_EXIT[code ?? -1] ?? reason });
        return;
      }
      this.quickDeaths = Date.now() - started < QUICK_DEATH_MS ? this.quickDeaths + 1 : 0;
      if (this.quickDeaths >= MAX_QUICK_DEATHS) {
        this.setStatus({ state: 'failed', mode: this.mode, message: reason });
        return;
      }
      this.setStatus({ state: 'restarting', mode: this.mode, message: reason });
      setTimeout(() => this.stopping || this.start(true), 300 * this.quickDeaths).unref();
    });
  }

  /** Sends one JSON text; false when no helper is running to take it. */
  send(text: string): boolean {
    if (!this.child || this.status.state !== 'ready') return false;
    this.child.stdin.write(`${text}\n`);
    return true;
  }

  /** Ends the helper (stdin EOF, then SIGTERM, then SIGKILL to its group). */
  async stop(): Promise<void> {
    this.stopping = true;
    // A lab being built is ended as soon as it is (start() sees stopping).
    await this.building;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.stdin.end();
    const term = setTimeout(() => signalGroup(child, 'SIGTERM'), 1500);
    const kill = setTimeout(() => signalGroup(child, 'SIGKILL'), 4000);
    await closed;
    clearTimeout(term);
    clearTimeout(kill);
  }

  private setStatus(status: HelperStatus): void {
    this.status = status;
    this.emit('status', status);
  }
}

function signalGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
