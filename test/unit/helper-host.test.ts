// The Electron main process's helpers, on real child processes: a stand-in
// helper, and stand-in pkexecs that refuse the way pkexec does. Mode switching
// in this machine's window; a remote host's window; opening hosts, one window
// each (the windows stand in for Electron's, which cannot run here).
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type HelperStatus } from '../../shared/protocol';
import { HelperHost, type HelperHostOptions } from '../../electron/main/helper-host';
import { HostWindows } from '../../electron/main/host-windows';
import { rejection } from '../support/rejection';
import { standInHelper } from '../support/stand-in-helper';

const dir = mkdtempSync(join(tmpdir(), 'netns-explorer-host-'));
const helper = standInHelper();
function fakePkexec(name: string, exitCode: number): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\nexit ${exitCode}\n`);
  chmodSync(path, 0o755);
  return path;
}

const hosts: HelperHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

function host(pkexec: string | null, appImage = false, options: HelperHostOptions = {}): { host: HelperHost; statuses: HelperStatus[]; heard: string[] } {
  const statuses: HelperStatus[] = [];
  const heard: string[] = [];
  const h = new HelperHost(
    { node: process.execPath, helperScript: helper, uid: 1000, pkexec, launcher: null, appImage, env: process.env },
    (name, params) => {
      heard.push(name);
      if (name === 'helper.status') statuses.push(params as HelperStatus);
    },
    () => undefined,
    options,
  );
  hosts.push(h);
  h.start();
  return { host: h, statuses, heard };
}

describe('switching to host mode', () => {
  it('falls back to lab mode, saying the dialog was dismissed (pkexec exit 126)', async () => {
    const { host: h, statuses } = host(fakePkexec('dismiss', 126));
    await h.supervisor.settled(5000);
    const error = await rejection(h.setMode('host'));
    expect(error.message).toMatch(/Could not switch to host mode: the password dialog was dismissed\. Back in lab mode\./);
    expect(await h.supervisor.settled(5000)).toMatchObject({ state: 'ready', mode: 'lab' });
    // The lab was built here: the helper was started in it, with the session's places, and no starter of its own.
    expect(await h.call('snapshot', {})).toEqual({ mode: '--lab', more: [expect.stringMatching(/^--work-dir=/), expect.stringMatching(/^--control-socket=/), '--stage=run'] });
    expect(statuses.map((s) => `${s.mode}:${s.state}`)).toEqual(['lab:starting', 'lab:ready', 'host:starting', 'host:failed', 'lab:starting', 'lab:ready']);
  });

  it('says not authorised for pkexec exit 127', async () => {
    const { host: h } = host(fakePkexec('refuse', 127));
    await h.supervisor.settled(5000);
    expect((await rejection(h.setMode('host'))).message).toMatch(/not authorised/);
    expect(h.mode).toBe('lab');
  });

  it('refuses at once, staying in lab mode, without pkexec or from an AppImage', async () => {
    const { host: without } = host(null);
    await without.supervisor.settled(5000);
    const missing = await rejection(without.setMode('host'));
    expect(missing.code).toBe(ErrorCode.NotSupported);
    expect(missing.message).toMatch(/pkexec/);
    expect(without.supervisor.status).toMatchObject({ state: 'ready', mode: 'lab' });
    const { host: image } = host(fakePkexec('unused', 0), true);
    await image.supervisor.settled(5000);
    expect((await rejection(image.setMode('host'))).message).toMatch(/AppImage/);
  });

  it('runs host mode through pkexec when it lets the helper start', async () => {
    // A pkexec that authorises: it runs its arguments after its own option.
    const pass = join(dir, 'pass');
    writeFileSync(pass, '#!/bin/sh\nshift\nexec "$@"\n');
    chmodSync(pass, 0o755);
    const { host: h } = host(pass);
    await h.supervisor.settled(5000);
    expect(await h.setMode('host')).toEqual({ mode: 'host' });
    expect(await h.call('snapshot', {})).toEqual({ mode: '--host' });
  });
});

describe('calls from the window', () => {
  it("go through the router: its allowlist, and only the protocol's notifications come back", async () => {
    const { host: h, heard } = host(null);
    await h.supervisor.settled(5000);
    const refused = await rejection(h.call('shell.exec', {}));
    expect(refused.code).toBe(ErrorCode.MethodNotFound);
    expect(heard).not.toContain('command');
    expect(await h.call('snapshot', {})).toMatchObject({ mode: '--lab' });
    expect(heard).toContain('command');
    expect(heard).not.toContain('not.a.notification');
  });

  it('are answered, not left waiting, once the helper has stopped or while it stops', async () => {
    const { host: h } = host(null);
    await h.supervisor.settled(5000);
    const during = h.call('snapshot', {});
    await h.stop();
    const after = h.call('snapshot', {});
    const within = <T>(p: Promise<T>) =>
      Promise.race([
        p.then(
          () => 'answered',
          () => 'refused',
        ),
        new Promise<string>((r) => setTimeout(() => r('no answer'), 3000)),
      ]);
    expect(await within(after)).toBe('refused');
    expect(['answered', 'refused']).toContain(await within(during));
    expect((await rejection(h.call('snapshot', {}))).code).toBe(ErrorCode.Unavailable);
  });
});

describe('app.setMode from the renderer', () => {
  it('is validated with the shared schema before anything starts', async () => {
    const pass = join(dir, 'pass-spy');
    const log = join(dir, 'pkexec-ran');
    writeFileSync(pass, `#!/bin/sh\necho ran >> ${log}\nshift\nexec "$@"\n`);
    chmodSync(pass, 0o755);
    const { host: h, statuses } = host(pass);
    await h.supervisor.settled(5000);
    for (const params of [{ mode: 'lab-stage=run' }, { mode: 'host', extra: 1 }, { mode: '--host' }, {}, null, 'host']) {
      const error = await rejection(h.call('app.setMode', params));
      expect(error.code, JSON.stringify(params)).toBe(ErrorCode.InvalidParams);
    }
    expect(existsSync(log)).toBe(false);
    expect(h.supervisor.status).toMatchObject({ state: 'ready', mode: 'lab' });
    expect(statuses.map((s) => `${s.mode}:${s.state}`)).toEqual(['lab:starting', 'lab:ready']);
  });
});

