import { getContext, setContext } from 'svelte';
import type { Client } from '../api';
import type { WorkspaceStore } from '../workspace/workspace.svelte';
import type { Toasts } from '../ui/toasts.svelte';
import type { Shell } from './shell.svelte';

/** What every feature reaches for: the engine client, the open workspace, navigation and the toasts. */
export interface AppContext {
  client: Client;
  workspace: WorkspaceStore;
  toasts: Toasts;
  shell: Shell;
}

const KEY = Symbol('recount-app');

export function provideApp(app: AppContext): void {
  setContext(KEY, app);
}

export function useApp(): AppContext {
  const app = getContext<AppContext | undefined>(KEY);
  if (!app) throw new Error('useApp() outside the app');
  return app;
}
