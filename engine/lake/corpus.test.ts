import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  DuckDBInstance,
  DuckDBMapType,
  DuckDBStructType,
  DuckDBTypeId,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testWorkspace } from '../testing/fixtures.js';
import { ident, literal } from '../kernel/util/sql.js';
import type { CanonicalField } from '../kernel/workspace/settings.js';
import { CORPUS, type CorpusEntry } from './corpus/manifest.js';
import {
  MAX_PARTITION_US,
  MIN_PARTITION_US,
  canonDecimal,
  canonOf,
  canonOfExpected,
  compareCanon,
  csvHeaderFields,
  csvRecordLines,
  displayCanon,
  epochMicros,
  excuseInstantSql,
  excuseOf,
  excuses,
  isoTextMicros,
  ndjsonRecordLines,
  renderReport,
  rfc2822Micros,
  type Canon,
  type Excuse,
  type ExcuseLookups,
  type FileReport,
  type CsvDialect,
  type Mismatch,
  type Verdict,
} from './corpus-compare.js';
import { importFile, type ImportFileResult } from './import.js';

/**
 * The real-file corpus, value for value: each file nobody here wrote is imported into a fresh workspace, and every
 * landed value is compared with what DuckDB's own reader (the entry's `reference`) reads from the same file. Records
 * pair by order: the reference's k-th row is the k-th of the landed rows and rejects, by line. A difference fails the
 * file's test unless a note of the import documents that very difference for that column; CORPUS_REPORT_ONLY=1 only
 * writes the report (.tmp/corpus-report.md), so it can be produced while the bugs it finds are open.
 *
 * - Values: see compareCanon (corpus-compare.ts). Each reference column is matched to the lake column the import's
 *   `columns` name for its source field (JSON keys in order of first appearance, or the CSV header by position, since
 *   DuckDB's readers rename case-colliding keys and duplicate headers themselves), else the same name; a lake column
 *   not named as its source field needs a `renamed` note (headerless CSV: both sides make names up, not compared).
 * - Notes excuse only what they say (Excuse in corpus-compare.ts): text kept is the source's own text, an exact type
 *   the reference's number (or the one its double rounds), a decimal comma the reference's text read with a point, a
 *   time format the instant DuckDB's strptime reads in it from a text DuckDB did not read as a time; a rename only a
 *   name. Notes on records (unclosed quotes, skipped lines) and on the choice of a field excuse no value.
 * - Canonical fields: event_type against the type source's text (as DuckDB casts it; numbers numerically), occurred_at
 *   against the time source as an instant: TIMESTAMP and DATE as UTC, text as DuckDB casts it to TIMESTAMPTZ in UTC or
 *   as RFC 2822, numbers as epochs by magnitude (none below 10^8), exactly from their digits; with the entry's
 *   `timeFormat`, DuckDB's `to_timestamp` (or `strptime`) of the reference's value instead.
 * - A record is expected to land when its type has text and its time is an instant in the years 1 to 9999: rejecting
 *   it is a mismatch; rejecting any other record is expected. Every record's line (its position, for Parquet and JSON
 *   documents) is checked against the file's own lines where they can be worked out.
 * - An entry with `records` (a file Recount frames apart from DuckDB on purpose) is checked against the records and
 *   values worked out by hand in the manifest instead of DuckDB's.
 */
const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));
const REPORT_PATH = fileURLToPath(new URL('../../.tmp/corpus-report.md', import.meta.url));
const REPORT_ONLY = process.env.CORPUS_REPORT_ONLY === '1';
const SAMPLES_PER_CAUSE = 2;
const MAX_SAMPLES = 8;
const LAKE_OWN_COLUMNS = new Set([
  'event_id',
  'event_type',
  'occurred_at',
  'event_date',
  '_source_file',
  '_source_line',
  '_imported_at',
  '_import_id',
]);

interface Table {
  names: string[];
  types: DuckDBType[];
  rows: DuckDBValue[][];
}

let instance: DuckDBInstance;
let reference: DuckDBConnection;
const reports: FileReport[] = [];
let started = Date.now();

async function readTable(connection: DuckDBConnection, sql: string): Promise<Table> {
  const reader = await connection.runAndReadAll(sql);
  return { names: reader.columnNames(), types: reader.columnTypes(), rows: reader.getRows() };
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0] as string;
}

function referenceSql(entry: CorpusEntry, path: string): string {
  return entry.reference.replaceAll('{path}', literal(path));
}

async function fileText(entry: CorpusEntry, path: string): Promise<string> {
  const bytes = await readFile(path);
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return raw.toString(/encoding\s*=\s*'latin-1'/.test(entry.reference) ? 'latin1' : 'utf8');
}

