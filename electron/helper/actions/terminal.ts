// terminal.*: an interactive shell inside a namespace, on a real pseudo-terminal.
// The shell is the helper's child, so it has the lab's namespaces and
// capabilities (a process entering the lab from outside would lose them).
import { existsSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { ErrorCode, RpcError, type MethodResults } from '../../../shared/protocol';
import type { ValidParams } from '../../../shared/schemas';
import { existingTarget, type Context } from '../context';
import { nsLabel } from '../ip';
import { displayName } from '../../../shared/model';
import { Jobs } from '../jobs';
import { procPid } from '../pids';

/**
 * argv for a shell on a fresh pseudo-terminal: util-linux `script` makes the
 * pty (no native module needed) and sets its first size; bash runs without
 * rc files so every lab shell has the same prompt (PS1 names the namespace).
 */
function shellArgv(cols: number, rows: number, bash: boolean): string[] {
  // +O promptvars: bash must not expand $(…) or $VAR in the prompt, which carries a namespace name.
  const shell = bash ? '/bin/bash --norc --noprofile +O promptvars -i' : '/bin/sh -i';
  // The prompt travels in a variable: the non-interactive shell script starts would drop an exported PS1.
  return ['-q', '-f', '-e', '-E', 'always', '-c', `stty cols ${cols} rows ${rows}; PS1="$NETNS_EXPLORER_PS1" exec ${shell}`, '/dev/null'];
}

/**
 * The prompt for a shell in `label`'s namespace. The name is data: control
 * characters escaped, and for bash (prompt expansion off) its backslashes
 * doubled; a plain sh may expand its prompt, so there only plain characters stay.
 */
export function promptFor(label: string, bash: boolean): string {
  const shown = displayName(label);
  return bash ? `[${shown.replace(/\\/g, '\\\\')}] \\w \\$ ` : `[${shown.replace(/[^A-Za-z0-9_.@+-]/g, '?')}] $ `;
}

/**
 * A shell on a remote machine, on the pty sshd makes (ssh -tt): it first sets
 * the size and says which pty it is (for resizing with stty -F there), then
 * runs bash as here, or sh where there is no bash.
 */
const REMOTE_SHELL = `stty cols "$1" rows "$2"; printf '\\036%s\\n' "$(tty)"; if [ -x /bin/bash ]; then PS1="$NETNS_EXPLORER_PS1" exec /bin/bash --norc --noprofile +O promptvars -i; fi; PS1="$NETNS_EXPLORER_PS1_SH" exec /bin/sh -i`;

interface Terminal {
  write(data: string): void;
  /** The pty's path where the shell runs, once known (a remote one says it first). */
  tty: () => Promise<string>;
}

/** The pty of the shell under a local `script`. */
async function localTty(pid: number): Promise<string> {
  const script = (await procPid(pid)) ?? pid;
  const children = (await readFile(`/proc/${script}/task/${script}/children`, 'utf8').catch(() => '')).trim().split(/\s+/);
  const shell = children[0];
  return shell ? await readlink(`/proc/${shell}/fd/0`).catch(() => '') : '';
}

export class Terminals {
  readonly jobs = new Jobs('terminal');
  private readonly open_ = new Map<string, Terminal>();

  constructor(private readonly ctx: Context) {}

  open(p: ValidParams['terminal.open']): MethodResults['terminal.open'] {
    const namespace = existingTarget(this.ctx, p.where);
    const terminalId = this.jobs.newId();
    const entry = 'id' in p.where ? this.ctx.snapshots.entry(p.where.id) : undefined;
    const label = (entry?.root ? null : (entry?.name ?? nsLabel(namespace))) ?? (this.ctx.mode === 'lab' ? 'lab host' : 'host');
    // nsenter even for named namespaces: `ip netns exec` would give the shell a mount namespace of its own,
    // and namespaces it made with `ip netns add` would not be seen by the helper.
    const way = typeof namespace === 'string' ? { path: `/run/netns/${namespace}`, id: namespace } : namespace;
    const remote = this.ctx.remote !== null;
    const bash = remote || existsSync('/bin/bash');
    const env = { TERM: 'xterm-256color', NETNS_EXPLORER_PS1: promptFor(label, bash), NETNS_EXPLORER_PS1_SH: promptFor(label, false), HISTFILE: '/dev/null' };
    const { process: child, stop } = remote
      ? this.ctx.ip.start('sh', ['-c', REMOTE_SHELL, 'sh', String(p.cols), String(p.rows)], way, { env, buffer: false, tty: true })
      : this.ctx.ip.start('script', shellArgv(p.cols, p.rows, bash), way, { env, buffer: false, cwd: process.env.HOME && existsSync(process.env.HOME) ? process.env.HOME : '/' });
    const pid = child.pid;
    if (pid === undefined) throw new RpcError({ code: ErrorCode.CommandFailed, message: 'could not start a terminal (util-linux script)' });
    const decoder = new StringDecoder('utf8');
    let ttyLine: ((path: string) => void) | null = null;
    const remoteTty = new Promise<string>((resolve) => (ttyLine = resolve));
    let head = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      let data = decoder.write(chunk);
      // A remote shell's first line names its pty; the user never sees it.
      if (remote && ttyLine) {
        head += data;
        const end = head.indexOf('\n', head.indexOf('\x1e'));
        if (head.indexOf('\x1e') < 0 || end < 0) return;
        ttyLine(head.slice(head.indexOf('\x1e') + 1, end).trim());
        ttyLine = null;
        data = head.slice(0, head.indexOf('\x1e')) + head.slice(end + 1);
      }
      if (data) this.ctx.notify('terminal.data', { terminalId, data });
    });
    child.stderr?.on('data', (chunk: Buffer) => this.ctx.notify('terminal.data', { terminalId, data: chunk.toString() }));
    child.stdin?.on('error', () => undefined);
    const finished = child.then((result) => {
      this.open_.delete(terminalId);
      this.ctx.notify('terminal.exit', { terminalId, exitCode: result.exitCode ?? 1 });
    });
    this.open_.set(terminalId, { write: (data) => child.stdin?.write(data), tty: () => (remote ? remoteTty : localTty(pid)) });
    // script does not pass SIGHUP or SIGTERM on (and an interactive bash ignores SIGTERM): ending script
    // closes the pty, and the kernel hangs up the shell on it. A remote one's channel closes, and sshd hangs it up.
    this.jobs.add(terminalId, { namespace: nsLabel(namespace), stop: () => (remote ? stop() : child.kill('SIGKILL')), finished });
    return { terminalId };
  }

  private get(id: string): Terminal {
    const terminal = this.open_.get(id);
    if (!terminal) throw new RpcError({ code: ErrorCode.NotFound, message: `No terminal ${id} is open.` });
    return terminal;
  }

  write(p: ValidParams['terminal.write']): MethodResults['terminal.write'] {
    this.get(p.terminalId).write(p.data);
    return {};
  }

  /** Sets the pty's size from its shell's side (`stty -F /dev/pts/N`), which sends SIGWINCH to what runs there. */
  async resize(p: ValidParams['terminal.resize']): Promise<MethodResults['terminal.resize']> {
    const tty = await this.get(p.terminalId).tty();
    if (!tty.startsWith('/dev/pts/')) throw new RpcError({ code: ErrorCode.NotFound, message: `Terminal ${p.terminalId} has no shell on a pty any more.` });
    await this.ctx.ip.check('stty', ['-F', tty, 'cols', String(p.cols), 'rows', String(p.rows)], { namespace: null, log: false });
    return {};
  }

  async close(p: ValidParams['terminal.close']): Promise<MethodResults['terminal.close']> {
    await this.jobs.stop(p.terminalId);
    return {};
  }
}
