import { describe, expect, it } from 'vitest';
import { formatMetric, formatSigned, isZero, sameValue, sign, subtract, sum, toNumber } from './numbers';

describe('toNumber', () => {
  it('reads numbers and numeric strings, and nothing else', () => {
    expect(toNumber(42)).toBe(42);
    expect(toNumber('42')).toBe(42);
    expect(toNumber('13453.00')).toBe(13453);
    expect(toNumber('-0.5')).toBe(-0.5);
    expect(toNumber('12345678901234567890')).toBe(12345678901234567000);
    expect(toNumber('1e3')).toBe(1000);
    expect(toNumber(null)).toBeNull();
    expect(toNumber(undefined)).toBeNull();
    expect(toNumber('')).toBeNull();
    expect(toNumber('P1001')).toBeNull();
    expect(toNumber('2026-11-25')).toBeNull();
    expect(toNumber(Number.NaN)).toBeNull();
    expect(toNumber(true)).toBeNull();
  });
});

describe('exact arithmetic', () => {
  it('subtracts exact decimals exactly, keeping the larger scale', () => {
    expect(subtract('13453.00', '13283.64')).toBe('169.36');
    expect(subtract('0.1', '0.3')).toBe('-0.2');
    expect(subtract('10', '0.25')).toBe('9.75');
    expect(subtract('5.5', 5)).toBe('0.5');
    expect(subtract('12345678901234567890', '1')).toBe(12345678901234567889n.toString());
  });
  it('gives numbers for integers that fit a double', () => {
    expect(subtract(363, 355)).toBe(8);
    expect(subtract('363', '355')).toBe(8);
    expect(subtract(3, null)).toBe(3);
    expect(subtract(null, 3)).toBe(-3);
    expect(subtract(null, undefined)).toBeNull();
  });
  it('falls back to doubles, without binary noise, when a value is a fractional double', () => {
    expect(subtract(0.3, 0.1)).toBe(0.2);
    expect(subtract(0.10638297872340426, 0.1)).toBe(0.0063829787234);
  });
  it('sums exactly', () => {
    expect(sum(['0.10', '0.20', '0.30'])).toBe('0.60');
    expect(sum([1, 2, null, 3])).toBe(6);
    expect(sum([null, undefined])).toBeNull();
    expect(sum([0.1, 0.2])).toBe(0.3);
  });
  it('compares values of different spellings', () => {
    expect(sameValue('12.50', 12.5)).toBe(true);
    expect(sameValue('12.50', '12.5')).toBe(true);
    expect(sameValue(null, 0)).toBe(true);
    expect(sameValue(1, '1.01')).toBe(false);
    expect(isZero('0.00')).toBe(true);
    expect(isZero('-0.01')).toBe(false);
    expect(sign('-0.01')).toBe(-1);
    expect(sign(7)).toBe(1);
    expect(sign('0')).toBe(0);
  });
});

describe('formatting', () => {
  it('groups digits and keeps an exact scale', () => {
    expect(formatMetric('37685.20')).toBe('37,685.20');
    expect(formatMetric('-1234567.5')).toBe('-1,234,567.5');
    expect(formatMetric('12345678901234567890')).toBe('12,345,678,901,234,567,890');
    expect(formatMetric(1234)).toBe('1,234');
    expect(formatMetric(0.10638297872340426)).toBe('0.1064');
    expect(formatMetric(null)).toBe('—');
    expect(formatMetric('n/a')).toBe('n/a');
  });
  it('signs differences', () => {
    expect(formatSigned(8)).toBe('+8');
    expect(formatSigned('-169.36')).toBe('−169.36');
    expect(formatSigned('0.00')).toBe('0');
    expect(formatSigned(-1234)).toBe('−1,234');
    expect(formatSigned(null)).toBe('—');
  });
});
