// The host-side plumbing shared by Electron and the web bridge, on real child
// processes standing in for the helper.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HelperStatus } from '../../shared/protocol';
import { ErrorCode } from '../../shared/protocol';
import { RpcRouter } from '../../electron/bridge/router';
import { HelperSupervisor } from '../../electron/bridge/supervisor';
import { StartError, type StartedHelper } from '../../electron/helper/start';

// A stand-in helper: says ready, echoes requests, says it is connected on helper.info, and dies on netns.delete.
const ECHO = join(tmpdir(), `netns-explorer-echo-${process.pid}.mjs`);
writeFileSync(
  ECHO,
  `import { createInterface } from 'node:readline';
process.stderr.write('ready (echo)\\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === 'netns.delete') process.exit(3);
  if (m.method === 'helper.info') process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'helper.connection', params: { state: 'connected', remote: 'server' } }) + '\\n');
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'command', params: { argv: [m.method] } }) + '\\n');
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { method: m.method } }) + '\\n');
});
process.stdin.on('end', () => process.exit(0));
`,
);

const supervisors: HelperSupervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

function start(): { supervisor: HelperSupervisor; statuses: HelperStatus['state'][] } {
  const supervisor = new HelperSupervisor('lab', { command: process.execPath, args: [ECHO] }, () => undefined);
  const statuses: HelperStatus['state'][] = [];
  supervisor.on('status', (s) => statuses.push(s.state));
  supervisors.push(supervisor);
  supervisor.start();
  return { supervisor, statuses };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
};

describe('RpcRouter over a supervised helper', () => {
  it('routes each reply to the client that asked, under its own id, and fans notifications out', async () => {
    const { supervisor } = start();
    const router = new RpcRouter(supervisor);
    const a: string[] = [];
    const b: string[] = [];
    const la = router.attach({ send: (t) => a.push(t) });
    router.attach({ send: (t) => b.push(t) });
    await until(() => supervisor.status.state === 'ready');
    la.receive(JSON.stringify({ jsonrpc: '2.0', id: 'x1', method: 'snapshot', params: {} }));
    await until(() => a.some((t) => JSON.parse(t).id === 'x1'));
    expect(JSON.parse(a.find((t) => JSON.parse(t).id === 'x1') as string)).toEqual({ jsonrpc: '2.0', id: 'x1', result: { method: 'snapshot' } });
    expect(b.some((t) => JSON.parse(t).id === 'x1')).toBe(false);
    expect(b.some((t) => JSON.parse(t).method === 'command')).toBe(true);
  });

  it('refuses methods outside the protocol without forwarding them', async () => {
    const { supervisor } = start();
    const router = new RpcRouter(supervisor);
    const out: string[] = [];
    const link = router.attach({ send: (t) => out.push(t) });
    await until(() => supervisor.status.state === 'ready');
    link.receive(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'exec', params: { cmd: 'reboot' } }));
    expect(JSON.parse(out.at(-1) as string)).toMatchObject({ id: 1, error: { code: ErrorCode.MethodNotFound } });
    expect(out.some((t) => t.includes('"command"'))).toBe(false);
  });

  it('fails calls in flight when the helper dies, restarts it, and reports each state', async () => {
    const { supervisor, statuses } = start();
    const router = new RpcRouter(supervisor);
    const out: string[] = [];
    const link = router.attach({ send: (t) => out.push(t) });
    await until(() => supervisor.status.state === 'ready');
    link.receive(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'netns.delete', params: { name: 'x' } }));
    await until(() => out.some((t) => JSON.parse(t).id === 7));
    expect(JSON.parse(out.find((t) => JSON.parse(t).id === 7) as string).error.code).toBe(ErrorCode.Unavailable);
    await until(() => statuses.filter((s) => s === 'ready').length === 2);
    expect(statuses).toEqual(['starting', 'ready', 'restarting', 'restarting', 'ready']);
    expect(out.filter((t) => JSON.parse(t).method === 'helper.status').length).toBeGreaterThanOrEqual(4);
  });

  it("tells a client that attaches later how a remote helper's connection stands, and forgets it when the helper restarts", async () => {
    const { supervisor, statuses } = start();
    const router = new RpcRouter(supervisor);
    const first = router.attach({ send: () => undefined });
    await until(() => supervisor.status.state === 'ready');
    first.receive(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'helper.info', params: {} }));
    const methods = (out: string[]) => out.map((t) => (JSON.parse(t) as { method?: string }).method);
    const late: string[] = [];
    await until(() => {
      late.length = 0;
      router.attach({ send: (t) => late.push(t) }).detach();
      return late.length === 2;
    });
    expect(methods(late)).toEqual(['helper.status', 'helper.connection']);
    expect(JSON.parse(late[1] as string).params).toEqual({ state: 'connected', remote: 'server' });
    first.receive(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'netns.delete', params: { name: 'x' } }));
    await until(() => statuses.filter((s) => s === 'ready').length === 2);
    const afterRestart: string[] = [];
    router.attach({ send: (t) => afterRestart.push(t) });
    expect(methods(afterRestart)).toEqual(['helper.status']);
  });
});

describe('HelperSupervisor building the hops itself (as for a lab)', () => {
  /** A supervisor whose hops run the stand-in, once `ready` resolves; counts builds and ends. */
  function withHops(ready: Promise<void> = Promise.resolve(), fail: Error | null = null) {
    const counts = { built: 0, closed: 0 };
    const hops = async (): Promise<StartedHelper> => {
      counts.built++;
      await ready;
      if (fail) throw fail;
      return { argv: [process.execPath, ECHO], env: process.env, holder: null, close: () => void counts.closed++ };
    };
    const supervisor = new HelperSupervisor('lab', { command: 'unused', args: [], hops }, () => undefined);
    supervisors.push(supervisor);
    return { supervisor, counts };
  }

  it('runs what the hops say, and ends them once when the helper has gone', async () => {
    const { supervisor, counts } = withHops();
    supervisor.start();
    expect(await supervisor.settled(5000)).toMatchObject({ state: 'ready' });
    await supervisor.stop();
    expect(counts).toEqual({ built: 1, closed: 1 });
  });

  it('says why at once when the hops cannot be built, without retrying', async () => {
    const { supervisor, counts } = withHops(Promise.resolve(), new StartError('cannot build the lab. User namespaces are disabled (sysctl user.max_user_namespaces = 0).'));
    supervisor.start();
    expect(await supervisor.settled(5000)).toEqual({ state: 'failed', mode: 'lab', message: expect.stringMatching(/^cannot build the lab\. User namespaces are disabled/) });
    await new Promise((r) => setTimeout(r, 1000));
    expect(counts.built).toBe(1);
  });

  it('ends hops that were still being built when it was stopped, and runs nothing', async () => {
    let finish!: () => void;
    const { supervisor, counts } = withHops(new Promise<void>((resolve) => (finish = resolve)));
    const states: string[] = [];
    supervisor.on('status', (s) => states.push(s.state));
    supervisor.start();
    const stopped = supervisor.stop();
    finish();
    await stopped;
    expect(counts).toEqual({ built: 1, closed: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(states).toEqual(['starting']);
  });
});
