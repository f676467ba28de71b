/** The app's keyboard shortcuts, in one table: the help dialog lists exactly what the handler binds. */
export interface Shortcut {
  keys: string;
  what: string;
  /** Where the keys work: the app anywhere, the SQL editor, or a selected cell (Escape in its editor selects it). */
  where: 'editor' | 'cell' | 'app';
  /** Matches a keydown; absent for shortcuts that editors handle themselves. */
  match?: (e: KeyboardEvent) => boolean;
  action?: ShortcutAction;
}

export type ShortcutAction = 'save' | 'run-all' | 'import' | 'open-workspace' | 'help';

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;

export const SHORTCUTS: Shortcut[] = [
  { where: 'editor', keys: 'Shift+Enter', what: 'Run the SQL cell' },
  { where: 'editor', keys: 'Ctrl+Enter', what: 'Run the SQL cell' },
  { where: 'editor', keys: 'Ctrl+Space', what: 'Complete a table, column, function or keyword' },
  { where: 'editor', keys: 'Ctrl+/', what: 'Comment or uncomment the line (-- )' },
  { where: 'editor', keys: 'Escape', what: 'Stop editing: the cell stays selected' },
  { where: 'cell', keys: 'Ctrl+.', what: 'Cancel the query running in the cell (also while editing)' },
  { where: 'cell', keys: 'Escape', what: 'Cancel the running query' },
  { where: 'cell', keys: 'Enter', what: 'Edit the cell' },
  { where: 'cell', keys: 'B', what: 'Add a SQL cell below' },
  { where: 'cell', keys: 'A', what: 'Add a SQL cell above' },
  { where: 'cell', keys: 'Alt+↑ / Alt+↓', what: 'Move the cell up or down' },
  { where: 'cell', keys: 'D D', what: 'Delete the cell (press D twice)' },
  { where: 'cell', keys: '↑ / ↓', what: 'Select the cell above or below' },
  { where: 'cell', keys: 'Ctrl+A', what: 'Select what the cell shows' },
  {
    where: 'app',
    keys: 'Ctrl+Shift+Enter',
    what: 'Run all cells, top to bottom',
    match: (e) => mod(e) && e.shiftKey && e.key === 'Enter',
    action: 'run-all',
  },
  {
    where: 'app',
    keys: 'Ctrl+S',
    what: 'Save the notebook now (it also saves as you type)',
    match: (e) => mod(e) && !e.shiftKey && e.key.toLowerCase() === 's',
    action: 'save',
  },
  {
    where: 'app',
    keys: 'Ctrl+O',
    what: 'Import event files',
    match: (e) => mod(e) && !e.shiftKey && e.key.toLowerCase() === 'o',
    action: 'import',
  },
  {
    where: 'app',
    keys: 'Ctrl+Shift+O',
    what: 'Open or create a workspace',
    match: (e) => mod(e) && e.shiftKey && e.key.toLowerCase() === 'o',
    action: 'open-workspace',
  },
  {
    where: 'app',
    keys: 'Ctrl+/',
    what: 'Show these shortcuts (outside the SQL editor)',
    match: (e) => mod(e) && e.key === '/',
    action: 'help',
  },
  { where: 'app', keys: 'Ctrl+Z', what: 'Put back the last deleted cell (outside an editor or a field)' },
  { where: 'app', keys: 'Escape', what: 'Close a dialog, or stop editing a text cell' },
];

export function shortcutFor(e: KeyboardEvent): ShortcutAction | undefined {
  return SHORTCUTS.find((s) => s.match?.(e))?.action;
}
