import { SvelteMap } from 'svelte/reactivity';
import { newCellId, type Cell, type CellKind, type Notebook } from '../../../engine/shared/notebook-format';
import type { Client, Result } from '../api';

export type CellResult = Result<'query.run'>;
export type Runner = (options?: { signal?: AbortSignal }) => Promise<void>;

const SAVE_DELAY_MS = 700;

/** A new cell of a kind, filled with something that runs. */
export function blankCell(kind: CellKind, context: { pipelines: string[]; realtime: string[]; lastSql?: string }): Cell {
  const id = newCellId(kind);
  switch (kind) {
    case 'markdown':
      return { kind, id, text: '' };
    case 'sql':
      return {
        kind,
        id,
        sql: 'SELECT event_date, event_type, count(*) AS events\nFROM events\nGROUP BY ALL\nORDER BY event_date DESC, events DESC\nLIMIT 100',
      };
    case 'chart':
      return { kind, id, chart: { source: context.lastSql ?? '', type: 'line', x: '', y: [] } };
    case 'pipeline':
      return { kind, id, pipeline: context.pipelines[0] ?? '' };
    case 'live':
      return { kind, id, pipeline: context.realtime[0] ?? '', modes: ['naive', 'exact'] };
    case 'compare':
      return { kind, id, pipeline: context.realtime[0] ?? '' };
    case 'scorecard':
      return { kind, id };
  }
}

/**
 * One open notebook: its cells (saved to the notebook's Markdown file shortly after each edit), the
 * results of its SQL cells (held by the engine, referenced here by query id, read by chart cells), and
 * the runners cells register so "Run all" can go top to bottom.
 */
export class NotebookDoc {
  name = $state('');
  title = $state('');
  cells = $state<Cell[]>([]);
  dirty = $state(false);
  saving = $state(false);
  saveError = $state<unknown>();
  runningAll = $state(false);
  focused = $state<string>();
  readonly results = new SvelteMap<string, CellResult>();
  // Not state: runners are callbacks, nothing renders from them.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private runners = new Map<string, Runner>();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly client: Client,
    name: string,
    notebook: Notebook,
  ) {
    this.name = name;
    this.title = notebook.title;
    this.cells = notebook.cells;
  }

  static async open(client: Client, name: string): Promise<NotebookDoc> {
    const { notebook } = await client.call('notebooks.read', { name });
    return new NotebookDoc(client, name, notebook);
  }

  get snapshot(): Notebook {
    return { title: this.title, cells: $state.snapshot(this.cells) as Cell[] };
  }

  cell(id: string): Cell | undefined {
    return this.cells.find((c) => c.id === id);
  }

  update(id: string, patch: Partial<Cell>): void {
    this.cells = this.cells.map((c) => (c.id === id ? ({ ...c, ...patch } as Cell) : c));
    this.changed();
  }

  setTitle(title: string): void {
    this.title = title;
    this.changed();
  }

  insert(cell: Cell, index = this.cells.length): void {
    this.cells = [...this.cells.slice(0, index), cell, ...this.cells.slice(index)];
    this.focused = cell.id;
    this.changed();
  }

  remove(id: string): void {
    this.cells = this.cells.filter((c) => c.id !== id);
    this.setResult(id, undefined);
    this.changed();
  }

  move(id: string, delta: -1 | 1): void {
    const i = this.cells.findIndex((c) => c.id === id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= this.cells.length) return;
    const cells = [...this.cells];
    [cells[i], cells[j]] = [cells[j] as Cell, cells[i] as Cell];
    this.cells = cells;
    this.changed();
  }

  /** The id of the nearest SQL cell above an index (what a new chart draws). */
  sqlAbove(index: number): string | undefined {
    for (let i = Math.min(index, this.cells.length) - 1; i >= 0; i--) if (this.cells[i]?.kind === 'sql') return this.cells[i]?.id;
    return undefined;
  }

  private changed(): void {
    this.dirty = true;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.save(), SAVE_DELAY_MS);
  }

  async save(): Promise<void> {
    clearTimeout(this.saveTimer);
    if (!this.dirty || this.closed) return;
    this.saving = true;
    this.dirty = false;
    try {
      await this.client.call('notebooks.save', { name: this.name, notebook: this.snapshot });
      this.saveError = undefined;
    } catch (error) {
      this.dirty = true;
      this.saveError = error;
    } finally {
      this.saving = false;
    }
  }

  /** A cell's result replaces its previous one, which the engine can then let go. */
  setResult(id: string, result: CellResult | undefined): void {
    const previous = this.results.get(id);
    if (previous && previous.queryId !== result?.queryId)
      void this.client.call('query.close', { queryId: previous.queryId }).catch(() => undefined);
    if (result) this.results.set(id, result);
    else this.results.delete(id);
  }

  registerRunner(id: string, runner: Runner): () => void {
    this.runners.set(id, runner);
    return () => {
      if (this.runners.get(id) === runner) this.runners.delete(id);
    };
  }

  async run(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.runners.get(id)?.(options);
  }

  /** Runs every cell top to bottom; stops at the first that fails (its error shows in the cell). */
  async runAll(signal?: AbortSignal): Promise<boolean> {
    this.runningAll = true;
    try {
      for (const cell of this.cells) {
        if (signal?.aborted) return false;
        const runner = this.runners.get(cell.id);
        if (!runner) continue;
        try {
          await runner(signal ? { signal } : {});
        } catch {
          return false;
        }
      }
      return true;
    } finally {
      this.runningAll = false;
    }
  }

  /**
   * Stops saving, keeping the edits here: the engine has another workspace open (another tab switched it), and a save
   * now would write this notebook into that one.
   */
  detach(): void {
    clearTimeout(this.saveTimer);
    this.closed = true;
  }

  /** Saves again after detach(), once this notebook's workspace is the open one again. */
  reattach(): void {
    this.closed = false;
  }

  async close(): Promise<void> {
    await this.save();
    this.closed = true;
    for (const id of [...this.results.keys()]) this.setResult(id, undefined);
  }
}
