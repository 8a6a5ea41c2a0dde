// Packets made visible, and links impaired on purpose, in a real lab.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CapturePacket } from '../../shared/protocol';
import { labExec, labExecArgv, PRIVATE_HOST, startHelper, type HelperHandle } from '../support/helper';
import { buildArticleLab } from '../support/article';
import { hasNetem, hasQdisc } from '../support/kernel';
import { rejection } from '../support/rejection';

let helper: HelperHandle;

beforeAll(async () => {
  helper = await startHelper(['--lab', '--reconcile-ms=0']);
  await buildArticleLab(helper.client);
});

afterAll(async () => {
  await helper.close();
});

describe('capture', () => {
  it('sees exactly the echo requests and replies of a 3-packet ping, and saves them as a pcap', async () => {
    const c = helper.client;
    const { captureId } = await c.call('capture.start', { namespace: 'netns1', ifname: 'veth1', filter: 'icmp' });
    const { pingId } = await c.call('ping.start', { target: '10.1.1.1', count: 3, intervalMs: 200 });
    await helper.waitFor('ping.done', (d) => d.pingId === pingId, 10_000);
    const packets = () => helper.notifications.filter((n) => n.method === 'capture.packet' && (n.params as CapturePacket).captureId === captureId).map((n) => n.params as CapturePacket);
    for (let i = 0; i < 40 && packets().length < 6; i++) await new Promise((r) => setTimeout(r, 50));
    await c.call('capture.stop', { captureId });
    const done = await helper.waitFor('capture.done', (d) => d.captureId === captureId);
    expect(done).toEqual({ captureId, packets: 6, reason: 'stopped' });
    expect(packets().map((p) => [p.protocol, p.src, p.dst, p.summary.replace(/, id \d+/, '')])).toEqual([
      ['ICMP', '10.1.1.2', '10.1.1.1', 'ICMP echo request, seq 1, length 64'],
      ['ICMP', '10.1.1.1', '10.1.1.2', 'ICMP echo reply, seq 1, length 64'],
      ['ICMP', '10.1.1.2', '10.1.1.1', 'ICMP echo request, seq 2, length 64'],
      ['ICMP', '10.1.1.1', '10.1.1.2', 'ICMP echo reply, seq 2, length 64'],
      ['ICMP', '10.1.1.2', '10.1.1.1', 'ICMP echo request, seq 3, length 64'],
      ['ICMP', '10.1.1.1', '10.1.1.2', 'ICMP echo reply, seq 3, length 64'],
    ]);
    expect(packets().every((p) => p.length === 98)).toBe(true);

    const path = join(mkdtempSync(join(tmpdir(), 'netns-explorer-test-')), 'ping.pcap');
    expect(await c.call('capture.save', { captureId, path })).toEqual({ path });
    const read = execFileSync('tcpdump', ['-r', path, '-n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(read.trim().split('\n')).toHaveLength(6);
    expect(read).toMatch(/10\.1\.1\.2 > 10\.1\.1\.1: ICMP echo request/);
  });

  it('saves only to regular files: never through a symlink, into a FIFO or a device, and never hangs', async () => {
    const c = helper.client;
    const { captureId } = await c.call('capture.start', { namespace: 'netns1', ifname: 'veth1', maxPackets: 2 });
    await c.call('ping.start', { target: '10.1.1.1', count: 1 });
    await c.call('capture.stop', { captureId });
    const dir = mkdtempSync(join(tmpdir(), 'netns-explorer-save-'));
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, 'link'));
    for (const [path, why] of [
      [fifo, /not a regular file/],
      [join(dir, 'link'), /symbolic link/],
      ['/dev/null', /not a regular file/],
      [dir, /not a regular file/],
    ] as const) {
      const error = await c.call('capture.save', { captureId, path }).catch((e: { message: string; data: { field: string } }) => e);
      expect(error, path).toMatchObject({ message: expect.stringMatching(why), data: { field: 'path' } });
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    // Still answering at once.
    expect((await c.call('helper.info', {})).mode).toBe('lab');
    const saved = join(dir, 'saved.pcap');
    writeFileSync(saved, 'x'.repeat(100_000));
    await c.call('capture.save', { captureId, path: saved });
    expect(readFileSync(saved).subarray(0, 4).readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(statSync(saved).size).toBeLessThan(1000);
  });

  it('passes a BPF filter intact as one argument, and reports tcpdump’s error for a bad one', async () => {
    const c = helper.client;
    const filter = 'icmp and (src host 10.1.1.2 or dst host 10.1.1.2)';
    const { captureId } = await c.call('capture.start', { namespace: 'netns1', ifname: 'veth1', filter });
    await c.call('capture.stop', { captureId });
    const started = helper.notifications
      .filter((n) => n.method === 'command')
      .map((n) => (n.params as { argv: string[] }).argv)
      .find((argv) => argv.includes('tcpdump') && argv.includes(filter));
    expect(started?.at(-1)).toBe(filter);
    expect(started?.at(-2)).toBe('--');
    const bad = await rejection(c.call('capture.start', { ifname: 'veth0', filter: 'icmp and and' }));
    expect(bad.code).toBe(ErrorCode.CommandFailed);
    expect(bad.message).toMatch(/can't parse filter expression/);
  });

  it('ends a capture whose interface disappears, saying so', async () => {
    const c = helper.client;
    await c.call('veth.create', { name: 'short0', peerName: 'short1' });
    await c.call('link.set', { ifname: 'short0', up: true });
    const { captureId } = await c.call('capture.start', { ifname: 'short0' });
    await c.call('link.delete', { ifname: 'short0' });
    const done = await helper.waitFor('capture.done', (d) => d.captureId === captureId, 10_000);
    expect(done.reason).toMatch(/disappeared|went down|ended/);
  });
});

describe('impairment', () => {
  const veth0 = async () => (await helper.client.call('snapshot', {})).namespaces.find((n) => n.root)?.links.find((l) => l.ifname === 'veth0');

  it.runIf(hasNetem())('delays pings with netem where the kernel has it, shows it on the link, and clears it', async () => {
    await helper.client.call('netem.set', { ifname: 'veth0', delayMs: 100, lossPercent: 0 });
    expect((await veth0())?.impairment).toEqual({ qdisc: 'netem', settings: { delayMs: 100, lossPercent: 0 } });
    const { pingId } = await helper.client.call('ping.start', { target: '10.1.1.1', count: 2, intervalMs: 200 });
    const slow = await helper.waitFor('ping.done', (d) => d.pingId === pingId, 10_000);
    expect(slow.rtt?.min).toBeGreaterThanOrEqual(100);
    await helper.client.call('netem.clear', { ifname: 'veth0' });
    expect((await veth0())?.impairment).toBeUndefined();
  });

  it.runIf(!hasNetem())('says netem is missing where the kernel lacks it, and changes nothing', async () => {
    const error = await rejection(helper.client.call('netem.set', { ifname: 'veth0', delayMs: 100, lossPercent: 5 }));
    expect(error.code).toBe(ErrorCode.NotSupported);
    expect(error.message).toMatch(/netem is not available in this kernel/);
    expect((await veth0())?.impairment).toBeUndefined();
  });

  it.runIf(hasQdisc('tbf', ['rate', '1mbit', 'burst', '32kbit', 'latency', '400ms']))(
    'slows a bulk transfer with a tbf rate limit, shows it on the link, and restores the rate when cleared',
    async () => {
      const pid = helper.process.pid as number;
      const node = process.execPath;
      const serverScript = "require('net').createServer((s) => s.on('data', () => {}).on('end', () => s.end())).listen(5001, '10.1.1.1')";
      const [cmd, ...args] = labExecArgv(pid, ['ip', 'netns', 'exec', 'netns1', node, '-e', serverScript]);
      const server = spawn(cmd as string, args, { stdio: 'ignore' });
      try {
        const clientScript =
          "const s = require('net').connect(5001, '10.1.1.1', () => { const t = Date.now(); s.end(Buffer.alloc(384 * 1024)); s.on('close', () => console.log(Date.now() - t)); }); s.resume();";
        const transfer = () => Number(labExec(pid, [node, '-e', clientScript]).trim());
        for (let i = 0; i < 50; i++) {
          try {
            transfer();
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        const free = transfer();
        await helper.client.call('netem.set', { ifname: 'veth0', rateKbit: 1024 });
        expect((await veth0())?.impairment).toEqual({ qdisc: 'tbf', settings: { rateKbit: 1024 } });
        const limited = transfer();
        await helper.client.call('netem.clear', { ifname: 'veth0' });
        const restored = transfer();
        // 384 KiB at 1 Mbit/s is about three seconds; unlimited it is a few milliseconds.
        expect(limited).toBeGreaterThan(2000);
        expect(limited).toBeGreaterThan(free * 5);
        expect(restored).toBeLessThan(limited / 5);
      } finally {
        server.kill();
      }
    },
    30_000,
  );
});

describe('capture.save in host mode, started through pkexec', () => {
  it("writes the file as the user who asked, never with root's rights", async () => {
    const host = await startHelper(['--host', '--reconcile-ms=0'], { PKEXEC_UID: '65534' }, PRIVATE_HOST);
    try {
      const c = host.client;
      await c.call('veth.create', { name: 'h0', peerName: 'h1' });
      await c.call('link.set', { ifname: 'h0', up: true });
      const { captureId } = await c.call('capture.start', { ifname: 'h0', maxPackets: 1 });
      await c.call('capture.stop', { captureId });
      const dir = mkdtempSync(join(tmpdir(), 'netns-explorer-pkexec-'));
      // Only root may write here: the user may not, so neither may the helper on their behalf.
      const error = await c.call('capture.save', { captureId, path: join(dir, 'nope.pcap') }).catch((e: { message: string }) => e);
      expect(error).toMatchObject({ message: expect.stringMatching(/Permission denied/) });
      chmodSync(dir, 0o1777);
      await c.call('capture.save', { captureId, path: join(dir, 'mine.pcap') });
      expect(statSync(join(dir, 'mine.pcap')).uid).toBe(65534);
    } finally {
      await host.close();
    }
  });
});
