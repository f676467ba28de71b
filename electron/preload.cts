/**
 * The preload: the only code with Electron's renderer API, running sandboxed and context-isolated
 * beside the app. It hands the page `window.recount` (RecountBridge, engine/shared/bridge.ts): one
 * function per contract method on its own channel, cancel, the event stream and the native dialogs.
 * Never ipcRenderer itself, nor an IPC event object (field notes §4.1, item 20).
 *
 * A sandboxed preload may require only `electron`, `events`, `timers` and `url`, so this file imports
 * types alone and spells out the channel names and the method list; channels.ts holds the same names
 * for main, and preload.test.ts runs this file the way Electron does and checks that the two agree.
 */
import type { IpcRendererEvent } from 'electron';
import type { BridgeMethods, MenuAction, RecountBridge } from '../engine/shared/bridge.js';
import type { EngineEvent, Method } from '../engine/shared/contract.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS and has only require
import electron = require('electron');

const METHOD_NAMES = [
  'app.info',
  'workspace.open',
  'workspace.summary',
  'schema.tables',
  'schema.functions',
  'lake.import',
  'lake.rejects',
  'lake.imports',
  'lake.removeImport',
  'query.run',
  'query.page',
  'query.close',
  'query.arrange',
  'query.profile',
  'query.widest',
  'export.file',
  'export.prepare',
  'pipelines.status',
  'pipelines.run',
  'pipelines.runs',
  'live.state',
  'live.rows',
  'live.follow',
  'live.simulate',
  'served.view',
  'reconcile.compare',
  'reconcile.recount',
  'notebooks.list',
  'notebooks.read',
  'notebooks.results',
  'notebooks.save',
  'notebooks.create',
  'notebooks.rename',
  'notebooks.delete',
  'scorecard.get',
] as const satisfies readonly Method[];

// The build fails here when the contract gains a method this list lacks.
type Missing = Exclude<Method, (typeof METHOD_NAMES)[number]>;
const listIsComplete: [Missing] extends [never] ? true : { missing: Missing } = true;
void listIsComplete;

const MENU_ACTIONS: readonly string[] = ['import', 'open-workspace', 'export', 'shortcuts'] satisfies MenuAction[];

const EVENT_CHANNEL = 'recount:event';
const MENU_CHANNEL = 'recount:menu';

const { contextBridge, ipcRenderer, webUtils } = electron;

/** Subscribes to a main → renderer channel, handing the listener only the payload, never the IPC event. */
function subscribe<T>(channel: string, accept: (payload: unknown) => payload is T, listener: (payload: T) => void): () => void {
  const forward = (_event: IpcRendererEvent, payload: unknown) => {
    if (accept(payload)) listener(payload);
  };
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

const isEvent = (payload: unknown): payload is EngineEvent =>
  typeof payload === 'object' && payload !== null && typeof (payload as { type?: unknown }).type === 'string';
const isMenuAction = (payload: unknown): payload is MenuAction => typeof payload === 'string' && MENU_ACTIONS.includes(payload);

const methods = Object.fromEntries(
  METHOD_NAMES.map((method) => [
    method,
    (requestId: string, params: unknown) => ipcRenderer.invoke(`recount:${method}`, { id: requestId, params }),
  ]),
) as BridgeMethods;

const bridge: RecountBridge = {
  methods,
  cancel: (requestId) => ipcRenderer.send('recount:cancel', requestId),
  onEvent: (listener) => subscribe(EVENT_CHANNEL, isEvent, listener),
  chooseImportFiles: () => ipcRenderer.invoke('recount:choose-import-files'),
  chooseSavePath: (suggestedName) => ipcRenderer.invoke('recount:choose-save-path', suggestedName),
  chooseFolder: () => ipcRenderer.invoke('recount:choose-folder'),
  // Files built in script (not dropped from disk) have no path; they are left out.
  pathsForFiles: (files) => files.map((file) => webUtils.getPathForFile(file)).filter((path) => path !== ''),
  onMenu: (listener) => subscribe(MENU_CHANNEL, isMenuAction, listener),
};

contextBridge.exposeInMainWorld('recount', bridge);
