import { describe, expect, it } from 'vitest';
import { nameTaken, notebookNameFor } from './title-name';

describe('notebookNameFor', () => {
  it('keeps a title a file name can hold as it is', () => {
    expect(notebookNameFor('Shop overview')).toBe('Shop overview');
    expect(notebookNameFor('orders_2025-01.v2')).toBe('orders_2025-01.v2');
  });

  it('turns what a file name may not hold into single spaces, and drops accents', () => {
    expect(notebookNameFor('Orders: Q1 / Q2?')).toBe('Orders Q1 Q2');
    expect(notebookNameFor('Café — Übersicht')).toBe('Cafe Ubersicht');
    expect(notebookNameFor('  many   spaces  ')).toBe('many spaces');
  });

  it('never makes a name the engine refuses', () => {
    expect(notebookNameFor('../secrets')).toBe('secrets');
    expect(notebookNameFor('a..b')).toBe('a.b');
    expect(notebookNameFor('.hidden')).toBe('hidden');
    expect(notebookNameFor('x'.repeat(150))).toBe('x'.repeat(100));
    const engine = /^[\w][\w .-]{0,100}$/;
    for (const title of ['Orders: Q1 / Q2?', '-dash first', '#1 report', 'Café — Übersicht', 'tail end -'])
      expect(notebookNameFor(title)).toMatch(engine);
  });

  it('has no name for a title with nothing a file name can hold', () => {
    expect(notebookNameFor('???')).toBeUndefined();
    expect(notebookNameFor('売上')).toBeUndefined();
  });
});

describe('nameTaken', () => {
  it('finds another notebook of the name, in any case, but not the notebook itself', () => {
    expect(nameTaken('orders', ['Orders', 'Shop overview'], 'Shop overview')).toBe('Orders');
    expect(nameTaken('shop overview', ['Orders', 'Shop overview'], 'Shop overview')).toBeUndefined();
    expect(nameTaken('Revenue', ['Orders'], 'Shop overview')).toBeUndefined();
  });
});