/** The CSV dialect DuckDB's sniffer finds with the reference's own options. */
async function sniffCsv(entry: CorpusEntry, path: string): Promise<CsvDialect | undefined> {
  if (!entry.reference.startsWith('read_csv(')) return undefined;
  const sniffed = await reference.runAndReadAll(
    `SELECT Delimiter AS d, Quote AS q, Escape AS e, SkipRows::INTEGER AS s, HasHeader AS h FROM ${referenceSql(entry, path).replace(/^read_csv\(/, 'sniff_csv(')}`,
  );
  const d = sniffed.getRowObjectsJson()[0] as { d: string; q: string; e: string; s: number; h: boolean };
  const none = (c: string) => (c === '(empty)' ? '' : c);
  return { delimiter: d.d, quote: none(d.q), escape: none(d.e), skipRows: d.s, header: d.h };
}

interface SourceNames {
  names: string[];
  /** keys: JSON keys; header: a CSV header; positions: a CSV without one (names made up by each side); names: as read. */
  by: 'keys' | 'header' | 'positions' | 'names';
}

/**
 * The name each reference column has in the source: DuckDB's readers rename some (case-colliding JSON keys, duplicate
 * or empty CSV headers), so the JSON keys in order of first appearance, or the CSV header, when they line up with the
 * reference's columns; else the reference's own names.
 */
async function sourceNames(entry: CorpusEntry, path: string, ref: Table): Promise<SourceNames> {
  try {
    if (entry.reference.startsWith('read_json(')) {
      const r = await reference.runAndReadAll(
        `SELECT k FROM (SELECT unnest(json_keys(json)) AS k, generate_subscripts(json_keys(json), 1) AS i, row_number() OVER () AS r
           FROM read_json_objects(${literal(path)}, format = 'auto')) GROUP BY k ORDER BY min(r * 1000000 + i)`,
      );
      const keys = r.getRows().map((row) => String(row[0]));
      // DuckDB keeps a key's name, or numbers it (Duck_1) when another key has it but for case.
      const inOrder = keys.every((k, i) => ref.names[i] === k || ref.names[i]?.startsWith(`${k}_`));
      if (keys.length === ref.names.length && inOrder) return { names: keys, by: 'keys' };
    }
    const dialect = await sniffCsv(entry, path);
    if (dialect && !dialect.header) return { names: ref.names, by: 'positions' };
    if (dialect?.header) {
      const header = csvHeaderFields((await fileText(entry, path)).replace(/^\uFEFF/, ''), dialect);
      if (header.length === ref.names.length) return { names: header, by: 'header' };
    }
  } catch {
    // The reference's names, then.
  }
  return { names: ref.names, by: 'names' };
}

/** Where each reference record starts: its position for Parquet and JSON documents, its line for NDJSON and CSV. */
async function expectedLines(entry: CorpusEntry, path: string, format: string, count: number): Promise<number[] | string> {
  if (format.startsWith('parquet') || format.startsWith('json')) return Array.from({ length: count }, (_, i) => i + 1);
  const text = await fileText(entry, path);
  let lines: number[];
  if (format.startsWith('ndjson')) {
    lines = ndjsonRecordLines(text);
  } else {
    const dialect = await sniffCsv(entry, path);
    if (!dialect) return 'not checked (reference is not read_csv)';
    lines = csvRecordLines(text.replace(/^\uFEFF/, ''), dialect);
  }
  return lines.length === count ? lines : `not checked (${lines.length} records by line, ${count} by DuckDB)`;
}

/** Epoch microseconds of each distinct text, as DuckDB casts it to TIMESTAMPTZ in UTC (NULL: not a time to DuckDB). */
async function castTextInstants(texts: string[]): Promise<Map<string, bigint | null>> {
  const out = new Map<string, bigint | null>();
  // DuckDB reads zone-less text in the zone of a named-zone value cast before it in the same vector: batch them apart.
  const named = texts.filter((s) => /[A-Za-z]{2,}\s*$/.test(s));
  const plain = texts.filter((s) => !/[A-Za-z]{2,}\s*$/.test(s));
  const cast = async (batch: string[]) => {
    if (batch.length === 0) return;
    try {
      const r = await reference.runAndReadAll(
        `SELECT v, epoch_us(TRY_CAST(v AS TIMESTAMPTZ))::VARCHAR AS us FROM (SELECT unnest([${batch.map(literal).join(', ')}]::VARCHAR[]) AS v)`,
      );
      for (const [v, us] of r.getRows()) out.set(String(v), us === null ? null : BigInt(String(us)));
    } catch {
      if (batch.length > 1) for (const s of batch) await cast([s]);
      else out.set(batch[0] as string, null);
    }
  };
  for (let i = 0; i < plain.length; i += 500) await cast(plain.slice(i, i + 500));
  for (const s of named) await cast([s]);
  return out;
}

type Accessor = (row: DuckDBValue[]) => Canon;

/** The reference column of a source field, by its name in the source, else by the reference's name for it. */
function columnOf(ref: Table, source: SourceNames, name: string): number {
  const index = source.names.indexOf(name);
  return index >= 0 ? index : ref.names.indexOf(name);
}

