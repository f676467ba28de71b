import { centsToDecimal, type GeneratedEvent, type LineItem } from './model.js';

/** Every field an event may carry, in file order; CSV uses it as the header. */
export const CSV_COLUMNS = [
  'event_id',
  'event_type',
  'occurred_at',
  'user_id',
  'session_id',
  'country',
  'device',
  'product_id',
  'quantity',
  'price',
  'order_id',
  'amount',
  'items',
  'method',
  'reason',
] as const;

export type MalformedKind =
  'invalid-json' | 'trailing-garbage' | 'missing-type' | 'missing-time' | 'bad-timestamp' | 'wrong-column-count';

export const NDJSON_MALFORMED: readonly MalformedKind[] = [
  'invalid-json',
  'trailing-garbage',
  'missing-type',
  'missing-time',
  'bad-timestamp',
];
export const CSV_MALFORMED: readonly MalformedKind[] = ['wrong-column-count', 'missing-type', 'bad-timestamp'];

const BAD_TIMESTAMPS = ['2026-13-45T99:00:00Z', 'yesterday', '2026-02-30T10:00:00Z', 'not a time'];

function itemsJson(items: LineItem[]): string {
  return `[${items
    .map(
      (i) => `{"product_id":${JSON.stringify(i.product_id)},"quantity":${i.quantity},"price":${centsToDecimal(i.price_cents)}}`,
    )
    .join(',')}]`;
}

/**
 * Serializes by hand rather than with JSON.stringify so that money keeps two decimal places
 * (19.90, not 19.9) exactly as a payment service would log it.
 */
export function toNdjson(e: GeneratedEvent, omit?: 'event_type' | 'occurred_at', occurredAt?: string): string {
  const parts: string[] = [`"event_id":${JSON.stringify(e.event_id)}`];
  if (omit !== 'event_type') parts.push(`"event_type":${JSON.stringify(e.event_type)}`);
  if (omit !== 'occurred_at')
    parts.push(`"occurred_at":${JSON.stringify(occurredAt ?? new Date(e.occurred_at_ms).toISOString())}`);
  parts.push(
    `"user_id":${JSON.stringify(e.user_id)}`,
    `"session_id":${JSON.stringify(e.session_id)}`,
    `"country":${JSON.stringify(e.country)}`,
    `"device":${JSON.stringify(e.device)}`,
  );
  if (e.product_id !== undefined) parts.push(`"product_id":${JSON.stringify(e.product_id)}`);
  if (e.quantity !== undefined) parts.push(`"quantity":${e.quantity}`);
  if (e.price_cents !== undefined) parts.push(`"price":${centsToDecimal(e.price_cents)}`);
  if (e.order_id !== undefined) parts.push(`"order_id":${JSON.stringify(e.order_id)}`);
  if (e.amount_cents !== undefined) parts.push(`"amount":${centsToDecimal(e.amount_cents)}`);
  if (e.items !== undefined) parts.push(`"items":${itemsJson(e.items)}`);
  if (e.method !== undefined) parts.push(`"method":${JSON.stringify(e.method)}`);
  if (e.reason !== undefined) parts.push(`"reason":${JSON.stringify(e.reason)}`);
  return `{${parts.join(',')}}`;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}

export function toCsv(e: GeneratedEvent, overrides: Partial<Record<(typeof CSV_COLUMNS)[number], string>> = {}): string {
  const values: Record<(typeof CSV_COLUMNS)[number], string> = {
    event_id: e.event_id,
    event_type: e.event_type,
    occurred_at: new Date(e.occurred_at_ms).toISOString(),
    user_id: e.user_id,
    session_id: e.session_id,
    country: e.country,
    device: e.device,
    product_id: e.product_id ?? '',
    quantity: e.quantity === undefined ? '' : String(e.quantity),
    price: e.price_cents === undefined ? '' : centsToDecimal(e.price_cents),
    order_id: e.order_id ?? '',
    amount: e.amount_cents === undefined ? '' : centsToDecimal(e.amount_cents),
    items: e.items === undefined ? '' : itemsJson(e.items),
    method: e.method ?? '',
    reason: e.reason ?? '',
    ...overrides,
  };
  return CSV_COLUMNS.map((c) => csvCell(values[c])).join(',');
}

/** A line broken on purpose, in the way real pipelines break them. */
export function malformedLine(format: 'ndjson' | 'csv', e: GeneratedEvent, kind: MalformedKind, pick: number): string {
  const badTime = BAD_TIMESTAMPS[pick % BAD_TIMESTAMPS.length] as string;
  if (format === 'csv') {
    switch (kind) {
      case 'wrong-column-count':
        return CSV_COLUMNS.slice(0, 5)
          .map((c) =>
            c === 'occurred_at' ? new Date(e.occurred_at_ms).toISOString() : String(e[c as keyof GeneratedEvent] ?? ''),
          )
          .join(',');
      case 'missing-type':
        return toCsv(e, { event_type: '' });
      case 'bad-timestamp':
        return toCsv(e, { occurred_at: badTime });
      default:
        throw new Error(`no CSV form for malformed kind ${kind}`);
    }
  }
  const line = toNdjson(e);
  switch (kind) {
    case 'invalid-json':
      return line.slice(0, Math.max(5, Math.floor(line.length / 2)));
    case 'trailing-garbage':
      return `${line}}garbage`;
    case 'missing-type':
      return toNdjson(e, 'event_type');
    case 'missing-time':
      return toNdjson(e, 'occurred_at');
    case 'bad-timestamp':
      return toNdjson(e, undefined, badTime);
    default:
      throw new Error(`no NDJSON form for malformed kind ${kind}`);
  }
}
