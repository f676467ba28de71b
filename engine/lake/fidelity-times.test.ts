import { describe, expect, it } from 'vitest';
import { AT as at, lakeTest } from '../testing/lake.js';
import { todayIn } from '../shared/calendar.js';
import { runPipelines } from '../batch/runner.js';
import { workspaceStatus } from '../batch/status.js';

/**
 * Import fidelity, times: event times as real exports write them, and the times a partition cannot name.
 * Each test is a defect found by importing real files nobody here wrote; the expected values are the source text
 * itself, or worked out by hand.
 */
const lake = lakeTest();
const { importContent, query } = lake;

describe('times outside what a partition can name', () => {
  it('rejects a time before year 1 in the workspace zone with a reason, and lands the rest, up to year 10000', async () => {
    const lines = [
      '{"event_type":"a","occurred_at":"0001-01-01T00:00:00+01:00"}',
      '{"event_type":"a","occurred_at":"2026-10-01T10:00:00Z"}',
      '{"event_type":"a","occurred_at":"9999-12-31T23:59:59-01:00"}',
    ];
    const result = await importContent('years.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 1 });
    expect([...result.partitions].sort()).toEqual(['10000-01-01', '2026-10-01']);
    expect(await query(`SELECT line::INTEGER AS line, reason FROM rejects ORDER BY line`)).toEqual([
      {
        line: 1,
        reason:
          'event time "0001-01-01T00:00:00+01:00" is before the year 1 in the workspace\'s time zone: it has no partition date',
      },
    ]);
  });
});

describe('event times as real exports write them', () => {
  it('reads day-first, month-first, RFC 2822 and web-server log times, deciding the order from the values', async () => {
    const cases: [string, string[], string][] = [
      ['dmy.csv', ['30-04-2024 10:06:21', '01-05-2024 08:31:27'], 'times read day first: a first number goes up to 30'],
      ['mdy.csv', ['04/30/2024 10:06', '05/01/2024 08:31'], 'times read month first: a second number goes up to 30'],
      ['dotted.csv', ['30.04.2024', '01.05.2024'], 'times read day first: a first number goes up to 30'],
      ['rfc.csv', ['"Tue, 30 Apr 2024 12:06:21 +0200"', '"Wed, 01 May 2024 08:31:27 GMT"'], 'times read as RFC 2822'],
      ['clf.csv', ['30/Apr/2024:10:06:21 +0000', '01/May/2024:10:31:27 +0200'], 'times read in the Apache/nginx log form'],
    ];
    const expected: Record<string, string[]> = {
      'dmy.csv': ['2024-04-30 10:06:21', '2024-05-01 08:31:27'],
      'mdy.csv': ['2024-04-30 10:06:00', '2024-05-01 08:31:00'],
      'dotted.csv': ['2024-04-30 00:00:00', '2024-05-01 00:00:00'],
      'rfc.csv': ['2024-04-30 10:06:21', '2024-05-01 08:31:27'],
      'clf.csv': ['2024-04-30 10:06:21', '2024-05-01 08:31:27'],
    };
    for (const [name, times, why] of cases) {
      const result = await importContent(name, `kind,when\n${times.map((w) => `view,${w}`).join('\n')}\n`, {
        map: { event_type: 'kind', occurred_at: 'when' },
      });
      expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
      expect(result.notes?.find((n) => n.column === 'occurred_at')?.detail).toBe(why);
      const rows = await query<{ t: string }>(
        `SELECT strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS t FROM raw_events WHERE _import_id = ${result.importId} ORDER BY _source_line`,
      );
      expect(rows.map((r) => r.t)).toEqual(expected[name]);
    }
  });

  it('says when the order of day and month is a guess, and takes --time-format instead', async () => {
    const content = 'kind,when\nview,03/04/2024 10:00\n';
    const guessed = await importContent('ambiguous.csv', content, { map: { event_type: 'kind', occurred_at: 'when' } });
    expect(guessed.notes?.find((n) => n.column === 'occurred_at')?.detail).toBe(
      'times read month first (slashes, as in the US): no number shows which comes first; --time-format fixes it',
    );
    const told = await importContent('told.csv', `${content}view,04/04/2024 10:00\n`, {
      map: { event_type: 'kind', occurred_at: 'when' },
      timeFormat: '%d/%m/%Y %H:%M',
    });
    expect(told).toMatchObject({ rows: 2, rejected: 0 });
    expect(
      await query(
        `SELECT strftime(event_date, '%Y-%m-%d') AS d FROM raw_events WHERE _import_id = ${told.importId} ORDER BY _source_line`,
      ),
    ).toEqual([{ d: '2024-04-03' }, { d: '2024-04-04' }]);
  });

  it('chooses a time alias only if it holds instants: date and time of day together; small numbers are no epoch', async () => {
    const cran = await importContent(
      'cran.csv',
      'date,time,size,package\n2019-10-01,10:00:00,1234,ggplot2\n2019-10-01,23:59:59,99,dplyr\n',
      {
        map: { event_type: 'package' },
      },
    );
    expect(cran).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    expect(cran.fields?.occurred_at).toBe('date + time');
    expect(
      await query(
        `SELECT strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS t, "time" FROM events ORDER BY _source_line`,
      ),
    ).toEqual([
      { t: '2019-10-01 10:00:00', time: '10:00:00' },
      { t: '2019-10-01 23:59:59', time: '23:59:59' },
    ]);

    const counters = await importContent(
      'counters.csv',
      'event,time,created_at\nclick,1,2026-10-01T10:00:00Z\nclick,2,2026-10-01T11:00:00Z\n',
    );
    expect(counters).toMatchObject({ rows: 2, rejected: 0 });
    expect(counters.fields?.occurred_at).toBe('created_at');
    expect(counters.notes?.find((n) => n.column === 'occurred_at')?.detail).toBe(
      'event times from created_at: time holds values that are not times',
    );
  });

  it('reads the event time from a nested field with a dotted --map (Mixpanel keeps it in properties)', async () => {
    const lines = [
      '{"event":"Signup","properties":{"time":1707878164,"distinct_id":"a","$city":"Cookstown"}}',
      '{"event":"Play","properties":{"time":1707868801,"distinct_id":"b"}}',
    ];
    const result = await importContent('mixpanel.ndjson', `${lines.join('\n')}\n`, { map: { occurred_at: 'properties.time' } });
    expect(result).toMatchObject({ status: 'imported', rows: 2, rejected: 0 });
    expect(result.fields?.occurred_at).toBe('properties.time');
    expect(
      await query(
        `SELECT event_type, epoch(occurred_at)::BIGINT::INTEGER AS t, properties.distinct_id AS who FROM events ORDER BY _source_line`,
      ),
    ).toEqual([
      { event_type: 'Signup', t: 1707878164, who: 'a' },
      { event_type: 'Play', t: 1707868801, who: 'b' },
    ]);
  });

  it('says how many event times had digits below a microsecond, and keeps other such times as text', async () => {
    const result = await importContent(
      'nanos.csv',
      'type,ts,seen\na,2026-10-01T10:00:00.123456789Z,2026-10-01T10:00:00.1234567Z\na,2026-10-01T10:00:01Z,2026-10-01T10:00:01Z\n',
    );
    expect(result).toMatchObject({ rows: 2, rejected: 0 });
    expect(result.notes).toEqual([
      {
        column: 'occurred_at',
        kind: 'converted',
        detail: '1 event time has digits below a microsecond; the lake keeps microseconds',
      },
      // The source field keeps its own column too, where every digit stays.
      { column: 'ts', kind: 'kept-as-text', detail: 'some values do not fit TIMESTAMPTZ: kept as text, every value as written' },
      {
        column: 'seen',
        kind: 'kept-as-text',
        detail: 'some values do not fit TIMESTAMPTZ: kept as text, every value as written',
      },
    ]);
    expect(await query(`SELECT seen FROM events ORDER BY _source_line`)).toEqual([
      { seen: '2026-10-01T10:00:00.1234567Z' },
      { seen: '2026-10-01T10:00:01Z' },
    ]);
  });
});

describe('times DuckDB reads that a cast alone misreads or misses', () => {
  it('never reads 1/1/19 as the year 1, and reads it as DuckDB sniffs the file (day first, two-digit years)', async () => {
    const result = await importContent('short-years.csv', 'kind,when\nview,1/1/19\nview,13/2/19\n', {
      map: { event_type: 'kind', occurred_at: 'when' },
    });
    expect(result).toMatchObject({ rows: 2, rejected: 0 });
    expect(await query(`SELECT strftime(event_date, '%Y-%m-%d') AS d FROM events ORDER BY _source_line`)).toEqual([
      { d: '2019-01-01' },
      { d: '2019-02-13' },
    ]);
  });

  it('reads a 12-hour clock, single-digit months and days, and times padded with spaces', async () => {
    const result = await importContent(
      'clock.csv',
      'kind,when,aired\nview,13-01-2000 12:12:00 AM,2005-10-3\nview,14-01-2000 01:30:00 PM,2005-9-19\nview,"  2000-01-03 10:00:00   ",2005-10-10\n',
      { map: { event_type: 'kind', occurred_at: 'when' } },
    );
    expect(result).toMatchObject({ rows: 3, rejected: 0 });
    expect(
      await query(
        `SELECT strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS t, strftime(aired, '%Y-%m-%d') AS aired, typeof(aired) AS ty
         FROM events ORDER BY _source_line`,
      ),
    ).toEqual([
      { t: '2000-01-13 00:12', aired: '2005-10-03', ty: 'DATE' },
      { t: '2000-01-14 13:30', aired: '2005-09-19', ty: 'DATE' },
      { t: '2000-01-03 10:00', aired: '2005-10-10', ty: 'DATE' },
    ]);
  });

  it('reads a JSON field a sample typed as a timestamp in the format its values are in', async () => {
    const lines = [
      `{"event_type":"a",${at},"Time":"30-04-2024 10:06:21"}`,
      `{"event_type":"a",${at},"Time":"01-05-2024 08:31:27"}`,
    ];
    const result = await importContent('docket.ndjson', `${lines.join('\n')}\n`);
    expect(result.notes).toEqual([
      { column: 'Time', kind: 'converted', detail: 'times read day first: a first number goes up to 30' },
    ]);
    expect(
      await query(`SELECT strftime("Time" AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS t FROM events ORDER BY _source_line`),
    ).toEqual([{ t: '2024-04-30 10:06:21' }, { t: '2024-05-01 08:31:27' }]);
  });
});

describe('events dated after today', () => {
  it('are kept and counted in the summary, and the batch watermark stays at the last closed partition', async () => {
    const today = todayIn('UTC');
    const day = (offset: number) => new Date(Date.parse(`${today}T12:00:00Z`) + offset * 86_400_000).toISOString();
    const lines = [-2, -1, 3, 5].map((d, i) => `{"event_type":"UserVisitedWebsite","user_id":"u${i}","occurred_at":"${day(d)}"}`);
    const result = await importContent('clock.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 4 });
    const furthest = day(5).slice(0, 10);
    expect(result.notes).toContainEqual({
      column: 'occurred_at',
      kind: 'future-events',
      detail: `2 events are dated after today (${today}), the furthest on ${furthest}: a clock set wrong? They are kept; the batch watermark stays at the last closed partition`,
    });
    await runPipelines(lake.t.workspace, { pipelines: ['daily_visits'] });
    const status = await workspaceStatus(lake.t.workspace);
    const daily = status.pipelines.find((p) => p.name === 'daily_visits');
    expect(daily?.partitions.every((p) => p.fresh)).toBe(true);
    expect(daily?.watermark).toBe(day(-1).slice(0, 10));
  });
});