/** A source field of the reference by name, or by a dotted path into its nested values (data.created_at). */
function accessorFor(ref: Table, source: SourceNames, name: string | undefined): Accessor | undefined {
  if (name === undefined) return undefined;
  const index = columnOf(ref, source, name);
  if (index >= 0) return (row) => canonOf(row[index], ref.types[index]);
  const [head, ...path] = name.split('.');
  const root = columnOf(ref, source, head as string);
  if (root < 0 || path.length === 0) return undefined;
  return (row) => {
    let c = canonOf(row[root], ref.types[root]);
    for (const key of path) c = c.t === 'obj' ? (c.entries.get(key) ?? { t: 'null' }) : { t: 'null' };
    return c;
  };
}

/** SQL for a source field's value in the reference (text, for a path into JSON), or undefined: no such field. */
function valueSqlFor(ref: Table, source: SourceNames, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const index = columnOf(ref, source, name);
  if (index >= 0) return ident(ref.names[index] as string);
  const [head, ...path] = name.split('.');
  const root = columnOf(ref, source, head as string);
  if (root < 0 || path.length === 0) return undefined;
  let sql = ident(ref.names[root] as string);
  let type: DuckDBType | undefined = ref.types[root];
  for (const [i, key] of path.entries()) {
    if (type?.alias === 'JSON') {
      const jsonPath = `$.${path
        .slice(i)
        .map((k) => JSON.stringify(k))
        .join('.')}`;
      return `json_extract_string(${sql}, ${literal(jsonPath)})`;
    }
    if (type instanceof DuckDBMapType) {
      sql = `(${sql})[${literal(key)}]`;
      type = type.valueType;
      continue;
    }
    if (!(type instanceof DuckDBStructType) || type.entryIndexes[key] === undefined) return undefined;
    sql = `struct_extract(${sql}, ${literal(key)})`;
    type = type.entryTypes[type.entryIndexes[key] as number];
  }
  return sql;
}

/** SQL for a source field's text as DuckDB casts it (what an import of a typed source makes its event type). */
function textSqlFor(ref: Table, source: SourceNames, name: string | undefined): string {
  const value = valueSqlFor(ref, source, name);
  return value === undefined ? 'NULL::VARCHAR' : `CAST(${value} AS VARCHAR)`;
}

const EPOCH_DIVISORS: Record<string, number> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };

/**
 * SQL for the epoch microseconds of the instant an entry's `timeFormat` names in a source field, computed by DuckDB
 * from the reference's value: `to_timestamp` of it as a number (over 1000, 10^6 or 10^9 for ms, µs, ns), or its
 * `strptime` in the format (zone-less: UTC, the workspace's zone). NULL where DuckDB reads no instant.
 */
function timeSqlFor(format: string, value: string | undefined): string {
  if (value === undefined) return 'NULL::VARCHAR';
  const epoch = /^epoch(?:_(s|ms|us|ns))?$/.exec(format);
  if (epoch) {
    const divisor = EPOCH_DIVISORS[epoch[1] ?? 's'] as number;
    // Not try(to_timestamp(…)): one value out of range makes try() give NULL for its whole vector (DuckDB 1.5).
    const seconds = `(TRY_CAST(${value} AS DOUBLE) / ${divisor})`;
    return `epoch_us(CASE WHEN isfinite(${seconds}) AND abs(${seconds}) < 9.2e12 THEN to_timestamp(${seconds}) END)::VARCHAR`;
  }
  return `epoch_us(try_strptime(CAST(${value} AS VARCHAR), ${literal(format)}))::VARCHAR`;
}

function instantOf(c: Canon, texts: Map<string, bigint | null>): { us: bigint; tolerance: bigint } | undefined {
  if (c.t === 'ts') return { us: c.us, tolerance: 0n };
  if (c.t === 'date') return { us: BigInt(c.days) * 86_400_000_000n, tolerance: 0n };
  if (c.t === 'num') return epochMicros(c);
  if (c.t === 'text') {
    const cast = texts.get(c.v);
    if (cast !== undefined && cast !== null) return { us: cast, tolerance: 0n };
    const numeral = canonDecimal(c.v);
    if (numeral !== undefined) return epochMicros({ t: 'num', exact: numeral, text: c.v.trim() });
    const rfc = rfc2822Micros(c.v);
    if (rfc !== undefined) return { us: rfc, tolerance: 0n };
  }
  return undefined;
}

class Findings {
  constructor(
    private readonly report: FileReport,
    private readonly notes: NonNullable<ImportFileResult['notes']>,
  ) {}

  /** Whether a rename note of the import says why a column has another name than its source field (names only). */
  documentsName(columns: (string | undefined)[], source?: string): boolean {
    return this.notes.some(
      (n) =>
        n.kind === 'renamed' &&
        (columns.includes(n.column) || (source !== undefined && n.detail.includes(JSON.stringify(source)))),
    );
  }

  /** What the import's notes on a lake column excuse about its values (see Excuse): only what each documents. */
  excusesFor(column: string): Excuse[] {
    return this.notes.flatMap((n) => {
      const excuse = n.column === column ? excuseOf(n) : undefined;
      return excuse ? [excuse] : [];
    });
  }

