import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeEvents } from '../generator/generate.js';
import { EXPECTED } from '../generator/expected.js';
import type { GeneratedEvent } from '../generator/model.js';
import { testWorkspace } from '../testing/fixtures.js';
import { importFile } from '../lake/import.js';
import { runPipelines } from '../batch/runner.js';
import { LiveSession } from '../speed/session.js';
import { servedView } from './served.js';
import { recount } from './recount.js';
import { normalizeRows } from '../testing/rows.js';

const CHECKED = ['daily_visits', 'weekly_visitors', 'daily_orders', 'daily_payments', 'daily_funnel', 'daily_product_sales'];

type Step =
  | { kind: 'append'; size: number }
  | { kind: 'import-log' }
  | { kind: 'import-other'; size: number }
  | { kind: 'run' }
  | { kind: 'recount'; today: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), size: fc.integer({ min: 1, max: 200 }) }),
  fc.constant({ kind: 'import-log' as const }),
  fc.record({ kind: fc.constant('import-other' as const), size: fc.integer({ min: 1, max: 150 }) }),
  fc.constant({ kind: 'run' as const }),
  // Recount also releases live state of closed partitions the batch covers, as of a "today" inside the data.
  fc.record({
    kind: fc.constant('recount' as const),
    today: fc.constantFrom('2026-10-07', '2026-10-09', '2026-10-12', '2026-10-20'),
  }),
);

describe('the served view', () => {
  it('equals a batch recount over all events of the lake and the log, deduplicated, after any sequence of tailing, importing and running', async () => {
    let runNumber = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(step, { minLength: 2, maxLength: 9 }),
        async (seed, steps) => {
          const t = await testWorkspace();
          const n = runNumber++;
          try {
            // The log: events as services emit them, with retries and late deliveries.
            const logSource = join(t.root, `log-source-${n}.ndjson`);
            const logTruth = await writeEvents(
              logSource,
              { days: 8, eventsPerDay: 60, seed, duplicates: 0.1, late: 0.15, malformed: 0, start: '2026-10-05' },
              'ndjson',
            );
            const logLines = (await readFile(logSource, 'utf8')).split('\n').filter((l) => l !== '');
            // Other files for the lake: their own events, and some of the log's (a backfill that overlaps).
            const otherTruth = await writeEvents(
              join(t.root, `other-${n}.ndjson`),
              { days: 8, eventsPerDay: 40, seed: seed + 1, duplicates: 0, late: 0, malformed: 0, start: '2026-10-05' },
              'ndjson',
            );
            const otherLines = (await readFile(join(t.root, `other-${n}.ndjson`), 'utf8')).split('\n').filter((l) => l !== '');
            const byId = new Map<string, GeneratedEvent>([...logTruth.events, ...otherTruth.events].map((e) => [e.event_id, e]));
            // A first import gives the lake every field the pipelines read.
            const seedFile = join(t.root, `seed-${n}.ndjson`);
            await writeFile(seedFile, `${otherLines.slice(0, 120).join('\n')}\n`);
            await importFile(t.workspace, seedFile);
            const log = join(t.root, 'events.log');
            await writeFile(log, '');
            const session = await LiveSession.open(t.workspace, { log, start: 'beginning', modes: ['exact'] });
            const seen = new Set<string>(otherLines.slice(0, 120).map((l) => (JSON.parse(l) as { event_id: string }).event_id));
            let appended = 0;
            let imported = 120;
            let otherFile = 0;
            try {
              for (const s of steps) {
                if (s.kind === 'append') {
                  const slice = logLines.slice(appended, appended + s.size);
                  appended += slice.length;
                  if (slice.length) await appendFile(log, `${slice.join('\n')}\n`);
                  for (const line of slice) seen.add((JSON.parse(line) as { event_id: string }).event_id);
                } else if (s.kind === 'import-log') {
                  expect(['imported', 'skipped']).toContain(
                    (await importFile(t.workspace, log, { holdIncompleteTail: true })).status,
                  );
                } else if (s.kind === 'import-other') {
                  const slice = [...otherLines.slice(imported, imported + s.size), ...logLines.slice(0, 3)];
                  imported += s.size;
                  const file = join(t.root, `other-${n}-${otherFile++}.ndjson`);
                  await writeFile(file, `${slice.join('\n')}\n`);
                  await importFile(t.workspace, file);
                  for (const line of slice) seen.add((JSON.parse(line) as { event_id: string }).event_id);
                } else if (s.kind === 'recount') {
                  await recount(t.workspace, log, { view: session.view, today: s.today });
                } else {
                  await runPipelines(t.workspace);
                }
                await session.pollOnce();
                const all = [...seen].map((id) => byId.get(id) as GeneratedEvent);
                for (const pipeline of CHECKED) {
                  const served = await servedView(t.workspace, session.view, pipeline);
                  const rows = normalizeRows(
                    pipeline,
                    served.partitions.flatMap((p) => p.rows),
                  );
                  expect(rows, `${pipeline} after ${JSON.stringify(steps)}`).toEqual(EXPECTED[pipeline]?.(all, 'UTC'));
                }
              }
            } finally {
              await session.close({ checkpoint: false });
            }
          } finally {
            await t.cleanup();
          }
        },
      ),
      { numRuns: 10 },
    );
  });
});
