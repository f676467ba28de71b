import { z } from 'zod';

/**
 * A notebook is a Markdown file: prose is markdown cells, and every other cell is a fenced block whose
 * info string names its kind and carries its settings as JSON, e.g.
 *
 *     ```sql {"id":"visits"}
 *     SELECT event_date, count(*) AS visits FROM events GROUP BY 1
 *     ```
 *
 *     ```chart {"id":"visits-chart","source":"visits","type":"line","x":"event_date","y":["visits"]}
 *     ```
 *
 * So a notebook reads well on GitHub, diffs line by line, and survives hand edits.
 */
export const CELL_KINDS = ['markdown', 'sql', 'chart', 'pipeline', 'live', 'compare', 'scorecard'] as const;
export type CellKind = (typeof CELL_KINDS)[number];

export const ChartSettingsSchema = z.object({
  source: z.string(),
  type: z.enum(['line', 'bar', 'stacked-bar', 'area', 'scatter', 'histogram']),
  x: z.string(),
  y: z.array(z.string()),
  /** A column whose values each draw their own series: a long result (date, type, n) as one line per type. */
  split: z.string().optional(),
  title: z.string().optional(),
  /** Axis titles the user wrote; without them the axes are titled by their columns. */
  xTitle: z.string().optional(),
  yTitle: z.string().optional(),
});

export const CellSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('markdown'), id: z.string(), text: z.string() }),
  z.object({ kind: z.literal('sql'), id: z.string(), sql: z.string(), title: z.string().optional() }),
  z.object({ kind: z.literal('chart'), id: z.string(), chart: ChartSettingsSchema }),
  z.object({ kind: z.literal('pipeline'), id: z.string(), pipeline: z.string() }),
  z.object({ kind: z.literal('live'), id: z.string(), pipeline: z.string(), modes: z.array(z.enum(['naive', 'exact'])).min(1) }),
  z.object({ kind: z.literal('compare'), id: z.string(), pipeline: z.string(), metric: z.string().optional() }),
  z.object({ kind: z.literal('scorecard'), id: z.string() }),
]);
export type Cell = z.infer<typeof CellSchema>;

/**
 * How a notebook behaves, written under its title as an HTML comment (`<!-- recount {"runOnOpen":true} -->`), which
 * Markdown viewers do not show. runOnOpen: run every cell when the notebook opens; without it, cells show their saved
 * results, as notebooks show saved outputs.
 */
export const NotebookSettingsSchema = z.object({ runOnOpen: z.boolean().optional() }).strict();
export type NotebookSettings = z.infer<typeof NotebookSettingsSchema>;

export const NotebookSchema = z.object({
  title: z.string(),
  cells: z.array(CellSchema),
  settings: NotebookSettingsSchema.optional(),
});
export type Notebook = z.infer<typeof NotebookSchema>;

const FENCE = /^(`{3,}|~{3,})\s*([a-z]+)\s*(\{.*\})?\s*$/;
const SETTINGS = /^<!--\s*recount\s+(\{.*\})\s*-->\s*$/;

function parseSettings(json: string, line: number): NotebookSettings {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new NotebookFormatError(`the notebook's settings are not valid JSON (${(error as Error).message})`, line);
  }
  const parsed = NotebookSettingsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NotebookFormatError(
      `notebook settings: ${issue?.path.join('.') || 'settings'} ${issue?.message ?? 'invalid'}`,
      line,
    );
  }
  return parsed.data;
}

export class NotebookFormatError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

let counter = 0;
export function newCellId(kind: CellKind): string {
  counter = (counter + 1) % 1e6;
  return `${kind}-${Date.now().toString(36)}${counter.toString(36)}`;
}

/** Parses a notebook file; errors name the line. */
export function parseNotebook(text: string, fallbackTitle = 'Untitled'): Notebook {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const cells: Cell[] = [];
  let prose: string[] = [];
  let title: string | undefined;
  let notebookSettings: NotebookSettings | undefined;
  const flushProse = () => {
    const body = prose.join('\n').replace(/^\n+|\n+$/g, '');
    if (body) cells.push({ kind: 'markdown', id: newCellId('markdown'), text: body });
    prose = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const fence = FENCE.exec(line);
    const kind = fence?.[2] as CellKind | undefined;
    const settingsLine = SETTINGS.exec(line);
    if (settingsLine) {
      notebookSettings = { ...notebookSettings, ...parseSettings(settingsLine[1] as string, i + 1) };
      continue;
    }
    if (!fence || !kind || kind === 'markdown' || !(CELL_KINDS as readonly string[]).includes(kind)) {
      if (title === undefined && cells.length === 0 && prose.every((p) => p.trim() === '') && /^#\s+/.test(line)) {
        title = line.replace(/^#\s+/, '').trim();
        continue;
      }
      prose.push(line);
      continue;
    }
    flushProse();
    const start = i + 1;
    const closing = fence[1] as string;
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i] as string).trim() !== closing; i++) body.push(lines[i] as string);
    if (i >= lines.length) throw new NotebookFormatError(`the ${kind} cell opened here is never closed with ${closing}`, start);
    let settings: Record<string, unknown> = {};
    if (fence[3]) {
      try {
        settings = JSON.parse(fence[3]) as Record<string, unknown>;
      } catch (error) {
        throw new NotebookFormatError(
          `the settings of this ${kind} cell are not valid JSON (${(error as Error).message})`,
          start,
        );
      }
    }
    const id = typeof settings.id === 'string' ? settings.id : newCellId(kind);
    const { id: _id, ...rest } = settings;
    const candidate =
      kind === 'sql'
        ? { kind, id, sql: body.join('\n'), ...rest }
        : kind === 'chart'
          ? { kind, id, chart: rest }
          : { kind, id, ...rest };
    const parsed = CellSchema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new NotebookFormatError(`${kind} cell: ${issue?.path.join('.') || 'settings'} ${issue?.message ?? 'invalid'}`, start);
    }
    cells.push(parsed.data);
  }
  flushProse();
  const settings = notebookSettings && Object.keys(notebookSettings).length ? { settings: notebookSettings } : {};
  return { title: title ?? fallbackTitle, cells, ...settings };
}

function fenceFor(body: string): string {
  let fence = '```';
  while (body.includes(fence)) fence += '`';
  return fence;
}

/** Writes a notebook back as Markdown; parse(serialize(n)) gives n again. */
export function serializeNotebook(notebook: Notebook): string {
  const out: string[] = [`# ${notebook.title}`, ''];
  const settings = notebook.settings?.runOnOpen ? { runOnOpen: true } : {};
  if (Object.keys(settings).length) out.push(`<!-- recount ${JSON.stringify(settings)} -->`, '');
  for (const cell of notebook.cells) {
    if (cell.kind === 'markdown') {
      out.push(cell.text, '');
      continue;
    }
    const { kind, id, ...rest } = cell;
    const body = cell.kind === 'sql' ? cell.sql : '';
    const settings =
      cell.kind === 'sql'
        ? { id, ...(cell.title ? { title: cell.title } : {}) }
        : cell.kind === 'chart'
          ? { id, ...cell.chart }
          : { id, ...rest };
    const fence = fenceFor(body);
    out.push(`${fence}${kind} ${JSON.stringify(settings)}`);
    if (body) out.push(body);
    out.push(fence, '');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
