/**
 * Rows of an engine-held result, fetched a page at a time. A bounded number of pages stays cached (least
 * recently used goes first), only pages near the viewport are requested, a few at a time, and answers that
 * arrive after the loader was disposed (the cell ran again) are dropped.
 */

export type FetchRows<Row> = (offset: number, limit: number) => Promise<Row[]>;

/** Least-recently-used pages of rows. */
export class PageCache<Row> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private pages = new Map<number, Row[]>();

  constructor(
    readonly pageSize: number,
    readonly maxPages: number,
  ) {}

  get size(): number {
    return this.pages.size;
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  /** A page, marking it as just used. */
  get(page: number): Row[] | undefined {
    const rows = this.pages.get(page);
    if (rows) {
      this.pages.delete(page);
      this.pages.set(page, rows);
    }
    return rows;
  }

  set(page: number, rows: Row[]): void {
    this.pages.delete(page);
    this.pages.set(page, rows);
    while (this.pages.size > this.maxPages) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
    }
  }

  /** A row if its page is cached (does not change the order: rendering reads rows every frame). */
  row(index: number): Row | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  pageOf(index: number): number {
    return Math.floor(index / this.pageSize);
  }

  /** The pages that hold rows first..end-1. */
  pagesFor(first: number, end: number): number[] {
    if (end <= first) return [];
    const pages: number[] = [];
    for (let p = this.pageOf(first); p <= this.pageOf(end - 1); p++) pages.push(p);
    return pages;
  }

  /** Page numbers, oldest use first (for tests and debugging). */
  order(): number[] {
    return [...this.pages.keys()];
  }
}

export interface LoaderOptions {
  pageSize: number;
  maxPages: number;
  rowCount: number;
  /** Requests in flight at once; scrolling fast past pages never queues a backlog behind the viewport. */
  maxInFlight?: number;
  /** Pages to fetch ahead of and behind the viewport. */
  prefetch?: number;
  /** A page arrived: render again. */
  onLoad?: () => void;
  onError?: (error: unknown) => void;
}

export class PageLoader<Row> {
  readonly cache: PageCache<Row>;
  private inFlight = new Set<number>();
  private failed = new Set<number>();
  private wanted: number[] = [];
  private disposed = false;
  private readonly maxInFlight: number;
  private readonly prefetch: number;
  private readonly pageCount: number;

  constructor(
    private readonly fetchRows: FetchRows<Row>,
    private readonly options: LoaderOptions,
  ) {
    this.cache = new PageCache<Row>(options.pageSize, options.maxPages);
    this.maxInFlight = options.maxInFlight ?? 2;
    this.prefetch = options.prefetch ?? 1;
    this.pageCount = Math.ceil(options.rowCount / options.pageSize);
  }

  get pageSize(): number {
    return this.options.pageSize;
  }

  get loading(): boolean {
    return this.inFlight.size > 0;
  }

  row(index: number): Row | undefined {
    return this.cache.row(index);
  }

  /**
   * The viewport shows rows first..end-1: fetch their pages (nearest first), then the neighbours. Only
   * the latest call counts, so a page scrolled past before a slot freed up is never requested.
   */
  show(first: number, end: number): void {
    if (this.disposed || this.pageCount === 0) return;
    const visible = this.cache.pagesFor(Math.max(0, first), Math.min(end, this.options.rowCount));
    for (const p of visible) this.cache.get(p); // keep what is on screen the most recently used
    const low = visible[0] ?? 0;
    const high = visible[visible.length - 1] ?? 0;
    const around: number[] = [];
    for (let d = 1; d <= this.prefetch; d++) around.push(high + d, low - d);
    this.wanted = [...visible, ...around].filter((p) => p >= 0 && p < this.pageCount);
    this.pump();
  }

  /** Fetch again pages that failed (after the user asked to). */
  retry(): void {
    this.failed.clear();
    this.pump();
  }

  /** Rows first..end-1, from the cache where held and from the engine (in chunks of `chunk`) where not. */
  async rows(first: number, end: number, chunk = 5000, signal?: AbortSignal): Promise<Row[]> {
    const last = Math.min(end, this.options.rowCount);
    const out: Row[] = [];
    let i = Math.max(0, first);
    while (i < last) {
      if (signal?.aborted) throw new DOMException('Aborted', 'AbortError');
      const cached = this.cache.row(i);
      if (cached !== undefined) {
        out.push(cached);
        i++;
        continue;
      }
      // Fetch up to the next cached row (or the chunk size), so cached pages are not fetched again.
      let stop = i + 1;
      while (stop < last && stop - i < chunk && this.cache.row(stop) === undefined) stop++;
      const rows = await this.fetchRows(i, stop - i);
      if (this.disposed) throw new DOMException('Aborted', 'AbortError');
      out.push(...rows);
      if (rows.length < stop - i) break;
      i = stop;
    }
    return out;
  }

  dispose(): void {
    this.disposed = true;
    this.wanted = [];
  }

  private pump(): void {
    for (const page of this.wanted) {
      if (this.inFlight.size >= this.maxInFlight) return;
      if (this.cache.has(page) || this.inFlight.has(page) || this.failed.has(page)) continue;
      this.load(page);
    }
  }

  private load(page: number): void {
    this.inFlight.add(page);
    const offset = page * this.options.pageSize;
    const limit = Math.min(this.options.pageSize, this.options.rowCount - offset);
    this.fetchRows(offset, limit).then(
      (rows) => {
        this.inFlight.delete(page);
        if (this.disposed) return;
        this.cache.set(page, rows);
        this.options.onLoad?.();
        this.pump();
      },
      (error: unknown) => {
        this.inFlight.delete(page);
        if (this.disposed) return;
        this.failed.add(page);
        this.options.onError?.(error);
        this.pump();
      },
    );
  }
}
