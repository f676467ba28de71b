import { centsToDecimal, type GeneratedEvent } from './model.js';

/**
 * What each default pipeline must produce for a set of generated events, computed in plain TypeScript
 * from the generator's own records (integer cents, epoch milliseconds): a second method, independent of
 * DuckDB and of the pipelines' SQL. Rows use the shapes tests read back: ISO dates, decimals as strings.
 */
export type ExpectedRow = Record<string, string | number | null>;

export function localDate(ms: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function weekStart(date: string): string {
  const ms = Date.parse(`${date}T00:00:00Z`);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7;
  return new Date(ms - weekday * 86_400_000).toISOString().slice(0, 10);
}

function group<K>(events: GeneratedEvent[], key: (e: GeneratedEvent) => K | undefined): Map<K, GeneratedEvent[]> {
  const groups = new Map<K, GeneratedEvent[]>();
  for (const e of events) {
    const k = key(e);
    if (k === undefined) continue;
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  return groups;
}

const distinct = (values: (string | undefined)[]) => new Set(values.filter((v) => v !== undefined)).size;
const sortRows = (rows: ExpectedRow[], keys: string[]) =>
  rows.sort((a, b) => {
    for (const k of keys) {
      const x = String(a[k]);
      const y = String(b[k]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });

function visits(events: GeneratedEvent[], timezone: string, partition: (date: string) => string, column: string): ExpectedRow[] {
  const byPartition = group(
    events.filter((e) => e.event_type === 'UserVisitedWebsite'),
    (e) => partition(localDate(e.occurred_at_ms, timezone)),
  );
  return sortRows(
    [...byPartition].map(([p, es]) => ({ [column]: p, visits: es.length, visitors: distinct(es.map((e) => e.user_id)) })),
    [column],
  );
}

/** Dates on which any event happened: day partitions with data, even where a pipeline's filter leaves nothing. */
export function eventDates(events: GeneratedEvent[], timezone: string): string[] {
  return [...new Set(events.map((e) => localDate(e.occurred_at_ms, timezone)))].sort();
}

export const EXPECTED: Record<string, (events: GeneratedEvent[], timezone: string) => ExpectedRow[]> = {
  daily_visits: (events, tz) => visits(events, tz, (d) => d, 'event_date'),
  weekly_visitors: (events, tz) => visits(events, tz, weekStart, 'week_start'),
  monthly_visitors: (events, tz) => visits(events, tz, (d) => `${d.slice(0, 7)}-01`, 'month_start'),

  daily_orders: (events, tz) => {
    const paid = group(
      events.filter((e) => e.event_type === 'PaymentSucceeded'),
      (e) => localDate(e.occurred_at_ms, tz),
    );
    return sortRows(
      [...paid].map(([date, es]) => ({
        event_date: date,
        orders: distinct(es.map((e) => e.order_id)),
        revenue: centsToDecimal(es.reduce((sum, e) => sum + (e.amount_cents ?? 0), 0)),
      })),
      ['event_date'],
    );
  },

  daily_product_sales: (events, tz) => {
    const rows = new Map<string, { orders: Set<string>; units: number; cents: number }>();
    for (const e of events.filter((x) => x.event_type === 'PaymentSucceeded')) {
      for (const item of e.items ?? []) {
        const key = `${localDate(e.occurred_at_ms, tz)}|${item.product_id}`;
        const row = rows.get(key) ?? { orders: new Set<string>(), units: 0, cents: 0 };
        row.orders.add(e.order_id as string);
        row.units += item.quantity;
        row.cents += item.quantity * item.price_cents;
        rows.set(key, row);
      }
    }
    return sortRows(
      [...rows].map(([key, r]) => {
        const [date, product] = key.split('|') as [string, string];
        return { event_date: date, product_id: product, orders: r.orders.size, units: r.units, revenue: centsToDecimal(r.cents) };
      }),
      ['event_date', 'product_id'],
    );
  },

  daily_payments: (events, tz) => {
    const payments = group(
      events.filter((e) => e.event_type.startsWith('Payment')),
      (e) => localDate(e.occurred_at_ms, tz),
    );
    return sortRows(
      [...payments].map(([date, es]) => {
        const count = (type: string) => es.filter((e) => e.event_type === type).length;
        const succeeded = count('PaymentSucceeded');
        const failed = count('PaymentFailed');
        return {
          event_date: date,
          initiated: count('PaymentInitiated'),
          succeeded,
          failed,
          failure_rate: succeeded + failed === 0 ? null : failed / (succeeded + failed),
        };
      }),
      ['event_date'],
    );
  },

  daily_funnel: (events, tz) => {
    const byDate = group(events, (e) => localDate(e.occurred_at_ms, tz));
    return sortRows(
      [...byDate].map(([date, es]) => {
        const users = (type: string) => distinct(es.filter((e) => e.event_type === type).map((e) => e.user_id));
        return {
          event_date: date,
          visitors: users('UserVisitedWebsite'),
          carted: users('ItemAddedToCart'),
          checked_out: users('CheckOutCart'),
          paid: users('PaymentSucceeded'),
        };
      }),
      ['event_date'],
    );
  },
};

/** The SQL that reads a summary table back in the shapes above (dates as text, decimals as exact text). */
export const READ_BACK: Record<string, string> = {
  daily_visits: `SELECT strftime(event_date, '%Y-%m-%d') AS event_date, visits::DOUBLE AS visits, visitors::DOUBLE AS visitors FROM daily_visits ORDER BY 1`,
  weekly_visitors: `SELECT strftime(week_start, '%Y-%m-%d') AS week_start, visits::DOUBLE AS visits, visitors::DOUBLE AS visitors FROM weekly_visitors ORDER BY 1`,
  monthly_visitors: `SELECT strftime(month_start, '%Y-%m-%d') AS month_start, visits::DOUBLE AS visits, visitors::DOUBLE AS visitors FROM monthly_visitors ORDER BY 1`,
  daily_orders: `SELECT strftime(event_date, '%Y-%m-%d') AS event_date, orders::DOUBLE AS orders, revenue::VARCHAR AS revenue FROM daily_orders WHERE orders > 0 ORDER BY 1`,
  daily_product_sales: `SELECT strftime(event_date, '%Y-%m-%d') AS event_date, product_id, orders::DOUBLE AS orders, units::DOUBLE AS units, revenue::VARCHAR AS revenue FROM daily_product_sales ORDER BY 1, 2`,
  daily_payments: `SELECT strftime(event_date, '%Y-%m-%d') AS event_date, initiated::DOUBLE AS initiated, succeeded::DOUBLE AS succeeded, failed::DOUBLE AS failed, failure_rate FROM daily_payments ORDER BY 1`,
  daily_funnel: `SELECT strftime(event_date, '%Y-%m-%d') AS event_date, visitors::DOUBLE AS visitors, carted::DOUBLE AS carted, checked_out::DOUBLE AS checked_out, paid::DOUBLE AS paid FROM daily_funnel ORDER BY 1`,
};
