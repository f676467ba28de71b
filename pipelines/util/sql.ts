/** Quotes an identifier for DuckDB SQL ("my ""col"""). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for DuckDB SQL; used for paths and names that DuckDB cannot take as parameters (COPY targets, table functions). */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A list literal of string values: ['a', 'b']. */
export function listLiteral(values: readonly string[]): string {
  return `[${values.map(literal).join(', ')}]`;
}
