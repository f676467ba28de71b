import { SvelteMap } from 'svelte/reactivity';
import {
  newCellId,
  type Cell,
  type CellKind,
  type Notebook,
  type NotebookSettings,
} from '../../../engine/shared/notebook-format';
import { mergeChanges, staleTables, type TableChanges } from '../../../engine/shared/saved-results';
import type { Client, Result } from '../api';

/**
 * A SQL cell's result: held by the engine (read a page at a time by query id), or saved by an earlier run and shown
 * when the notebook opens (`saved`: its first rows; the engine holds nothing for it until the cell runs again).
 */
export type CellResult = Result<'query.run'> & { saved?: unknown[][] };
export type SavedCompare = Extract<Result<'notebooks.results'>['results'][number], { kind: 'compare' }>;

/** When what a cell shows was computed and from which tables (for cells whose result is not a SQL result). */
export interface Ran {
  ranAt: string;
  tables: string[];
  saved: boolean;
}

/** How current what a cell shows is: when it ran, whether it is a saved result, and the tables changed since. */
export interface Freshness {
  ranAt: string;
  saved: boolean;
  stale: string[];
}
export type Runner = (options?: { signal?: AbortSignal }) => Promise<void>;

const SAVE_DELAY_MS = 700;
/**
 * A deletion is saved this late, so that undoing it in time leaves the notebook's file, and the cell's saved result
 * (which the engine drops with the cell when the notebook is saved without it), as they were.
 */
export const UNDO_DELETE_MS = 8000;
/** How many deletions can be undone; older ones let go of the results they hold in the engine. */
const UNDO_DEPTH = 20;