  add(m: Mismatch, documented: boolean): void {
    const cause = `${m.kind}: ${m.column}`;
    if (documented) {
      this.report.documented++;
      if (this.report.documentedSamples.length < MAX_SAMPLES) this.report.documentedSamples.push(m);
      return;
    }
    this.report.mismatches++;
    const seen = this.report.byCause[cause] ?? 0;
    this.report.byCause[cause] = seen + 1;
    if (seen < SAMPLES_PER_CAUSE && this.report.samples.length < MAX_SAMPLES) this.report.samples.push(m);
  }
}

function differenceKind(lake: Canon, ref: Canon): string {
  if (lake.t === 'null') return 'NULL in the lake';
  if (ref.t === 'null') return 'a value where DuckDB reads NULL';
  if (lake.t === 'text' && (ref.t === 'ts' || ref.t === 'date' || ref.t === 'time')) return `text where DuckDB reads a ${ref.t}`;
  if (lake.t === 'num' && ref.t === 'num') return lake.float !== undefined && ref.exact !== undefined ? 'rounded' : 'number';
  if (lake.t === ref.t) return `${lake.t} value`;
  return `${lake.t} where DuckDB reads ${ref.t}`;
}

const CANONICAL: CanonicalField[] = ['event_id', 'event_type', 'occurred_at'];
const TYPE_TEXT = '__corpus_type_text';
const ID_TEXT = '__corpus_id_text';
const TIME_US = '__corpus_time_us';

interface Reference extends Table {
  source: SourceNames;
  /** The type and id sources' text as DuckDB casts it, per row. */
  typeText: (string | null)[];
  idText: (string | null)[];
  /** With the entry's `timeFormat`: the instant DuckDB reads in that format from the time source, per row. */
  timeUs: (bigint | null)[];
  /** The source field each canonical field should come from: the entry's map, else the first default alias present. */
  intended: Record<CanonicalField, string | undefined>;
}

async function readReference(entry: CorpusEntry, path: string, aliases: Record<CanonicalField, string[]>): Promise<Reference> {
  const from = referenceSql(entry, path);
  const shape = await readTable(reference, `SELECT * FROM ${from} LIMIT 0`);
  const source = await sourceNames(entry, path, shape);
  const intended = {} as Record<CanonicalField, string | undefined>;
  for (const field of CANONICAL) intended[field] = entry.map?.[field] ?? aliases[field].find((a) => source.names.includes(a));
  const time = entry.timeFormat ? timeSqlFor(entry.timeFormat, valueSqlFor(shape, source, intended.occurred_at)) : 'NULL';
  const table = await readTable(
    reference,
    `SELECT *, ${textSqlFor(shape, source, intended.event_type)} AS ${TYPE_TEXT}, ${textSqlFor(shape, source, intended.event_id)} AS ${ID_TEXT},
       ${time} AS ${TIME_US} FROM ${from}`,
  );
  const width = table.names.length - 3;
  const text = (v: DuckDBValue | undefined) => (v === null || v === undefined ? null : String(v));
  return {
    source,
    names: table.names.slice(0, width),
    types: table.types.slice(0, width),
    rows: table.rows.map((row) => row.slice(0, width)),
    typeText: table.rows.map((row) => text(row[width])),
    idText: table.rows.map((row) => text(row[width + 1])),
    timeUs: table.rows.map((row) => (row[width + 2] === null ? null : BigInt(String(row[width + 2])))),
    intended,
  };
}

