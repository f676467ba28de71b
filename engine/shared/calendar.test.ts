import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  addDays,
  dateMs,
  datesBetween,
  inputRange,
  isDate,
  lastClosedPartition,
  msDate,
  nextPartition,
  partitionOf,
  partitionsBetween,
  startOfDayMs,
  todayIn,
} from './calendar.js';

// Weekdays worked out on a calendar (and checked against `date -u -d … +%a`): 2026-11-25 is a Wednesday,
// 2026-03-01 a Sunday, 2027-01-01 a Friday, 2028-02-29 a Tuesday.

describe('dates as UTC days', () => {
  it('is 24 × 60 × 60 × 1000 ms a day', () => {
    expect(DAY_MS).toBe(86_400_000);
  });
  it('turns a date into its midnight and back', () => {
    // 1970–2025 is 56 years with 14 leap days (1972 … 2024): 20 454 days; January 1 to November 25 is 328 more.
    expect(dateMs('2026-11-25')).toBe(20_782 * 86_400_000);
    expect(dateMs('1970-01-02')).toBe(86_400_000);
    expect(msDate(20_782 * 86_400_000 + 10_973_801)).toBe('2026-11-25');
    expect(msDate(-1)).toBe('1969-12-31');
    expect(dateMs('2026-13-01')).toBeNaN();
  });
  it('starts a day at its UTC midnight', () => {
    expect(startOfDayMs(20_782 * 86_400_000 + 10_973_801)).toBe(20_782 * 86_400_000);
    expect(startOfDayMs(20_782 * 86_400_000)).toBe(20_782 * 86_400_000);
    expect(startOfDayMs(-1)).toBe(-86_400_000);
  });
  it('adds days across month and year ends and leap days', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2028-02-29', 1)).toBe('2028-03-01');
    expect(addDays('2100-02-28', 1)).toBe('2100-03-01');
    expect(addDays('2000-02-28', 1)).toBe('2000-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-11-25', -28)).toBe('2026-10-28');
  });
  it('has no change of offset: the days around Europe and America changing their clocks are 24 hours', () => {
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30');
    expect(addDays('2026-11-01', 1)).toBe('2026-11-02');
    expect(dateMs('2026-03-30') - dateMs('2026-03-29')).toBe(86_400_000);
  });
  it('knows which dates exist', () => {
    expect(isDate('2028-02-29')).toBe(true);
    expect(isDate('2026-04-30')).toBe(true);
    expect(isDate('2026-02-29')).toBe(false);
    expect(isDate('2026-02-30')).toBe(false);
    expect(isDate('2026-04-31')).toBe(false);
    expect(isDate('2026-13-01')).toBe(false);
    expect(isDate('2026-1-01')).toBe(false);
    expect(isDate('2026-11-25 ')).toBe(false);
    expect(isDate('')).toBe(false);
  });
  it('lists every date of a range, ends included', () => {
    expect(datesBetween('2028-02-27', '2028-03-01')).toEqual(['2028-02-27', '2028-02-28', '2028-02-29', '2028-03-01']);
    expect(datesBetween('2026-11-25', '2026-11-25')).toEqual(['2026-11-25']);
    expect(datesBetween('2026-11-25', '2026-11-24')).toEqual([]);
  });
});

