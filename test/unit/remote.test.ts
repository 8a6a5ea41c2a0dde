// The pure parts of remote hosts: destinations, the command line a server's
// shell reads back, and the scripts' outputs (recorded from real runs in
// private namespaces: two named namespaces cabled by a veth, one name gone).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDestination, destinationLabel } from '../../shared/ssh-destination';
import { remoteCommand } from '../../electron/helper/remote/remote-command';
import { splitReadOutput } from '../../electron/helper/remote/read-script';
import { parseFacts, parseSshSockets } from '../../electron/helper/remote/remote-view';
import { parseSnapshotBatch } from '../../electron/helper/parse';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/remote/${name}`, import.meta.url), 'utf8');

describe('parseDestination', () => {
  it.each([
    ['server', { user: null, host: 'server', port: null }],
    ['root@10.0.0.5', { user: 'root', host: '10.0.0.5', port: null }],
    ['ops@build-01.example.org:2222', { user: 'ops', host: 'build-01.example.org', port: 2222 }],
    ['[2001:db8::1]:22', { user: null, host: '2001:db8::1', port: 22 }],
    ['me@[::1]', { user: 'me', host: '::1', port: null }],
  ])('reads %s', (text, value) => {
    expect(parseDestination(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['', /empty/],
    ['-oProxyCommand=x', /must not start with "-"/],
    ['-l@host', /user name must not start with "-"/],
    ['host -p 1', /only letters/],
    ['host;reboot', /only letters/],
    ['host:0', /1 to 65535/],
    ['host:99999', /1 to 65535/],
    ['host:', /not a number/],
    ['2001:db8::1', /brackets/],
    ['[not-v6]:22', /not an IPv6 address/],
    ['a..b', /empty or overlong/],
  ])('refuses %j', (text, problem) => {
    const result = parseDestination(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it('labels a destination as the user typed it', () => {
    const parsed = parseDestination('me@[::1]:2200');
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(destinationLabel(parsed.value)).toBe('me@[::1]:2200');
    expect(destinationLabel(parsed.value, false)).toBe('me@[::1]');
  });
});

describe('remoteCommand', () => {
  /** Runs the line as sshd would, with sh -c, and returns what the program got. */
  const argvThrough = (words: string[]) => {
    const line = remoteCommand(['sh', '-c', `for a; do printf '%s\\0' "$a"; done; printf '%s' "$NETNS_EXPLORER_HELPER"`, 'sh', ...words], {
      sudo: false,
      env: { NETNS_EXPLORER_HELPER: '1' },
      endWithChannel: false,
    });
    return spawnSync('sh', ['-c', line], { encoding: 'utf8' }).stdout.split('\0');
  };

  it('hands every word over exactly, however hostile, with the environment it was given', () => {
    const hostile = ["it's", '$(touch /tmp/pwned)', '`id`', 'a b\tc', 'semi;colon', 'new\nline', '"quoted"', '\\back', '*', '-n', ''];
    expect(argvThrough(hostile)).toEqual([...hostile, '1']);
  });

  it('puts sudo -n first when the login user is not root', () => {
    expect(remoteCommand(['ip', 'link'], { sudo: true, env: {}, endWithChannel: false })).toMatch(/^exec sudo -n -- env /);
  });

  /** Starts the line as sshd would, closes its input after a moment (the channel went), and returns its output and how long it took to end. */
  /** Runs argv as a remote command and closes its channel once it is running (a line on stderr when it says so, else after 0.5 s). */
  async function closeChannelOf(argv: string[], readyLine = false): Promise<{ out: string; code: number | null; ms: number }> {
    const line = remoteCommand(argv, { sudo: false, env: {}, endWithChannel: true });
    const child = spawn('sh', ['-c', line], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // A Node started under load may take longer than half a second to set its handler: before that, SIGINT would find none.
    const ready = new Promise((resolve) => child.stderr.once('data', resolve));
    await (readyLine ? ready : new Promise((resolve) => setTimeout(resolve, 500)));
    const closed = performance.now();
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { out, code, ms: performance.now() - closed };
  }

  it('ends a long-running command with SIGINT when its channel closes, so it can finish its output', async () => {
    // Like ping and tcpdump, a program with its own SIGINT handler.
    const handler = "process.on('SIGINT', () => { console.log('interrupted'); process.exit(0); }); process.stderr.write('ready\\n'); setInterval(() => undefined, 1000);";
    const ended = await closeChannelOf([process.execPath, '-e', handler], true);
    expect(ended.out).toBe('interrupted\n');
    expect(ended.code).toBe(0);
  });

  it('ends one that does not hear SIGINT a second later', async () => {
    const ended = await closeChannelOf(['sh', '-c', 'while :; do sleep 0.1; done']);
    expect(ended.code).not.toBe(0);
    expect(ended.ms).toBeLessThan(5_000);
  });
});

/** The nonce the recordings were made with; the hostile names in them carry marks with another, as a name cannot know the real one. */
const NONCE = '5eed';

describe('the read script', () => {
  it('splits answers in order, a hostile name inside one forging nothing', () => {
    const answers = splitReadOutput(fixture('read-output.txt'), NONCE);
    expect(answers).toHaveLength(4);
    const [root, red, gone, byPath] = answers;
    if (!root?.ok || !red?.ok || !byPath?.ok) throw new Error('expected readings');
    expect(parseSnapshotBatch(root.text).links.map((l) => l.ifname)).toEqual(['lo']);
    expect(parseSnapshotBatch(red.text).links.find((l) => l.ifname === 'v-red')?.addresses).toContain('10.7.0.1/24');
    // The name held a start mark, an end mark and an exit status of 0 of its own.
    expect(gone).toEqual({ ok: false, problem: expect.stringMatching(/^nsenter: cannot open \/run\/netns\/gone[\s\S]*No such file or directory$/) });
    expect(parseSnapshotBatch(byPath.text).links.map((l) => l.ifname)).toContain('v-blue');
  });

  it('drops an answer cut short', () => {
    const text = fixture('read-output.txt');
    expect(splitReadOutput(text.slice(0, text.lastIndexOf(`\x1f${NONCE}`)), NONCE)).toHaveLength(3);
  });
});

describe('the facts script', () => {
  it('reads namespaces, processes and mounts from one output, whatever their names hold', () => {
    const facts = parseFacts(fixture('facts-output.txt'), NONCE);
    if (!facts) throw new Error('no facts');
    // A name with a newline in it, and one that looks like the end mark (a plain file, not a namespace: another device).
    expect(facts.netns.map((f) => f.name.toString()).sort()).toEqual(['red', 'two\nlines', `\x1e${NONCE}end`].sort());
    expect(
      facts.netns
        .filter((f) => f.dev === facts.self.dev)
        .map((f) => f.name.toString())
        .sort(),
    ).toEqual(['red', 'two\nlines']);
    // Both names are the namespace a sleeper runs in.
    const red = facts.netns.find((f) => f.name.toString() === 'red');
    expect(facts.byNs.get(String(red?.ino))?.map((pid) => facts.stat.get(pid)?.comm)).toEqual(['sleep']);
    expect(facts.byNs.get(String(facts.self.ino))?.length).toBeGreaterThan(3);
    expect(facts.mountinfo).toMatch(/\/run\/netns\/red/);
    // A process named to look like the end of the output ended nothing.
    expect([...facts.stat.values()].some((s) => s.comm === `fake\x1e${NONCE}end`)).toBe(true);
    expect([...facts.marked].map((pid) => facts.stat.get(pid)?.comm)).toEqual(['sleep']);
    expect(facts.cgroup.size).toBe(facts.stat.size);
    expect(facts.cpus).toBeGreaterThanOrEqual(1);
    // The server's own nsid table: red (also named two\nlines) was given nsid 5.
    expect(facts.nsids).toEqual([{ nsid: 5, name: expect.stringMatching(/^(red|two\nlines)$/) }]);
  });

  it('reads the nsid table when a name in it holds an escape sequence, which ip prints raw', () => {
    const text = fixture('facts-output.txt').replace(/\0I [^\0]*\0/, `\0I ${fixture('netns-list-id-escape.json')}\0`);
    expect(text).toContain('\x1b[31m');
    expect(parseFacts(text, NONCE)?.nsids).toEqual([{ nsid: 0, name: '\x1b[31mred\x1b[0m' }]);
  });

  it('is null when the output was cut short', () => {
    const text = fixture('facts-output.txt');
    expect(parseFacts(text.slice(0, text.lastIndexOf('\x1e')), NONCE)).toBeNull();
    expect(parseFacts(text.slice(0, -1), NONCE)).toBeNull();
    expect(parseSshSockets(`\x1e${NONCE}tcp\n`, NONCE)).toBeNull();
  });
});
