import { describe, expect, it } from 'vitest';
import { CellKeys, DOUBLE_PRESS_MS } from './cell-keys';

const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('a selected cell’s keys', () => {
  it('add, move, select and edit cells', () => {
    const keys = new CellKeys();
    expect(keys.command(key('b'), true, false, 0)).toBe('add-below');
    expect(keys.command(key('a'), true, false, 0)).toBe('add-above');
    expect(keys.command(key('ArrowUp', { altKey: true }), true, false, 0)).toBe('move-up');
    expect(keys.command(key('ArrowDown', { altKey: true }), true, false, 0)).toBe('move-down');
    expect(keys.command(key('ArrowUp'), true, false, 0)).toBe('previous');
    expect(keys.command(key('j'), true, false, 0)).toBe('next');
    expect(keys.command(key('Enter'), true, false, 0)).toBe('edit');
    expect(keys.command(key('a', { ctrlKey: true }), true, false, 0)).toBe('select-all');
    expect(keys.command(key('a', { metaKey: true }), true, false, 0)).toBe('select-all');
    // Shift+B is nobody's; B typed in the editor is a letter.
    expect(keys.command(key('B', { shiftKey: true }), true, false, 0)).toBeUndefined();
    expect(keys.command(key('b'), false, false, 0)).toBeUndefined();
    expect(keys.command(key('a', { ctrlKey: true }), false, false, 0)).toBeUndefined();
  });

  it('delete only on D pressed twice in a row, soon', () => {
    const keys = new CellKeys();
    expect(keys.command(key('d'), true, false, 1000)).toBeUndefined();
    expect(keys.command(key('d'), true, false, 1000 + DOUBLE_PRESS_MS)).toBe('delete');
    // A third D starts again.
    expect(keys.command(key('d'), true, false, 1000 + DOUBLE_PRESS_MS + 1)).toBeUndefined();
    expect(keys.command(key('d'), true, false, 1000 + 3 * DOUBLE_PRESS_MS)).toBeUndefined();
    // Another key between the two is no double press.
    expect(keys.command(key('j'), true, false, 1000 + 3 * DOUBLE_PRESS_MS + 10)).toBe('next');
    expect(keys.command(key('d'), true, false, 1000 + 3 * DOUBLE_PRESS_MS + 20)).toBeUndefined();
  });

  it('cancel a run with Ctrl+. from anywhere in the cell, or Escape on the cell, only while it runs', () => {
    const keys = new CellKeys();
    expect(keys.command(key('.', { ctrlKey: true }), false, true, 0)).toBe('cancel');
    expect(keys.command(key('.', { metaKey: true }), true, true, 0)).toBe('cancel');
    expect(keys.command(key('.', { ctrlKey: true }), false, false, 0)).toBeUndefined();
    expect(keys.command(key('Escape'), true, true, 0)).toBe('cancel');
    expect(keys.command(key('Escape'), true, false, 0)).toBeUndefined();
    expect(keys.command(key('Escape'), false, true, 0)).toBeUndefined();
  });
});
