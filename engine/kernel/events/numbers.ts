/**
 * Exact numeric types for text values: the type an import stores a numeric field as is chosen from every value the
 * file has, so that no value loses a digit. Integers are BIGINT when every one fits 64 bits, else UBIGINT when none is
 * negative and all fit 64 unsigned bits, else DECIMAL(38,0) up to 38 digits, else text. (Not HUGEINT: DuckDB writes a
 * HUGEINT column to Parquet as DOUBLE, which would round it on the way into the lake.) Other numbers are DOUBLE when a double gives each of them back digit for digit, else an exact DECIMAL
 * when one holds them all, else text. DuckDB's readers would type a 19-digit id or a 23-digit order number DOUBLE
 * and round it; a field typed here never does.
 *
 * A double gives a number back when the shortest text that reads as the same double (DuckDB's rendering of it) has the
 * same significant digits as the number: `35.79` and `0.30000000000000004` do, `2103807459595387724` does not (it
 * comes back as 2.1038074595953876e+18). A numeral of at most 15 characters and no exponent has at most 15
 * significant digits, which a double always gives back, so only longer ones pay for the comparison.
 */

/** A number as JSON writes it (no leading zeros, no `+`, no `.5`): anything else is text, not a number. */
export const JSON_NUMBER = `'-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?'`;
const JSON_INTEGER = `'-?(0|[1-9][0-9]*)'`;

/** The significant digits of a numeral: its mantissa's digits without leading or trailing zeros. */
function significantDigits(text: string): string {
  return `rtrim(ltrim(replace(regexp_extract(${text}, '^-?([0-9]*\\.?[0-9]*)', 1), '.', ''), '0'), '0')`;
}

/** True where a numeral (already known to be one) is given back by a double. */
export function doubleKeepsSql(text: string): string {
  const double = `TRY_CAST(${text} AS DOUBLE)`;
  return `(isfinite(${double}) AND ((length(${text}) <= 15 AND NOT regexp_matches(${text}, '[eE]'))
    OR ${significantDigits(text)} = ${significantDigits(`CAST(${double} AS VARCHAR)`)}))`;
}

export interface NumericStats {
  /** Values present. */
  count: number;
  /** Every present value is a numeral. */
  numbers: boolean;
  integers: boolean;
  fitBigint: boolean;
  fitUbigint: boolean;
  /** Every present value comes back from a double digit for digit. */
  doublesKeep: boolean;
  /** Every present value is within a double's range (not 1e400, nor 1e-400 read as 0). */
  doubleRange: boolean;
  /** No value has an exponent (so a DECIMAL's precision and scale can be read off the digits). */
  positional: boolean;
  integerDigits: number;
  fractionDigits: number;
}

/** Aggregates (over all rows) that make a NumericStats of one text column; `name` prefixes their aliases. */
export function numericStatsColumns(text: string, name: string): string[] {
  const present = (condition: string) => `coalesce(bool_and(${text} IS NULL OR (${condition})), true)`;
  return [
    `count(${text}) AS ${name}_count`,
    `${present(`regexp_full_match(${text}, ${JSON_NUMBER})`)} AS ${name}_numbers`,
    `${present(`regexp_full_match(${text}, ${JSON_INTEGER})`)} AS ${name}_integers`,
    `${present(`TRY_CAST(${text} AS BIGINT) IS NOT NULL`)} AS ${name}_fit_bigint`,
    `${present(`TRY_CAST(${text} AS UBIGINT) IS NOT NULL`)} AS ${name}_fit_ubigint`,
    `${present(doubleKeepsSql(text))} AS ${name}_doubles_keep`,
    `${present(`isfinite(TRY_CAST(${text} AS DOUBLE)) AND (TRY_CAST(${text} AS DOUBLE) <> 0 OR NOT regexp_matches(regexp_replace(${text}, '[eE].*', ''), '[1-9]'))`)} AS ${name}_double_range`,
    `${present(`NOT regexp_matches(${text}, '[eE]')`)} AS ${name}_positional`,
    `coalesce(max(length(regexp_extract(${text}, '^-?0*([0-9]*)', 1))), 0) AS ${name}_integer_digits`,
    `coalesce(max(length(regexp_extract(${text}, '\\.([0-9]*)$', 1))), 0) AS ${name}_fraction_digits`,
  ];
}

