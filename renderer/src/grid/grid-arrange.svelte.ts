import type { Client } from '../api';
import type { Filter, SortKey } from '../../../engine/shared/result-view';
import { isCancellation } from '../ui/operation.svelte';

/** The next sort of a column clicked in the header: ascending, then descending, then none. */
export function nextSort(current: readonly SortKey[], column: string): SortKey[] {
  const key = current.find((k) => k.column === column);
  if (!key) return [{ column, desc: false }];
  if (!key.desc) return [{ column, desc: true }];
  return [];
}

/**
 * The grid's sort and filters, done by the engine in DuckDB (query.arrange) over the whole held result: the grid then
 * pages the view the engine answers with, and shows its row count. A new sort or filter cancels one still running.
 */
export class ResultArrange {
  sort = $state<SortKey[]>([]);
  /** At most one filter a column, by column name. */
  filters = $state<Record<string, Filter>>({});
  /** The engine's view to page, or none for the result as it ran. */
  view = $state<string | undefined>(undefined);
  /** Rows of the view; undefined while there is none. */
  rowCount = $state<number | undefined>(undefined);
  busy = $state(false);
  error = $state<unknown>(undefined);
  private controller: AbortController | undefined;

  constructor(
    private readonly client: Client,
    private readonly queryId: () => string,
  ) {}

  get filtered(): boolean {
    return Object.keys(this.filters).length > 0;
  }

  sortOf(column: string): 'asc' | 'desc' | undefined {
    const key = this.sort.find((k) => k.column === column);
    return key ? (key.desc ? 'desc' : 'asc') : undefined;
  }

  toggleSort(column: string): Promise<void> {
    this.sort = nextSort(this.sort, column);
    return this.apply();
  }

  setFilter(column: string, filter: Filter | undefined): Promise<void> {
    const next = { ...this.filters };
    if (filter) next[column] = filter;
    else delete next[column];
    this.filters = next;
    return this.apply();
  }

  clearFilters(): Promise<void> {
    this.filters = {};
    return this.apply();
  }

  /** A new result: nothing sorted or filtered. */
  reset(): void {
    this.controller?.abort();
    this.sort = [];
    this.filters = {};
    this.view = undefined;
    this.rowCount = undefined;
    this.busy = false;
    this.error = undefined;
    this.applied = { sort: [], filters: {} };
  }

  /** The sort and filters the view in force was made with: what a refused filter goes back to. */
  private applied: { sort: SortKey[]; filters: Record<string, Filter> } = { sort: [], filters: {} };

  private async apply(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.busy = true;
    this.error = undefined;
    try {
      const answer = await this.client.call(
        'query.arrange',
        { queryId: this.queryId(), sort: this.sort, filters: Object.values(this.filters) },
        { signal: controller.signal },
      );
      if (controller.signal.aborted) return;
      this.view = answer.view ?? undefined;
      this.rowCount = answer.view ? answer.rowCount : undefined;
      this.applied = { sort: this.sort, filters: this.filters };
    } catch (error) {
      if (controller.signal.aborted || isCancellation(error)) return;
      this.error = error;
      this.sort = this.applied.sort;
      this.filters = this.applied.filters;
    } finally {
      if (this.controller === controller) this.busy = false;
    }
  }

  dismiss(): void {
    this.error = undefined;
  }
}
