import { describe, expect, it } from 'vitest';
import { PageCache, PageLoader } from './page-cache';

describe('PageCache', () => {
  it('finds rows by index across pages', () => {
    const cache = new PageCache<number>(10, 4);
    cache.set(0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    cache.set(2, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(cache.row(0)).toBe(0);
    expect(cache.row(9)).toBe(9);
    expect(cache.row(10)).toBeUndefined();
    expect(cache.row(27)).toBe(27);
    expect(cache.pagesFor(5, 25)).toEqual([0, 1, 2]);
    expect(cache.pagesFor(10, 20)).toEqual([1]);
    expect(cache.pagesFor(10, 10)).toEqual([]);
  });

  it('evicts the least recently used page', () => {
    const cache = new PageCache<number>(1, 3);
    cache.set(1, [1]);
    cache.set(2, [2]);
    cache.set(3, [3]);
    cache.get(1); // 1 is now the most recent: 2 goes first
    cache.set(4, [4]);
    expect(cache.order()).toEqual([3, 1, 4]);
    expect(cache.has(2)).toBe(false);
    cache.set(5, [5]);
    expect(cache.order()).toEqual([1, 4, 5]);
    expect(cache.size).toBe(3);
  });
});

/** A fake engine: every request waits until the test answers it. */
function fakeEngine() {
  const requests: { offset: number; limit: number; resolve: (rows: number[]) => void; reject: (e: unknown) => void }[] = [];
  const fetch = (offset: number, limit: number) =>
    new Promise<number[]>((resolve, reject) => requests.push({ offset, limit, resolve, reject }));
  const answer = async (i = 0) => {
    const [r] = requests.splice(i, 1);
    if (!r) throw new Error('no request');
    r.resolve(Array.from({ length: r.limit }, (_, k) => r.offset + k));
    await Promise.resolve();
    await Promise.resolve();
  };
  return { requests, fetch, answer };
}

describe('PageLoader', () => {
  it('fetches the visible page first, then its neighbours, two at a time', async () => {
    const engine = fakeEngine();
    let loads = 0;
    const loader = new PageLoader(engine.fetch, { pageSize: 100, maxPages: 8, rowCount: 1_000, onLoad: () => loads++ });
    loader.show(250, 265); // page 2
    expect(engine.requests.map((r) => [r.offset, r.limit])).toEqual([
      [200, 100],
      [300, 100],
    ]);
    await engine.answer(0);
    expect(loads).toBe(1);
    expect(loader.row(250)).toBe(250);
    // A slot freed: the page behind (1) is requested.
    expect(engine.requests.map((r) => r.offset)).toEqual([300, 100]);
  });

  it('asks for the last, short page with the right limit', () => {
    const engine = fakeEngine();
    const loader = new PageLoader(engine.fetch, { pageSize: 100, maxPages: 8, rowCount: 1_050, prefetch: 0 });
    loader.show(1_040, 1_050);
    expect(engine.requests.map((r) => [r.offset, r.limit])).toEqual([[1_000, 50]]);
  });

  it('never requests pages scrolled past while requests were busy', async () => {
    const engine = fakeEngine();
    const loader = new PageLoader(engine.fetch, { pageSize: 100, maxPages: 8, rowCount: 100_000, prefetch: 0, maxInFlight: 1 });
    loader.show(0, 10);
    loader.show(5_000, 5_010);
    loader.show(90_000, 90_010);
    expect(engine.requests.map((r) => r.offset)).toEqual([0]);
    await engine.answer();
    // Only the page in view now, not 5,000.
    expect(engine.requests.map((r) => r.offset)).toEqual([90_000]);
  });

  it('drops answers that arrive after it was disposed', async () => {
    const engine = fakeEngine();
    let loads = 0;
    const loader = new PageLoader(engine.fetch, { pageSize: 100, maxPages: 8, rowCount: 1_000, onLoad: () => loads++ });
    loader.show(0, 10);
    loader.dispose();
    await engine.answer();
    expect(loads).toBe(0);
    expect(loader.row(0)).toBeUndefined();
  });

  it('reports a failed page once and fetches it again only on retry', async () => {
    const engine = fakeEngine();
    const errors: unknown[] = [];
    const loader = new PageLoader(engine.fetch, {
      pageSize: 100,
      maxPages: 8,
      rowCount: 100,
      onError: (e) => errors.push(e),
    });
    loader.show(0, 10);
    engine.requests.shift()?.reject(new Error('result gone'));
    await Promise.resolve();
    await Promise.resolve();
    expect(errors).toHaveLength(1);
    loader.show(0, 10);
    expect(engine.requests).toHaveLength(0);
    loader.retry();
    expect(engine.requests.map((r) => r.offset)).toEqual([0]);
  });

  it('reads a range from cached pages and fetches only the gaps, in chunks', async () => {
    const engine = fakeEngine();
    const loader = new PageLoader(engine.fetch, { pageSize: 100, maxPages: 8, rowCount: 1_000, prefetch: 0 });
    loader.show(100, 110);
    await engine.answer();
    const pending = loader.rows(50, 330, 120);
    // Rows 50..99 are missing; 100..199 cached; 200..329 missing, fetched as 120 + 10.
    await Promise.resolve();
    expect(engine.requests.map((r) => [r.offset, r.limit])).toEqual([[50, 50]]);
    await engine.answer();
    expect(engine.requests.map((r) => [r.offset, r.limit])).toEqual([[200, 120]]);
    await engine.answer();
    expect(engine.requests.map((r) => [r.offset, r.limit])).toEqual([[320, 10]]);
    await engine.answer();
    const rows = await pending;
    expect(rows).toHaveLength(280);
    expect(rows[0]).toBe(50);
    expect(rows[279]).toBe(329);
    expect(rows.every((v, k) => v === 50 + k)).toBe(true);
  });
});
