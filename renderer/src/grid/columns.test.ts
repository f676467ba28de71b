import { describe, expect, it } from 'vitest';
import { columnWidth, rowNumberWidth, shortType } from './columns';

describe('shortType', () => {
  it('lower-cases plain types', () => {
    expect(shortType('VARCHAR')).toBe('varchar');
    expect(shortType('BIGINT')).toBe('bigint');
    expect(shortType('HUGEINT')).toBe('hugeint');
    expect(shortType('DATE')).toBe('date');
  });
  it('shortens zoned times', () => {
    expect(shortType('TIMESTAMP WITH TIME ZONE')).toBe('timestamptz');
    expect(shortType('TIME WITH TIME ZONE')).toBe('timetz');
  });
  it('keeps decimal precision and scale', () => {
    expect(shortType('DECIMAL(18,2)')).toBe('decimal(18,2)');
    expect(shortType('DECIMAL(38, 4)')).toBe('decimal(38,4)');
  });
  it('names nested types by kind and marks lists', () => {
    expect(shortType('STRUCT(a INTEGER, b VARCHAR)')).toBe('struct');
    expect(shortType('MAP(VARCHAR, INTEGER)')).toBe('map');
    expect(shortType('UNION(num INTEGER, str VARCHAR)')).toBe('union');
    expect(shortType('VARCHAR[]')).toBe('varchar[]');
    expect(shortType('INTEGER[3]')).toBe('integer[3]');
    expect(shortType('STRUCT(a INTEGER)[]')).toBe('struct[]');
    expect(shortType('DECIMAL(18,2)[][]')).toBe('decimal(18,2)[][]');
  });
});

describe('columnWidth', () => {
  // 7 px per character for names and values, 6 for types.
  const measure = { header: (t: string) => t.length * 7, type: (t: string) => t.length * 6, value: (t: string) => t.length * 7 };

  it('fits the widest of name, type and values, plus padding', () => {
    // "event_date" 70, "date" 24, "2024-01-01" 70 → 70 + 28
    expect(columnWidth('event_date', 'DATE', ['2024-01-01'], measure)).toBe(98);
    // a 30-character value: 210 + 28
    expect(columnWidth('id', 'VARCHAR', ['x'.repeat(30), 'short'], measure)).toBe(238);
    // "timestamptz" 66 beats "ts" 14
    expect(columnWidth('ts', 'TIMESTAMP WITH TIME ZONE', [], measure)).toBe(94);
    // fractional widths round up: 10 × 7.25 = 72.5 → 100.5 → 101
    expect(columnWidth('x', 'INTEGER', ['0123456789'], { ...measure, value: (t: string) => t.length * 7.25 })).toBe(101);
  });

  it('stays within min and max', () => {
    expect(columnWidth('n', 'INTEGER', ['1'], measure)).toBe(72);
    expect(columnWidth('raw', 'VARCHAR', ['y'.repeat(1_000)], measure)).toBe(360);
  });
});

describe('rowNumberWidth', () => {
  it('grows with the digits of the row count', () => {
    // 3 digits × 8 + 20
    expect(rowNumberWidth(100, 8)).toBe(44);
    // 8 digits × 8 + 2 separators × 4 + 20
    expect(rowNumberWidth(10_000_000, 8)).toBe(92);
    expect(rowNumberWidth(0, 8)).toBe(28);
  });
});
