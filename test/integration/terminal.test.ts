// A shell inside the lab on a real pseudo-terminal: its commands are outside
// changes the graph follows, Ctrl+C reaches it, and resizing works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHelper, terminalOutput, type HelperHandle } from '../support/helper';

let helper: HelperHandle;
let terminalId = '';

beforeAll(async () => {
  helper = await startHelper(['--lab', '--reconcile-ms=0']);
  await helper.client.call('netns.create', { name: 'netns1' });
  await helper.client.call('veth.create', { name: 'veth0', peerName: 'veth1', peerNamespace: 'netns1' });
});

afterAll(async () => {
  await helper.close();
});

/** Everything the terminal printed from notification index `since` on. */
const output = (since = 0) => terminalOutput(helper, terminalId, since);

async function typeAndWait(text: string, expected: RegExp, timeoutMs = 5000): Promise<string> {
  const since = helper.notifications.length;
  await helper.client.call('terminal.write', { terminalId, data: text });
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (expected.test(output(since))) return output(since);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${expected} in terminal output: ${JSON.stringify(output(since))}`);
}

describe('terminal', () => {
  it('opens a shell in a namespace, with a prompt that names it', async () => {
    ({ terminalId } = await helper.client.call('terminal.open', { namespace: 'netns1', cols: 100, rows: 30 }));
    const out = await typeAndWait('ip -br link\n', /veth1@/);
    expect(out).toMatch(/\[netns1\]/);
  });

  it('runs as an ordinary user of the lab, not as root, yet may change the lab', async () => {
    const expected = process.getuid?.() === 0 ? 1000 : process.getuid?.();
    expect(await typeAndWait('echo uid=$(id -u)\n', /uid=\d+\r?\n/)).toMatch(new RegExp(`uid=${expected}\\r?\\n`));
    expect(await typeAndWait('ip link set lo up && echo lo-ok\n', /lo-ok\r?\n/)).toMatch(/lo-ok/);
  });

  it('has the size it was opened with, and takes a new one', async () => {
    expect(await typeAndWait('stty size\n', /30 100/)).toMatch(/30 100/);
    await helper.client.call('terminal.resize', { terminalId, cols: 120, rows: 40 });
    expect(await typeAndWait('stty size\n', /40 120/)).toMatch(/40 120/);
  });

  it('passes Ctrl+C to what runs in it', async () => {
    await helper.client.call('terminal.write', { terminalId, data: 'sleep 100; echo slept\n' });
    await new Promise((r) => setTimeout(r, 300));
    const out = await typeAndWait('\u0003', /\[netns1\][^\n]*\$ $/, 3000);
    expect(out).not.toContain('slept');
  });

  it('is inside the lab with its capabilities: what it changes, the graph follows', async () => {
    const since = helper.notifications.length;
    await typeAndWait('ip netns add made-in-shell && ip -n made-in-shell link set lo up && echo done\n', /done/);
    const change = await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.name === 'made-in-shell'), 5000, since);
    const ns = change.namespaces.find((n) => n.name === 'made-in-shell');
    expect(ns?.problem).toBeUndefined();
    expect(ns?.links.find((l) => l.ifname === 'lo')?.up).toBe(true);
  });

  it('reports the shell’s exit', async () => {
    await helper.client.call('terminal.write', { terminalId, data: 'exit 3\n' });
    const done = await helper.waitFor('terminal.exit', (e) => e.terminalId === terminalId);
    expect(done.exitCode).toBe(3);
  });
});
