/** The app's keyboard shortcuts, in one table: the help dialog lists exactly what the handler binds. */
export interface Shortcut {
  keys: string;
  what: string;
  /** Matches a keydown; absent for shortcuts that editors handle themselves. */
  match?: (e: KeyboardEvent) => boolean;
  action?: ShortcutAction;
}

export type ShortcutAction = 'save' | 'run-all' | 'import' | 'open-workspace' | 'help';

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;

export const SHORTCUTS: Shortcut[] = [
  { keys: 'Shift+Enter', what: 'Run the SQL cell being edited' },
  { keys: 'Ctrl+Enter', what: 'Run the SQL cell being edited' },
  { keys: 'Ctrl+Space', what: 'Complete a table, column or keyword' },
  {
    keys: 'Ctrl+Shift+Enter',
    what: 'Run all cells, top to bottom',
    match: (e) => mod(e) && e.shiftKey && e.key === 'Enter',
    action: 'run-all',
  },
  {
    keys: 'Ctrl+S',
    what: 'Save the notebook now (it also saves as you type)',
    match: (e) => mod(e) && !e.shiftKey && e.key.toLowerCase() === 's',
    action: 'save',
  },
  {
    keys: 'Ctrl+O',
    what: 'Import event files',
    match: (e) => mod(e) && !e.shiftKey && e.key.toLowerCase() === 'o',
    action: 'import',
  },
  {
    keys: 'Ctrl+Shift+O',
    what: 'Open or create a workspace',
    match: (e) => mod(e) && e.shiftKey && e.key.toLowerCase() === 'o',
    action: 'open-workspace',
  },
  { keys: 'Ctrl+/', what: 'Show these shortcuts', match: (e) => mod(e) && e.key === '/', action: 'help' },
  { keys: 'Escape', what: 'Close a dialog, or stop editing a text cell' },
];

export function shortcutFor(e: KeyboardEvent): ShortcutAction | undefined {
  return SHORTCUTS.find((s) => s.match?.(e))?.action;
}
