import type { Command } from 'commander';
import { UserError } from '../../kernel/util/errors.js';
import { scorecardWithLog, servedScorecard } from '../../serving/scorecard/served.js';
import type { Period, Scorecard } from '../../shared/scorecard.js';
import { interruptSignal, printJson, runCommand, viaEngine, workspaceOption } from '../common.js';

const PERIOD: Record<Period, string> = { today: 'today', week: 'this week', month: 'this month' };
const PREVIOUS: Record<Period, string> = { today: 'yesterday', week: 'last week', month: 'last month' };

function text(value: unknown): string {
  if (value === null || value === undefined) return '–';
  return typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(4) : String(value);
}

function render(card: Scorecard): string {
  const lines = [`Scorecard at ${card.at} (${card.timezone}): lake and live events, each once`, ''];
  for (const metric of card.metrics) {
    lines.push(metric.label);
    for (const period of ['today', 'week', 'month'] as const) {
      const v = metric[period];
      const pct = v.change_pct === null ? '' : ` (${v.change_pct >= 0 ? '+' : ''}${v.change_pct.toFixed(1)}%)`;
      lines.push(
        `  ${PERIOD[period].padEnd(11)} ${text(v.value).padStart(14)}   vs ${PREVIOUS[period]} to the same point ${text(v.previous_to_date)}: ${text(v.change)}${pct}; ${PREVIOUS[period]} in all ${text(v.previous)}`,
      );
    }
  }
  for (const board of card.leaderboards) {
    lines.push('', `${board.label}, ${PERIOD[board.period]}`);
    for (const row of board.rows) {
      const move = row.previous_rank === null ? 'new' : `was ${row.previous_rank}`;
      lines.push(`  ${String(row.rank).padStart(2)}. ${text(row.key).padEnd(16)} ${text(row.value).padStart(14)}   ${move}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerScorecard(program: Command): void {
  program
    .command('scorecard')
    .description("the scorecard's metrics today, this week and this month against the previous period, and its leaderboards")
    .addOption(workspaceOption())
    .option('--log <log>', 'count a live log beside the lake (each event once, as a recount would)')
    .option('--at <iso-time>', 'take this instant as now (ISO 8601 with an offset)')
    .option('--json', 'print one JSON document')
    .action((options: { workspace: string; log?: string; at?: string; json?: boolean }) =>
      runCommand(async () => {
        const at = options.at ? new Date(options.at) : new Date();
        if (Number.isNaN(at.getTime()) || (options.at && !/(Z|[+-]\d\d:?\d\d)$/i.test(options.at)))
          throw new UserError(`--at must be an ISO 8601 time with an offset, e.g. 2026-11-04T12:15:00+05:30 (got ${options.at})`);
        const log = options.log;
        const card = await viaEngine(
          options.workspace,
          async (engine) => {
            // The engine's scorecard is the app's: the lake and the live events of the log it follows.
            if (log)
              throw new UserError(
                'The app (a running Recount engine) holds this workspace, and its scorecard already counts the log it follows: drop --log, or close the app',
                'held-by-engine',
              );
            return engine.call('scorecard.get', { at: at.toISOString() });
          },
          (workspace) =>
            log ? scorecardWithLog(workspace, log, at, { signal: interruptSignal() }) : servedScorecard(workspace, undefined, at),
        );
        if (options.json) printJson('scorecard.get', card);
        else process.stdout.write(render(card));
      }),
    );
}
