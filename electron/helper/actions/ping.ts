// ping.start / ping.stop: long-running pings streamed as notifications.
import { createInterface } from 'node:readline';
import { ErrorCode, RpcError, type MethodResults, type PingDone } from '../../../shared/protocol';
import type { ValidParams } from '../../../shared/schemas';
import type { Context } from '../context';
import { parsePingLine } from '../parse';

interface RunningPing {
  namespace: string | null;
  stop: () => void;
  finished: Promise<void>;
}

export class Pings {
  private nextId = 1;
  private readonly running = new Map<string, RunningPing>();

  constructor(private readonly ctx: Context) {}

  start(p: ValidParams['ping.start']): MethodResults['ping.start'] {
    const pingId = `ping-${this.nextId++}`;
    const namespace = p.namespace ?? null;
    const args = ['-n', '-W', '2'];
    if (p.count !== undefined) args.push('-c', String(p.count));
    if (p.intervalMs !== undefined) args.push('-i', (p.intervalMs / 1000).toString());
    args.push(p.target);
    const started = performance.now();
    const { argv, process: child } = this.ctx.ip.start('ping', args, namespace);
    const done: PingDone = { pingId, transmitted: 0, received: 0, lossPercent: 100, exitCode: 0, rtt: null };
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const parsed = parsePingLine(line);
      if (parsed.type === 'reply') {
        this.ctx.notify('ping.reply', { pingId, seq: parsed.seq, ttl: parsed.ttl, timeMs: parsed.timeMs, from: parsed.from });
      } else if (parsed.type === 'message') {
        this.ctx.notify('ping.message', { pingId, text: parsed.text });
      } else if (parsed.type === 'summary') {
        Object.assign(done, { transmitted: parsed.transmitted, received: parsed.received, lossPercent: parsed.lossPercent });
      } else if (parsed.type === 'rtt') {
        done.rtt = { min: parsed.min, avg: parsed.avg, max: parsed.max };
      }
    });
    const finished = child.then((result) => {
      this.running.delete(pingId);
      done.exitCode = result.exitCode ?? 1;
      const stderr = result.stderr.trim();
      if (stderr) this.ctx.notify('ping.message', { pingId, text: stderr });
      this.ctx.ip.logFinished(argv, namespace, done.exitCode, stderr, performance.now() - started);
      this.ctx.notify('ping.done', done);
    });
    this.running.set(pingId, { namespace, stop: () => child.kill('SIGINT'), finished });
    return { pingId };
  }

  async stop(p: ValidParams['ping.stop']): Promise<MethodResults['ping.stop']> {
    const ping = this.running.get(p.pingId);
    if (!ping) throw new RpcError({ code: ErrorCode.NotFound, message: `No ping ${p.pingId} is running.` });
    ping.stop();
    await ping.finished;
    return {};
  }

  /** Stops the pings running in a namespace about to be deleted. */
  async stopIn(namespace: string): Promise<void> {
    const inside = [...this.running.values()].filter((ping) => ping.namespace === namespace);
    for (const ping of inside) ping.stop();
    await Promise.all(inside.map((ping) => ping.finished));
  }

  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const ping of all) ping.stop();
    await Promise.all(all.map((ping) => ping.finished));
  }
}
