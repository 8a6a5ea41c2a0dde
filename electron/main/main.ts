// The Electron main process: one hardened window showing the renderer from
// app://, the helper under supervision, and the IPC relay between them.
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, shell, session } from 'electron';
import { existsSync } from 'node:fs';
import { HelperHost } from './helper-host';
import { APP_ORIGIN, CALL_CHANNEL, NOTIFY_CHANNEL, relayCall } from './ipc';
import { menuTemplate } from './menu';

const DEV = !app.isPackaged;
const OUT = join(__dirname, '..');
const RENDERER = join(OUT, 'renderer');
const HELPER = app.isPackaged ? join(process.resourcesPath, 'helper', 'helper.mjs') : join(OUT, 'helper', 'helper.mjs');

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let window: BrowserWindow | null = null;

const LAUNCHER = join(process.resourcesPath, 'netns-explorer-helper');
const firstExisting = (paths: string[]) => paths.find((p) => existsSync(p)) ?? null;

const titleFor = (mode: string) => `Netns Explorer — ${mode === 'lab' ? 'Lab (private sandbox)' : 'Host (real network, as root)'}`;

const helper = new HelperHost(
  {
    node: process.execPath,
    helperScript: HELPER,
    uid: process.getuid?.() ?? 1000,
    pkexec: firstExisting(['/usr/bin/pkexec', '/bin/pkexec']),
    launcher: app.isPackaged && existsSync(LAUNCHER) ? LAUNCHER : null,
    appImage: Boolean(process.env.APPIMAGE),
    // Electron's own binary runs the helper as plain Node (this keeps the runAsNode fuse on; see docs/architecture.md).
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  },
  (name, params) => {
    window?.webContents.send(NOTIFY_CHANNEL, name, params);
    if (name === 'helper.status') window?.setTitle(titleFor((params as { mode: string }).mode));
  },
);

function serveRenderer(): void {
  protocol.handle('app', (request) => {
    const url = new URL(request.url);
    const path = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
    const file = join(RENDERER, path);
    if (url.host !== 'netns-explorer' || !file.startsWith(RENDERER + sep)) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: titleFor(helper.mode),
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
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.on('page-title-updated', (event) => event.preventDefault());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  window.on('closed', () => (window = null));
}

ipcMain.handle(CALL_CHANNEL, (event, method: unknown, params: unknown) => relayCall(event.senderFrame?.url, method, params, helper));

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
          send: (action) => window?.webContents.send(NOTIFY_CHANNEL, 'app.action', { action }),
          reloadHelper: () => void helper.stop().then(() => helper.supervisor.start(true)),
          openDocs: () => void shell.openExternal('https://www.npmjs.com/package/netns-explorer'),
          about: () => void dialog.showMessageBox({ message: `Netns Explorer ${app.getVersion()}`, detail: 'Network namespaces and veth cables, live.' }),
        },
        DEV,
      ),
    ),
  );
  helper.start();
  createWindow();
});

app.on('window-all-closed', () => app.quit());
let quitting = false;
app.on('will-quit', (event) => {
  // Quitting ends the helper, and with it the lab.
  if (quitting) return;
  quitting = true;
  event.preventDefault();
  void helper.stop().then(() => app.exit(0));
});