async function compareImport(
  entry: CorpusEntry,
  path: string,
  result: ImportFileResult,
  ref: Reference,
  lake: Table,
  rejects: { line: number; reason: string; raw: string | null }[],
  report: FileReport,
): Promise<void> {
  const findings = new Findings(report, result.notes ?? []);
  const lakeIndex = new Map(lake.names.map((n, i) => [n, i]));
  const lineIndex = lakeIndex.get('_source_line') as number;
  const items: Item[] = [
    ...lake.rows.map((row) => ({ kind: 'row' as const, line: Number(row[lineIndex]), row })),
    ...rejects.map((r) => ({ kind: 'reject' as const, line: Number(r.line), reason: r.reason })),
  ].sort((a, b) => a.line - b.line);
  report.referenceRows = ref.rows.length;
  report.countOk = items.length === ref.rows.length;
  if (entry.records) {
    compareByHand(entry, entry.records, result, lake, items, report, findings);
    return;
  }

  const { intended } = ref;
  for (const field of CANONICAL) {
    const used = result.fields?.[field];
    if (intended[field] !== undefined && used !== intended[field]) {
      findings.add(
        { record: 0, column: field, kind: 'field choice', lake: String(used), reference: String(intended[field]) },
        false,
      );
    }
  }
  const { source } = ref;
  const typeOf = accessorFor(ref, source, intended.event_type);
  const timeOf = accessorFor(ref, source, intended.occurred_at);
  const idOf = accessorFor(ref, source, intended.event_id);
  for (const field of CANONICAL) {
    if (intended[field] !== undefined && !accessorFor(ref, source, intended[field])) {
      findings.add(
        {
          record: 0,
          column: field,
          kind: 'no such field in the reference',
          lake: String(result.fields?.[field]),
          reference: String(intended[field]),
        },
        false,
      );
    }
  }

  // Which lake column holds each reference column: the import's own account of its source fields (by the name the
  // field has in the source, or by position for CSV, whose header names the import makes unique itself), else the
  // same name. A lake column not named as its source field is a rename, which a note must explain.
  const bySource = new Map((result.columns ?? []).map((c) => [c.source, c.column]));
  const positional =
    (source.by === 'header' || source.by === 'positions') &&
    result.format?.startsWith('csv') &&
    result.columns?.length === ref.names.length;
  const claimed = new Set<string>();
  const columnFor = new Map<number, number>();
  ref.names.forEach((name, r) => {
    // With no row landed, the lake has no columns of this import to name.
    if (lake.rows.length === 0) return;
    const sourceName = source.names[r] as string;
    let column = positional ? result.columns?.[r]?.column : (bySource.get(sourceName) ?? bySource.get(name));
    if (column === undefined || !lakeIndex.has(column))
      column = lakeIndex.has(sourceName) ? sourceName : lakeIndex.has(name) ? name : undefined;
    if (column === undefined) {
      const folded = lake.names.filter((n) => n.toLowerCase() === sourceName.toLowerCase() && !claimed.has(n));
      if (folded.length === 1) column = folded[0];
    }
    if (column === undefined) {
      findings.add(
        { record: 0, column: sourceName, kind: 'column missing in the lake', lake: '(none)', reference: name },
        findings.documentsName([name], sourceName),
      );
      return;
    }
    claimed.add(column);
    columnFor.set(r, lakeIndex.get(column) as number);
    const canonicalHome = CANONICAL.includes(column as CanonicalField) && sourceName === column;
    if (source.by !== 'positions' && !canonicalHome && column.trim() !== sourceName.trim()) {
      findings.add(
        { record: 0, column: sourceName, kind: 'stored under another name', lake: column, reference: JSON.stringify(sourceName) },
        findings.documentsName([column], sourceName),
      );
    }
  });
  for (const name of lake.rows.length === 0 ? [] : lake.names) {
    if (!claimed.has(name) && !LAKE_OWN_COLUMNS.has(name)) {
      findings.add(
        { record: 0, column: name, kind: 'lake column not in the reference', lake: name, reference: '(none)' },
        findings.documentsName([name]),
      );
    }
  }

  const explicitTime = entry.timeFormat !== undefined;
  const texts = new Set<string>();
  if (timeOf) {
    for (const row of ref.rows) {
      const c = timeOf(row);
      if (c.t === 'text') texts.add(c.v);
    }
  }
  const textInstants = explicitTime ? new Map<string, bigint | null>() : await castTextInstants([...texts]);
  const lines = await expectedLines(entry, path, result.format ?? '', ref.rows.length).catch(
    (error: unknown) => `not checked (${firstLine(error)})`,
  );
  report.lines = typeof lines === 'string' ? lines : 'checked';

  // What the notes on each lake column excuse, with what DuckDB reads for it: the lake's texts in the reference's
  // type (kept as text), the reference's texts in the format a note names (times converted).
  const excusesOf = new Map<number, Documented>();
  for (const [r, l] of columnFor) {
    const documented = await documentedFor(
      findings.excusesFor(lake.names[l] as string),
      textsOf(lake.rows, (row) => row[l]),
      textsOf(ref.rows, (row) => row[r]),
      ref.types[r],
    );
    if (documented) excusesOf.set(r, documented);
  }
  const timeDocumented = await documentedFor(findings.excusesFor('occurred_at'), [], [...texts], undefined);
  const typeDocumented = await documentedFor(findings.excusesFor('event_type'), [], [], undefined);

  const n = Math.min(items.length, ref.rows.length);
  for (let k = 0; k < n; k++) {
    const item = items[k] as Item;
    const row = ref.rows[k] as DuckDBValue[];
    const record = k + 1;
    if (typeof lines !== 'string' && item.line !== lines[k]) {
      findings.add(
        { record, line: item.line, column: '(record)', kind: 'line', lake: String(item.line), reference: String(lines[k]) },
        false,
      );
    }
    const typeValue: Canon = typeOf ? typeOf(row) : { t: 'null' };
    const typeText = ref.typeText[k]?.trim();
    const timeValue: Canon = timeOf ? timeOf(row) : { t: 'null' };
    const explicitUs = ref.timeUs[k];
    const instant = explicitTime
      ? explicitUs === null || explicitUs === undefined
        ? undefined
        : { us: explicitUs, tolerance: 0n }
      : instantOf(timeValue, textInstants);
    const landable =
      typeText !== undefined &&
      typeText !== '' &&
      instant !== undefined &&
      instant.us >= MIN_PARTITION_US &&
      instant.us <= MAX_PARTITION_US;
    if (item.kind === 'reject') {
      if (landable) {
        findings.add(
          {
            record,
            line: item.line,
            column: '(record)',
            kind: 'rejected, though DuckDB reads a type and a time',
            lake: item.reason,
            reference: `type ${JSON.stringify(typeText)}, time ${displayCanon(timeValue, 60)}`,
          },
          false,
        );
      } else report.expectedRejects++;
      continue;
    }
    const lakeRow = item.row;
    const compare = (
      column: string,
      lakeValue: Canon,
      refValue: Canon,
      verdict: Verdict,
      documented: Documented | undefined,
      lakeText: string | undefined,
      excusable = refValue,
    ) => {
      report.compared++;
      if (verdict === 'equal') report.equal++;
      else if (verdict === 'more-exact') report.moreExact++;
      else
        findings.add(
          {
            record,
            line: item.line,
            column,
            kind: differenceKind(lakeValue, refValue),
            lake: displayCanon(lakeValue),
            reference: displayCanon(refValue),
          },
          documented !== undefined &&
            documented.excuses.some((e) => excuses(e, lakeValue, lakeText, excusable, documented.lookups)),
        );
    };
    for (const [r, l] of columnFor) {
      const lakeValue = canonOf(lakeRow[l], lake.types[l]);
      const refValue = canonOf(row[r], ref.types[r]);
      const lakeText = typeof lakeRow[l] === 'string' ? lakeRow[l] : undefined;
      compare(source.names[r] as string, lakeValue, refValue, compareCanon(lakeValue, refValue), excusesOf.get(r), lakeText);
    }
    // The canonical fields, against the fields they come from: the type as the source's text, the time as an instant.
    if (typeOf) {
      const lakeType = canonOf(lakeRow[lakeIndex.get('event_type') as number]);
      const refText = ref.typeText[k] ?? null;
      const verdict: Verdict =
        lakeType.t === 'text' && refText !== null && (lakeType.v === refText || lakeType.v === refText.trim())
          ? 'equal'
          : lakeType.t === 'text' && typeValue.t !== 'text'
            ? compareCanon(lakeType, typeValue)
            : 'differ';
      const refType: Canon = refText === null ? { t: 'null' } : { t: 'text', v: refText };
      compare('event_type', lakeType, refType, verdict, typeDocumented, lakeType.t === 'text' ? lakeType.v : undefined);
    }
    if (timeOf) {
      const lakeTime = canonOf(lakeRow[lakeIndex.get('occurred_at') as number]);
      const diff = lakeTime.t === 'ts' && instant ? lakeTime.us - instant.us : undefined;
      const verdict: Verdict =
        diff !== undefined && instant && diff * diff <= instant.tolerance * instant.tolerance ? 'equal' : 'differ';
      // A time DuckDB reads is the instant to match; only one it does not read can differ as a note says.
      const refTime: Canon = instant ? { t: 'ts', us: instant.us } : timeValue;
      compare('occurred_at', lakeTime, refTime, verdict, instant ? undefined : timeDocumented, undefined, timeValue);
    }
    if (idOf) {
      const idText = ref.idText[k]?.trim();
      if (idText) {
        const lakeId = canonOf(lakeRow[lakeIndex.get('event_id') as number]);
        const verdict: Verdict = lakeId.t === 'text' && lakeId.v === idText ? 'equal' : 'differ';
        compare('event_id', lakeId, { t: 'text', v: idText }, verdict, undefined, undefined);
      }
    }
  }
}

