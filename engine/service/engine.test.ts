import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED } from '../generator/expected.js';
import type { GeneratedEvent } from '../generator/model.js';
import { tempDir } from '../testing/fixtures.js';
import { normalizeRows } from '../testing/rows.js';
import { initWorkspace, openWorkspace } from './init.js';
import { Engine } from './engine.js';
import type { EngineEvent, Method, Params, Result } from '../shared/contract.js';
import { parseNotebook } from '../shared/notebook-format.js';
import { demoHistory, demoLogLines, demoNotebook, ensureDemoWorkspace, DEMO_NOTEBOOK } from './demo.js';

let counter = 0;
async function call<M extends Method>(engine: Engine, method: M, params: Params<M>): Promise<Result<M>> {
  const response = await engine.handle({ id: `t${++counter}`, method, params });
  if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
  return response.result as Result<M>;
}

describe('the engine behind the app', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;
  let log: string;
  let truth: Truth;
  let lines: string[];
  const events: EngineEvent[] = [];

  beforeAll(async () => {
    root = await tempDir('recount-engine-');
    const dir = join(root.dir, 'ws');
    await initWorkspace(dir);
    const source = join(root.dir, 'source.ndjson');
    truth = await writeEvents(source, { days: 2, eventsPerDay: 150, seed: 31, duplicates: 0.1, late: 0, malformed: 0 }, 'ndjson');
    lines = (await readFile(source, 'utf8')).split('\n').filter(Boolean);
    log = join(root.dir, 'events.log');
    await writeFile(log, '');
    engine = await Engine.open({
      dir,
      log,
      transport: 'browser',
      recentFile: join(root.dir, 'config', 'recent.json'),
      version: '9.9.9',
    });
    engine.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    await engine?.close();
    await root?.cleanup();
  });

  it('refuses malformed requests and invalid parameters with a clear error', async () => {
    expect(await engine.handle({ method: 'app.info' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await engine.handle({ id: 'x', method: 'fs.read', params: {} })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    const bad = await engine.handle({ id: 'y', method: 'query.page', params: { queryId: 'q', offset: 0, limit: 100_000 } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(!bad.ok && bad.error.message).toContain('limit');
    const name = await engine.handle({ id: 'z', method: 'notebooks.read', params: { name: '../../etc/passwd' } });
    expect(name).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('tells the app what it is and remembers the workspace as recent', async () => {
    const info = await call(engine, 'app.info', {});
    expect(info).toMatchObject({ version: '9.9.9', transport: 'browser', workspace: { name: 'ws', timezone: 'UTC' } });
    expect(info.recent).toEqual([engine.dir]);
    expect(JSON.parse(await readFile(join(root.dir, 'config', 'recent.json'), 'utf8'))).toEqual([engine.dir]);
  });

  it('holds a large result and pages any part of it', async () => {
    const result = await call(engine, 'query.run', { sql: 'SELECT range AS n, (range * 3)::INTEGER AS m FROM range(1000000)' });
    expect(result.rowCount).toBe(1_000_000);
    const last = await call(engine, 'query.page', { queryId: result.queryId, offset: 999_998, limit: 5 });
    expect(last.rows).toEqual([
      ['999998', 2999994],
      ['999999', 2999997],
    ]);
    const middle = await call(engine, 'query.page', { queryId: result.queryId, offset: 500_000, limit: 3 });
    expect(middle.rows.map((r) => r[1])).toEqual([1_500_000, 1_500_003, 1_500_006]);
    await call(engine, 'query.close', { queryId: result.queryId });
    await expect(call(engine, 'query.page', { queryId: result.queryId, offset: 0, limit: 1 })).rejects.toMatchObject({
      code: 'result-gone',
    });
  });

  it('runs statements that are not queries and reports DuckDB errors', async () => {
    const created = await call(engine, 'query.run', { sql: 'CREATE TABLE scratch AS SELECT 1 AS a' });
    expect(created.statement).toBe('statement');
    // What DuckDB returns for the statement is the result: here the rows created.
    expect(created.columns.map((c) => c.name)).toEqual(['Count']);
    expect((await call(engine, 'query.page', { queryId: created.queryId, offset: 0, limit: 10 })).rows).toEqual([[1]]);
    const inserted = await call(engine, 'query.run', { sql: 'INSERT INTO scratch SELECT range::INTEGER FROM range(2, 5)' });
    expect((await call(engine, 'query.page', { queryId: inserted.queryId, offset: 0, limit: 10 })).rows).toEqual([[3]]);
    await call(engine, 'query.run', { sql: 'DELETE FROM scratch WHERE a > 1' });
    const read = await call(engine, 'query.run', { sql: 'SELECT a FROM scratch' });
    expect((await call(engine, 'query.page', { queryId: read.queryId, offset: 0, limit: 10 })).rows).toEqual([[1]]);
    await expect(call(engine, 'query.run', { sql: 'SELEC 1' })).rejects.toMatchObject({ code: 'sql-error' });
    // The error's excerpt is the analyst's own SQL, with the caret under the wrong name.
    const error = await call(engine, 'query.run', { sql: 'SELECT nope FROM scratch' }).catch((e: Error) => e);
    expect((error as Error).message).toContain('LINE 1: SELECT nope FROM scratch\n               ^');
    expect((error as Error).message).not.toContain('CREATE TEMP TABLE');
  });

  it('cancels a running query', async () => {
    const id = 'slow-one';
    const pending = engine.handle({
      id,
      method: 'query.run',
      params: { sql: 'SELECT count(*) FROM range(100000000000) t(a) WHERE a % 7 = 3' },
    });
    await new Promise((r) => setTimeout(r, 300));
    engine.cancel(id);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  it('keeps notebooks as Markdown files: create, save, read, rename, delete', async () => {
    await call(engine, 'notebooks.create', { name: 'Orders' });
    const notebook = { title: 'Orders', cells: [{ kind: 'sql' as const, id: 'a', sql: 'SELECT 42 AS answer' }] };
    await call(engine, 'notebooks.save', { name: 'Orders', notebook });
    const read = await call(engine, 'notebooks.read', { name: 'Orders' });
    expect(read.notebook).toEqual(notebook);
    expect(read.text).toBe('# Orders\n\n```sql {"id":"a"}\nSELECT 42 AS answer\n```\n');
    await call(engine, 'notebooks.rename', { from: 'Orders', to: 'Orders 2026' });
    expect((await call(engine, 'notebooks.list', {})).map((n) => n.name)).toEqual(['Orders 2026']);
    await expect(call(engine, 'notebooks.create', { name: 'Orders 2026' })).rejects.toMatchObject({ code: 'exists' });
    await call(engine, 'notebooks.delete', { name: 'Orders 2026' });
    expect(await call(engine, 'notebooks.list', {})).toEqual([]);
  });

  it('names the file and line of a notebook it cannot read', async () => {
    const file = join(engine.dir, 'notebooks', 'Broken.md');
    await writeFile(file, '# Broken\n\nSome prose.\n\n```sql {"id": }\nSELECT 1\n```\n');
    await expect(call(engine, 'notebooks.read', { name: 'Broken' })).rejects.toMatchObject({
      code: 'notebook-format',
      file,
      line: 5,
    });
  });

  it('pushes live updates as the log grows, equal to a recount of what arrived', async () => {
    const arrived = lines.slice(0, 200);
    await appendFile(log, `${arrived.join('\n')}\n`);
    const byId = new Map(truth.events.map((e) => [e.event_id, e]));
    const sent = arrived.map((l) => byId.get((JSON.parse(l) as { event_id: string }).event_id) as GeneratedEvent);
    const unique = [...new Map(sent.map((e) => [e.event_id, e])).values()];
    const deadline = Date.now() + 20_000;
    while ((await call(engine, 'live.state', {})).counters.lines < arrived.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const state = await call(engine, 'live.state', {});
    expect(state.counters.lines).toBe(200);
    expect(state.counters.newEvents).toBe(unique.length);
    for (const [mode, expected] of [
      ['exact', unique],
      ['naive', sent],
    ] as const) {
      const live = await call(engine, 'live.rows', { pipeline: 'daily_visits', mode });
      expect(live.columns).toEqual(['event_date', 'visits', 'visitors']);
      expect(normalizeRows('daily_visits', live.rows)).toEqual(EXPECTED.daily_visits?.(expected, 'UTC'));
    }
    expect(events.some((e) => e.type === 'live.update' && e.pipeline === 'daily_visits' && e.mode === 'exact')).toBe(true);
    // Every state is numbered after the one before, events and answers alike: the app keeps the newest of them.
    const seqs = events.flatMap((e) => (e.type === 'live.state' ? [e.state.seq] : []));
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] as number))).toBe(true);
    expect((await call(engine, 'live.state', {})).seq).toBeGreaterThan(Math.max(state.seq, ...seqs));
  });

  it('reports progress while it imports, and says the lake changed', async () => {
    events.length = 0;
    const result = await call(engine, 'lake.import', { paths: [log] });
    expect(result.files[0]).toMatchObject({ status: 'imported', rows: 200 });
    expect(events.some((e) => e.type === 'progress')).toBe(true);
    expect(events).toContainEqual({ type: 'workspace.changed', what: 'lake' });
  });
});

describe('the demo workspace', () => {
  it('is built once from the generator: four weeks ending yesterday, recounted, a log of today and the demo notebook', async () => {
    const root = await tempDir('recount-demo-');
    try {
      const now = Date.parse('2026-11-25T15:30:00Z');
      const dir = join(root.dir, 'demo');
      const first = await ensureDemoWorkspace(dir, now);
      expect(first.created).toBe(true);
      expect((await ensureDemoWorkspace(dir, now)).created).toBe(false);

      const generated = await writeEvents(join(root.dir, 'truth.ndjson'), demoHistory(now), 'ndjson');
      // The lake ends with yesterday: today belongs to the live view.
      const history = generated.events.filter((e) => e.occurred_at_ms < Date.parse('2026-11-25T00:00:00Z'));
      expect(generated.events.length - history.length).toBeGreaterThan(0);
      const workspace = await openWorkspace(dir);
      try {
        const days = await workspace.catalog.all<{ d: string; n: number }>(
          `SELECT strftime(event_date, '%Y-%m-%d') AS d, count(*)::DOUBLE AS n FROM events GROUP BY 1 ORDER BY 1`,
        );
        expect(days).toHaveLength(28);
        expect(days[0]?.d).toBe('2026-10-28');
        expect(days[27]?.d).toBe('2026-11-24');
        expect(days.reduce((n, d) => n + Number(d.n), 0)).toBe(history.length);
        const batch = await workspace.catalog.all(`SELECT * FROM daily_visits ORDER BY event_date`);
        expect(normalizeRows('daily_visits', batch)).toEqual(EXPECTED.daily_visits?.(history, 'UTC'));
      } finally {
        await workspace.close();
      }
      const log = (await readFile(first.log, 'utf8')).split('\n').filter(Boolean);
      expect(log).toEqual(demoLogLines(now));
      expect(log.length).toBeGreaterThan(300);
      // The retried line and the late event are in it.
      expect(log.at(-2)).toBe(log[5]);
      expect((JSON.parse(log.at(-1) as string) as { occurred_at: string }).occurred_at.slice(0, 10)).toBe('2026-11-23');
      const notebook = parseNotebook(await readFile(join(dir, 'notebooks', `${DEMO_NOTEBOOK}.md`), 'utf8'));
      // Markdown cells carry no id in the file (prose stays prose), so ids are compared for the others only.
      const withoutProseIds = (n: ReturnType<typeof demoNotebook>) =>
        n.cells.map((c) => (c.kind === 'markdown' ? { ...c, id: '' } : c));
      expect(notebook.title).toBe('Shop overview');
      expect(withoutProseIds(notebook)).toEqual(withoutProseIds(demoNotebook()));
      expect(new Set(notebook.cells.map((c) => c.kind))).toEqual(
        new Set(['markdown', 'scorecard', 'sql', 'chart', 'pipeline', 'live', 'compare']),
      );
    } finally {
      await root.cleanup();
    }
  });

  it('starts again when a build was cut off', async () => {
    const root = await tempDir('recount-demo-');
    try {
      const dir = join(root.dir, 'demo');
      await ensureDemoWorkspace(dir, Date.parse('2026-11-25T15:30:00Z'));
      await writeFile(join(dir, '.demo-building'), '');
      await writeFile(join(dir, 'leftover.txt'), 'from the build that was cut off');
      expect((await ensureDemoWorkspace(dir, Date.parse('2026-11-25T15:30:00Z'))).created).toBe(true);
      await expect(readFile(join(dir, 'leftover.txt'))).rejects.toThrow();
    } finally {
      await root.cleanup();
    }
  });
});
