// ping.start / ping.stop: long-running pings streamed as notifications.
import { createInterface } from 'node:readline';
import type { MethodResults, PingDone } from '../../../shared/protocol';
import type { ValidParams } from '../../../shared/schemas';
import { existingTarget, type Context } from '../context';
import { nsLabel } from '../ip';
import { Jobs } from '../jobs';
import { parsePingLine } from '../parse';

export class Pings {
  readonly jobs = new Jobs('ping');

  constructor(private readonly ctx: Context) {}

  start(p: ValidParams['ping.start']): MethodResults['ping.start'] {
    const pingId = this.jobs.newId();
    const namespace = existingTarget(this.ctx, p.where);
    const args = ['-n', '-W', '2'];
    if (p.count !== undefined) args.push('-c', String(p.count));
    if (p.intervalMs !== undefined) args.push('-i', (p.intervalMs / 1000).toString());
    args.push(p.target);
    const started = performance.now();
    const { argv, process: child, stop: stopChild } = this.ctx.ip.start('ping', args, namespace);
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
      done.exitCode = result.exitCode ?? 1;
      const stderr = String(result.stderr).trim();
      if (stderr) this.ctx.notify('ping.message', { pingId, text: stderr });
      this.ctx.ip.logFinished(argv, namespace, done.exitCode, stderr, performance.now() - started);
      this.ctx.notify('ping.done', done);
    });
    this.jobs.add(pingId, { namespace: nsLabel(namespace), stop: () => stopChild('SIGINT'), finished });
    return { pingId };
  }

  async stop(p: ValidParams['ping.stop']): Promise<MethodResults['ping.stop']> {
    await this.jobs.stop(p.pingId);
    return {};
  }
}
