import { parseColor } from './color';

/** The theme's colours and fonts, read from the CSS variables of styles/theme.css, for the canvas. */
export interface ChartTheme {
  dark: boolean;
  palette: string[];
  series: { batch: string; naive: string; exact: string; served: string };
  grid: string;
  text: string;
  textMuted: string;
  textFaint: string;
  surface: string;
  border: string;
  warning: string;
  font: string;
  mono: string;
}

let probe: CanvasRenderingContext2D | null | undefined;

/**
 * A CSS colour as the canvas understands it. The theme writes colours like `rgb(28 36 48 / 8%)`; the
 * canvas normalises whatever it accepts to #rrggbb or rgba(), which Chart.js's colour helpers parse too.
 */
function resolve(css: string, fallback: string): string {
  const value = css.trim();
  if (!value) return fallback;
  if (parseColor(value)) return value;
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return value;
  probe.fillStyle = fallback;
  probe.fillStyle = value;
  return String(probe.fillStyle);
}

function readTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback = '#888888') => resolve(style.getPropertyValue(name), fallback);
  return {
    dark: style.colorScheme === 'dark',
    palette: [1, 2, 3, 4, 5, 6].map((i) => v(`--chart-${i}`)),
    series: { batch: v('--series-batch'), naive: v('--series-naive'), exact: v('--series-exact'), served: v('--series-served') },
    grid: v('--chart-grid', 'rgba(128, 128, 128, 0.1)'),
    text: v('--text'),
    textMuted: v('--text-muted'),
    textFaint: v('--text-faint'),
    surface: v('--bg-elevated', '#ffffff'),
    border: v('--border'),
    warning: v('--warning'),
    font: style.getPropertyValue('--font-sans').trim() || 'system-ui, sans-serif',
    mono: style.getPropertyValue('--font-mono').trim() || 'monospace',
  };
}

/**
 * The current chart theme, re-read when the page's theme changes (the root's data-theme, set from the user's choice
 * or the system's), so every chart that reads `chartTheme.current` in an effect redraws in the new colours.
 */
class ChartThemeWatch {
  current = $state.raw<ChartTheme>(readTheme());

  constructor() {
    new MutationObserver(() => (this.current = readTheme())).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['data-theme'],
    });
  }
}

export const chartTheme = new ChartThemeWatch();
