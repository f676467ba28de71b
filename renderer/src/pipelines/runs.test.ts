import { describe, expect, it } from 'vitest';
import {
  canRetry,
  genuinelyFailed,
  notRun,
  outcomeTitle,
  runStatusLabel,
  runsOf,
  statusTone,
  summarizeRun,
  type RunRecord,
  type RunResult,
} from './runs';

const run = (runId: number, pipelines: string[], extra: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  startedAt: '2026-11-25T03:01:50.000Z',
  finishedAt: '2026-11-25T03:01:54.000Z',
  runBy: 'ana@laptop',
  command: 'app: run',
  status: 'succeeded',
  cancelled: false,
  pipelines,
  partitions: 1,
  succeeded: 1,
  failed: 0,
  rows: 1,
  durationMs: 10,
  error: null,
  definitionHashes: {},
  failures: [],
  ...extra,
});

const part = (
  pipeline: string,
  partition: string,
  status: 'succeeded' | 'failed',
  rows: number | null,
  error: string | null = null,
) => ({
  pipeline,
  partition,
  status,
  reason: 'requested' as const,
  rows,
  checksum: null,
  error,
  durationMs: 5,
});

describe('statusTone', () => {
  it('colours run statuses, cancelled ones by their outcome', () => {
    expect(statusTone('succeeded')).toBe('success');
    expect(statusTone('partial')).toBe('warning');
    expect(runStatusLabel(run(1, ['a'], { status: 'partial', cancelled: true }))).toBe('partial (cancelled)');
    expect(statusTone('failed')).toBe('danger');
    expect(statusTone('nothing-to-do')).toBe('muted');
    expect(statusTone('running')).toBe('muted');
  });
});

describe('runsOf and canRetry', () => {
  it('keeps the runs that include the pipeline', () => {
    const runs = [run(3, ['daily_orders']), run(2, ['daily_visits', 'daily_orders']), run(1, ['daily_visits'])];
    expect(runsOf(runs, 'daily_visits').map((r) => r.runId)).toEqual([2, 1]);
  });
  it('retries only finished runs with failures', () => {
    expect(canRetry(run(1, ['a'], { failed: 2, status: 'partial' }))).toBe(true);
    expect(canRetry(run(1, ['a']))).toBe(false);
    expect(canRetry(run(1, ['a'], { failed: 1, finishedAt: null }))).toBe(false);
  });
  it("counts a cancelled run's unfinished partitions as not run, not as failures to retry", () => {
    const stopped = { pipeline: 'a', partition: '2026-10-02', error: 'cancelled' };
    const boom = { pipeline: 'a', partition: '2026-10-03', error: 'Conversion Error: oops' };
    const cancelled = run(1, ['a'], { status: 'partial', cancelled: true, partitions: 22, succeeded: 3, failed: 19 });
    expect([genuinelyFailed({ ...cancelled, failures: [stopped] }), notRun({ ...cancelled, failures: [stopped] })]).toEqual([
      0, 19,
    ]);
    expect(canRetry({ ...cancelled, failures: [stopped] })).toBe(false);
    expect([
      genuinelyFailed({ ...cancelled, failures: [stopped, boom] }),
      notRun({ ...cancelled, failures: [stopped, boom] }),
    ]).toEqual([1, 18]);
    expect(canRetry({ ...cancelled, failures: [stopped, boom] })).toBe(true);
  });
});

describe('summarizeRun', () => {
  const result: RunResult = {
    runId: 9,
    status: 'partial',
    problems: [],
    durationMs: 100,
    partitions: [
      part('daily_visits', '2026-11-01', 'succeeded', 1),
      part('daily_visits', '2026-11-02', 'failed', null, 'Invalid Input Error: boom'),
      part('daily_visits', '2026-11-03', 'succeeded', 2),
      part('daily_orders', '2026-11-01', 'succeeded', 5),
    ],
  };
  it("counts only the pipeline's own partitions and rows", () => {
    expect(summarizeRun(result, 'daily_visits')).toEqual({
      ran: 3,
      succeeded: 2,
      failed: 1,
      cancelled: 0,
      rows: 3,
      failures: [{ partition: '2026-11-02', error: 'Invalid Input Error: boom' }],
    });
    expect(outcomeTitle(result, summarizeRun(result, 'daily_visits'))).toBe('1 of 3 partitions failed');
  });
  it('tells cancelled partitions from failed ones', () => {
    const cancelled: RunResult = {
      ...result,
      cancelled: true,
      partitions: [
        part('daily_visits', '2026-11-01', 'succeeded', 1),
        part('daily_visits', '2026-11-02', 'failed', null, 'cancelled'),
        part('daily_visits', '2026-11-03', 'failed', null, 'cancelled before it started'),
      ],
    };
    const summary = summarizeRun(cancelled, 'daily_visits');
    expect([summary.succeeded, summary.failed, summary.cancelled, summary.failures.length]).toEqual([1, 0, 2, 0]);
    expect(outcomeTitle(cancelled, summary)).toBe('Cancelled after 1 of 3 partitions');
  });
  it('counts one partition in the singular', () => {
    const one = (status: 'succeeded' | 'failed'): RunResult => ({
      runId: 7,
      status,
      partitions: [
        {
          pipeline: 'daily_visits',
          partition: '2026-10-01',
          status,
          reason: 'never-run',
          rows: status === 'failed' ? null : 1,
          checksum: null,
          error: status === 'failed' ? 'boom' : null,
          durationMs: 1,
        },
      ],
      problems: [],
      durationMs: 3,
    });
    expect(outcomeTitle(one('succeeded'), summarizeRun(one('succeeded'), 'daily_visits'))).toBe('Ran 1 partition');
    expect(outcomeTitle(one('failed'), summarizeRun(one('failed'), 'daily_visits'))).toBe('The partition failed');
  });
  it('says when there was nothing to do', () => {
    const nothing: RunResult = { runId: null, status: 'nothing-to-do', partitions: [], problems: [], durationMs: 3 };
    expect(outcomeTitle(nothing, summarizeRun(nothing, 'daily_visits'))).toBe('Nothing to do: every partition is fresh');
  });
});
