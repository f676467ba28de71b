import type { Json } from '@duckdb/node-api';
import { literal } from '../kernel/util/sql.js';
import { addExact, exactText, parseExact, type ExactNumber } from '../kernel/util/exact.js';
import type { AggregateSpec, IncrementalPipeline } from './incremental.js';
import { ProbeTable } from './identity-set.js';

/**
 * Merged partial aggregates of one incremental pipeline, per group. Sums stay exact: DECIMAL and
 * integer sums are held as scaled BigInts, never as floating point; distinct counts keep the hashes of
 * their values, so a value seen again in a later batch is not counted twice. The whole state can be
 * checkpointed as JSON (serialize, restore).
 */

type Numeric = ExactNumber;

/**
 * A delta query's list of 64-bit value hashes (DuckDB's `hash()` of each distinct value of a group), as the words of
 * its UBIGINT vector: hash i is words[start + 2i] (low half) and words[start + 2i + 1] (high half), up to `end`.
 */
export interface HashList {
  words: Uint32Array;
  start: number;
  end: number;
}

/**
 * The values a distinct count has seen, as their 64-bit hashes in an open-addressing table (ProbeTable keys: high
 * half + 1, low half), outside the JS heap. Hashes rather than the values: held as strings in Sets, the values of a
 * replay made the JS heap grow by 40 MB, and each step of its growth cost a full collection of it; a batch's hashes
 * come out of DuckDB as one vector of numbers, with no string made. Two values with the same hash count once: for a
 * group of n distinct values the chance is about n² / 2⁶⁵ (one in 3.7 million for a hundred thousand values).
 */
class DistinctValues {
  readonly table = new ProbeTable(16);

  addHashes(list: HashList): void {
    const { words, end } = list;
    this.table.reserve((end - list.start) / 2);
    for (let i = list.start; i < end; i += 2) this.table.add((words[i + 1] as number) + 1, words[i] as number);
  }

  get size(): number {
    return this.table.size;
  }
}

function isHashList(value: unknown): value is HashList {
  return typeof value === 'object' && value !== null && (value as HashList).words instanceof Uint32Array;
}

type Partial = Numeric | Json | DistinctValues | null;

interface Group {
  key: Json[];
  partials: Partial[];
}

export interface ColumnType {
  name: string;
  type: string;
}

function numericKind(type: string): 'decimal' | 'integer' | 'float' | undefined {
  const t = type.toUpperCase();
  if (t.startsWith('DECIMAL')) return 'decimal';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(t)) return 'integer';
  if (t === 'DOUBLE' || t === 'FLOAT') return 'float';
  return undefined;
}

/** A partial sum as an exact number at its column's scale (DECIMAL(38,2) keeps two places even for 10). */
function parseNumeric(value: Json, type: string): Numeric | null {
  if (value === null || value === undefined) return null;
  const kind = numericKind(type);
  if (kind === 'float') return { kind: 'float', value: Number(value) };
  return parseExact(value, kind === 'decimal' ? Number(/DECIMAL\(\d+,\s*(\d+)\)/i.exec(type)?.[1] ?? 0) : 0);
}

const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;

/** Whether an integer (as a number or its digits) is within BIGINT's range. */
function fitsBigint(value: Json): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  if (typeof value === 'number' && !Number.isInteger(value)) return false;
  const n = BigInt(value);
  return n >= BIGINT_MIN && n <= BIGINT_MAX;
}

function compare(a: Json, b: Json, type: string): number {
  if (numericKind(type)) {
    const x = Number(a);
    const y = Number(b);
    if (numericKind(type) !== 'float' && Number.isSafeInteger(x) === false) {
      const p = parseNumeric(a, type) as Numeric;
      const q = parseNumeric(b, type) as Numeric;
      return p.value < q.value ? -1 : p.value > q.value ? 1 : 0;
    }
    return x - y;
  }
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** A value as the text its column's CAST reads back, for the finalize query's state rows. */
function stateText(value: Json | Numeric | null): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object' && 'kind' in value && 'value' in value) return exactText(value as Numeric);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export interface SerializedState {
  groups: { key: Json[]; partials: unknown[] }[];
}

export class PipelineState {
  private groups = new Map<string, Group>();

  /**
   * @param keyTypes the delta query's key columns and their types
   * @param partialTypes the delta query's partial-state columns and their types
   */
  constructor(
    readonly pipeline: IncrementalPipeline,
    private readonly keyTypes: ColumnType[],
    private readonly partialTypes: ColumnType[],
  ) {}

  get size(): number {
    return this.groups.size;
  }

