// The application menu: the usual entries plus the app's own actions.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  reloadHelper(): void;
  openDocs(): void;
  about(): void;
}

export function menuTemplate(actions: MenuActions, dev: boolean): MenuItemConstructorOptions[] {
  return [
    {
      label: 'File',
      submenu: [{ label: 'Restart the helper', accelerator: 'CmdOrCtrl+Shift+R', click: () => actions.reloadHelper() }, { type: 'separator' }, { role: 'quit' }],
    },
    {
      label: 'Edit',
      submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
    },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(dev ? ([{ type: 'separator' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
      ],
    },
    {
      label: 'Help',
      submenu: [{ label: 'Documentation', click: () => actions.openDocs() }, { label: 'About Netns Explorer', click: () => actions.about() }],
    },
  ];
}
