import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One measured figure; `ratio` compares it with a baseline measured in the same run. */
export interface Figure {
  section: string;
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  ratio?: number;
  target?: string;
  met?: boolean;
  detail?: Record<string, number | string>;
}

export class Report {
  readonly figures: Figure[] = [];
  readonly startedAt = new Date().toISOString();

  add(figure: Figure): void {
    this.figures.push(figure);
    const ratio = figure.ratio !== undefined ? `  ratio ${figure.ratio.toFixed(2)}×` : '';
    const target = figure.target ? `  target ${figure.target}: ${figure.met ? 'met' : 'NOT met'}` : '';
    process.stdout.write(`  ${figure.section} · ${figure.name}: ${format(figure.value)} ${figure.unit}${ratio}${target}\n`);
  }

  async write(jsonPath: string, markdownPath: string, environment: Record<string, string>): Promise<void> {
    await mkdir(dirname(jsonPath), { recursive: true });
    await writeFile(jsonPath, `${JSON.stringify({ startedAt: this.startedAt, environment, figures: this.figures }, null, 2)}\n`);
    const lines = [
      `# Recount benchmark — ${this.startedAt}`,
      '',
      Object.entries(environment)
        .map(([k, v]) => `${k}: ${v}`)
        .join(' · '),
      '',
      '| section | figure | value | baseline (same run) | ratio | target |',
      '|---|---|---|---|---|---|',
      ...this.figures.map(
        (f) =>
          `| ${f.section} | ${f.name} | ${format(f.value)} ${f.unit} | ${f.baseline ? `${f.baseline.name}: ${format(f.baseline.value)} ${f.baseline.unit}` : ''} | ${
            f.ratio !== undefined ? `${f.ratio.toFixed(2)}×` : ''
          } | ${f.target ? `${f.target} (${f.met ? 'met' : 'not met'})` : ''} |`,
      ),
      '',
      ...this.figures
        .filter((f) => f.detail)
        .map(
          (f) =>
            `- ${f.section} · ${f.name}: ${Object.entries(f.detail ?? {})
              .map(([k, v]) => `${k} ${typeof v === 'number' ? format(v) : v}`)
              .join(', ')}`,
        ),
      '',
    ];
    await writeFile(markdownPath, lines.join('\n'));
  }
}

export function format(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n >= 100
    ? n.toLocaleString('en-US', { maximumFractionDigits: 0 })
    : n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
