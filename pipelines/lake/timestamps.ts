/**
 * SQL that turns an event-time value into a TIMESTAMPTZ. The connection's TimeZone is the workspace's,
 * so a timestamp without a zone is read as local time there, and CAST(… AS DATE) gives the local date.
 *
 * Accepted: ISO 8601 with Z or an offset, "YYYY-MM-DD HH:MM:SS[.fff] UTC" (any zone name), zone-less
 * timestamps, and epoch seconds, milliseconds, microseconds or nanoseconds told apart by magnitude.
 */
export function epochToTimestamptz(numberSql: string): string {
  return `(CASE
    WHEN ${numberSql} IS NULL OR isnan(${numberSql}) OR isinf(${numberSql}) THEN NULL
    WHEN abs(${numberSql}) < 1e11 THEN to_timestamp(${numberSql})
    WHEN abs(${numberSql}) < 1e14 THEN to_timestamp(${numberSql} / 1e3)
    WHEN abs(${numberSql}) < 1e17 THEN to_timestamp(${numberSql} / 1e6)
    WHEN abs(${numberSql}) < 1e20 THEN to_timestamp(${numberSql} / 1e9)
    ELSE NULL END)`;
}

/** From text: a timestamp string, or a number of seconds/ms/µs/ns since the epoch. */
export function textToTimestamptz(textSql: string): string {
  return `coalesce(TRY_CAST(${textSql} AS TIMESTAMPTZ), ${epochToTimestamptz(`TRY_CAST(${textSql} AS DOUBLE)`)})`;
}

/** From a typed column (Parquet): numbers are epochs, TIMESTAMP is local time, text is parsed. */
export function typedToTimestamptz(columnSql: string, type: string): string {
  const t = type.toUpperCase();
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') return columnSql;
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return `CAST(${columnSql} AS TIMESTAMPTZ)`;
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/.test(t)) {
    return epochToTimestamptz(`CAST(${columnSql} AS DOUBLE)`);
  }
  return textToTimestamptz(`CAST(${columnSql} AS VARCHAR)`);
}
