import { describe, expect, it } from 'vitest';
import { counted, plural } from './words.js';

describe('counted nouns', () => {
  it('says one thing in the singular, none and many in the plural', () => {
    expect(counted(1, 'partition')).toBe('1 partition');
    expect(counted(0, 'partition')).toBe('0 partitions');
    expect(counted(2, 'partition')).toBe('2 partitions');
    expect(counted(1028217, 'line')).toBe('1,028,217 lines');
    expect(counted(1, 'entry', 'entries')).toBe('1 entry');
    expect(counted(3, 'entry', 'entries')).toBe('3 entries');
    expect(plural(1.5, 'day')).toBe('days');
  });
});