/** A deleted cell, with where it was and what it showed, so that undoing puts it back as it was. */
interface Removed {
  cell: Cell;
  index: number;
  result: CellResult | undefined;
  ran: Ran | undefined;
}

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
  settings = $state<NotebookSettings>({});
  /** When each table last changed, as far as this window has heard (saved results' tables, then the engine's events). */
  changes = $state.raw<TableChanges>({});
  readonly results = new SvelteMap<string, CellResult>();
  /** Compare cells' runs (a SQL cell's is its result). */
  readonly ran = new SvelteMap<string, Ran>();
  /** Saved comparisons, for each compare cell to take when it mounts. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- handed over once, nothing renders from it
  readonly savedCompares = new Map<string, SavedCompare>();
  private readonly offChanges: () => void;
  // Not state: runners are callbacks, nothing renders from them.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private runners = new Map<string, Runner>();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private removed: Removed[] = [];
  private holdUntil = 0;
  /** Told of each deleted cell (the notebook view offers to undo it). */
  onremove: ((cell: Cell) => void) | undefined;

  constructor(
    private readonly client: Client,
    name: string,
    notebook: Notebook,
  ) {
    this.name = name;
    this.title = notebook.title;
    this.cells = notebook.cells;
    this.settings = notebook.settings ?? {};
    // Listening before the saved results are read: a change announced meanwhile still counts.
    this.offChanges = client.on('tables.changed', (e) => (this.changes = mergeChanges(this.changes, e.tables, e.at)));
  }

  /** Opens a notebook with its cells' saved results in place, so that it shows them before anything runs. */
  static async open(client: Client, name: string): Promise<NotebookDoc> {
    const { notebook } = await client.call('notebooks.read', { name });
    const doc = new NotebookDoc(client, name, notebook);
    // Without saved results the notebook still opens; its cells run as on a first open.
    const saved = await client.call('notebooks.results', { name }).catch(() => undefined);
    if (saved) doc.restore(saved);
    return doc;
  }

  /** Takes the saved results that are still this notebook's: a SQL cell's only while it holds the SQL that ran. */
  restore(saved: Result<'notebooks.results'>): void {
    for (const [table, at] of Object.entries(saved.changes)) this.changes = mergeChanges(this.changes, [table], at);
    for (const r of saved.results) {
      const cell = this.cell(r.cellId);
      if (r.kind === 'sql' && cell?.kind === 'sql' && cell.sql.trim() === r.sql.trim() && !this.results.has(r.cellId)) {
        this.results.set(r.cellId, {
          queryId: `saved:${r.cellId}`,
          columns: r.columns,
          rowCount: r.rowCount,
          elapsedMs: r.elapsedMs,
          statement: r.statement,
          ranAt: r.ranAt,
          tables: r.tables,
          saved: r.rows,
        });
      } else if (r.kind === 'compare' && cell?.kind === 'compare' && cell.pipeline === r.pipeline) {
        this.savedCompares.set(r.cellId, r);
        this.ran.set(r.cellId, { ranAt: r.ranAt, tables: r.tables, saved: true });
      }
    }
  }

  get snapshot(): Notebook {
    const settings = this.settings.runOnOpen ? { settings: { runOnOpen: true } } : {};
    return { title: this.title, cells: $state.snapshot(this.cells) as Cell[], ...settings };
  }

  /** Whether opening the notebook runs every cell (else cells show their saved results). */
  setRunOnOpen(on: boolean): void {
    this.settings = on ? { ...this.settings, runOnOpen: true } : {};
    this.changed();
  }

  /** How current a cell's output is; a chart's is its source's. Undefined for a cell that has not run. */
  freshness(id: string): Freshness | undefined {
    const cell = this.cell(id);
    if (!cell) return undefined;
    if (cell.kind === 'chart')
      return this.cell(cell.chart.source)?.kind === 'sql' ? this.freshness(cell.chart.source) : undefined;
    const run = cell.kind === 'sql' ? this.results.get(id) : this.ran.get(id);
    if (!run) return undefined;
    return { ranAt: run.ranAt, saved: Boolean(run.saved), stale: staleTables(run.tables, run.ranAt, this.changes) };
  }

  /** A compare cell ran (or its run was replaced by a saved one): what its freshness is judged by. */
  noteRun(id: string, ran: Ran | undefined): void {
    if (ran) this.ran.set(id, ran);
    else this.ran.delete(id);
  }

  /** Rows of a SQL cell's result: from the engine, or from what was saved of it (fewer rows than it had, perhaps). */
  async page(result: CellResult, offset: number, limit: number, signal?: AbortSignal): Promise<unknown[][]> {
    if (result.saved) return result.saved.slice(offset, offset + limit);
    const page = await this.client.call('query.page', { queryId: result.queryId, offset, limit }, signal ? { signal } : {});
    return page.rows;
  }

  /** Runs a cell again; a chart's source runs, and the chart redraws from its new result. */
  async rerun(id: string): Promise<void> {
    const cell = this.cell(id);
    if (cell?.kind === 'chart') await this.run(cell.chart.source);
    await this.run(id);
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

  /** Deletes a cell, keeping it (and its result, still held) to put back with undoRemove(). */
  remove(id: string): void {
    const index = this.cells.findIndex((c) => c.id === id);
    const cell = this.cells[index];
    if (!cell) return;
    this.removed.push({ cell: $state.snapshot(cell) as Cell, index, result: this.results.get(id), ran: this.ran.get(id) });
    for (const dropped of this.removed.splice(0, Math.max(0, this.removed.length - UNDO_DEPTH))) this.release(dropped);
    this.cells = this.cells.filter((c) => c.id !== id);
    this.results.delete(id);
    this.ran.delete(id);
    if (this.focused === id) this.focused = undefined;
    this.changed(UNDO_DELETE_MS);
    this.onremove?.(cell);
  }

  /** Whether a deleted cell can be put back. */
  get canUndoRemove(): boolean {
    return this.removed.length > 0;
  }

  /**
   * Puts the last deleted cell back where it was, with what it showed; undefined when there is none to put back. A
   * compare cell's comparison lives in the cell, not here: the one the engine saved for it is read back before the cell
   * mounts (unless the deletion was saved meanwhile, which drops it; then the cell shows what it showed on open).
   */
  async undoRemove(): Promise<Cell | undefined> {
    const entry = this.removed.pop();
    if (!entry) return undefined;
    const { cell, result, ran } = entry;
    if (cell.kind === 'compare') {
      const saved = await this.client.call('notebooks.results', { name: this.name }).catch(() => undefined);
      const mine = saved?.results.find((r) => r.cellId === cell.id && r.kind === 'compare');
      if (mine?.kind === 'compare' && mine.pipeline === cell.pipeline) this.savedCompares.set(cell.id, mine);
    }
    if (result) this.results.set(cell.id, result);
    if (ran) this.ran.set(cell.id, ran);
    this.insert(cell, Math.min(entry.index, this.cells.length));
    return cell;
  }

  /** A deletion that can no longer be undone: the engine can let go of the result it held. */
  private release(entry: Removed): void {
    if (entry.result && !entry.result.saved)
      void this.client.call('query.close', { queryId: entry.result.queryId }).catch(() => undefined);
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

  /** Saves shortly; `hold` keeps the next save back that long (edits meanwhile do not bring it forward). */
  private changed(hold = 0): void {
    this.dirty = true;
    if (hold) this.holdUntil = Date.now() + hold;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.save(), Math.max(SAVE_DELAY_MS, this.holdUntil - Date.now()));
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
    if (previous && !previous.saved && previous.queryId !== result?.queryId)
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

  /**
   * What opening the notebook runs: every cell when it is set to run on open; else only the cells with nothing saved
   * to show (never run here, or their SQL changed since), while the others show their saved results.
   */
  async runOnOpen(signal?: AbortSignal): Promise<boolean> {
    if (this.settings.runOnOpen) return this.runAll(signal);
    return this.runAll(signal, (cell) => (cell.kind === 'sql' ? !this.results.has(cell.id) : !this.ran.has(cell.id)));
  }

  /** Runs every cell (that `which` picks) top to bottom; stops at the first that fails (its error shows in the cell). */
  async runAll(signal?: AbortSignal, which: (cell: Cell) => boolean = () => true): Promise<boolean> {
    this.runningAll = true;
    try {
      for (const cell of this.cells) {
        if (signal?.aborted) return false;
        if (!which(cell)) continue;
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
    this.offChanges();
    await this.save();
    this.closed = true;
    for (const id of [...this.results.keys()]) this.setResult(id, undefined);
    for (const entry of this.removed.splice(0)) this.release(entry);
  }
}
