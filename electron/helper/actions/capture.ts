// capture.start / stop / save: tcpdump inside a namespace, one-line summaries
// streamed as notifications and every packet kept in a pcap for saving.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCode, RpcError, type CaptureDone, type MethodResults } from '../../../shared/protocol';
import type { ValidParams } from '../../../shared/schemas';
import { existingTarget, type Context } from '../context';
import { commandError, namespacedArgv, nsLabel } from '../ip';
import { processEnv } from '../process-env';
import { Jobs } from '../jobs';
import { saveFile } from '../save-file';
import { parseTcpdumpLine } from '../parse';

const SNAP_LENGTH = 65535;
export const DEFAULT_MAX_PACKETS = 10000;

/** tcpdump's argv: decoded lines on stdout (--print) while the raw packets go to a pcap. */
function tcpdumpArgs(ifname: string, file: string, maxPackets: number, filter: string | undefined, asRoot: boolean): string[] {
  // As root, tcpdump would switch to its own user before opening the file; keep root so it can write it.
  const args = ['-i', ifname, '-n', '-tt', '-e', '-l', '-U', '--print', '-s', String(SNAP_LENGTH), '-c', String(maxPackets), '-w', file];
  if (asRoot) args.push('-Z', 'root');
  if (filter) args.push('--', filter);
  return args;
}

/** Why tcpdump stopped, from its exit and last words. */
export function doneReason(exitCode: number, stderr: string, stopped: boolean, reachedMax: boolean): string {
  if (stopped) return 'stopped';
  if (reachedMax) return 'packet limit reached';
  if (/disappeared|No such device|went down/i.test(stderr)) return 'the interface disappeared';
  if (exitCode === 0) return 'ended';
  return stderr.trim().split('\n').at(-1) ?? `tcpdump exited with ${exitCode}`;
}

interface Capture {
  file: string;
  dir: string;
}

export class Captures {
  readonly jobs = new Jobs('capture');
  private readonly files = new Map<string, Capture>();

  constructor(private readonly ctx: Context) {}

  async start(p: ValidParams['capture.start']): Promise<MethodResults['capture.start']> {
    const namespace = existingTarget(this.ctx, p.where);
    const asRoot = process.geteuid?.() === 0;
    const maxPackets = p.maxPackets ?? DEFAULT_MAX_PACKETS;
    // Compile the filter first, so a bad one is an error of this call, in tcpdump's words.
    if (p.filter) {
      const check = await this.ctx.ip.run('tcpdump', ['-i', p.ifname, '-d', '--', p.filter], { namespace, log: false });
      if (check.exitCode !== 0) {
        throw commandError({ argv: namespacedArgv('tcpdump', ['-i', p.ifname, '-d', '--', p.filter], namespace), namespace: nsLabel(namespace), exitCode: check.exitCode, stderr: check.stderr });
      }
    }
    const captureId = this.jobs.newId();
    const dir = await mkdtemp(join(this.ctx.workDir, 'capture-'));
    const file = join(dir, 'capture.pcap');
    const started = performance.now();
    // On a remote machine the pcap comes back on stdout (fd 3 there) and the decoded lines on stderr: nothing is left on the server.
    const {
      argv,
      process: child,
      stop: stopChild,
    } = this.ctx.remote
      ? this.ctx.ip.start('sh', ['-c', 'exec tcpdump "$@" 3>&1 1>&2', 'tcpdump', ...tcpdumpArgs(p.ifname, '/dev/fd/3', maxPackets, p.filter, false)], namespace)
      : this.ctx.ip.start('tcpdump', tcpdumpArgs(p.ifname, file, maxPackets, p.filter, asRoot), namespace);
    // Done only once every byte is in the file, so a save right after has them all.
    const written = this.ctx.remote && child.stdout ? new Promise<void>((resolve) => child.stdout?.pipe(createWriteStream(file, { mode: 0o600 })).on('close', resolve)) : Promise.resolve();
    let packets = 0;
    let stopped = false;
    createInterface({ input: (this.ctx.remote ? child.stderr : child.stdout) as NodeJS.ReadableStream }).on('line', (line) => {
      const packet = parseTcpdumpLine(line);
      if (!packet) return;
      packets++;
      this.ctx.notify('capture.packet', { captureId, ...packet });
    });
    const finished = Promise.all([child, written]).then(([result]) => {
      const stderr = String(result.stderr);
      const exitCode = result.exitCode ?? 1;
      this.ctx.ip.logFinished(argv, namespace, exitCode, exitCode === 0 ? '' : stderr.trim(), performance.now() - started);
      const done: CaptureDone = { captureId, packets, reason: doneReason(exitCode, stderr, stopped, packets >= maxPackets) };
      this.ctx.notify('capture.done', done);
    });
    this.files.set(captureId, { file, dir });
    this.jobs.add(captureId, {
      namespace: nsLabel(namespace),
      stop: () => {
        stopped = true;
        stopChild('SIGINT');
      },
      finished,
    });
    // tcpdump reports failure to open the interface at once: make that this call's error.
    const early = await Promise.race([finished.then(() => 'ended' as const), new Promise<'running'>((r) => setTimeout(() => r('running'), 150))]);
    if (early === 'ended') {
      const result = await child;
      if ((result.exitCode ?? 1) !== 0) {
        await this.forget(captureId);
        throw commandError({ argv, namespace: nsLabel(namespace), exitCode: result.exitCode ?? 1, stderr: String(result.stderr) });
      }
    }
    return { captureId };
  }

  async stop(p: ValidParams['capture.stop']): Promise<MethodResults['capture.stop']> {
    if (this.jobs.get(p.captureId)) await this.jobs.stop(p.captureId);
    else if (!this.files.has(p.captureId)) throw new RpcError({ code: ErrorCode.NotFound, message: `There is no capture ${p.captureId}.` });
    return {};
  }

  async save(p: ValidParams['capture.save']): Promise<MethodResults['capture.save']> {
    const capture = this.files.get(p.captureId);
    if (!capture) throw new RpcError({ code: ErrorCode.NotFound, message: `There is no capture ${p.captureId}.` });
    // The file is on this machine even when the capture ran on a remote one.
    await saveFile(capture.file, p.path, this.ctx.ip, this.ctx.mode === 'host' && !this.ctx.remote);
    return { path: p.path };
  }

  /** Opens the capture so far in Wireshark, as a program of its own that outlives nothing of ours. */
  async wireshark(p: ValidParams['capture.wireshark'], wireshark: string | null): Promise<MethodResults['capture.wireshark']> {
    const capture = this.files.get(p.captureId);
    if (!capture) throw new RpcError({ code: ErrorCode.NotFound, message: `There is no capture ${p.captureId}.` });
    if (!wireshark) throw new RpcError({ code: ErrorCode.NotSupported, message: 'Wireshark is not installed here (or the helper runs as root): save the capture and open the file instead.' });
    const copy = join(capture.dir, `wireshark-${Date.now()}.pcap`);
    await copyFile(capture.file, copy);
    const child = spawn(wireshark, ['-r', copy], { detached: true, stdio: 'ignore', env: processEnv });
    child.on('error', () => undefined);
    child.unref();
    return {};
  }

  private async forget(captureId: string): Promise<void> {
    const capture = this.files.get(captureId);
    this.files.delete(captureId);
    if (capture) await rm(capture.dir, { recursive: true, force: true });
  }

  async dispose(): Promise<void> {
    await this.jobs.stopAll();
    await Promise.all([...this.files.keys()].map((id) => this.forget(id)));
  }
}
