import { EngineError, type Client } from '../api';
import { formatCount } from '../ui/format';
import { PageLoader } from './page-cache';

type Row = unknown[];

export const PAGE_SIZE = 500;
const MAX_PAGES = 40;

/** The rows of the result on screen, fetched from the engine a page at a time as they scroll into view. */
export class ResultPages {
  loader = $state.raw<PageLoader<Row>>();
  /** Counts pages arrived, so what reads rows renders again when one does. */
  version = $state(0);
  /** Why a page could not be fetched. */
  error = $state<unknown>();

  constructor(private readonly client: Client) {}

  /**
   * A loader for one result, starting from an empty cache; `use` makes it the one shown. A saved result's rows come
   * from what was saved of it; past them, the cell has to run again (said as the engine says it of a result let go).
   * A `view` (query.arrange) is paged in its sorted and filtered order.
   */
  open(queryId: string, rowCount: number, saved?: Row[], view?: string): PageLoader<Row> {
    const fetch = saved
      ? (offset: number, limit: number) =>
          offset + limit <= saved.length || saved.length >= rowCount
            ? Promise.resolve(saved.slice(offset, offset + limit))
            : Promise.reject(
                new EngineError({
                  message: `Only the first ${formatCount(saved.length)} rows of this saved result were kept; run the cell again to see the rest`,
                  code: 'result-gone',
                }),
              )
      : (offset: number, limit: number) =>
          this.client.call('query.page', { queryId, offset, limit, ...(view ? { view } : {}) }).then((p) => p.rows);
    return new PageLoader<Row>(fetch, {
      pageSize: PAGE_SIZE,
      maxPages: MAX_PAGES,
      rowCount,
      onLoad: () => this.version++,
      onError: (error) => (this.error = error),
    });
  }

  use(loader: PageLoader<Row>): void {
    this.loader = loader;
    this.error = undefined;
  }

  /** Rows first..end-1 as held now (undefined where their page has not arrived), each with its index. */
  rows(first: number, end: number): { index: number; row: Row | undefined }[] {
    void this.version;
    const out: { index: number; row: Row | undefined }[] = [];
    for (let i = first; i < end; i++) out.push({ index: i, row: this.loader?.row(i) });
    return out;
  }

  /** Fetches again the pages that failed. */
  retry(): void {
    this.error = undefined;
    this.loader?.retry();
  }
}