describe('grains', () => {
  it('truncates a date to its day, the Monday of its week, or the first of its month', () => {
    expect(partitionOf('2026-11-25', 'day')).toBe('2026-11-25');
    expect(partitionOf('2026-11-25', 'week')).toBe('2026-11-23');
    expect(partitionOf('2026-11-23', 'week')).toBe('2026-11-23');
    expect(partitionOf('2026-11-22', 'week')).toBe('2026-11-16');
    expect(partitionOf('2026-03-01', 'week')).toBe('2026-02-23');
    expect(partitionOf('2027-01-01', 'week')).toBe('2026-12-28');
    expect(partitionOf('2028-02-29', 'week')).toBe('2028-02-28');
    expect(partitionOf('2028-03-01', 'week')).toBe('2028-02-28');
    expect(partitionOf('2028-02-29', 'month')).toBe('2028-02-01');
    expect(partitionOf('2026-12-31', 'month')).toBe('2026-12-01');
  });
  it('steps to the next partition', () => {
    expect(nextPartition('2028-02-28', 'day')).toBe('2028-02-29');
    expect(nextPartition('2026-12-28', 'week')).toBe('2027-01-04');
    expect(nextPartition('2026-12-01', 'month')).toBe('2027-01-01');
    expect(nextPartition('2028-02-01', 'month')).toBe('2028-03-01');
  });
  it('spans a partition from its first date to its last', () => {
    expect(inputRange('2026-11-25', 'day')).toEqual({ start: '2026-11-25', end: '2026-11-25' });
    expect(inputRange('2026-12-28', 'week')).toEqual({ start: '2026-12-28', end: '2027-01-03' });
    expect(inputRange('2028-02-28', 'week')).toEqual({ start: '2028-02-28', end: '2028-03-05' });
    expect(inputRange('2028-02-01', 'month')).toEqual({ start: '2028-02-01', end: '2028-02-29' });
    expect(inputRange('2026-02-01', 'month')).toEqual({ start: '2026-02-01', end: '2026-02-28' });
    expect(inputRange('2026-04-01', 'month')).toEqual({ start: '2026-04-01', end: '2026-04-30' });
    expect(inputRange('2026-12-01', 'month')).toEqual({ start: '2026-12-01', end: '2026-12-31' });
  });
  it('closes a partition once all of its dates are before today', () => {
    expect(lastClosedPartition('2028-03-01', 'day')).toBe('2028-02-29');
    expect(lastClosedPartition('2028-03-01', 'week')).toBe('2028-02-21');
    expect(lastClosedPartition('2028-03-01', 'month')).toBe('2028-02-01');
    expect(lastClosedPartition('2027-01-01', 'month')).toBe('2026-12-01');
  });
});

describe('partitionsBetween', () => {
  it('steps by day across a month end', () => {
    expect(partitionsBetween('2026-10-30', '2026-11-02', 'day')).toEqual([
      '2026-10-30',
      '2026-10-31',
      '2026-11-01',
      '2026-11-02',
    ]);
  });
  it('steps by week from a Monday', () => {
    expect(partitionsBetween('2026-10-26', '2026-11-16', 'week')).toEqual([
      '2026-10-26',
      '2026-11-02',
      '2026-11-09',
      '2026-11-16',
    ]);
  });
  it('steps by month across a year end', () => {
    expect(partitionsBetween('2025-11-01', '2026-02-01', 'month')).toEqual([
      '2025-11-01',
      '2025-12-01',
      '2026-01-01',
      '2026-02-01',
    ]);
  });
  it('steps by week across a leap day and stops at the last partition', () => {
    expect(partitionsBetween('2028-02-21', '2028-03-08', 'week')).toEqual(['2028-02-21', '2028-02-28', '2028-03-06']);
    expect(partitionsBetween('2028-01-01', '2028-03-01', 'month')).toEqual(['2028-01-01', '2028-02-01', '2028-03-01']);
  });
});

describe('today in a time zone', () => {
  // 2026-11-25 10:00 UTC is already the 26th at UTC+14 and still the 24th at UTC−11.
  const instant = Date.parse('2026-11-25T10:00:00Z');
  it('is the date on the zone’s wall clock', () => {
    expect(todayIn('UTC', instant)).toBe('2026-11-25');
    expect(todayIn('Pacific/Kiritimati', instant)).toBe('2026-11-26');
    expect(todayIn('Pacific/Pago_Pago', instant)).toBe('2026-11-24');
  });
  it('names a zone it does not know', () => {
    expect(() => todayIn('Mars/Olympus_Mons', instant)).toThrow(/Mars\/Olympus_Mons/);
  });
});
