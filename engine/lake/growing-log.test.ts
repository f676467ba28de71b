import { appendFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { frameNdjson } from '../kernel/lines/frame-ndjson.js';
import { importFile } from './import.js';

const line = (i: number) =>
  JSON.stringify({
    event_id: `e${i}`,
    event_type: 'UserVisitedWebsite',
    occurred_at: `2026-11-20T10:00:${String(i % 60).padStart(2, '0')}Z`,
  });

describe('importing a log while it is being written', () => {
  let t: TestWorkspace;
  beforeEach(async () => {
    t = await testWorkspace();
  });
  afterEach(() => t.cleanup());

  it('pins exactly the framed lines in a copy, so lines appended before DuckDB reads are left for the next import', async () => {
    const log = join(t.root, 'events.log');
    const first = `${Array.from({ length: 500 }, (_, i) => line(i)).join('\n')}\n`;
    await writeFile(log, `${first}${line(500).slice(0, 20)}`);
    const frame = await frameNdjson({
      path: log,
      gzip: false,
      fromOffset: 0,
      fromLine: 0,
      maxLineBytes: 1 << 20,
      holdIncompleteTail: true,
      copyPath: join(t.root, 'copy.ndjson'),
    });
    // The writer goes on between framing and reading.
    appendFileSync(log, `${line(500).slice(20)}\n${line(501)}\n`);
    expect(frame.sanitized).toBe(true);
    expect(frame.lines).toBe(500);
    expect(await readFile(frame.source, 'utf8')).toBe(first);
  });

  it('imports a growing log in pieces with every line once and its own line number', async () => {
    const log = join(t.root, 'events.log');
    await writeFile(log, `${Array.from({ length: 500 }, (_, i) => line(i)).join('\n')}\n${line(500).slice(0, 20)}`);
    const first = await importFile(t.workspace, log, { holdIncompleteTail: true });
    expect(first).toMatchObject({ status: 'imported', rows: 500 });
    appendFileSync(log, `${line(500).slice(20)}\n${line(501)}\n`);
    const second = await importFile(t.workspace, log, { holdIncompleteTail: true });
    expect(second).toMatchObject({ status: 'imported', rows: 2 });
    const rows = await t.workspace.catalog.all<{ event_id: string; line: number }>(
      `SELECT event_id, _source_line::DOUBLE AS line FROM events WHERE event_id IN ('e0', 'e499', 'e500', 'e501') ORDER BY line`,
    );
    expect(rows.map((r) => [r.event_id, Number(r.line)])).toEqual([
      ['e0', 1],
      ['e499', 500],
      ['e500', 501],
      ['e501', 502],
    ]);
    expect(Number((await t.workspace.catalog.one<{ n: number }>('SELECT count(*)::DOUBLE AS n FROM events'))?.n)).toBe(502);
  });
});

describe('a plain import of a file that may still grow', () => {
  let t: TestWorkspace;
  beforeEach(async () => {
    t = await testWorkspace();
  });
  afterEach(() => t.cleanup());

  const ids = async () =>
    (
      await t.workspace.catalog.all<{ event_id: string; line: number }>(
        `SELECT event_id, _source_line::INTEGER AS line FROM raw_events ORDER BY line`,
      )
    ).map((r) => [r.event_id, r.line]);

  it('holds a last line still being written, and lands it whole with its own number once the writer ends it', async () => {
    const log = join(t.root, 'app.ndjson');
    await writeFile(log, `${line(0)}\n${line(1)}\n${line(2).slice(0, 25)}`);
    expect(await importFile(t.workspace, log)).toMatchObject({ status: 'imported', rows: 2, rejected: 0, heldTailBytes: 25 });
    appendFileSync(log, `${line(2).slice(25)}\n${line(3)}\n`);
    expect(await importFile(t.workspace, log)).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    expect(await ids()).toEqual([
      ['e0', 1],
      ['e1', 2],
      ['e2', 3],
      ['e3', 4],
    ]);
    expect(await t.workspace.catalog.all('SELECT count(*)::INTEGER AS n FROM rejects')).toEqual([{ n: 0 }]);
  });

  it('lands a whole last line without its newline, and numbers the lines appended after it on from it', async () => {
    const log = join(t.root, 'hand-made.ndjson');
    await writeFile(log, `${line(0)}\n${line(1)}`);
    expect(await importFile(t.workspace, log)).toMatchObject({ status: 'imported', rows: 2 });
    appendFileSync(log, `\n${line(2)}\n${line(3)}\n`);
    expect(await importFile(t.workspace, log)).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    expect(await ids()).toEqual([
      ['e0', 1],
      ['e1', 2],
      ['e2', 3],
      ['e3', 4],
    ]);
  });

  it('imports only the new member of a gzip file a second member was appended to', async () => {
    const gz = join(t.root, 'rotated.ndjson.gz');
    await writeFile(gz, gzipSync(`${line(0)}\n${line(1)}\n`));
    expect(await importFile(t.workspace, gz)).toMatchObject({ status: 'imported', rows: 2 });
    appendFileSync(gz, gzipSync(`${line(2)}\n`));
    expect(await importFile(t.workspace, gz)).toMatchObject({ status: 'imported', rows: 1, range: { linesFrom: 2, linesTo: 3 } });
    expect(await ids()).toEqual([
      ['e0', 1],
      ['e1', 2],
      ['e2', 3],
    ]);
  });
});

describe('a CSV file that grows', () => {
  let t: TestWorkspace;
  beforeEach(async () => {
    t = await testWorkspace();
  });
  afterEach(() => t.cleanup());

  it('imports only the rows appended since its last import, holding a last row still being written', async () => {
    const csv = join(t.root, 'export.csv');
    const row = (i: number) => `e${i},UserVisitedWebsite,2026-11-20T10:00:${String(i).padStart(2, '0')}Z,"Berlin, DE"`;
    await writeFile(csv, `event_id,event_type,occurred_at,city\n${row(0)}\n${row(1)}\ne2,UserVisitedWebsite`);
    expect(await importFile(t.workspace, csv)).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    appendFileSync(csv, `,2026-11-20T10:00:02Z,"Bonn"\n${row(3)}\n`);
    expect(await importFile(t.workspace, csv)).toMatchObject({
      status: 'imported',
      rows: 2,
      rejected: 0,
      range: { linesFrom: 3, linesTo: 5 },
    });
    expect(await importFile(t.workspace, csv)).toMatchObject({ status: 'skipped' });
    const rows = await t.workspace.catalog.all<{ event_id: string; line: number; city: string }>(
      `SELECT event_id, _source_line::INTEGER AS line, city FROM raw_events ORDER BY line`,
    );
    expect(rows).toEqual([
      { event_id: 'e0', line: 2, city: 'Berlin, DE' },
      { event_id: 'e1', line: 3, city: 'Berlin, DE' },
      { event_id: 'e2', line: 4, city: 'Bonn' },
      { event_id: 'e3', line: 5, city: 'Berlin, DE' },
    ]);
  });
});
