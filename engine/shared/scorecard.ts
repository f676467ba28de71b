/*
 * What the scorecard answers, as the engine sends it and the renderer shows it: an analyst's standing questions (how many
 * today, this week, this month; more or fewer than before; which product sells most) for each metric of the
 * workspace's scorecard.json.
 */

/** An aggregate's value: integers and decimals as exact strings, doubles as numbers, null over no rows. */
export type ScorecardValue = string | number | boolean | null | ScorecardValue[] | { [key: string]: ScorecardValue };

export const PERIODS = ['today', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];

/** One period and the two it is compared with, as instants (ISO 8601, UTC). */
export interface PeriodBounds {
  /** The period so far: from its start to now, now included. */
  from: string;
  to: string;
  /** The previous period to the same point (yesterday until this time of day; last week until this weekday and time). */
  previous_from: string;
  previous_to_date: string;
  /** The whole previous period ends where this one starts. */
  previous_to: string;
}

export interface PeriodValue {
  value: ScorecardValue;
  previous_to_date: ScorecardValue;
  previous: ScorecardValue;
  /** value − previous_to_date, exact for integers and decimals. */
  change: ScorecardValue;
  /** The change as a percentage of previous_to_date (null when that is 0 or empty). */
  change_pct: number | null;
}

export interface ScorecardMetric {
  name: string;
  label: string;
  format: 'number' | 'money' | 'percent';
  better: 'higher' | 'lower';
  today: PeriodValue;
  week: PeriodValue;
  month: PeriodValue;
}

export interface LeaderboardRow {
  key: ScorecardValue;
  value: ScorecardValue;
  rank: number;
  /** The key's rank in the previous period to the same point (null: it had no rows then). */
  previous_rank: number | null;
}

export interface ScorecardLeaderboard {
  name: string;
  label: string;
  format: 'number' | 'money' | 'percent';
  period: Period;
  rows: LeaderboardRow[];
}

export interface Scorecard {
  at: string;
  timezone: string;
  periods: Record<Period, PeriodBounds>;
  metrics: ScorecardMetric[];
  leaderboards: ScorecardLeaderboard[];
}
