import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built renderer, beside the built engine (`dist/renderer`, made by `vite build`). RECOUNT_RENDERER_DIR
 * points elsewhere, for serving a renderer built to another folder while developing.
 */
export const RENDERER_DIR = process.env.RECOUNT_RENDERER_DIR ?? fileURLToPath(new URL('../../renderer/', import.meta.url));

/** Per-user settings of the app (not of a workspace): the recent workspaces list. */
export function userConfigDir(): string {
  if (process.env.RECOUNT_CONFIG_DIR) return process.env.RECOUNT_CONFIG_DIR;
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Recount');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Recount');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'recount');
}

export function recentWorkspacesFile(): string {
  return join(userConfigDir(), 'recent-workspaces.json');
}

/** The workspace's own event log, the one the app's live view follows. */
export function workspaceLog(dir: string): string {
  return join(dir, 'logs', 'events.log');
}
