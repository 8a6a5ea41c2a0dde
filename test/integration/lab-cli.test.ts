// npm run lab -- apply|shell from an ordinary terminal, reaching a running lab
// through its control socket.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPointer } from '../../electron/helper/control';
import { ROOT, startHelper, type HelperHandle } from '../support/helper';

const runtime = mkdtempSync(join(tmpdir(), 'netns-explorer-runtime-'));
const env = { NETNS_EXPLORER_RUNTIME_DIR: runtime };
let helper: HelperHandle;

beforeAll(async () => {
  helper = await startHelper(['--lab', '--reconcile-ms=0'], env);
});

afterAll(async () => {
  await helper.close();
});

function lab(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [`${ROOT}out/cli/lab.mjs`, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  if (input !== undefined) {
    // Like a person typing: a line at a time, the shell's prompt in between.
    const lines = input.split(/(?<=\n)/);
    lines.forEach((line, i) => setTimeout(() => child.stdin.write(line), 300 * (i + 1)));
  } else child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run lab', () => {
  it('keeps its socket where only this user can open it', () => {
    const pointer = readPointer(env);
    expect(pointer).not.toBeNull();
    expect(statSync(dirname(pointer?.socket as string)).mode & 0o777).toBe(0o700);
    expect(statSync(pointer?.socket as string).mode & 0o077).toBe(0);
  });

  it('applies a topology file to the running lab, showing each command', async () => {
    const result = await lab(['apply', `${ROOT}examples/article.yaml`]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('✓ ip link add veth0 type veth peer name veth1 netns netns1');
    const t = await helper.client.call('snapshot', {});
    const veth0 = t.namespaces.find((n) => n.root)?.links.find((l) => l.ifname === 'veth0');
    expect(veth0?.peer?.ifname).toBe('veth1');
    expect(veth0?.addresses).toContain('10.1.1.2/24');
  });

  it('opens a shell inside the lab, in a namespace, and its changes reach the app', async () => {
    const since = helper.notifications.length;
    const result = await lab(['shell', 'netns1'], 'ip -br link\nip link add dummyish type veth peer name other\nexit 0\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\[netns1\]/);
    expect(result.stdout).toMatch(/veth1@/);
    await helper.waitFor('topology', (c) => c.namespaces.some((n) => n.name === 'netns1' && n.links.some((l) => l.ifname === 'dummyish')), 5000, since);
  });

  it('ends a shell whose command-line client was killed', async () => {
    const since = helper.notifications.length;
    const child = spawn(process.execPath, [`${ROOT}out/cli/lab.mjs`, 'shell'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const earlier = new Set(helper.notifications.slice(0, since).map((n) => (n.params as { terminalId?: string }).terminalId));
    const opened = await helper.waitFor('terminal.data', (d) => !earlier.has(d.terminalId), 5000, since);
    child.kill('SIGKILL');
    const ended = await helper.waitFor('terminal.exit', (e) => e.terminalId === opened.terminalId, 5000, since);
    expect(ended.terminalId).toBe(opened.terminalId);
  });

  it('says plainly when no lab is running', async () => {
    const child = spawn(process.execPath, [`${ROOT}out/cli/lab.mjs`, 'shell'], { env: { ...process.env, NETNS_EXPLORER_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'none-')) } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/No running Netns Explorer lab found/);
  });
});

describe('the pointer to the lab', () => {
  it('is ignored when its socket is not in a private directory of this user', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'netns-explorer-open-'));
    mkdirSync(join(elsewhere, 'sock'));
    chmodSync(join(elsewhere, 'sock'), 0o777);
    writeFileSync(join(elsewhere, 'netns-explorer-lab.json'), JSON.stringify({ socket: join(elsewhere, 'sock', 'lab.sock'), pid: 1 }));
    expect(readPointer({ NETNS_EXPLORER_RUNTIME_DIR: elsewhere })).toBeNull();
  });
});