type RowItem = { kind: 'row'; line: number; row: DuckDBValue[] };
type Item = RowItem | { kind: 'reject'; line: number; reason: string };

/**
 * A file framed differently from DuckDB on purpose: its records (how many, and the line each starts on) against
 * those worked out by hand in the manifest, and its landed rows against the values written there by hand.
 */
function compareByHand(
  entry: CorpusEntry,
  byHand: NonNullable<CorpusEntry['records']>,
  result: ImportFileResult,
  lake: Table,
  items: Item[],
  report: FileReport,
  findings: Findings,
): void {
  report.byHand = { count: byHand.count, why: byHand.why };
  report.countOk = items.length === byHand.count;
  report.lines = 'checked against the lines worked out by hand';
  for (const field of CANONICAL) {
    const wanted = entry.map?.[field];
    if (wanted !== undefined && result.fields?.[field] !== wanted) {
      findings.add(
        { record: 0, column: field, kind: 'field choice', lake: String(result.fields?.[field]), reference: wanted },
        false,
      );
    }
  }
  items.forEach((item, k) => {
    if (item.line !== byHand.lines[k]) {
      const reference = String(byHand.lines[k] ?? '(no such record)');
      findings.add(
        { record: k + 1, line: item.line, column: '(record)', kind: 'line', lake: String(item.line), reference },
        false,
      );
    }
  });
  const expected = entry.expected ?? [];
  const landed = items.filter((i): i is RowItem => i.kind === 'row');
  report.expectedRejects = items.length - landed.length;
  if (landed.length !== expected.length) {
    findings.add(
      { record: 0, column: '(rows)', kind: 'landed rows', lake: String(landed.length), reference: `${expected.length} by hand` },
      false,
    );
  }
  const lakeIndex = new Map(lake.names.map((name, i) => [name, i]));
  const bySource = new Map((result.columns ?? []).map((c) => [c.source, c.column]));
  const written = new Set(expected.flatMap((row) => Object.keys(row)));
  for (const c of landed.length > 0 ? (result.columns ?? []) : []) {
    if (!written.has(c.source)) {
      findings.add(
        { record: 0, column: c.source, kind: 'lake column not in the values by hand', lake: c.column, reference: '(none)' },
        false,
      );
    }
  }
  landed.slice(0, expected.length).forEach((item, k) => {
    const record = items.indexOf(item) + 1;
    for (const [key, value] of Object.entries(expected[k] as Record<string, unknown>)) {
      const column = LAKE_OWN_COLUMNS.has(key) ? key : bySource.get(key);
      const index = column === undefined ? undefined : lakeIndex.get(column);
      if (index === undefined) {
        findings.add(
          { record, line: item.line, column: key, kind: 'column missing in the lake', lake: '(none)', reference: key },
          false,
        );
        continue;
      }
      const us = key === 'occurred_at' && typeof value === 'string' ? isoTextMicros(value) : undefined;
      const want: Canon = us !== undefined ? { t: 'ts', us } : canonOfExpected(value);
      const got = canonOf(item.row[index], lake.types[index]);
      report.compared++;
      if (compareCanon(got, want) === 'equal') report.equal++;
      else {
        findings.add(
          {
            record,
            line: item.line,
            column: key,
            kind: 'differs from the value worked out by hand',
            lake: displayCanon(got),
            reference: displayCanon(want),
          },
          false,
        );
      }
    }
  });
}

