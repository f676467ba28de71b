/**
 * The keys of a selected cell. A cell is selected when it has the focus itself, not its editor (Escape in the editor
 * selects its cell, as in Jupyter's command mode); only Ctrl+. works from inside the editor too.
 */
export type CellCommand =
  'edit' | 'add-below' | 'add-above' | 'move-up' | 'move-down' | 'delete' | 'previous' | 'next' | 'select-all' | 'cancel';

/** Two presses of D within this delete the cell: one stray D does not. */
export const DOUBLE_PRESS_MS = 800;

type Key = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

export class CellKeys {
  private lastD = -Infinity;

  /** What the key does, given whether the cell itself (not a field inside it) has the focus and whether it runs. */
  command(e: Key, selected: boolean, running: boolean, now: number): CellCommand | undefined {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !e.altKey && !e.shiftKey && e.key === '.') return running ? 'cancel' : undefined;
    if (!selected) return undefined;
    if (e.key !== 'd' && e.key !== 'D') this.lastD = -Infinity;
    if (mod) return !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'a' ? 'select-all' : undefined;
    if (e.altKey) {
      if (e.key === 'ArrowUp') return 'move-up';
      if (e.key === 'ArrowDown') return 'move-down';
      return undefined;
    }
    if (e.shiftKey) return undefined;
    switch (e.key) {
      case 'Enter':
        return 'edit';
      case 'Escape':
        return running ? 'cancel' : undefined;
      case 'b':
      case 'B':
        return 'add-below';
      case 'a':
      case 'A':
        return 'add-above';
      case 'ArrowUp':
      case 'k':
        return 'previous';
      case 'ArrowDown':
      case 'j':
        return 'next';
      case 'd':
      case 'D': {
        const twice = now - this.lastD <= DOUBLE_PRESS_MS;
        this.lastD = twice ? -Infinity : now;
        return twice ? 'delete' : undefined;
      }
      default:
        return undefined;
    }
  }
}
