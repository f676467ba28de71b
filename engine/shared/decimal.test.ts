import { describe, expect, it } from 'vitest';
import { addDecimals, decimalJson, decimalText, groupThousands, negateDecimal, parseDecimal, rescale } from './decimal.js';

describe('exact decimals', () => {
  it('reads decimal text at the scale of its digits', () => {
    expect(parseDecimal('12.50')).toEqual({ value: 1250n, scale: 2 });
    expect(parseDecimal('-0.005')).toEqual({ value: -5n, scale: 3 });
    expect(parseDecimal('+7')).toEqual({ value: 7n, scale: 0 });
    expect(parseDecimal('170141183460469231731687303715884105727')).toEqual({
      value: 170141183460469231731687303715884105727n,
      scale: 0,
    });
  });
  it('reads it at a given scale, padding or cutting the fraction', () => {
    expect(parseDecimal('10', 2)).toEqual({ value: 1000n, scale: 2 });
    expect(parseDecimal('3.14159', 2)).toEqual({ value: 314n, scale: 2 });
    expect(parseDecimal('-3.149', 2)).toEqual({ value: -314n, scale: 2 });
  });
  it('reads nothing else', () => {
    for (const text of ['1e5', ' 12', '12.', '.5', 'NaN', '', '1,000', '--1']) expect(parseDecimal(text)).toBeUndefined();
  });
  it('adds and subtracts at the larger scale, without binary fractions', () => {
    const a = parseDecimal('13453.00')!;
    const b = parseDecimal('13283.64')!;
    expect(addDecimals(a, negateDecimal(b))).toEqual({ value: 16936n, scale: 2 });
    expect(decimalText(addDecimals(parseDecimal('0.1')!, parseDecimal('0.2')!))).toBe('0.3');
    expect(addDecimals(parseDecimal('1.5')!, parseDecimal('2.25')!)).toEqual({ value: 375n, scale: 2 });
    expect(rescale({ value: 15n, scale: 1 }, 4)).toBe(15000n);
  });
  it('writes every place of its scale', () => {
    expect(decimalText({ value: 16936n, scale: 2 })).toBe('169.36');
    expect(decimalText({ value: -5n, scale: 3 })).toBe('-0.005');
    expect(decimalText({ value: 0n, scale: 2 })).toBe('0.00');
    expect(decimalText({ value: -42n, scale: 0 })).toBe('-42');
  });
  it('is a JSON number only where a double holds it exactly', () => {
    expect(decimalJson({ value: 9007199254740991n, scale: 0 })).toBe(9007199254740991);
    expect(decimalJson({ value: -9007199254740991n, scale: 0 })).toBe(-9007199254740991);
    expect(decimalJson({ value: 9007199254740992n, scale: 0 })).toBe('9007199254740992');
    expect(decimalJson({ value: 1250n, scale: 2 })).toBe('12.50');
  });
  it('groups digits in thousands', () => {
    expect(groupThousands('1234567')).toBe('1,234,567');
    expect(groupThousands('123')).toBe('123');
    expect(groupThousands('1000')).toBe('1,000');
  });
});