interface Documented {
  excuses: Excuse[];
  lookups: ExcuseLookups;
}

/** The distinct texts among some values (VARCHAR and JSON values are strings to node-api). */
function textsOf(rows: DuckDBValue[][], value: (row: DuckDBValue[]) => DuckDBValue | undefined): string[] {
  const out = new Set<string>();
  for (const row of rows) {
    const v = value(row);
    if (typeof v === 'string') out.add(v);
  }
  return [...out];
}

async function inBatches(texts: string[], sql: (list: string) => string): Promise<DuckDBValue[][]> {
  const rows: DuckDBValue[][] = [];
  for (let i = 0; i < texts.length; i += 1000) {
    const list = `[${texts
      .slice(i, i + 1000)
      .map(literal)
      .join(', ')}]::VARCHAR[]`;
    rows.push(...(await reference.runAndReadAll(sql(list))).getRows());
  }
  return rows;
}

/**
 * A column's notes' excuses, with the look-ups they need from DuckDB: how it reads each of the lake's texts as the
 * reference's type (for text kept), and each of the reference's texts in a note's time format (for times converted).
 */
async function documentedFor(
  found: Excuse[],
  lakeTexts: string[],
  refTexts: string[],
  refType: DuckDBType | undefined,
): Promise<Documented | undefined> {
  if (found.length === 0) return undefined;
  const lookups: ExcuseLookups = {};
  if (found.some((e) => e.kind === 'kept-as-text') && refType && refType.typeId !== DuckDBTypeId.VARCHAR && lakeTexts.length) {
    const read = new Map<string, Canon>();
    try {
      const typeSql = refType.toString();
      const reader = await reference.runAndReadAll(`SELECT TRY_CAST(NULL AS ${typeSql}) AS x`);
      const castType = reader.columnTypes()[0];
      const rows = await inBatches(lakeTexts, (list) => `SELECT v, TRY_CAST(v AS ${typeSql}) FROM (SELECT unnest(${list}) AS v)`);
      for (const [v, x] of rows) if (x !== null) read.set(String(v), canonOf(x, castType));
    } catch {
      // A type DuckDB cannot cast text to: no text reads as it.
    }
    lookups.readAs = (text) => read.get(text);
  }
  const instants = new Map<string, Map<string, bigint | null>>();
  for (const e of found) {
    if (e.kind !== 'time-format' || refTexts.length === 0) continue;
    const read = new Map<string, bigint | null>();
    const rows = await inBatches(refTexts, (list) => `SELECT v, ${excuseInstantSql(e, 'v')} FROM (SELECT unnest(${list}) AS v)`);
    for (const [v, us] of rows) read.set(String(v), us === null ? null : BigInt(String(us)));
    instants.set(e.format, read);
  }
  lookups.instantOf = (format, text) => instants.get(format)?.get(text);
  return { excuses: found, lookups };
}

