import { describe, expect, it } from 'vitest';
import { parseColor, withAlpha } from './color';

describe('colours', () => {
  it('parses hex and rgb forms', () => {
    expect(parseColor('#4461f2')).toEqual({ r: 68, g: 97, b: 242, a: 1 });
    expect(parseColor('#fff')).toEqual({ r: 255, g: 255, b: 255, a: 1 });
    expect(parseColor('#00000080')).toEqual({ r: 0, g: 0, b: 0, a: 0.502 });
    expect(parseColor('rgb(28 36 48 / 8%)')).toEqual({ r: 28, g: 36, b: 48, a: 0.08 });
    expect(parseColor('rgba(1, 2, 3, 0.5)')).toEqual({ r: 1, g: 2, b: 3, a: 0.5 });
    expect(parseColor('color-mix(in srgb, red, blue)')).toBeUndefined();
  });
  it('multiplies alpha', () => {
    expect(withAlpha('#4461f2', 0.16)).toBe('rgba(68, 97, 242, 0.16)');
    expect(withAlpha('rgba(10, 20, 30, 0.5)', 0.5)).toBe('rgba(10, 20, 30, 0.25)');
    expect(withAlpha('var(--x)', 0.5)).toBe('var(--x)');
  });
});
