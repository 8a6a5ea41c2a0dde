// Main-process logic with the electron module stubbed: the preload's surface,
// the method allowlist, sender checks and the helper's launch argv per mode.
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, RpcError } from '../../shared/protocol';
import { helperLaunch, LaunchError } from '../../electron/bridge/launch';
import { relayCall, trustedSender } from '../../electron/main/ipc';
import { menuTemplate } from '../../electron/main/menu';

const exposed: Record<string, unknown> = {};
const listeners = new Map<string, (...args: unknown[]) => void>();
const invoke = vi.fn(async (..._args: unknown[]) => ({ result: 'ok' }));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => invoke(...args),
    on: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, fn),
    removeListener: (channel: string) => listeners.delete(channel),
  },
}));

describe('preload', () => {
  it('exposes exactly call and on, with envelopes and a disposer, and no event objects', async () => {
    await import('../../electron/preload/preload');
    const api = exposed.netnsExplorer as { call: (m: string, p: unknown) => Promise<unknown>; on: (n: string, h: (p: unknown) => void) => () => void };
    expect(Object.keys(exposed)).toEqual(['netnsExplorer']);
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
    expect(await api.call('snapshot', {})).toEqual({ result: 'ok' });
    expect(invoke).toHaveBeenCalledWith('netns:call', 'snapshot', {});
    const seen: unknown[] = [];
    const off = api.on('command', (params) => seen.push(params));
    const listener = listeners.get('netns:notify') as (...args: unknown[]) => void;
    listener({ sender: 'secret event object' }, 'command', { argv: ['ip'] });
    listener({}, 'topology', { namespaces: [] });
    expect(seen).toEqual([{ argv: ['ip'] }]);
    off();
    expect(listeners.has('netns:notify')).toBe(false);
  });
});

describe('IPC relay', () => {
  const helper = { call: vi.fn(async (method: string) => ({ echoed: method })) };

  it('trusts only frames of the app:// origin', () => {
    expect(trustedSender('app://netns-explorer/index.html')).toBe(true);
    expect(trustedSender('https://evil.example/')).toBe(false);
    expect(trustedSender('file:///etc/passwd')).toBe(false);
    expect(trustedSender('app://other/index.html')).toBe(false);
    expect(trustedSender(undefined)).toBe(false);
  });

  it('forwards calls from the app, and refuses other frames without reaching the helper', async () => {
    expect(await relayCall('app://netns-explorer/', 'snapshot', {}, helper)).toEqual({ result: { echoed: 'snapshot' } });
    helper.call.mockClear();
    expect(await relayCall('https://evil.example/', 'snapshot', {}, helper)).toMatchObject({ error: { code: ErrorCode.InvalidRequest } });
    expect(await relayCall('app://netns-explorer/', { toString: () => 'snapshot' }, {}, helper)).toMatchObject({ error: { code: ErrorCode.InvalidRequest } });
    expect(helper.call).not.toHaveBeenCalled();
  });

  it('passes the helper’s real error through', async () => {
    const failing = { call: async () => Promise.reject(new RpcError({ code: ErrorCode.CommandFailed, message: 'RTNETLINK answers: File exists', data: { argv: ['ip'] } })) };
    expect(await relayCall('app://netns-explorer/', 'netns.create', { name: 'x' }, failing)).toEqual({
      error: { code: ErrorCode.CommandFailed, message: 'RTNETLINK answers: File exists', data: { argv: ['ip'] } },
    });
  });
});

describe('helper launch argv', () => {
  const ctx = {
    node: '/opt/app/netns-explorer',
    helperScript: '/opt/app/resources/helper/helper.mjs',
    uid: 1000,
    pkexec: '/usr/bin/pkexec',
    launcher: '/opt/app/resources/netns-explorer-helper',
    appImage: false,
    env: {},
  };
  it('runs the lab as the user', () => {
    expect(helperLaunch('lab', ctx)).toMatchObject({ command: ctx.node, args: [ctx.helperScript, '--lab'] });
  });
  it('runs host mode directly as root, and through pkexec and the installed launcher otherwise', () => {
    expect(helperLaunch('host', { ...ctx, uid: 0 })).toMatchObject({ command: ctx.node, args: [ctx.helperScript, '--host'] });
    expect(helperLaunch('host', ctx)).toEqual({
      command: '/usr/bin/pkexec',
      args: ['--disable-internal-agent', '/opt/app/resources/netns-explorer-helper', '--host'],
      env: {},
      fatalExitCodes: [126, 127],
    });
    // From source there is no installed launcher: pkexec gets the variable pkexec would strip as an argument.
    expect(helperLaunch('host', { ...ctx, launcher: null }).args).toEqual(['--disable-internal-agent', '/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', ctx.node, ctx.helperScript, '--host']);
  });
  it('says plainly when pkexec is missing, or when running from an AppImage', () => {
    expect(() => helperLaunch('host', { ...ctx, pkexec: null })).toThrow(/pkexec \(polkit\) is not installed/);
    expect(() => helperLaunch('host', { ...ctx, appImage: true })).toThrow(/AppImage/);
    expect(() => helperLaunch('host', { ...ctx, pkexec: null })).toThrow(LaunchError);
  });
});

describe('application menu', () => {
  it('has File, Edit, View and Help, and DevTools only in development', () => {
    const actions = { send: vi.fn(), reloadHelper: vi.fn(), openDocs: vi.fn(), about: vi.fn() };
    expect(menuTemplate(actions, false).map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Help']);
    const roles = (dev: boolean) => JSON.stringify(menuTemplate(actions, dev));
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });

  it('hands the app’s own commands to the renderer', () => {
    const actions = { send: vi.fn(), reloadHelper: vi.fn(), openDocs: vi.fn(), about: vi.fn() };
    const file = menuTemplate(actions, false)[0]?.submenu as { label?: string; click?: () => void }[];
    file.find((i) => i.label === 'New Namespace…')?.click?.();
    expect(actions.send).toHaveBeenCalledWith('new-netns');
  });
});
