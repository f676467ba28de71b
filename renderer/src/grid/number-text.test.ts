import { describe, expect, it } from 'vitest';
import { groupedNumber } from './number-text';

describe('number cells with thousands separators', () => {
  it('groups whole numbers and the whole part of decimals, leaving the fraction as it is', () => {
    expect(groupedNumber(0)).toBe('0');
    expect(groupedNumber(999)).toBe('999');
    expect(groupedNumber(1000)).toBe('1,000');
    expect(groupedNumber(-1234567)).toBe('-1,234,567');
    expect(groupedNumber(1234.5678)).toBe('1,234.5678');
    expect(groupedNumber(0.000123)).toBe('0.000123');
  });

  it('keeps every digit of an exact decimal or a wide integer', () => {
    expect(groupedNumber('12345678901234567.89')).toBe('12,345,678,901,234,567.89');
    expect(groupedNumber('-170141183460469231731687303715884105727')).toBe(
      '-170,141,183,460,469,231,731,687,303,715,884,105,727',
    );
    expect(groupedNumber('1000.0000')).toBe('1,000.0000');
  });

  it('leaves exponents, NaN and infinities alone', () => {
    expect(groupedNumber(1e21)).toBe('1e+21');
    expect(groupedNumber('NaN')).toBe('NaN');
    expect(groupedNumber('inf')).toBe('inf');
    expect(groupedNumber(true)).toBeUndefined();
  });
});
