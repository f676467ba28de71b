import { describe, expect, it } from 'vitest';
import { toTsv, tsvField } from './tsv';

describe('tsv', () => {
  it('writes plain values as they are and NULL as empty', () => {
    expect(tsvField('abc')).toBe('abc');
    expect(tsvField(42)).toBe('42');
    expect(tsvField('12345678901234567890')).toBe('12345678901234567890');
    expect(tsvField(true)).toBe('true');
    expect(tsvField(null)).toBe('');
    expect(tsvField(undefined)).toBe('');
  });

  it('quotes fields with tabs, line breaks or quotes, doubling the quotes', () => {
    expect(tsvField('a\tb')).toBe('"a\tb"');
    expect(tsvField('line 1\nline 2')).toBe('"line 1\nline 2"');
    expect(tsvField('say "hi"')).toBe('"say ""hi"""');
    expect(tsvField('a\r\nb')).toBe('"a\r\nb"');
  });

  it('writes nested values as JSON', () => {
    // JSON has quotes, so the field is quoted: {"a":1} → "{""a"":1}"
    expect(tsvField({ a: 1, b: ['x'] })).toBe('"{""a"":1,""b"":[""x""]}"');
    expect(tsvField([1, 2])).toBe('[1,2]');
  });

  it('joins rows with line breaks and an optional header', () => {
    expect(
      toTsv(
        [
          [1, 'a', null],
          [2, 'b\tc', 3.5],
        ],
        ['n', 'name', 'x'],
      ),
    ).toBe('n\tname\tx\n1\ta\t\n2\t"b\tc"\t3.5');
    expect(toTsv([[1], [2]])).toBe('1\n2');
    expect(toTsv([], ['only'])).toBe('only');
  });
});
