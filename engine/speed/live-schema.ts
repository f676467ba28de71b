import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { ident, literal } from '../kernel/util/sql.js';
import { CANONICAL_FIELDS } from '../kernel/workspace/settings.js';
import { buildPlan, selectTypedRows, type PlanInput, type SourceField } from '../kernel/events/plan.js';
import { normalizeType } from '../kernel/events/records.js';
import { CANONICAL_COLUMNS, LAKE_META_COLUMNS } from '../kernel/events/columns.js';

/** Leaf types DuckDB's JSON reader yields exactly as a cast of the value's text would (see `readsNatively`). */
const NATIVE_LEAVES = new Set([
  'VARCHAR',
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'FLOAT',
  'DOUBLE',
]);

/**
 * Whether a field of this type can be read by DuckDB's JSON reader as the type itself rather than as text
 * cast afterwards: nested values (`items`, a list of structs) are then parsed once instead of being
 * rendered as JSON text and parsed again, which is much of the work of reading a batch. Only types whose values
 * come out the same either way: not DECIMAL (the reader goes through a double), nor times, JSON or
 * UUIDs, which are parsed the way imports parse them. The type text is DuckDB's own (DESCRIBE).
 */
export function readsNatively(type: string): boolean {
  const tokens = type.match(/"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|\d+|[()[\],]/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];
  const parse = (): boolean => {
    let ok: boolean;
    const head = take()?.toUpperCase();
    if (head === 'STRUCT' || head === 'MAP') {
      if (take() !== '(') return false;
      ok = true;
      for (;;) {
        if (head === 'STRUCT') take(); // the field's name
        ok = parse() && ok;
        const next = take();
        if (next === ')') break;
        if (next !== ',') return false;
      }
    } else {
      ok = head !== undefined && NATIVE_LEAVES.has(head);
      // A multi-word name (TIMESTAMP WITH TIME ZONE) or parameters (DECIMAL(18,2)): never a native leaf.
      while (peek() !== undefined && /^[A-Za-z(]/.test(peek() as string)) {
        ok = false;
        if (take() === '(') while (take() !== ')' && peek() !== undefined);
      }
    }
    while (peek() === '[') {
      take();
      if (peek() !== ']') take();
      if (take() !== ']') return false;
    }
    return ok;
  };
  return parse() && at === tokens.length;
}

/** The names the realtime pipelines refer to, found in their parse trees. */
export interface WantedFields {
  /** The fields the pipelines refer to ('all' when one selects *). */
  wanted: Set<string> | 'all';
  /** Names the pipelines define themselves (aliases): read only where events have such a field. */
  defined: Set<string>;
}

/**
 * The fields live rows are typed to: the fields the realtime pipelines use, with the given types (the lake's, so
 * that they bind exactly as in batch, or for an empty lake the types DuckDB sees in the first batch). The canonical
 * fields come from the first alias the data has, as in imports.
 */
export function liveFields(
  types: Map<string, string>,
  aliases: Workspace['settings']['fields'],
  names: WantedFields,
): SourceField[] {
  const { wanted, defined } = names;
  const fields: SourceField[] = [];
  for (const canonical of CANONICAL_FIELDS) {
    const candidates = aliases[canonical];
    fields.push({ key: candidates.find((a) => types.has(a)) ?? (candidates[0] as string), type: 'VARCHAR' });
  }
  const used = wanted === 'all' ? [...types.keys()] : [...wanted];
  for (const name of used) {
    if (fields.some((f) => f.key === name) || (CANONICAL_COLUMNS as readonly string[]).includes(name)) continue;
    if (types.has(name) || wanted === 'all') {
      const type = types.get(name) ?? 'VARCHAR';
      fields.push({ key: name, type, ...(readsNatively(type) ? { native: true } : {}) });
    }
  }
  // Names a pipeline uses that no event has shown yet are read as text: their column exists, empty.
  if (wanted !== 'all') {
    const known = new Set(fields.map((f) => f.key));
    for (const name of wanted) {
      if (!known.has(name) && isField(name) && !defined.has(name)) fields.push({ key: name, type: 'VARCHAR' });
    }
  }
  return fields;
}

/** Whether a referenced name can be an event field: metadata and the partition column are computed. */
function isField(name: string): boolean {
  return !(LAKE_META_COLUMNS as readonly string[]).includes(name) && name !== 'event_date';
}

/** How the batch reader reads a field: as its type where the JSON reader gives it exactly, else as text. */
function readType(field: SourceField): string {
  return field.native ? field.type : 'VARCHAR';
}

/** The types DuckDB sees in the first lines of a file, by field (none when it cannot read them). */
export async function sampleTypes(connection: Connection, file: string): Promise<Map<string, string>> {
  const sampled = await connection
    .all<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_json(${literal(file)}, format = 'newline_delimited', ignore_errors = true)`,
    )
    .catch(() => []);
  return new Map(sampled.map((s) => [s.column_name, normalizeType(s.column_type)]));
}

/**
 * How live rows are typed once the schema is fixed: the fields read from each line, and the event plan imports use
 * (fields, identities, event times) applied to them. The workspace's aliases and time zones are read as each plan is
 * built.
 */
export class LiveSchema {
  constructor(
    readonly fields: SourceField[],
    private readonly workspace: Workspace,
    /** The log the rows come from (the plan's source file). */
    private readonly source: string,
  ) {}

  /** A typed, empty source with the reader's columns (the store's table is created from it). */
  empty(): string {
    return `(SELECT ${this.fields.map((f) => `NULL::${readType(f)} AS ${ident(f.key)}`).join(', ')} LIMIT 0)`;
  }

  /** A batch file, each field a pipeline uses read typed where that is exact (`typed`), else as text. */
  reader(file: string, typed = false): string {
    return `read_json(${literal(file)}, format = 'newline_delimited', ignore_errors = true,
      columns = {${this.fields.map((f) => `${literal(f.key)}: ${literal(typed ? readType(f) : 'VARCHAR')}`).join(', ')}})`;
  }

  /** The import plan for live rows: read straight from the batch file (positionless), or from live_staged with `lineSql`. */
  plan(lineSql?: string, text = false): { plan: ReturnType<typeof buildPlan>; input: PlanInput } {
    const input: PlanInput = {
      kind: 'text',
      fields: this.fields.map((f) => (text ? { key: f.key, type: f.type } : f)),
      aliases: this.workspace.settings.fields,
      firstRowLine: 1,
      hasPlaceholders: false,
      sourceFile: this.source,
      importId: 0,
      importedAt: new Date().toISOString(),
      zones: this.workspace.timeZones,
      // A record without an id is identified by all of it, which only a second read of its line has (deriveIds).
      noDerivedIds: true,
      ...(lineSql ? { lineSql } : { positionless: true }),
    };
    return { plan: buildPlan(input), input };
  }

  /** Typed rows from a source with the reader's columns: fields, event_date and `_ok`, one row per line. */
  typedRows(source: string): string {
    const { plan, input } = this.plan();
    return selectTypedRows(plan, input, source);
  }
}
