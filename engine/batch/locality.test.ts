import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { loadPipelines, type PipelineDefinition } from '../kernel/pipeline/definition.js';
import { isPartitionLocal } from './locality.js';

let t: TestWorkspace;
beforeEach(async () => {
  t = await testWorkspace();
});
afterEach(() => t.cleanup());

const pipeline = (
  sql: string,
  grain: PipelineDefinition['grain'] = 'day',
  partitionColumn = 'event_date',
): PipelineDefinition => ({
  name: 'p',
  file: 'p.sql',
  grain,
  realtime: false,
  description: '',
  meta: {},
  sql,
  definitionHash: '',
  partitionColumn,
});

describe('partition-local pipelines', () => {
  it('are every default pipeline', async () => {
    const { pipelines } = await loadPipelines(t.workspace.catalog, t.workspace.paths.pipelines);
    expect(pipelines.length).toBe(7);
    for (const p of pipelines) expect(await isPartitionLocal(t.workspace.catalog, p), p.name).toBe(true);
  });

  it('group by the partition by name, position, expression or GROUP BY ALL', async () => {
    const local = [
      'SELECT event_date, count(*) AS n FROM events GROUP BY 1',
      'SELECT event_date, count(*) AS n FROM events GROUP BY ALL',
      'SELECT event_date, event_type, count(*) AS n FROM events GROUP BY event_type, event_date HAVING count(*) > 1 ORDER BY 1',
      'SELECT event_date, count(*) AS n FROM (SELECT event_date, unnest([1, 2]) AS x FROM events WHERE x IS NOT NULL) GROUP BY event_date',
    ];
    for (const sql of local) expect(await isPartitionLocal(t.workspace.catalog, pipeline(sql)), sql).toBe(true);
    const week =
      "SELECT date_trunc('week', event_date) AS week_start, count(*) AS n FROM events GROUP BY date_trunc('week', event_date)";
    expect(await isPartitionLocal(t.workspace.catalog, pipeline(week, 'week', 'week_start'))).toBe(true);
  });

  it('are not pipelines that look across partitions, which run one partition a query', async () => {
    await t.workspace.catalog.run('CREATE MACRO total_of(x) AS sum(x)');
    const across = [
      // A window over the output, a limit, a subquery expression, a CTE, an aggregate or a join below the top.
      'SELECT event_date, count(*) AS n, sum(count(*)) OVER (ORDER BY event_date) AS running FROM events GROUP BY 1',
      'SELECT event_date, count(*) AS n FROM events GROUP BY 1 LIMIT 3',
      'SELECT event_date, count(*) AS n, (SELECT count(*) FROM events) AS whole FROM events GROUP BY 1',
      'WITH e AS (SELECT * FROM events) SELECT event_date, count(*) AS n FROM e GROUP BY 1',
      'SELECT event_date, count(*) AS n FROM (SELECT min(event_date) AS event_date FROM events GROUP BY user_id) GROUP BY 1',
      'SELECT event_date, count(*) AS n FROM (SELECT DISTINCT ON (user_id) * FROM events) GROUP BY 1',
      'SELECT a.event_date, count(*) AS n FROM events a JOIN events b USING (user_id) GROUP BY 1',
      'SELECT event_date, count(*) AS n FROM (SELECT event_date, count(*) OVER () AS c FROM events) GROUP BY 1',
      // A macro below the top may wrap an aggregate: taken to look across rows.
      'SELECT event_date, count(*) AS n FROM (SELECT event_date, total_of(amount) AS t FROM events) GROUP BY 1',
      // Grouped by something other than the partition, or a partition that is not the event's date.
      'SELECT event_date, count(*) AS n FROM events GROUP BY ROLLUP (event_date)',
      'SELECT CAST(occurred_at AS DATE) AS event_date, count(*) AS n FROM events GROUP BY 1',
      'SELECT event_date + 1 AS event_date, count(*) AS n FROM events GROUP BY 1',
      'SELECT first(event_date) AS event_date, count(*) AS n FROM events GROUP BY user_id',
    ];
    for (const sql of across) expect(await isPartitionLocal(t.workspace.catalog, pipeline(sql)), sql).toBe(false);
    const monthOfWeek = "SELECT date_trunc('month', event_date) AS week_start, count(*) AS n FROM events GROUP BY 1";
    expect(await isPartitionLocal(t.workspace.catalog, pipeline(monthOfWeek, 'week', 'week_start'))).toBe(false);
  });
});
