// Runs the helper as a child process, restarts it when it dies, and reports
// its state. Used by the Electron main process and by the web bridge alike.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { HelperMode, HelperStatus } from '../../shared/protocol';

export interface HelperLaunch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export interface SupervisorEvents {
  message: [text: string];
  status: [status: HelperStatus];
}

const STDERR_TAIL = 4000;
/** Restarts closer together than this count as a crash loop. */
const QUICK_DEATH_MS = 5000;
const MAX_QUICK_DEATHS = 3;

export class HelperSupervisor extends EventEmitter<SupervisorEvents> {
  private child: ChildProcessWithoutNullStreams | null = null;
  private stopping = false;
  private quickDeaths = 0;
  private stderrTail = '';
  status: HelperStatus;

  constructor(
    readonly mode: HelperMode,
    private readonly launch: HelperLaunch,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    super();
    this.status = { state: 'starting', mode };
  }

  start(restart = false): void {
    this.stopping = false;
    this.setStatus({ state: restart ? 'restarting' : 'starting', mode: this.mode });
    const started = Date.now();
    const child = spawn(this.launch.command, this.launch.args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: this.launch.env ?? process.env,
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
      this.stderrTail += `${error.message}\n`;
    });
    child.on('close', (code, signal) => {
      if (this.child === child) this.child = null;
      if (this.stopping) return;
      const reason = `the helper exited (${signal ?? `code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').slice(-3).join(' ')}` : ''}`;
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