  /**
   * Merges delta rows (keys then partial columns, as the delta query returns them; a distinct count's column as a
   * HashList, or null for none); returns the groups that changed.
   */
  merge(rows: (Json | HashList)[][]): Set<string> {
    const changed = new Set<string>();
    const nKeys = this.keyTypes.length;
    for (const row of rows) {
      const key = row.slice(0, nKeys) as Json[];
      const id = JSON.stringify(key);
      let group = this.groups.get(id);
      if (!group) {
        group = {
          key,
          partials: this.pipeline.aggregates.flatMap((a) =>
            a.columns.map(() => (a.kind === 'count-distinct' ? new DistinctValues() : null)),
          ),
        };
        this.groups.set(id, group);
      }
      let column = 0;
      for (const aggregate of this.pipeline.aggregates) {
        for (let c = 0; c < aggregate.columns.length; c++, column++) {
          group.partials[column] = this.combine(
            aggregate,
            group.partials[column] ?? null,
            row[nKeys + column] as Json | HashList,
            this.partialTypes[column]?.type as string,
          );
        }
      }
      changed.add(id);
    }
    return changed;
  }

  private combine(aggregate: AggregateSpec, current: Partial, incoming: Json | HashList, type: string): Partial {
    if (aggregate.kind === 'count-distinct') {
      const set = current as DistinctValues;
      if (isHashList(incoming)) set.addHashes(incoming);
      else if (incoming !== null) throw new Error(`internal: a distinct count's delta is not a list of hashes`);
      return set;
    }
    if (isHashList(incoming)) throw new Error(`internal: a list of hashes for a ${aggregate.kind} aggregate`);
    switch (aggregate.kind) {
      case 'min':
      case 'max': {
        if (incoming === null || incoming === undefined) return current;
        if (current === null || current === undefined) return incoming;
        const c = compare(incoming, current as Json, type);
        return (aggregate.kind === 'min' ? c < 0 : c > 0) ? incoming : current;
      }
      default:
        return addExact(current as Numeric | null, parseNumeric(incoming, type));
    }
  }

  /**
   * The pipeline's output rows for the given groups (all when omitted), made here when every output column is a
   * group key or a merged aggregate as it stands, of a type whose value reads back unchanged: exactly the values
   * (and their JSON form) the finalize query gives, without a query. Undefined when the finalize query must run.
   */
  directRows(groupIds?: Iterable<string>): Json[][] | undefined {
    const direct = this.pipeline.direct;
    if (!direct || !this.directTypes) return undefined;
    const rows: Json[][] = [];
    for (const id of groupIds ?? this.groups.keys()) {
      const group = this.groups.get(id);
      if (!group) continue;
      const row: Json[] = [];
      for (const d of direct) {
        if (d.from === 'key') {
          row.push(group.key[d.index] as Json);
          continue;
        }
        const value = this.aggregateOutput(d.index, group.partials[this.columnIndex(d.index, 0)] ?? null);
        // A BIGINT cast of an integer is its digits, unless it does not fit: then the query raises what it raises.
        if (d.cast === 'BIGINT' && value !== null && !fitsBigint(value)) return undefined;
        row.push(d.cast === 'BIGINT' && value !== null ? String(value) : value);
      }
      rows.push(row);
    }
    return rows;
  }

