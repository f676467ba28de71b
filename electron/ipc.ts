import { join } from 'node:path';
import { app, dialog, ipcMain, type BrowserWindow, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { METHOD_NAMES } from '../engine/shared/contract.js';
import { CHANNELS, methodChannel } from './channels.js';
import type { EngineHost } from './host.js';
import { SaveGrants, cancelId, checkRequest, checkSender, safeFileName, type Verdict } from './validate.js';

/** What the import dialog offers: the formats the importer reads, gzipped or not. */
const IMPORT_FILTERS = [
  { name: 'Event files', extensions: ['ndjson', 'jsonl', 'json', 'csv', 'tsv', 'parquet', 'gz'] },
  { name: 'All files', extensions: ['*'] },
];

/** The engine's name for what a window's page holds: released when the page is gone (engine/service/engine.ts). */
export const windowClient = (contents: { id: number }): string => `window-${contents.id}`;

/**
 * Main's IPC: one handler per contract method plus cancel and the three dialogs. Every message is checked
 * for its sender first (the main frame of our window, showing the app), then for its payload against the
 * contract (validate.ts); only then does it reach the engine host.
 */
export function registerIpc(host: EngineHost, window: () => BrowserWindow | undefined): void {
  const grants = new SaveGrants();

  const sender = (event: IpcMainEvent | IpcMainInvokeEvent): { verdict: Verdict; win: BrowserWindow | undefined } => {
    const win = window();
    const ours = win && !win.isDestroyed() && event.sender === win.webContents ? win : undefined;
    return { verdict: checkSender(event.senderFrame, ours?.webContents.mainFrame), win: ours };
  };
  const trusted = (event: IpcMainEvent | IpcMainInvokeEvent): BrowserWindow => {
    const { verdict, win } = sender(event);
    if (!verdict.ok || !win) {
      const reason = verdict.ok ? 'no app window' : verdict.reason;
      process.stderr.write(`recount: refused an IPC message: ${reason}\n`);
      throw new Error('Refused');
    }
    return win;
  };

  for (const method of METHOD_NAMES)
    ipcMain.handle(methodChannel(method), async (event, payload: unknown) => {
      trusted(event);
      const checked = checkRequest(method, payload, grants);
      return checked.ok ? host.request(checked.message, windowClient(event.sender)) : checked.response;
    });

  ipcMain.on(CHANNELS.cancel, (event, payload: unknown) => {
    if (!sender(event).verdict.ok) return;
    const id = cancelId(payload);
    if (id) host.cancel(id);
  });

  ipcMain.handle(CHANNELS.chooseImportFiles, async (event) => {
    const win = trusted(event);
    const result = await dialog.showOpenDialog(win, {
      title: 'Import event files',
      buttonLabel: 'Import',
      properties: ['openFile', 'multiSelections'],
      filters: IMPORT_FILTERS,
    });
    return result.canceled ? [] : result.filePaths;
  });

  ipcMain.handle(CHANNELS.chooseSavePath, async (event, suggestedName: unknown) => {
    const win = trusted(event);
    const name = safeFileName(suggestedName);
    const parquet = name.toLowerCase().endsWith('.parquet');
    const csv = { name: 'CSV', extensions: ['csv'] };
    const pq = { name: 'Parquet', extensions: ['parquet'] };
    const result = await dialog.showSaveDialog(win, {
      title: 'Export',
      defaultPath: join(app.getPath('documents'), name),
      filters: parquet ? [pq, csv] : [csv, pq],
      properties: ['showOverwriteConfirmation', 'createDirectory'],
    });
    if (result.canceled || !result.filePath) return undefined;
    grants.grant(result.filePath);
    return result.filePath;
  });

  ipcMain.handle(CHANNELS.chooseFolder, async (event) => {
    const win = trusted(event);
    const result = await dialog.showOpenDialog(win, {
      title: 'Open or create a workspace',
      buttonLabel: 'Choose',
      properties: ['openDirectory', 'createDirectory'],
    });
    return result.canceled ? undefined : result.filePaths[0];
  });
}