export function readNumericStats(row: Record<string, unknown>, name: string): NumericStats {
  const flag = (key: string) => row[`${name}_${key}`] === true;
  const count = (key: string) => Number(row[`${name}_${key}`] ?? 0);
  return {
    count: count('count'),
    numbers: flag('numbers'),
    integers: flag('integers'),
    fitBigint: flag('fit_bigint'),
    fitUbigint: flag('fit_ubigint'),
    doublesKeep: flag('doubles_keep'),
    doubleRange: flag('double_range'),
    positional: flag('positional'),
    integerDigits: count('integer_digits'),
    fractionDigits: count('fraction_digits'),
  };
}

/**
 * The cheap first look at a numeric field, in the pass that checks types: how many values are not an int64 as
 * written, and how many are neither that nor a double's own shortest rendering (which is how DuckDB's JSON reader
 * hands over every non-integer number: such a value a double gives back by construction). Most fields are settled by
 * this alone; only the others pay for numericStatsColumns.
 */
export function numericFirstLookColumns(text: string, name: string): string[] {
  const notInteger = `CAST(TRY_CAST(${text} AS BIGINT) AS VARCHAR) IS DISTINCT FROM ${text}`;
  return [
    `count(${text}) AS ${name}_n`,
    `count(*) FILTER (WHERE ${notInteger}) AS ${name}_not_int`,
    `count(*) FILTER (WHERE ${notInteger} AND CAST(TRY_CAST(${text} AS DOUBLE) AS VARCHAR) IS DISTINCT FROM ${text}) AS ${name}_neither`,
    `coalesce(max(abs(TRY_CAST(${text} AS BIGINT))), 0)::DOUBLE AS ${name}_max_int`,
  ];
}

/** The type the first look settles (BIGINT, or DOUBLE when every integer is within 2^53), or undefined. */
export function numericFromFirstLook(row: Record<string, unknown>, name: string): { type: string } | { empty: true } | undefined {
  const n = (key: string) => Number(row[`${name}_${key}`] ?? 0);
  if (n('n') === 0) return { empty: true };
  if (n('not_int') === 0) return { type: 'BIGINT' };
  if (n('neither') === 0 && n('max_int') <= 2 ** 53) return { type: 'DOUBLE' };
  return undefined;
}

/** DuckDB's widest DECIMAL. */
const MAX_DECIMAL_PRECISION = 38;

export interface NumericChoice {
  /** The type, or undefined when the values are not all numbers (the caller keeps them as text or tries other types). */
  type?: string;
  /** Why the type is not the one DuckDB's own reader would give, in the user's words (for the import summary). */
  why?: string;
}

/** The exact type for a column of numerals, from its statistics. */
export function exactNumericType(stats: NumericStats): NumericChoice {
  if (stats.count === 0 || !stats.numbers) return {};
  if (stats.integers) {
    if (stats.fitBigint) return { type: 'BIGINT' };
    if (stats.fitUbigint) return { type: 'UBIGINT', why: 'integers beyond a signed 64-bit integer, stored exactly as UBIGINT' };
    if (stats.integerDigits <= MAX_DECIMAL_PRECISION) {
      return { type: 'DECIMAL(38,0)', why: 'integers beyond 64 bits, stored exactly as DECIMAL(38,0)' };
    }
    return { type: 'VARCHAR', why: 'integers of more than 38 digits, kept exactly as text' };
  }
  if (stats.doublesKeep) return { type: 'DOUBLE' };
  const precision = Math.max(1, stats.integerDigits + stats.fractionDigits);
  if (stats.positional && precision <= MAX_DECIMAL_PRECISION) {
    return {
      type: `DECIMAL(${precision},${stats.fractionDigits})`,
      why: `numbers with more digits than a double keeps, stored exactly as DECIMAL(${precision},${stats.fractionDigits})`,
    };
  }
  if (!stats.doubleRange)
    return { type: 'VARCHAR', why: 'numbers beyond the range of a double (such as 1e400), kept exactly as text' };
  return { type: 'VARCHAR', why: 'numbers with more digits than a double or a DECIMAL keeps, kept exactly as text' };
}

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/i;

/** Whether a (sampled) type is a number's, whose exact type the values then decide. */
export function isNumericType(type: string): boolean {
  return NUMERIC_TYPE.test(type.trim());
}
