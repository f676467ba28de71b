import type { MenuItemConstructorOptions } from 'electron';
import type { MenuAction } from './channels.js';

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Not packaged: adds the developer tools. */
  dev: boolean;
  appName: string;
  /** Hands a menu action to the renderer, which owns the dialogs it opens. */
  send: (action: MenuAction) => void;
}

/**
 * The application menu. Its File items only ask the renderer, which opens the same dialogs as its own
 * buttons and shortcuts (renderer/src/shell/shortcuts.ts binds Ctrl+O and Ctrl+Shift+O too; the page
 * handles those keys first and prevents the default, so an action never runs twice). Only data and
 * callbacks here, no Electron calls, so the template is tested in plain Node.
 */
export function menuTemplate({ platform, dev, appName, send }: MenuOptions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  // `&` marks the Alt-key mnemonic on Windows and Linux; macOS menus have none.
  const label = (text: string) => (mac ? text.replace('&', '') : text);
  const file: MenuItemConstructorOptions = {
    label: label('&File'),
    submenu: [
      { label: 'Import…', accelerator: 'CmdOrCtrl+O', click: () => send('import') },
      { label: 'Open Workspace…', accelerator: 'CmdOrCtrl+Shift+O', click: () => send('open-workspace') },
      { type: 'separator' },
      { label: 'Export…', accelerator: 'CmdOrCtrl+Shift+E', click: () => send('export') },
      ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: label('&Edit'),
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: label('&View'),
    submenu: [
      { role: 'reload' },
      ...(dev ? [{ role: 'forceReload' } as const, { role: 'toggleDevTools' } as const] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [{ label: 'Keyboard Shortcuts', accelerator: 'CmdOrCtrl+/', click: () => send('shortcuts') }],
  };
  if (!mac) return [file, edit, view, help];
  return [
    {
      label: appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    file,
    edit,
    view,
    { role: 'windowMenu' },
    help,
  ];
}
