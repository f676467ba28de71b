import type { EngineEvent, Method, Params, ResponseMessage } from './contract.js';

/**
 * What Electron's preload exposes to the renderer as `window.recount`, through `contextBridge`: one
 * function per operation of the contract (never a generic channel or raw `ipcRenderer`,
 * which would let any script in the page send anything), the event stream, and the native dialogs a page cannot open itself. Types only: the preload
 * implements it, the renderer's IPC transport consumes it.
 */
/** What the desktop app's menu asks the renderer to do. */
export const MENU_ACTIONS = ['import', 'open-workspace', 'export', 'shortcuts'] as const;
export type MenuAction = (typeof MENU_ACTIONS)[number];

export type BridgeMethods = { [M in Method]: (requestId: string, params: Params<M>) => Promise<ResponseMessage> };

export interface RecountBridge {
  methods: BridgeMethods;
  cancel(requestId: string): void;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** Native open dialog for event files; the chosen paths. */
  chooseImportFiles(): Promise<string[]>;
  /** Native save dialog; the chosen path, or undefined when dismissed. */
  chooseSavePath(suggestedName: string): Promise<string | undefined>;
  /** Native folder dialog (open or create a workspace). */
  chooseFolder(): Promise<string | undefined>;
  /** The paths of files dropped on the window (Electron's webUtils.getPathForFile). */
  pathsForFiles(files: File[]): string[];
  /** Application menu items chosen (File ▸ Import…, Open Workspace…, Export…, Help ▸ Keyboard Shortcuts). */
  onMenu(listener: (action: MenuAction) => void): () => void;
}

export const BRIDGE_GLOBAL = 'recount';
