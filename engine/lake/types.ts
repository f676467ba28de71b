import { ident } from '../kernel/util/sql.js';

/**
 * DuckDB types as a tree, read from DuckDB's own spelling (DESCRIBE): `STRUCT("a b" BIGINT, c VARCHAR[])`,
 * `DECIMAL(18,2)`, `MAP(VARCHAR, DOUBLE)`, `TIMESTAMP WITH TIME ZONE`. The lake's schema evolution works on these
 * trees (schema.ts): which type holds the values of two others exactly.
 *
 * Hand-written: DuckDB has no function that returns a type's structure, and its type names are a small grammar.
 */
export type LakeType =
  | { kind: 'scalar'; name: string }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'list'; of: LakeType }
  | { kind: 'array'; of: LakeType; size: number }
  | { kind: 'struct'; fields: [string, LakeType][] }
  | { kind: 'map'; key: LakeType; value: LakeType }
  | { kind: 'other'; text: string };

const SCALAR_ALIASES: Record<string, string> = {
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
  INT: 'INTEGER',
  INT4: 'INTEGER',
  INT8: 'BIGINT',
  LONG: 'BIGINT',
  INT2: 'SMALLINT',
  SHORT: 'SMALLINT',
  INT1: 'TINYINT',
  FLOAT4: 'FLOAT',
  REAL: 'FLOAT',
  FLOAT8: 'DOUBLE',
  STRING: 'VARCHAR',
  TEXT: 'VARCHAR',
  BOOL: 'BOOLEAN',
};

export function parseType(text: string): LakeType {
  const tokens = text.match(/"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|\d+|[()[\],]/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++] as string;
  const name = (token: string) => (token.startsWith('"') ? token.slice(1, -1).replace(/""/g, '"') : token);
  const parse = (): LakeType => {
    const head = take().toUpperCase();
    let type: LakeType;
    if (head === 'STRUCT') {
      take(); // (
      const fields: [string, LakeType][] = [];
      while (peek() !== ')' && peek() !== undefined) {
        const field = name(take());
        fields.push([field, parse()]);
        if (peek() === ',') take();
      }
      take(); // )
      type = { kind: 'struct', fields };
    } else if (head === 'MAP') {
      take();
      const key = parse();
      take(); // ,
      const value = parse();
      take();
      type = { kind: 'map', key, value };
    } else if (head === 'DECIMAL' || head === 'NUMERIC') {
      let precision = 18;
      let scale = 3;
      if (peek() === '(') {
        take();
        precision = Number(take());
        scale = 0;
        if (peek() === ',') {
          take();
          scale = Number(take());
        }
        take();
      }
      type = { kind: 'decimal', precision, scale };
    } else {
      // Multi-word names (TIMESTAMP WITH TIME ZONE, DOUBLE PRECISION) and parameters of other types.
      const words = [head];
      while (peek() !== undefined && /^[A-Za-z]/.test(peek() as string) && !isFieldBoundary(peek() as string)) {
        words.push(take().toUpperCase());
      }
      let spelled = words.join(' ');
      if (peek() === '(') {
        const start = at;
        while (take() !== ')' && peek() !== undefined);
        const inner = tokens
          .slice(start + 1, at - 1)
          .join(' ')
          .replace(/ ,/g, ',');
        spelled += `(${inner})`;
        type = { kind: 'other', text: spelled };
      } else {
        spelled = SCALAR_ALIASES[spelled] ?? (spelled === 'DOUBLE PRECISION' ? 'DOUBLE' : spelled);
        type = { kind: 'scalar', name: spelled };
      }
    }
    while (peek() === '[') {
      take();
      if (peek() === ']') {
        take();
        type = { kind: 'list', of: type };
      } else {
        const size = Number(take());
        take();
        type = { kind: 'array', of: type, size };
      }
    }
    return type;
  };
  const type = parse();
  return at === tokens.length ? type : { kind: 'other', text };
}

/** A word that ends a multi-word type name: the next field's name, never part of a type (WITH, TIME, ZONE are). */
function isFieldBoundary(word: string): boolean {
  return !['WITH', 'TIME', 'ZONE', 'PRECISION', 'VARYING'].includes(word.toUpperCase());
}

export function formatType(type: LakeType): string {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'list':
      return `${formatType(type.of)}[]`;
    case 'array':
      return `${formatType(type.of)}[${type.size}]`;
    case 'struct':
      return `STRUCT(${type.fields.map(([n, t]) => `${ident(n)} ${formatType(t)}`).join(', ')})`;
    case 'map':
      return `MAP(${formatType(type.key)}, ${formatType(type.value)})`;
    case 'other':
      return type.text;
  }
}

/** The type as DuckDB spells it, so that two spellings of one type compare equal. */
export function normalizeTypeText(text: string): string {
  return formatType(parseType(text));
}
