// The Electron main process: hardened windows showing the renderer from
// app://, one helper under supervision per window (this machine's, then one per
// remote host opened), and the IPC relay between each window and its helper.
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, shell, session } from 'electron';
import { existsSync } from 'node:fs';
import { ErrorCode } from '../../shared/protocol';
import type { LaunchContext } from '../bridge/launch';
import { HelperHost } from './helper-host';
import { HostWindows, type HostWindow } from './host-windows';
import { APP_ORIGIN, CALL_CHANNEL, NOTIFY_CHANNEL, relayCall } from './ipc';
import { menuTemplate } from './menu';

const DEV = !app.isPackaged;
const OUT = join(__dirname, '..');
const RENDERER = join(OUT, 'renderer');
const HELPER = app.isPackaged ? join(process.resourcesPath, 'helper', 'helper.mjs') : join(OUT, 'helper', 'helper.mjs');

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const LAUNCHER = join(process.resourcesPath, 'netns-explorer-helper');
const firstExisting = (paths: string[]) => paths.find((p) => existsSync(p)) ?? null;
/** ssh -F for every remote host: from the command line only, never from a page. */
const SSH_CONFIG = process.argv.find((arg) => arg.startsWith('--ssh-config='))?.slice('--ssh-config='.length) || null;

const LAUNCH: LaunchContext = {
  node: process.execPath,
  helperScript: HELPER,
  uid: process.getuid?.() ?? 1000,
  pkexec: firstExisting(['/usr/bin/pkexec', '/bin/pkexec']),
  launcher: app.isPackaged && existsSync(LAUNCHER) ? LAUNCHER : null,
  appImage: Boolean(process.env.APPIMAGE),
  // Electron's own binary runs the helper as plain Node (this keeps the runAsNode fuse on; see docs/architecture.md).
  env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
};

const titleFor = (mode: string, remote: string | null) => (remote ? `${remote} — Netns Explorer` : `Netns Explorer — ${mode === 'lab' ? 'Lab (private sandbox)' : 'Host (real network, as root)'}`);

const windows: HostWindows<BrowserWindow, HelperHost> = new HostWindows((remote, closed) => {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: titleFor('lab', remote),
    backgroundColor: '#f4f6f9',
    webPreferences: {
      preload: join(OUT, 'preload', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      devTools: DEV,
      // A middle click must not open links in a new window.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const contents = window.webContents;
  const helper = new HelperHost(
    LAUNCH,
    (name, params) => {
      if (contents.isDestroyed()) return;
      contents.send(NOTIFY_CHANNEL, name, params);
      if (name === 'helper.status') window.setTitle(titleFor((params as { mode: string }).mode, remote));
    },
    undefined,
    { remote: remote === null ? undefined : { destination: remote, configFile: SSH_CONFIG }, openHost: (destination) => windows.openHost(destination) },
  );
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.on('page-title-updated', (event) => event.preventDefault());
  // A host's helper (and its SSH connection) lives as long as its window.
  window.on('closed', closed);
  helper.start();
  // The page names its host from the start (title, badge, recent hosts); its calls still go to this window's helper only.
  void window.loadURL(`${APP_ORIGIN}/index.html${remote === null ? '' : `?host=${encodeURIComponent(remote)}`}`);
  return { id: contents.id, window, helper };
});

/** The window the menu acts on. */
const focused = (): HostWindow<BrowserWindow, HelperHost> | undefined => {
  const window = BrowserWindow.getFocusedWindow();
  return window ? windows.get(window.webContents.id) : undefined;
};

function serveRenderer(): void {
  protocol.handle('app', (request) => {
    const url = new URL(request.url);
    const path = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
    const file = join(RENDERER, path);
    if (url.host !== 'netns-explorer' || !file.startsWith(RENDERER + sep)) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
}

ipcMain.handle(CALL_CHANNEL, (event, method: unknown, params: unknown) => {
  const entry = windows.get(event.sender.id);
  if (!entry) return { error: { code: ErrorCode.InvalidRequest, message: 'Refused: the request did not come from an app window.' } };
  return relayCall(event.senderFrame?.url, method, params, entry.helper);
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  serveRenderer();
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(
        {
          send: (action) => focused()?.window.webContents.send(NOTIFY_CHANNEL, 'app.action', { action }),
          reloadHelper: () => {
            const helper = focused()?.helper;
            void helper?.stop().then(() => helper.supervisor.start(true));
          },
          openDocs: () => void shell.openExternal('https://www.npmjs.com/package/netns-explorer'),
          about: () => void dialog.showMessageBox({ message: `Netns Explorer ${app.getVersion()}`, detail: 'Network namespaces and veth cables, live.' }),
        },
        DEV,
      ),
    ),
  );
  windows.open(null);
});

app.on('window-all-closed', () => app.quit());
let quitting = false;
app.on('will-quit', (event) => {
  // Quitting ends every helper: the lab, and each remote host's SSH connection.
  if (quitting) return;
  quitting = true;
  event.preventDefault();
  void windows.stopAll().then(() => app.exit(0));
});
