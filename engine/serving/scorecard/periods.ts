import type { Connection } from '../../kernel/workspace/db.js';
import { literal } from '../../kernel/util/sql.js';

import { PERIODS, type Period, type PeriodBounds } from '../../shared/scorecard.js';

export { PERIODS };

/**
 * The bounds of today, this week (from Monday) and this month in the workspace's zone, worked out by DuckDB on the
 * zone's wall clock: "yesterday at this time" is the same local time even across a change of offset, and a month
 * to date compares with the previous month to the same day and time (DuckDB clamps the 31st to the month's end).
 */
export async function periodBounds(connection: Connection, at: Date, timezone: string): Promise<Record<Period, PeriodBounds>> {
  const zone = literal(timezone);
  const utc = (local: string) => `strftime(timezone('UTC', timezone(${zone}, ${local})), '%Y-%m-%dT%H:%M:%S.%gZ')`;
  const row = await connection.one<Record<string, string>>(`
    WITH n AS (SELECT timezone(${zone}, TIMESTAMPTZ ${literal(at.toISOString())}) AS l),
    b AS (SELECT l, date_trunc('day', l) AS d, date_trunc('week', l) AS w, date_trunc('month', l) AS m FROM n)
    SELECT
      ${utc('l')} AS now,
      ${utc('d')} AS today_from, ${utc('d - INTERVAL 1 DAY')} AS today_prev_from, ${utc('l - INTERVAL 1 DAY')} AS today_prev_to_date,
      ${utc('w')} AS week_from, ${utc('w - INTERVAL 7 DAY')} AS week_prev_from, ${utc('l - INTERVAL 7 DAY')} AS week_prev_to_date,
      ${utc('m')} AS month_from, ${utc('m - INTERVAL 1 MONTH')} AS month_prev_from, ${utc('l - INTERVAL 1 MONTH')} AS month_prev_to_date
    FROM b`);
  if (!row) throw new Error('no period bounds');
  const bounds = (p: Period): PeriodBounds => ({
    from: row[`${p}_from`] as string,
    to: at.toISOString(),
    previous_from: row[`${p}_prev_from`] as string,
    previous_to_date: row[`${p}_prev_to_date`] as string,
    previous_to: row[`${p}_from`] as string,
  });
  return { today: bounds('today'), week: bounds('week'), month: bounds('month') };
}
