import type { Random } from './random.js';

/** The event types a web shop's services emit, from a visit to a payment's outcome. */
export const EVENT_TYPES = [
  'UserVisitedWebsite',
  'ItemAddedToCart',
  'CheckOutCart',
  'PaymentInitiated',
  'PaymentSucceeded',
  'PaymentFailed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface LineItem {
  product_id: string;
  quantity: number;
  /** Unit price in cents; written to files as a decimal with two places. */
  price_cents: number;
}

/** One generated event, with money kept in integer cents so truth is exact. */
export interface GeneratedEvent {
  event_id: string;
  event_type: EventType;
  /** Epoch milliseconds (UTC). */
  occurred_at_ms: number;
  user_id: string;
  session_id: string;
  country: string;
  device: string;
  product_id?: string;
  quantity?: number;
  price_cents?: number;
  order_id?: string;
  amount_cents?: number;
  items?: LineItem[];
  method?: string;
  reason?: string;
}

export interface Product {
  product_id: string;
  price_cents: number;
  /** Relative popularity: a few products sell most, as in any shop. */
  weight: number;
}

/** A fixed catalogue so that "which product sells most" has a stable answer. */
export const PRODUCTS: readonly Product[] = Array.from({ length: 40 }, (_, i) => ({
  product_id: `P${String(1001 + i)}`,
  // Deterministic spread of prices between 4.99 and ~240, all with two decimals.
  price_cents: 499 + ((i * 7919) % 235) * 100 + ((i * 37) % 100),
  weight: 1 / (i + 1),
}));

const COUNTRIES = ['IN', 'US', 'GB', 'DE', 'BR', 'SG', 'AU', 'FR'] as const;
const COUNTRY_WEIGHTS = [30, 25, 10, 8, 8, 7, 6, 6];
const DEVICES = ['mobile', 'desktop', 'tablet'] as const;
const DEVICE_WEIGHTS = [60, 32, 8];
const METHODS = ['card', 'upi', 'wallet', 'netbanking'] as const;
const FAILURE_REASONS = ['card_declined', 'insufficient_funds', 'timeout', 'bank_unavailable'] as const;

/** Funnel probabilities; exported so the simulator and tests describe the same shop. */
export const FUNNEL = {
  addToCart: 0.45,
  checkout: 0.6,
  initiatePayment: 0.95,
  paymentSucceeds: 0.85,
  retryAfterFailure: 0.4,
} as const;

export interface SessionModelOptions {
  /** Size of the customer base that sessions draw users from. */
  users: number;
}

/**
 * Produces realistic shopping sessions: a visit, some products added to the cart, a checkout,
 * a payment that succeeds or fails (sometimes retried). Used by the file generator and by the
 * live simulator, so demo traffic and test data follow one model.
 */
export class SessionModel {
  private readonly productWeights = PRODUCTS.map((p) => p.weight);

  constructor(
    private readonly random: Random,
    private readonly options: SessionModelOptions,
  ) {}

  session(startMs: number): GeneratedEvent[] {
    const r = this.random;
    const base = {
      user_id: `U${String(r.int(1, this.options.users)).padStart(6, '0')}`,
      session_id: r.uuid(),
      country: r.weighted(COUNTRIES, COUNTRY_WEIGHTS),
      device: r.weighted(DEVICES, DEVICE_WEIGHTS),
    };
    const events: GeneratedEvent[] = [];
    let t = startMs;
    const emit = (event_type: EventType, extra: Partial<GeneratedEvent> = {}) => {
      events.push({ event_id: r.uuid(), event_type, occurred_at_ms: t, ...base, ...extra });
    };

    emit('UserVisitedWebsite');
    if (!r.chance(FUNNEL.addToCart)) return events;

    const cart: LineItem[] = [];
    const lines = r.int(1, 4);
    for (let i = 0; i < lines; i++) {
      t += r.int(5_000, 180_000);
      const product = r.weighted(PRODUCTS, this.productWeights);
      const quantity = r.weighted([1, 2, 3], [70, 22, 8]);
      const existing = cart.find((item) => item.product_id === product.product_id);
      if (existing) existing.quantity += quantity;
      else cart.push({ product_id: product.product_id, quantity, price_cents: product.price_cents });
      emit('ItemAddedToCart', { product_id: product.product_id, quantity, price_cents: product.price_cents });
    }
    if (!r.chance(FUNNEL.checkout)) return events;

    const items = cart.map((item) => ({ ...item }));
    const amount_cents = items.reduce((sum, item) => sum + item.quantity * item.price_cents, 0);
    const order_id = `O${r.uuid().slice(0, 8).toUpperCase()}${r.uuid().slice(0, 4).toUpperCase()}`;
    t += r.int(10_000, 240_000);
    emit('CheckOutCart', { order_id, amount_cents, items });
    if (!r.chance(FUNNEL.initiatePayment)) return events;

    for (let attempt = 0; attempt < 2; attempt++) {
      t += r.int(2_000, 60_000);
      emit('PaymentInitiated', { order_id, amount_cents, method: r.pick(METHODS) });
      t += r.int(500, 20_000);
      if (r.chance(FUNNEL.paymentSucceeds)) {
        emit('PaymentSucceeded', { order_id, amount_cents, items: items.map((item) => ({ ...item })) });
        return events;
      }
      emit('PaymentFailed', { order_id, amount_cents, reason: r.pick(FAILURE_REASONS) });
      if (!r.chance(FUNNEL.retryAfterFailure)) return events;
    }
    return events;
  }

  /** A session start time within [dayStartMs, dayStartMs + 1 day), busier in the afternoon and evening. */
  sessionStart(dayStartMs: number): number {
    const r = this.random;
    const hourWeights = [2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 7, 8, 8, 8, 8, 9, 10, 11, 11, 10, 8, 5, 3];
    const hour = r.weighted(
      hourWeights.map((_, h) => h),
      hourWeights,
    );
    return dayStartMs + hour * 3_600_000 + r.int(0, 3_599_999);
  }
}

/** Money as files carry it: a decimal number with exactly two places. */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
