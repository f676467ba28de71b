import { describe, expect, it } from 'vitest';
import { direction, formatChange, formatMetricValue, formatPercentChange, rankMove } from './format';

describe('scorecard formatting', () => {
  it('groups exact decimals without rounding them through a double', () => {
    expect(formatMetricValue('12345678901234567.89', 'money')).toBe('12,345,678,901,234,567.89');
    expect(formatMetricValue('1234.5', 'money')).toBe('1,234.50');
    expect(formatMetricValue('1234567', 'number')).toBe('1,234,567');
    expect(formatMetricValue('-1234', 'number')).toBe('−1,234');
    expect(formatMetricValue(0.0425, 'percent')).toBe('4.3%');
    expect(formatMetricValue(null, 'number')).toBe('–');
  });

  it('signs changes, with a rate’s change in percentage points', () => {
    expect(formatChange('56', 'number')).toBe('+56');
    expect(formatChange('-1200', 'number')).toBe('−1,200');
    expect(formatChange('0', 'number')).toBe('±0');
    expect(formatChange('-12.5', 'money')).toBe('−12.50');
    expect(formatChange(-0.012, 'percent')).toBe('−1.2 pts');
    expect(formatPercentChange(4.666)).toBe('+4.7%');
    expect(formatPercentChange(-25)).toBe('−25%');
    expect(formatPercentChange(null)).toBe('');
  });

  it('tells directions and rank moves', () => {
    expect([direction('3'), direction('-0.01'), direction('0'), direction(null)]).toEqual(['up', 'down', 'level', 'none']);
    expect(rankMove(1, 3)).toEqual({ text: '▲2', kind: 'up' });
    expect(rankMove(4, 2)).toEqual({ text: '▼2', kind: 'down' });
    expect(rankMove(2, 2)).toEqual({ text: '=', kind: 'level' });
    expect(rankMove(5, null)).toEqual({ text: 'new', kind: 'new' });
  });
});
