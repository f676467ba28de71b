import { describe, expect, it } from 'vitest';
import { columnKind, describeFilter, filterOps, formFilter } from './filters';

describe('grid filters', () => {
  it('tells number, time and text columns apart', () => {
    expect(columnKind({ type: 'DECIMAL(18,2)', numeric: true })).toBe('number');
    expect(columnKind({ type: 'TIMESTAMP WITH TIME ZONE', numeric: false })).toBe('time');
    expect(columnKind({ type: 'DATE', numeric: false })).toBe('time');
    expect(columnKind({ type: 'VARCHAR', numeric: false })).toBe('text');
    expect(columnKind({ type: 'INTEGER[]', numeric: false })).toBe('text');
  });

  it('offers text operations for text and comparisons for numbers and times', () => {
    expect(filterOps('text').map((o) => o.op)).toEqual(['contains', 'equals', 'null', 'not-null']);
    expect(filterOps('number').map((o) => o.op)).toEqual(['between', '=', '!=', '>=', '>', '<=', '<', 'null', 'not-null']);
    expect(filterOps('time').find((o) => o.op === '>=')?.label).toBe('on or after');
  });

  it('turns the form into a filter, or nothing when it asks nothing', () => {
    expect(formFilter('n', 'between', ' 10 ', '')).toEqual({ column: 'n', op: 'between', min: '10' });
    expect(formFilter('n', 'between', '', '')).toBeUndefined();
    expect(formFilter('n', '>=', '', '')).toBeUndefined();
    expect(formFilter('n', '<', '5', '')).toEqual({ column: 'n', op: '<', value: '5' });
    expect(formFilter('s', 'contains', '', '')).toBeUndefined();
    // Text is matched as typed, spaces and all; equals '' asks for empty strings.
    expect(formFilter('s', 'contains', ' a ', '')).toEqual({ column: 's', op: 'contains', value: ' a ' });
    expect(formFilter('s', 'equals', '', '')).toEqual({ column: 's', op: 'equals', value: '' });
    expect(formFilter('s', 'null', 'x', '')).toEqual({ column: 's', op: 'null' });
  });

  it('describes a filter in a few words', () => {
    expect(describeFilter({ column: 'n', op: '>=', value: '1000' }, 'number')).toBe('≥ 1,000');
    expect(describeFilter({ column: 'n', op: 'between', min: '1', max: '2500.5' }, 'number')).toBe('1 to 2,500.5');
    expect(describeFilter({ column: 'n', op: 'between', max: '9' }, 'number')).toBe('≤ 9');
    expect(describeFilter({ column: 's', op: 'contains', value: 'an' }, 'text')).toBe('contains “an”');
    expect(describeFilter({ column: 'd', op: '<', value: '2026-01-05' }, 'time')).toBe('before 2026-01-05');
    expect(describeFilter({ column: 's', op: 'not-null' }, 'text')).toBe('is not NULL');
  });
});
