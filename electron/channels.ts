import type { Method } from '../engine/shared/contract.js';

/**
 * IPC channel names between the preload and main. The sandboxed preload cannot import this module (it
 * may only require `electron`), so it spells the same names out itself; `preload.test.ts` checks that
 * the two agree.
 */
export const CHANNEL_PREFIX = 'recount:';

/** One channel per contract method, so main can refuse a method by name before reading its payload. */
export function methodChannel(method: Method): string {
  return `${CHANNEL_PREFIX}${method}`;
}

export const CHANNELS = {
  cancel: 'recount:cancel',
  /** main → renderer: engine events (`progress`, `live.update`, `live.state`, `workspace.changed`). */
  event: 'recount:event',
  /** main → renderer: an application menu item was chosen. */
  menu: 'recount:menu',
  chooseImportFiles: 'recount:choose-import-files',
  chooseSavePath: 'recount:choose-save-path',
  chooseFolder: 'recount:choose-folder',
} as const;

export { MENU_ACTIONS, type MenuAction } from '../engine/shared/bridge.js';
