import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { toNdjson } from '../generator/formats.js';
import { countBy, localDate, sortedEntries, testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { importFile, importFiles } from './import.js';

const OPTIONS = { days: 4, eventsPerDay: 300, seed: 11, duplicates: 0.06, late: 0.05, malformed: 0.03 };

const REASON_BY_KIND: Record<string, RegExp> = {
  'invalid-json': /^not a valid JSON object$/,
  'trailing-garbage': /^not a valid JSON object$/,
  'missing-type': /^missing event type/,
  'missing-time': /^missing event time/,
  'bad-timestamp': /^unparseable timestamp "/,
  'wrong-column-count': /^expected 15 fields, found 5$/,
};

async function rows<T = Record<string, unknown>>(t: TestWorkspace, sql: string): Promise<T[]> {
  return t.workspace.catalog.all(sql) as Promise<T[]>;
}

describe.each(['UTC', 'Asia/Kolkata'])('importing generated events in %s', (timezone) => {
  let t: TestWorkspace;
  let truth: Truth;
  let file: string;

  beforeEach(async () => {
    t = await testWorkspace({ timezone });
    file = join(t.root, 'events.ndjson');
    truth = await writeEvents(file, OPTIONS, 'ndjson');
  });
  afterEach(() => t.cleanup());

  it('lands one row per line, counts each event once in events, and partitions by local date', async () => {
    const result = await importFile(t.workspace, file);
    expect(result.status).toBe('imported');
    const landed = truth.lines - truth.malformed.length;
    expect(result.rows).toBe(landed);
    expect(result.rejected).toBe(truth.malformed.length);
    expect(result.duplicates).toBe(truth.duplicates.length);

    const expected = countBy(truth.events, (e) => `${localDate(e.occurred_at_ms, timezone)}|${e.event_type}`);
    const actual = await rows<{ key: string; n: number }>(
      t,
      `SELECT strftime(event_date, '%Y-%m-%d') || '|' || event_type AS key, count(*)::INTEGER AS n FROM events GROUP BY ALL`,
    );
    expect(sortedEntries(new Map(actual.map((r) => [r.key, r.n])))).toEqual(sortedEntries(expected));

    const [raw] = await rows<{ n: number; ids: number }>(
      t,
      `SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids FROM raw_events`,
    );
    expect(raw).toEqual({ n: landed, ids: truth.events.length });
    const dupLines = await rows<{ line: number }>(t, `SELECT source_line::INTEGER AS line FROM duplicate_arrivals ORDER BY 1`);
    expect(dupLines.map((r) => r.line)).toEqual(truth.duplicates.map((d) => d.line));
    expect(result.partitions).toEqual([...new Set(truth.events.map((e) => localDate(e.occurred_at_ms, timezone)))].sort());
  });

  it('records each broken line in rejects with its line, reason and raw text', async () => {
    await importFile(t.workspace, file);
    const rejects = await rows<{ line: number; reason: string; raw: string; source_file: string }>(
      t,
      `SELECT line::INTEGER AS line, reason, raw, source_file FROM rejects ORDER BY line`,
    );
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(rejects.map((r) => r.line)).toEqual(truth.malformed.map((m) => m.line));
    for (const [i, m] of truth.malformed.entries()) {
      const reject = rejects[i] as (typeof rejects)[number];
      expect(reject.reason).toMatch(REASON_BY_KIND[m.kind] as RegExp);
      expect(reject.raw).toBe(lines[m.line - 1]);
      expect(reject.source_file).toBe(file);
    }
  });

  it('keeps every source field as a typed, queryable column, with provenance', async () => {
    await importFile(t.workspace, file);
    const paid = truth.events.find((e) => e.event_type === 'PaymentSucceeded' && (e.items?.length ?? 0) > 1);
    expect(paid).toBeDefined();
    const [row] = await rows<Record<string, unknown>>(
      t,
      `SELECT user_id, order_id, amount::DECIMAL(18,2)::VARCHAR AS amount, items[2].product_id AS second_product, len(items)::INTEGER AS n_items,
         _source_line::INTEGER AS line, _source_file AS file, _import_id::INTEGER AS import_id
       FROM events WHERE event_id = '${paid?.event_id}'`,
    );
    const line = (await readFile(file, 'utf8')).split('\n').indexOf(toNdjson(paid!)) + 1;
    expect(row).toEqual({
      user_id: paid!.user_id,
      order_id: paid!.order_id,
      amount: (paid!.amount_cents! / 100).toFixed(2),
      second_product: paid!.items![1]!.product_id,
      n_items: paid!.items!.length,
      line,
      file,
      import_id: 1,
    });
  });

  it('imports the same content again as skipped, changing nothing', async () => {
    await importFile(t.workspace, file);
    const before = await rows(t, `SELECT count(*)::INTEGER AS n FROM raw_events`);
    const again = await importFile(t.workspace, file);
    expect(again.status).toBe('skipped');
    expect(again.message).toMatch(/^already imported .* \(import #1 of /);
    expect(await rows(t, `SELECT count(*)::INTEGER AS n FROM raw_events`)).toEqual(before);
    expect(await rows(t, `SELECT count(*)::INTEGER AS n FROM imports`)).toEqual([{ n: 1 }]);
  });
});

describe('time zones', () => {
  it('puts an event at 23:30 UTC on the next local day in Asia/Kolkata, and on the same day in UTC', async () => {
    for (const [timezone, expected] of [
      ['Asia/Kolkata', '2026-10-02'],
      ['UTC', '2026-10-01'],
    ] as const) {
      const t = await testWorkspace({ timezone });
      try {
        const file = join(t.root, 'late-night.ndjson');
        await writeFile(
          file,
          '{"event_id":"a","event_type":"UserVisitedWebsite","occurred_at":"2026-10-01T23:30:00Z","user_id":"u"}\n',
        );
        await importFile(t.workspace, file);
        expect(await rows(t, `SELECT strftime(event_date, '%Y-%m-%d') AS d FROM events`)).toEqual([{ d: expected }]);
      } finally {
        await t.cleanup();
      }
    }
  });
});

describe('provenance and repeated events', () => {
  let t: TestWorkspace;
  beforeEach(async () => {
    t = await testWorkspace();
  });
  afterEach(() => t.cleanup());

  const event = (id: string, day: number) =>
    `{"event_id":"${id}","event_type":"UserVisitedWebsite","occurred_at":"2026-10-0${day}T10:00:00Z","user_id":"u"}\n`;

  it('records each file by its name as text, and each repeat of an event already in the lake or earlier in the file', async () => {
    const first = join(t.root, 'first.ndjson');
    const second = join(t.root, `it's a "log" é.ndjson`);
    await writeFile(first, event('a', 1) + event('b', 1));
    // b is in the lake already (import 1, line 2); c repeats within this file (line 2 first); d is new.
    await writeFile(second, event('b', 2) + event('c', 2) + event('c', 3) + event('b', 3) + event('d', 3));
    await importFile(t.workspace, first);
    const result = await importFile(t.workspace, second);
    expect(result).toMatchObject({ status: 'imported', rows: 5, duplicates: 3 });
    expect(
      await rows(
        t,
        `SELECT source_line::INTEGER AS line, event_id, first_import_id::INTEGER AS first_import, first_line::INTEGER AS first_line
         FROM duplicate_arrivals WHERE import_id = 2 ORDER BY 1`,
      ),
    ).toEqual([
      { line: 1, event_id: 'b', first_import: 1, first_line: 2 },
      { line: 3, event_id: 'c', first_import: 2, first_line: 2 },
      { line: 4, event_id: 'b', first_import: 1, first_line: 2 },
    ]);
    expect(
      await rows(t, `SELECT event_id, _import_id::INTEGER AS import, _source_line::INTEGER AS line FROM events ORDER BY 1`),
    ).toEqual([
      { event_id: 'a', import: 1, line: 1 },
      { event_id: 'b', import: 1, line: 2 },
      { event_id: 'c', import: 2, line: 2 },
      { event_id: 'd', import: 2, line: 5 },
    ]);
    expect(
      await rows(
        t,
        `SELECT _source_file AS file, typeof(_source_file) AS type, count(*)::INTEGER AS n FROM raw_events GROUP BY ALL ORDER BY n`,
      ),
    ).toEqual([
      { file: first, type: 'VARCHAR', n: 2 },
      { file: second, type: 'VARCHAR', n: 5 },
    ]);
  });
});

describe('append-only growth', () => {
  let t: TestWorkspace;
  beforeEach(async () => {
    t = await testWorkspace();
  });
  afterEach(() => t.cleanup());

  const line = (i: number) =>
    `{"event_id":"e${i}","event_type":"UserVisitedWebsite","occurred_at":"2026-10-0${1 + (i % 3)}T10:00:00Z","user_id":"u${i}"}\n`;

  it('imports only the lines appended since the last import, with their own line numbers', async () => {
    const file = join(t.root, 'events.log');
    await writeFile(file, Array.from({ length: 10 }, (_, i) => line(i)).join(''));
    expect((await importFile(t.workspace, file)).rows).toBe(10);
    await appendFile(file, Array.from({ length: 5 }, (_, i) => line(10 + i)).join(''));
    const grown = await importFile(t.workspace, file);
    expect(grown.status).toBe('imported');
    expect(grown.rows).toBe(5);
    expect(grown.range).toMatchObject({ linesFrom: 10, linesTo: 15 });
    expect(await rows(t, `SELECT _source_line::INTEGER AS line FROM raw_events WHERE _import_id = 2 ORDER BY 1`)).toEqual(
      [11, 12, 13, 14, 15].map((l) => ({ line: l })),
    );
    expect((await importFile(t.workspace, file)).status).toBe('skipped');
    expect(await rows(t, `SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids FROM events`)).toEqual([
      { n: 15, ids: 15 },
    ]);
  });

  it('holds back an incomplete last line for a log and imports it once it is complete', async () => {
    const file = join(t.root, 'events.log');
    const complete = line(1);
    await writeFile(file, line(0) + complete.slice(0, 20));
    const first = await importFile(t.workspace, file, { holdIncompleteTail: true });
    expect(first.rows).toBe(1);
    expect(first.heldTailBytes).toBe(20);
    await appendFile(file, complete.slice(20));
    const second = await importFile(t.workspace, file, { holdIncompleteTail: true });
    expect(second.rows).toBe(1);
    expect(second.rejected).toBe(0);
    expect(await rows(t, `SELECT event_id, _source_line::INTEGER AS line FROM events ORDER BY 2`)).toEqual([
      { event_id: 'e0', line: 1 },
      { event_id: 'e1', line: 2 },
    ]);
  });

  it('imports a replaced file whole instead of treating it as grown', async () => {
    const file = join(t.root, 'events.log');
    await writeFile(file, line(0) + line(1));
    await importFile(t.workspace, file);
    await writeFile(file, line(5) + line(6) + line(7));
    const replaced = await importFile(t.workspace, file);
    expect(replaced.rows).toBe(3);
    expect(replaced.range).toMatchObject({ bytesFrom: 0, linesFrom: 0, linesTo: 3 });
  });
});

describe('strict mode and failures', () => {
  let t: TestWorkspace;
  beforeEach(async () => {
    t = await testWorkspace();
  });
  afterEach(() => t.cleanup());

  it('--strict rejects the whole file when any row is bad, and the other files still commit', async () => {
    const bad = join(t.root, 'bad.ndjson');
    const good = join(t.root, 'good.ndjson');
    await writeFile(
      bad,
      '{"event_id":"a","event_type":"X","occurred_at":"2026-10-01T00:00:00Z"}\n{"event_id":"b","event_type":"X"}\n',
    );
    await writeFile(good, '{"event_id":"c","event_type":"X","occurred_at":"2026-10-01T00:00:00Z"}\n');
    const summary = await importFiles(t.workspace, [bad, good], { strict: true });
    expect(summary.files.map((f) => f.status)).toEqual(['failed', 'imported']);
    expect(summary.files[0]?.error).toMatch(/1 row rejected \(first: line 2: missing event time/);
    expect(await rows(t, `SELECT event_id FROM events`)).toEqual([{ event_id: 'c' }]);
    expect(await rows(t, `SELECT count(*)::INTEGER AS n FROM rejects`)).toEqual([{ n: 0 }]);
  });

  it('fails a missing file with a message naming it, and changes nothing', async () => {
    const result = await importFile(t.workspace, join(t.root, 'nope.ndjson'));
    expect(result).toMatchObject({ status: 'failed', rows: 0 });
    expect(result.error).toBe(`${join(t.root, 'nope.ndjson')}: no such file`);
    expect(await rows(t, `SELECT count(*)::INTEGER AS n FROM imports`)).toEqual([{ n: 0 }]);
  });
});
