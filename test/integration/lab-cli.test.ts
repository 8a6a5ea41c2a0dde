// npm run lab -- apply|shell from an ordinary terminal, reaching a running lab
// through its control socket.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningLabs } from '../../electron/helper/control';
import { ROOT, startHelper, type HelperHandle } from '../support/helper';

const runtime = mkdtempSync(join(tmpdir(), 'netns-explorer-runtime-'));
const env = { NETNS_EXPLORER_RUNTIME_DIR: runtime };
let helper: HelperHandle;

/** The process environment with `extra` laid over it; an undefined value removes that variable. */
function withEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete merged[key];
  return merged;
}

beforeAll(async () => {
  helper = await startHelper(['--lab', '--reconcile-ms=0'], env);
});

afterAll(async () => {
  await helper.close();
});

function lab(args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [`${ROOT}out/cli/lab.mjs`, ...args], { env: withEnv(extraEnv), stdio: ['pipe', 'pipe', 'pipe'] });
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
    const [pointer] = runningLabs(env);
    expect(pointer).toBeDefined();
    expect(statSync(dirname(pointer?.socket as string)).mode & 0o777).toBe(0o700);
    expect(statSync(pointer?.socket as string).mode & 0o077).toBe(0);
  });

  it('applies a topology file to the running lab, showing each command', async () => {
    const result = await lab(['apply', `${ROOT}examples/article.yaml`]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('✓ ip link add name veth0 type veth peer name veth1 netns netns1');
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
    writeFileSync(join(elsewhere, 'netns-explorer-lab-1.json'), JSON.stringify({ socket: join(elsewhere, 'sock', 'lab.sock'), pid: 1 }));
    expect(runningLabs({ NETNS_EXPLORER_RUNTIME_DIR: elsewhere })).toEqual([]);
  });
});

describe('several labs at once', () => {
  it('lists them, makes shell and apply choose with --lab=ID, and forgets each as it ends', async () => {
    const second = await startHelper(['--lab', '--reconcile-ms=0'], env);
    const labs = runningLabs(env);
    expect(labs).toHaveLength(2);
    const listed = await lab(['list']);
    expect(listed.code).toBe(0);
    for (const l of labs) expect(listed.stdout).toMatch(new RegExp(`^${l.pid}\\t`, 'm'));
    const ambiguous = await lab(['shell']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/2 labs are running; say which with --lab=ID/);
    for (const l of labs) expect(ambiguous.stderr).toContain(String(l.pid));
    // The second lab is the newer starter.
    const newest = labs.find((l) => l.pid === second.process.pid) as { pid: number };
    const applied = await lab(['apply', `--lab=${newest.pid}`, `${ROOT}examples/article.yaml`]);
    expect(applied.code).toBe(0);
    expect((await second.client.call('snapshot', {})).namespaces.some((n) => n.name === 'netns1')).toBe(true);
    expect((await lab(['shell', '--lab=999999999'])).code).toBe(2);
    expect(await second.close()).toBe(0);
    expect(runningLabs(env).map((l) => l.pid)).toEqual([helper.process.pid]);
    expect(readdirSync(runtime).filter((n) => n.includes(String(newest.pid)))).toEqual([]);
  });
});

describe('a /tmp shared with other users', () => {
  it('falls back to a private directory when another user took /tmp/netns-explorer-UID, and removes what a killed helper left', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'netns-explorer-shared-tmp-'));
    chmodSync(tmp, 0o1777);
    // Someone else's directory under our name, open to all.
    const squatted = join(tmp, `netns-explorer-${process.getuid?.() ?? 0}`);
    mkdirSync(squatted);
    chmodSync(squatted, 0o777);
    chownSync(squatted, 65534, 65534);
    // What a helper killed with SIGKILL left behind: its starter's pid is gone.
    const dead = spawnSync('true').pid as number;
    const leftover = join(tmp, `netns-explorer-run-${dead}-abcdef`);
    mkdirSync(leftover, { mode: 0o700 });
    writeFileSync(join(leftover, 'query.batch'), 'address show\n');
    const shared = { TMPDIR: tmp, NETNS_EXPLORER_RUNTIME_DIR: undefined, XDG_RUNTIME_DIR: undefined };
    const third = await startHelper(['--lab', '--reconcile-ms=0'], shared);
    expect(existsSync(leftover)).toBe(false);
    const labs = runningLabs({ TMPDIR: tmp });
    expect(labs.map((l) => l.pid)).toEqual([third.process.pid]);
    expect(labs[0]?.socket.startsWith(tmp)).toBe(true);
    expect(readdirSync(squatted)).toEqual([]);
    const result = await lab(['shell', '--lab=' + third.process.pid], 'exit 0\n', shared);
    expect(result.code).toBe(0);
    expect(await third.close()).toBe(0);
    expect(runningLabs({ TMPDIR: tmp })).toEqual([]);
    expect(readdirSync(tmp).filter((n) => n.startsWith('netns-explorer-run-'))).toEqual([]);
  });
});