  /** Whether the direct outputs' types read back as they are (no time, interval or nested value takes another form). */
  private get directTypes(): boolean {
    const plain = (type: string | undefined) =>
      /^(VARCHAR|DATE|BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/i.test(
        type ?? '',
      );
    return (this.pipeline.direct ?? []).every((d) => {
      if (d.from === 'key') return plain(this.keyTypes[d.index]?.type);
      const kind = this.pipeline.aggregates[d.index]?.kind;
      // Cast to BIGINT: only integers, whose merged value is exact and reads back as the same digits.
      if (d.cast === 'BIGINT') {
        const type = this.partialTypes[this.columnIndex(d.index, 0)]?.type ?? '';
        return kind === 'count' || ((kind === 'sum' || kind === 'min' || kind === 'max') && numericKind(type) === 'integer');
      }
      return kind === 'count' || kind === 'count-distinct' || plain(this.partialTypes[this.columnIndex(d.index, 0)]?.type);
    });
  }

  /** A merged aggregate as the finalize query returns it: counts as text (BIGINT), exact sums as exact text. */
  private aggregateOutput(aggregate: number, partial: Partial): Json {
    const kind = this.pipeline.aggregates[aggregate]?.kind;
    if (kind === 'count-distinct') return String((partial as DistinctValues).size);
    if (kind === 'count') return partial === null ? '0' : exactText(partial as Numeric);
    if (kind === 'sum') {
      if (partial === null) return null;
      const n = partial as Numeric;
      if (n.kind === 'exact') return exactText(n);
      return Number.isFinite(n.value) ? n.value : String(n.value);
    }
    return partial as Json;
  }

  /** A query producing the pipeline's output rows for the given groups (all when omitted). */
  finalizeSql(groupIds?: Iterable<string>): string | undefined {
    const ids = groupIds ? [...groupIds] : [...this.groups.keys()];
    const groups = ids.map((id) => this.groups.get(id)).filter((g): g is Group => g !== undefined);
    if (groups.length === 0) return undefined;
    const stateColumns: ColumnType[] = [];
    this.pipeline.aggregates.forEach((a, i) => {
      // A distinct count's state is its set; the finalize query sees the set's size.
      a.columns.forEach((name, j) => {
        const type = this.partialTypes[this.columnIndex(i, j)]?.type as string;
        stateColumns.push({ name, type: a.kind === 'count-distinct' ? 'BIGINT' : type });
      });
    });
    const columns = [...this.keyTypes, ...stateColumns];
    const values = groups.map((g) => [...g.key, ...g.partials]);
    const rows = values.map((v) =>
      v.map((p, i) => {
        if (p instanceof DistinctValues) return String(p.size);
        if ((p === null || p === undefined) && i >= this.keyTypes.length && this.isCount(i - this.keyTypes.length)) return '0';
        return stateText(p as Json | Numeric | null);
      }),
    );
    // Nested values (lists, structs) travel as JSON text and stay JSON.
    const nested = (p: unknown) =>
      typeof p === 'object' && p !== null && !(p instanceof DistinctValues) && !('kind' in p && 'value' in p);
    const castTo = columns.map((c, i) => (values.some((v) => nested(v[i])) ? 'JSON' : c.type));
    // The rows travel as one JSON text literal of strings, each CAST to its column's type as a VALUES list would: a
    // VALUES list of thousands of CASTs costs DuckDB several times as much to parse and bind as one literal.
    const select = columns.map((c, i) => `CAST(__r[${i + 1}] AS ${castTo[i]}) AS "${c.name}"`).join(', ');
    const table = `(SELECT ${select} FROM (SELECT unnest(CAST(CAST(${literal(JSON.stringify(rows))} AS JSON) AS VARCHAR[][])) AS __r)) AS __state__`;
    return this.pipeline.finalizeSql(table);
  }

  private columnIndex(aggregate: number, column: number): number {
    let index = 0;
    for (let i = 0; i < aggregate; i++) index += this.pipeline.aggregates[i]?.columns.length ?? 0;
    return index + column;
  }

  private isCount(stateIndex: number): boolean {
    let index = 0;
    for (const a of this.pipeline.aggregates) {
      for (let c = 0; c < a.columns.length; c++, index++) {
        if (index === stateIndex) return a.kind === 'count' || (a.kind === 'avg' && c === 1);
      }
    }
    return false;
  }

  /** Drops groups whose partition (the first key) is at or before `partition`: the batch layer covers them. */
  release(partition: string): number {
    let released = 0;
    for (const [id, group] of this.groups) {
      if (String(group.key[0]) <= partition) {
        this.groups.delete(id);
        released++;
      }
    }
    return released;
  }

  /** Distinct values held for distinct counts: the part of the state that grows with the data. */
  distinctValues(): number {
    let n = 0;
    for (const g of this.groups.values()) for (const p of g.partials) if (p instanceof DistinctValues) n += p.size;
    return n;
  }

  /** Bytes of the distinct counts' hash tables (typed arrays, outside the JS heap that heap figures measure). */
  distinctBytes(): number {
    let n = 0;
    for (const g of this.groups.values()) for (const p of g.partials) if (p instanceof DistinctValues) n += p.table.bytes;
    return n;
  }

  serialize(): SerializedState {
    return {
      groups: [...this.groups.values()].map((g) => ({
        key: g.key,
        partials: g.partials.map((p) =>
          p instanceof DistinctValues
            ? { hashes: p.table.pairs() }
            : p && typeof p === 'object' && 'kind' in p
              ? { ...p, value: String((p as Numeric).value) }
              : p,
        ),
      })),
    };
  }

  restore(state: SerializedState): void {
    this.groups.clear();
    for (const g of state.groups) {
      const partials = g.partials.map((p) => {
        if (p && typeof p === 'object' && 'hashes' in p) {
          const pairs = (p as { hashes: number[] }).hashes;
          const set = new DistinctValues();
          set.table.reserve(pairs.length / 2);
          for (let i = 0; i + 1 < pairs.length; i += 2) set.table.add(pairs[i] as number, pairs[i + 1] as number);
          return set;
        }
        if (p && typeof p === 'object' && ('texts' in p || 'set' in p)) {
          // Values, not hashes (snapshots before version 2): DuckDB's hashes of them cannot be made here.
          throw new Error('a snapshot of distinct values from an earlier version of Recount cannot be restored');
        }
        if (p && typeof p === 'object' && 'kind' in p) {
          const n = p as { kind: string; value: string; scale?: number };
          return n.kind === 'float'
            ? { kind: 'float' as const, value: Number(n.value) }
            : { kind: 'exact' as const, scale: n.scale ?? 0, value: BigInt(n.value) };
        }
        return p as Json;
      }) as Partial[];
      this.groups.set(JSON.stringify(g.key), { key: g.key, partials });
    }
  }
}
