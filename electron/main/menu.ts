// The application menu: the usual entries plus the app's own actions.
import type { MenuItemConstructorOptions } from 'electron';
import type { AppAction } from '../../shared/protocol';

export interface MenuActions {
  /** Hands an app command to the renderer, which does it the same way as its own buttons. */
  send(action: AppAction['action']): void;
  reloadHelper(): void;
  openDocs(): void;
  about(): void;
}

export function menuTemplate(actions: MenuActions, dev: boolean): MenuItemConstructorOptions[] {
  return [
    {
      label: 'File',
      submenu: [
        { label: 'New Namespace…', accelerator: 'CmdOrCtrl+N', click: () => actions.send('new-netns') },
        { label: 'New Veth Pair…', accelerator: 'CmdOrCtrl+Shift+N', click: () => actions.send('new-veth') },
        { label: 'New Bridge…', accelerator: 'CmdOrCtrl+B', click: () => actions.send('new-bridge') },
        { type: 'separator' },
        { label: 'Open Topology…', accelerator: 'CmdOrCtrl+O', click: () => actions.send('open-topology') },
        { label: 'Save Topology…', accelerator: 'CmdOrCtrl+S', click: () => actions.send('save-topology') },
        { label: 'Open Lesson…', accelerator: 'CmdOrCtrl+L', click: () => actions.send('open-lesson') },
        { label: 'Export Picture (PNG)…', accelerator: 'CmdOrCtrl+E', click: () => actions.send('export-png') },
        { label: 'Export Picture (SVG)…', click: () => actions.send('export-svg') },
        { type: 'separator' },
        { label: 'Connect to Host…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.send('connect-host') },
        { label: 'Switch Lab / Host Mode…', accelerator: 'CmdOrCtrl+Shift+H', click: () => actions.send('switch-mode') },
        { label: 'Restart the Helper', accelerator: 'CmdOrCtrl+Shift+R', click: () => actions.reloadHelper() },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Refresh from the Kernel', accelerator: 'F5', click: () => actions.send('refresh') },
        { label: 'Fit Graph in View', accelerator: 'CmdOrCtrl+0', click: () => actions.send('fit') },
        { type: 'separator' },
        { role: 'resetZoom', accelerator: 'CmdOrCtrl+Shift+0' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(dev ? ([{ type: 'separator' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Documentation', click: () => actions.openDocs() },
        { label: 'About Netns Explorer', click: () => actions.about() },
      ],
    },
  ];
}
