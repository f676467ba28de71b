import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeEvents } from '../generator/generate.js';
import { lakeTest } from '../testing/lake.js';
import { importFiles } from './import.js';

/** A file the engine reads a copy of (browser mode's uploads) is named in the lake as its user named it. */
const lake = lakeTest();

describe('importing a copy under the name its user knows it by', () => {
  it("records the name as the rows' _source_file, the rejects' file and the import's path", async () => {
    const copy = join(lake.t.root, '8b2c2b0f-events.ndjson');
    const truth = await writeEvents(
      copy,
      { days: 1, eventsPerDay: 120, seed: 5, duplicates: 0.05, late: 0, malformed: 0.03 },
      'ndjson',
    );
    const summary = await importFiles(lake.t.workspace, [copy], { names: { [copy]: 'events.ndjson' } });
    expect(summary.files.map((f) => [f.path, f.status, f.rows])).toEqual([
      ['events.ndjson', 'imported', truth.lines - truth.malformed.length],
    ]);
    expect(await lake.query(`SELECT _source_file AS f, count(*)::INTEGER AS n FROM raw_events GROUP BY 1`)).toEqual([
      { f: 'events.ndjson', n: truth.lines - truth.malformed.length },
    ]);
    expect(await lake.query(`SELECT source_file AS f, count(*)::INTEGER AS n FROM rejects GROUP BY 1`)).toEqual([
      { f: 'events.ndjson', n: truth.malformed.length },
    ]);
    expect(await lake.query(`SELECT source_path AS p FROM imports`)).toEqual([{ p: 'events.ndjson' }]);
  });

  it('names the file so in the message of an import that fails, and leaves files without a name as they are', async () => {
    const broken = join(lake.t.root, '0a1b2c3d-orders.ndjson');
    await writeFile(broken, 'not json\nnor this\n');
    const plain = join(lake.t.root, 'plain.ndjson');
    await writeFile(plain, '{"event_id":"e1","event_type":"view","occurred_at":"2026-10-01T10:00:00Z"}\n');
    const summary = await importFiles(lake.t.workspace, [broken, plain], { names: { [broken]: 'orders.ndjson' } });
    expect(summary.files[0]).toMatchObject({ path: 'orders.ndjson', status: 'failed' });
    expect(summary.files[0]?.error).toMatch(/^orders\.ndjson: /);
    expect(summary.files[0]?.error).not.toContain('0a1b2c3d');
    expect(summary.files[1]).toMatchObject({ path: plain, status: 'imported', rows: 1 });
  });
});
