import { z } from 'zod';

/**
 * Sorting, filtering and profiling a held result (the grid's header), as the contract carries them. The engine turns
 * them into SQL over the held result, so they work over ten million rows as over ten.
 */

/** A number as text, so that an exact decimal compares exactly (12345678901234567.89 is not a double). */
const NumberText = z.string().regex(/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/, 'a number, like 42, -1.5 or 2e6');

export const SortKeySchema = z.object({ column: z.string().min(1), desc: z.boolean() });
export type SortKey = z.infer<typeof SortKeySchema>;

export const COMPARISONS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type Comparison = (typeof COMPARISONS)[number];

export const FilterSchema = z.union([
  /** Text of the value as shown: contains (case-insensitive) or equals (exactly). */
  z.object({ column: z.string().min(1), op: z.enum(['contains', 'equals']), value: z.string() }),
  /** A comparison in the column's own type: numbers as numbers, dates and times as dates and times. */
  z.object({ column: z.string().min(1), op: z.enum(COMPARISONS), value: z.string().min(1) }),
  /** Both ends included; either may be left open. */
  z.object({
    column: z.string().min(1),
    op: z.literal('between'),
    min: z.string().min(1).optional(),
    max: z.string().min(1).optional(),
  }),
  z.object({ column: z.string().min(1), op: z.enum(['null', 'not-null']) }),
]);
export type Filter = z.infer<typeof FilterSchema>;
export type FilterOp = Filter['op'];

/** Checks a comparison value against a numeric column: text that is not a number is refused with why. */
export function numberText(value: string): string | undefined {
  return NumberText.safeParse(value).success ? value.trim() : undefined;
}

export const ArrangeParamsSchema = z.object({
  queryId: z.string(),
  sort: z.array(SortKeySchema).max(8).default([]),
  filters: z.array(FilterSchema).max(64).default([]),
});

/** A view of a held result, sorted and filtered: paged with `query.page` and its `view`. None when nothing is asked. */
export const ArrangeResultSchema = z.object({ view: z.string().nullable(), rowCount: z.number() });

const Json: z.ZodType<unknown> = z.unknown();

export const ProfileSchema = z.object({
  column: z.string(),
  type: z.string(),
  rows: z.number(),
  nulls: z.number(),
  distinct: z.number(),
  /** Counted exactly, or estimated with DuckDB's approx_count_distinct (HyperLogLog) over large results. */
  distinctExact: z.boolean(),
  /** Least and greatest, as the grid shows values (numbers, dates, times and text; none for nested types). */
  min: Json,
  max: Json,
  /** The mean of a number column. */
  mean: z.number().nullable().optional(),
  /** The most frequent values (NULL not among them: that is `nulls`), most frequent first, then by value. */
  top: z.array(z.object({ value: Json, count: z.number() })),
  /** A number column's values in equal bins of a round width: [from, to). */
  histogram: z.array(z.object({ from: z.number(), to: z.number(), count: z.number() })).optional(),
  /** A date or time column's rows per minute, hour, day, week, month or year, empty buckets included. */
  timeline: z
    .object({
      grain: z.enum(['minute', 'hour', 'day', 'week', 'month', 'year']),
      points: z.array(z.object({ at: z.string(), count: z.number() })),
    })
    .optional(),
});
export type ColumnProfile = z.infer<typeof ProfileSchema>;