describe("a remote host's window", () => {
  const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;

  it('runs its helper with --ssh, refuses lab and host mode, and trusts a key by restarting once with it', async () => {
    const { host: h, statuses } = host(null, false, { remote: { destination: 'root@server', configFile: '/tmp/cfg' } });
    await h.supervisor.settled(5000);
    expect(await h.call('snapshot', {})).toEqual({ mode: '--ssh=root@server', more: ['--ssh-config=/tmp/cfg'] });
    const mode = await rejection(h.call('app.setMode', { mode: 'lab' }));
    expect(mode.code).toBe(ErrorCode.NotSupported);
    expect(mode.message).toMatch(/acts on root@server/);
    expect(await h.call('app.acceptHostKey', { fingerprint: FINGERPRINT })).toEqual({});
    expect(await h.call('snapshot', {})).toEqual({ mode: '--ssh=root@server', more: ['--ssh-config=/tmp/cfg', `--ssh-accept-key=${FINGERPRINT}`] });
    // The key is known from then on: a later restart goes without it.
    await h.stop();
    h.supervisor.start();
    await h.supervisor.settled(5000);
    expect(await h.call('snapshot', {})).toEqual({ mode: '--ssh=root@server', more: ['--ssh-config=/tmp/cfg'] });
    expect(statuses.every((s) => s.mode === 'host')).toBe(true);
  });

  it("this machine's window has no key to trust", async () => {
    const { host: h } = host(null);
    await h.supervisor.settled(5000);
    expect((await rejection(h.call('app.acceptHostKey', { fingerprint: FINGERPRINT }))).code).toBe(ErrorCode.NotSupported);
  });
});

describe('app.openHost', () => {
  it('hands a checked destination to the main process, and refuses options, shell words and empty hosts before anything opens', async () => {
    const opened: string[] = [];
    const { host: h } = host(null, false, { openHost: (destination) => opened.push(destination) });
    await h.supervisor.settled(5000);
    for (const destination of ['-oProxyCommand=touch /tmp/x', 'server;id', '$(id)', 'a b', '', 'user@', '[::1', 'server:99999', 'x'.repeat(400)]) {
      const error = await rejection(h.call('app.openHost', { destination }));
      expect(error.code, destination).toBe(ErrorCode.InvalidParams);
      expect(error.data, destination).toMatchObject({ field: 'destination' });
    }
    expect(opened).toEqual([]);
    expect(await h.call('app.openHost', { destination: ' root@server:2222 ' })).toEqual({});
    expect(opened).toEqual(['root@server:2222']);
  });
});

describe('the desktop windows', () => {
  /** Stands in for a BrowserWindow: it can be focused, and closed by the user. */
  class Window {
    focused = 0;
    constructor(readonly close: () => void) {}
    focus(): void {
      this.focused++;
    }
  }

  it('opens one window per host however it is typed, each answered by its own helper, which stops with its window', async () => {
    let ids = 0;
    const stopped: (string | null)[] = [];
    const windows: HostWindows<Window, HelperHost> = new HostWindows((remote, closed) => {
      const { host: helper } = host(null, false, { ...(remote === null ? {} : { remote: { destination: remote, configFile: null } }), openHost: (d) => windows.openHost(d) });
      const stop = helper.stop.bind(helper);
      helper.stop = () => {
        stopped.push(remote);
        return stop();
      };
      return { id: ++ids, window: new Window(closed), helper };
    });
    const lab = windows.open(null);
    await lab.helper.supervisor.settled(5000);
    // The page of this machine's window asks for a host, as the Connect dialog does; then again, spelled otherwise.
    await lab.helper.call('app.openHost', { destination: 'root@server' });
    await lab.helper.call('app.openHost', { destination: ' root@server ' });
    expect(ids).toBe(2);
    const server = windows.get(2);
    if (!server) throw new Error('no window for root@server');
    expect(server.remote).toBe('root@server');
    expect(server.window.focused).toBe(1);
    await server.helper.supervisor.settled(5000);
    // Each window's calls reach its own helper.
    expect(await windows.get(1)?.helper.call('snapshot', {})).toMatchObject({ mode: '--lab' });
    expect(await server.helper.call('snapshot', {})).toEqual({ mode: '--ssh=root@server' });
    // Another port is another host; an address that is none opens nothing.
    windows.openHost('root@server:2222');
    windows.openHost('-oProxyCommand=x');
    expect(ids).toBe(3);
    // Closed: its helper stops (and with it, on a real host, the SSH connection); asked again, a new window opens.
    server.window.close();
    expect(windows.get(2)).toBeUndefined();
    expect(stopped).toEqual(['root@server']);
    windows.openHost('root@server');
    expect(ids).toBe(4);
    // Quitting stops every helper left.
    await windows.stopAll();
    expect(stopped).toEqual(['root@server', null, 'root@server:2222', 'root@server']);
  });
});