async function checkEntry(entry: CorpusEntry): Promise<FileReport> {
  const fileStarted = Date.now();
  const path = join(CORPUS_DIR, entry.file);
  const report: FileReport = {
    file: entry.file,
    shape: entry.notes ?? '',
    status: 'not run',
    rows: 0,
    rejected: 0,
    expectedRejects: 0,
    countOk: false,
    lines: '',
    compared: 0,
    equal: 0,
    moreExact: 0,
    documented: 0,
    mismatches: 0,
    byCause: {},
    samples: [],
    documentedSamples: [],
    problems: [],
    ms: 0,
    ...(entry.expectedToFail ? { expectedToFail: entry.expectedToFail } : {}),
  };
  const t = await testWorkspace();
  try {
    let ref: Reference | undefined;
    try {
      ref = await readReference(entry, path, t.workspace.settings.fields);
    } catch (error) {
      report.referenceError = firstLine(error);
    }
    const result = await importFile(t.workspace, path, {
      ...(entry.format ? { format: entry.format } : {}),
      ...(entry.map ? { map: entry.map } : {}),
      ...(entry.timeFormat ? { timeFormat: entry.timeFormat } : {}),
    });
    Object.assign(report, {
      status: result.status,
      rows: result.rows,
      rejected: result.rejected,
      ...(result.format ? { format: result.format } : {}),
      ...(result.error ? { error: result.error } : {}),
      ...(result.fields ? { fields: result.fields } : {}),
      ...(result.notes ? { notes: result.notes } : {}),
    });
    if (entry.badInput) {
      report.countOk = result.status === 'failed' && new RegExp(entry.badInput).test(result.error ?? '');
      return report;
    }
    if (!landedOrAllRejected(result) || result.importId === undefined || !ref) return report;
    const reader = await t.workspace.catalog.read(`SELECT * FROM raw_events WHERE _import_id = ${result.importId}`);
    const lake: Table = { names: reader.columnNames(), types: reader.columnTypes(), rows: reader.getRows() };
    const rejects = await t.workspace.catalog.all<{ line: number; reason: string; raw: string | null }>(
      `SELECT line::DOUBLE AS line, reason, raw FROM rejects WHERE import_id = ${result.importId} ORDER BY line`,
    );
    await compareImport(entry, path, result, ref, lake, rejects, report);
  } finally {
    await t.cleanup();
    report.ms = Date.now() - fileStarted;
  }
  return report;
}

/**
 * An import that committed: rows landed, or every row was rejected (reported as failed, its rejects stored), which for
 * a file without the fields an event needs is the expected outcome whose rejects are compared too.
 */
function landedOrAllRejected(result: ImportFileResult): boolean {
  return result.status === 'imported' || (result.status === 'failed' && result.rows === 0 && result.rejected > 0);
}

/** What fails a file's test: an import that failed (or a bad file that did not), a wrong count, a mismatch. */
function problems(entry: CorpusEntry, report: FileReport): string[] {
  const out: string[] = [];
  if (entry.badInput) {
    if (!report.countOk)
      out.push(`expected the import to fail naming the file (${entry.badInput}); got ${report.status} ${report.error ?? ''}`);
    if (report.error && !report.error.includes(join(CORPUS_DIR, entry.file)))
      out.push(`the error does not name the file: ${report.error}`);
    return out;
  }
  if (report.referenceError) out.push(`DuckDB's reader failed: ${report.referenceError}`);
  if (report.status !== 'imported' && !/: nothing landed: all \d+ rows? w(as|ere) rejected/.test(report.error ?? ''))
    out.push(`import ${report.status}: ${report.error ?? report.status}`);
  else if (!report.countOk)
    out.push(`${report.rows} rows + ${report.rejected} rejects, but DuckDB reads ${report.referenceRows ?? '?'} records`);
  for (const m of report.samples) out.push(`record ${m.record} ${m.column} (${m.kind}): lake ${m.lake}, DuckDB ${m.reference}`);
  if (report.mismatches > report.samples.length) out.push(`… ${report.mismatches - report.samples.length} more mismatches`);
  return out;
}

beforeAll(async () => {
  started = Date.now();
  instance = await DuckDBInstance.create(':memory:');
  reference = await instance.connect();
  await reference.run(`SET TimeZone = 'UTC'`);
});

afterAll(async () => {
  await mkdir(dirname(REPORT_PATH), { recursive: true });
  await writeFile(REPORT_PATH, renderReport(reports, Date.now() - started));
  const bad = reports.filter((r) => r.problems.length > 0);
  console.log(
    [
      `corpus: ${reports.length} files, ${bad.length} failing (${Math.round((Date.now() - started) / 1000)} s); report in ${REPORT_PATH}`,
      ...bad.map(
        (r) =>
          `  ${r.file}: ${r.status}, ${r.rows} rows + ${r.rejected} rejects / ${r.referenceRows ?? r.referenceError ?? '?'} records, ${r.mismatches} mismatches` +
          (r.documented ? `, ${r.documented} documented` : '') +
          (r.moreExact ? `, ${r.moreExact} more exact` : ''),
      ),
    ].join('\n'),
  );
  reference?.closeSync();
  instance?.closeSync();
});

describe('the real-file corpus, value for value against DuckDB’s own readers', () => {
  for (const entry of CORPUS) {
    it(entry.file, async () => {
      const report = await checkEntry(entry);
      report.problems = problems(entry, report);
      reports.push(report);
      if (!REPORT_ONLY) expect(report.problems).toEqual([]);
    });
  }
});
