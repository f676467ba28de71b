/** Quotes an identifier for DuckDB SQL ("my ""col"""). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes a string literal for DuckDB SQL; used for paths and names that DuckDB cannot take as parameters (COPY targets,
 * table functions). DuckDB's parser stops at a NUL byte, which a JSON key may hold (`"k\u0000ey"`): a text with one is
 * spelled as a concatenation with chr(0), still a constant.
 */
export function literal(value: string): string {
  if (value.includes('\0')) return `(${value.split('\0').map(literal).join(' || chr(0) || ')})`;
  return `'${value.replace(/'/g, "''")}'`;
}

/** A list literal of string values: ['a', 'b']. */
export function listLiteral(values: readonly string[]): string {
  return `[${values.map(literal).join(', ')}]`;
}
