import {
  DuckDBArrayType,
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListType,
  DuckDBListValue,
  DuckDBMapType,
  DuckDBMapValue,
  DuckDBStructType,
  DuckDBStructValue,
  DuckDBTimeNSValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBTypeId,
  DuckDBUnionValue,
  DuckDBVariantValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * Value-for-value comparison of what an import landed against what DuckDB's own reader reads from the same file
 * (corpus.test.ts). Every value is brought to one canonical form first, so that the comparison does not depend on
 * the JavaScript types node-api picks: integers and decimals as exact decimal text (never through a double), doubles
 * as doubles, times as epoch microseconds, nested values as trees.
 */
export type Canon =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  /** exact: normalized decimal text of an integer or decimal; float: a double (FLOAT, DOUBLE). text: as displayed. */
  | { t: 'num'; exact?: string; float?: number; text: string }
  | { t: 'text'; v: string }
  | { t: 'date'; days: number }
  /** us: epoch microseconds (a TIMESTAMP without zone is UTC); ns: the sub-microsecond digits of a TIMESTAMP_NS. */
  | { t: 'ts'; us: bigint; ns?: number }
  | { t: 'time'; us: bigint; offset?: number }
  | { t: 'blob'; hex: string; text: string }
  | { t: 'list'; items: Canon[] }
  | { t: 'obj'; entries: Map<string, Canon> }
  | { t: 'other'; v: string };

export type Verdict = 'equal' | 'more-exact' | 'differ';

const NULL: Canon = { t: 'null' };
const MICROS_PER_DAY = 86_400_000_000n;

/**
 * A numeral as a normalized exact decimal: sign, significant digits and a power of ten ("-125e-1" for -12.50), or
 * undefined when the text is not a numeral. Two numerals are the same number exactly when their forms are equal.
 */
export function canonDecimal(text: string): string | undefined {
  const match = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!match) return undefined;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  let exponent = Number(match[4] ?? '0') - fraction.length;
  const trailing = /0+$/.exec(digits);
  if (trailing) {
    exponent += trailing[0].length;
    digits = digits.slice(0, -trailing[0].length);
  }
  return `${match[1] === '-' ? '-' : ''}${digits}e${exponent}`;
}

/** The exact value of a normalized decimal times 10^shift, as a BigInt, and whether it had to be rounded. */
function scaledBigInt(canon: string, shift: number): { value: bigint; exact: boolean } {
  if (canon === '0') return { value: 0n, exact: true };
  const match = /^(-?)(\d+)e(-?\d+)$/.exec(canon) as RegExpExecArray;
  const sign = match[1] === '-' ? -1n : 1n;
  const digits = match[2] as string;
  const exponent = Number(match[3]) + shift;
  if (exponent >= 0) return { value: sign * BigInt(digits) * 10n ** BigInt(exponent), exact: true };
  const cut = digits.length + exponent;
  if (cut <= 0) return { value: 0n, exact: false };
  const kept = BigInt(digits.slice(0, cut));
  const rest = digits.slice(cut);
  const roundUp = rest.length > 0 && rest.charCodeAt(0) >= 53; // half away from zero
  return { value: sign * (kept + (roundUp ? 1n : 0n)), exact: rest.length === 0 };
}

function numberFromText(text: string): Canon {
  const exact = canonDecimal(text);
  return exact === undefined ? { t: 'num', float: Number(text), text } : { t: 'num', exact, text };
}

function floatCanon(value: number): Canon {
  return { t: 'num', float: value, text: String(value) };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function isFloatType(type: DuckDBType | undefined): boolean {
  return type?.typeId === DuckDBTypeId.FLOAT || type?.typeId === DuckDBTypeId.DOUBLE;
}

function keyText(key: Canon): string | undefined {
  if (key.t === 'text') return key.v;
  if (key.t === 'num') return key.text;
  if (key.t === 'bool') return String(key.v);
  return undefined;
}

/** A DuckDB value (as node-api gives it, with its column type where known) in canonical form. */
export function canonOf(value: DuckDBValue | undefined, type?: DuckDBType): Canon {
  if (value === null || value === undefined) return NULL;
  if (typeof value === 'boolean') return { t: 'bool', v: value };
  if (typeof value === 'bigint') return numberFromText(value.toString());
  if (typeof value === 'number') {
    if (isFloatType(type) || (!type && !Number.isInteger(value))) return floatCanon(value);
    return numberFromText(String(value));
  }
  if (typeof value === 'string') {
    if (type?.alias === 'JSON') return parseJsonCanon(value) ?? { t: 'text', v: value };
    return { t: 'text', v: value };
  }
  if (value instanceof DuckDBDecimalValue) return numberFromText(value.toString());
  if (value instanceof DuckDBDateValue) return { t: 'date', days: value.days };
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return { t: 'ts', us: value.micros };
  if (value instanceof DuckDBTimestampSecondsValue) return { t: 'ts', us: value.seconds * 1_000_000n };
  if (value instanceof DuckDBTimestampMillisecondsValue) return { t: 'ts', us: value.millis * 1000n };
  if (value instanceof DuckDBTimestampNanosecondsValue) {
    const us = value.nanos / 1000n - (value.nanos % 1000n < 0n ? 1n : 0n);
    const ns = Number(value.nanos - us * 1000n);
    return ns === 0 ? { t: 'ts', us } : { t: 'ts', us, ns };
  }
  if (value instanceof DuckDBTimeValue) return { t: 'time', us: value.micros };
  if (value instanceof DuckDBTimeNSValue) return { t: 'time', us: value.nanos / 1000n };
  if (value instanceof DuckDBTimeTZValue) return { t: 'time', us: value.micros, offset: value.offset };
  if (value instanceof DuckDBBlobValue) return { t: 'blob', hex: hex(value.bytes), text: value.toString() };
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    const inner = type instanceof DuckDBListType || type instanceof DuckDBArrayType ? type.valueType : undefined;
    return { t: 'list', items: value.items.map((item) => canonOf(item, inner)) };
  }
  if (value instanceof DuckDBStructValue) {
    const struct = type instanceof DuckDBStructType ? type : undefined;
    const entries = new Map<string, Canon>();
    for (const [key, item] of Object.entries(value.entries)) {
      const index = struct?.entryIndexes[key];
      entries.set(key, canonOf(item, index === undefined ? undefined : struct?.entryTypes[index]));
    }
    return { t: 'obj', entries };
  }
  if (value instanceof DuckDBMapValue) {
    const map = type instanceof DuckDBMapType ? type : undefined;
    const pairs = value.entries.map((e) => ({ key: canonOf(e.key, map?.keyType), value: canonOf(e.value, map?.valueType) }));
    if (pairs.every((p) => keyText(p.key) !== undefined)) {
      return { t: 'obj', entries: new Map(pairs.map((p) => [keyText(p.key) as string, p.value])) };
    }
    return {
      t: 'list',
      items: pairs.map((p) => ({
        t: 'obj',
        entries: new Map([
          ['key', p.key],
          ['value', p.value],
        ]),
      })),
    };
  }
  if (value instanceof DuckDBUnionValue) return canonOf(value.value);
  if (value instanceof DuckDBVariantValue) return canonOf(value.value, value.type);
  return { t: 'other', v: String(value) };
}

/** JSON text as a canonical tree, numbers kept exact (JSON.parse would round them through a double). */
export function parseJsonCanon(text: string): Canon | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && /[\s\uFEFF]/.test(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw new SyntaxError('bad JSON');
  };
  const value = (): Canon => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries = new Map<string, Canon>();
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'obj', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const key = string();
        ws();
        if (text[i++] !== ':') fail();
        if (!entries.has(key)) entries.set(key, value());
        else value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return { t: 'obj', entries };
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      const items: Canon[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'list', items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return { t: 'list', items };
        } else fail();
      }
    }
    if (c === '"') return { t: 'text', v: string() };
    for (const [word, canon] of [
      ['true', { t: 'bool', v: true }],
      ['false', { t: 'bool', v: false }],
      ['null', NULL],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return canon;
      }
    }
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!number) fail();
    i += (number as RegExpExecArray)[0].length;
    return numberFromText((number as RegExpExecArray)[0]);
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  try {
    const result = value();
    ws();
    return i === text.length ? result : undefined;
  } catch {
    return undefined;
  }
}

function worst(a: Verdict, b: Verdict): Verdict {
  if (a === 'differ' || b === 'differ') return 'differ';
  if (a === 'more-exact' || b === 'more-exact') return 'more-exact';
  return 'equal';
}

function compareNumbers(lake: Canon & { t: 'num' }, ref: Canon & { t: 'num' }): Verdict {
  if (lake.exact !== undefined && ref.exact !== undefined) return lake.exact === ref.exact ? 'equal' : 'differ';
  if (lake.float !== undefined && ref.float !== undefined) {
    return lake.float === ref.float || (Number.isNaN(lake.float) && Number.isNaN(ref.float)) ? 'equal' : 'differ';
  }
  if (lake.exact !== undefined && ref.float !== undefined) {
    // The reader gives a double: the lake's exact number is that double's shortest digits, or rounds to it.
    if (canonDecimal(String(ref.float)) === lake.exact) return 'equal';
    return Number(lake.text) === ref.float ? 'more-exact' : 'differ';
  }
  // A double in the lake where the reader has an exact number: equal only if the double is that number's digits.
  return canonDecimal(String(lake.float)) === ref.exact ? 'equal' : 'differ';
}

/** Epoch microseconds of ISO-8601-like text ("2020-01-01", "2020-01-01 10:00:00.5+02", "…Z"), zone-less as UTC. */
export function isoTextMicros(text: string): bigint | undefined {
  const m =
    /^\s*(-?\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*$/.exec(
      text,
    );
  if (!m) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  date.setUTCHours(Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0);
  const ms = date.getTime();
  if (Number.isNaN(ms)) return undefined;
  let us = BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  const zone = m[8];
  if (zone && /^[+-]/.test(zone)) {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) as RegExpExecArray;
    const minutes = Number(z[2]) * 60 + Number(z[3] ?? 0);
    us -= BigInt((z[1] === '-' ? -1 : 1) * minutes) * 60_000_000n;
  }
  return us;
}

function timeTextMicros(text: string): bigint | undefined {
  const m = /^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*$/.exec(text);
  if (!m) return undefined;
  const seconds = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
  return BigInt(seconds) * 1_000_000n + BigInt((m[4] ?? '').padEnd(6, '0').slice(0, 6) || '0');
}

function instantMicros(c: Canon): bigint | undefined {
  if (c.t === 'ts') return c.us;
  if (c.t === 'date') return BigInt(c.days) * MICROS_PER_DAY;
  if (c.t === 'text') return isoTextMicros(c.v);
  return undefined;
}

function looksLikeJson(text: string): boolean {
  return /^\s*[[{"]/.test(text);
}

/**
 * Whether a lake value is the reference's value: both NULL; numbers numerically and exactly (a lake value more exact
 * than the reader's double is 'more-exact'); a numeral kept as text equal to the number; instants equal (a date is
 * its midnight UTC); nested values deep-equal (a missing object key and a NULL one are the same: a struct holds one as
 * the other); text equal.
 */
export function compareCanon(lake: Canon, ref: Canon): Verdict {
  if (lake.t === 'null' || ref.t === 'null') return lake.t === ref.t ? 'equal' : 'differ';
  if (lake.t === 'num' && ref.t === 'num') return compareNumbers(lake, ref);
  if (lake.t === 'text' && ref.t === 'num') {
    const n = canonDecimal(lake.v);
    return n === undefined ? 'differ' : compareNumbers({ t: 'num', exact: n, text: lake.v.trim() }, ref);
  }
  if (lake.t === 'num' && ref.t === 'text') {
    const n = canonDecimal(ref.v);
    return n !== undefined && compareNumbers(lake, { t: 'num', exact: n, text: ref.v }) !== 'differ' ? 'equal' : 'differ';
  }
  if (lake.t === 'bool' || ref.t === 'bool') {
    const text = (c: Canon) => (c.t === 'bool' ? String(c.v) : c.t === 'text' ? c.v.trim().toLowerCase() : undefined);
    return text(lake) !== undefined && text(lake) === text(ref) ? 'equal' : 'differ';
  }
  if (lake.t === 'ts' || lake.t === 'date' || ref.t === 'ts' || ref.t === 'date') {
    if (lake.t === 'date' && ref.t === 'date') return lake.days === ref.days ? 'equal' : 'differ';
    const a = instantMicros(lake);
    const b = instantMicros(ref);
    const nsA = lake.t === 'ts' ? (lake.ns ?? 0) : 0;
    const nsB = ref.t === 'ts' ? (ref.ns ?? 0) : 0;
    return a !== undefined && a === b && nsA === nsB ? 'equal' : 'differ';
  }
  if (lake.t === 'time' || ref.t === 'time') {
    const us = (c: Canon) => (c.t === 'time' ? c.us : c.t === 'text' ? timeTextMicros(c.v) : undefined);
    const offset = (c: Canon) => (c.t === 'time' ? (c.offset ?? 0) : 0);
    return us(lake) !== undefined && us(lake) === us(ref) && offset(lake) === offset(ref) ? 'equal' : 'differ';
  }
  if (lake.t === 'blob' || ref.t === 'blob') {
    if (lake.t === 'blob' && ref.t === 'blob') return lake.hex === ref.hex ? 'equal' : 'differ';
    const blob = (lake.t === 'blob' ? lake : ref) as Canon & { t: 'blob' };
    const other = lake.t === 'blob' ? ref : lake;
    if (other.t !== 'text') return 'differ';
    return other.v === blob.text || Buffer.from(other.v, 'utf8').toString('hex') === blob.hex ? 'equal' : 'differ';
  }
  if (lake.t === 'text' && (ref.t === 'list' || ref.t === 'obj')) {
    const parsed = parseJsonCanon(lake.v);
    return parsed && parsed.t !== 'text' ? compareCanon(parsed, ref) : 'differ';
  }
  if (ref.t === 'text' && (lake.t === 'list' || lake.t === 'obj')) {
    const parsed = parseJsonCanon(ref.v);
    return parsed && parsed.t !== 'text' ? compareCanon(lake, parsed) : 'differ';
  }
  if (lake.t === 'list' && ref.t === 'list') {
    if (lake.items.length !== ref.items.length) return 'differ';
    return lake.items.reduce<Verdict>((v, item, i) => worst(v, compareCanon(item, ref.items[i] as Canon)), 'equal');
  }
  if (lake.t === 'obj' && ref.t === 'obj') {
    let verdict: Verdict = 'equal';
    for (const key of new Set([...lake.entries.keys(), ...ref.entries.keys()])) {
      verdict = worst(verdict, compareCanon(lake.entries.get(key) ?? NULL, ref.entries.get(key) ?? NULL));
    }
    return verdict;
  }
  if (lake.t === 'text' && ref.t === 'text') {
    if (lake.v === ref.v) return 'equal';
    // JSON text nested in a list or struct has no JSON type to say so: compare it as JSON when both sides are JSON.
    if (looksLikeJson(lake.v) || looksLikeJson(ref.v)) {
      const a = parseJsonCanon(lake.v);
      const b = parseJsonCanon(ref.v);
      if (a && b && (a.t !== 'text' || b.t !== 'text')) return compareCanon(a, b);
    }
    return 'differ';
  }
  const text = (c: Canon) => (c.t === 'text' || c.t === 'other' ? c.v : undefined);
  return text(lake) !== undefined && text(lake) === text(ref) ? 'equal' : 'differ';
}

/**
 * The difference a note of the import documents, and so the only one it excuses (a rename excuses only a name, and
 * is not here; nor are notes about records or the choice of a field, which excuse no value):
 * - kept-as-text: the lake holds text, the source's own text for the value: the reference's text, or the text DuckDB
 *   reads the reference's number, boolean or time from (`007` for 7).
 * - exact-type: the lake's number is the reference's exactly, or the one the reference's double rounds.
 * - decimal-comma: the lake's number is the reference's text read with its comma as a decimal point.
 * - time-format: DuckDB read the value as text (not as a time), and the lake's instant is the one DuckDB's strptime
 *   reads from that text in the format the note names.
 */
export type Excuse =
  | { kind: 'kept-as-text' }
  | { kind: 'exact-type' }
  | { kind: 'decimal-comma' }
  | { kind: 'time-format'; format: string; formats: string[]; namedZones?: boolean };

function numericDateFormats(order: 'dmy' | 'mdy'): string[] {
  const out: string[] = [];
  for (const sep of ['-', '/', '.']) {
    const date = order === 'dmy' ? `%d${sep}%m${sep}%Y` : `%m${sep}%d${sep}%Y`;
    for (const time of ['', ' %H:%M', ' %H:%M:%S', ' %H:%M:%S.%f', 'T%H:%M', 'T%H:%M:%S', 'T%H:%M:%S.%f']) out.push(date + time);
    for (const time of [' %I:%M %p', ' %I:%M:%S %p', ' %I:%M%p', ' %I:%M:%S%p']) out.push(date + time);
  }
  return out;
}

/** What a note excuses, from its kind and the format or conversion its detail names; undefined: no value difference. */
export function excuseOf(note: { kind: string; detail: string }): Excuse | undefined {
  if (note.kind === 'kept-as-text') return { kind: 'kept-as-text' };
  if (note.kind === 'exact-type') return { kind: 'exact-type' };
  if (note.kind !== 'converted') return undefined;
  const d = note.detail;
  if (/decimal comma/.test(d)) return { kind: 'decimal-comma' };
  if (/^times read day first/.test(d)) return { kind: 'time-format', format: 'day first', formats: numericDateFormats('dmy') };
  if (/^times read month first/.test(d))
    return { kind: 'time-format', format: 'month first', formats: numericDateFormats('mdy') };
  if (/^times read as RFC 2822/.test(d)) {
    const formats = ['%a, %d %b %Y %H:%M:%S %z', '%a, %d %b %Y %H:%M %z', '%d %b %Y %H:%M:%S %z', '%d %b %Y %H:%M %z'];
    return { kind: 'time-format', format: 'RFC 2822', formats, namedZones: true };
  }
  if (/^times read in the Apache\/nginx log form/.test(d))
    return { kind: 'time-format', format: 'the log form', formats: ['%d/%b/%Y:%H:%M:%S %z'] };
  const sniffed = /^times read as DuckDB's sniffer found them \('(.+)'\)$/.exec(d);
  if (sniffed) return { kind: 'time-format', format: sniffed[1] as string, formats: [sniffed[1] as string] };
  return undefined;
}

/**
 * SQL for the epoch microseconds DuckDB's strptime reads from a text in a time-format excuse's format (NULL when it
 * reads none; zone-less forms in UTC, the workspace's zone). RFC 2822's zone names (GMT, UT, UTC, Z) are +0000 to it.
 */
export function excuseInstantSql(excuse: Excuse & { kind: 'time-format' }, text: string): string {
  const input = excuse.namedZones ? `regexp_replace(${text}, '\\s(GMT|UTC|UT|Z)$', ' +0000')` : text;
  const formats = excuse.formats.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
  return `epoch_us(try_strptime(${input}, [${formats}]))::VARCHAR`;
}

export interface ExcuseLookups {
  /** The lake's text as DuckDB reads it into the reference's type (undefined: not looked up, or not read). */
  readAs?: (text: string) => Canon | undefined;
  /** Epoch microseconds DuckDB's strptime reads from a reference text in a note's format (null: none). */
  instantOf?: (format: string, text: string) => bigint | null | undefined;
}

/** Whether the note's excuse covers this difference exactly (see Excuse). */
export function excuses(excuse: Excuse, lake: Canon, lakeText: string | undefined, ref: Canon, lookups: ExcuseLookups): boolean {
  switch (excuse.kind) {
    case 'kept-as-text': {
      if (lakeText === undefined || ref.t === 'null') return false;
      if (ref.t === 'text') return lakeText === ref.v;
      if (ref.t === 'list' || ref.t === 'obj') return false;
      if (ref.t === 'num' && ref.exact !== undefined && canonDecimal(lakeText) !== ref.exact) return false;
      const read = lookups.readAs?.(lakeText);
      return read !== undefined && compareCanon(read, ref) === 'equal';
    }
    case 'exact-type': {
      if (lake.t !== 'num' || lake.exact === undefined) return false;
      if (ref.t === 'num') return ref.exact !== undefined ? lake.exact === ref.exact : Number(lake.text) === ref.float;
      return ref.t === 'text' && canonDecimal(ref.v) === lake.exact;
    }
    case 'decimal-comma': {
      if (lake.t !== 'num' || ref.t !== 'text' || !/^[^,]*,[^,]*$/.test(ref.v)) return false;
      const pointed = ref.v.replace(',', '.');
      const exact = canonDecimal(pointed);
      if (exact === undefined) return false;
      return lake.exact !== undefined ? lake.exact === exact : lake.float === Number(pointed.trim());
    }
    case 'time-format': {
      if (ref.t !== 'text') return false;
      const us = lake.t === 'ts' ? lake.us : lake.t === 'date' ? BigInt(lake.days) * MICROS_PER_DAY : undefined;
      const read = lookups.instantOf?.(excuse.format, ref.v);
      return us !== undefined && read !== undefined && read !== null && us === read && !(lake.t === 'ts' && lake.ns);
    }
  }
}

/** A value written by hand in the manifest (`expected`), in canonical form: strings text, numbers exact. */
export function canonOfExpected(value: unknown): Canon {
  if (value === null || value === undefined) return NULL;
  if (typeof value === 'boolean') return { t: 'bool', v: value };
  if (typeof value === 'number' || typeof value === 'bigint') return numberFromText(String(value));
  if (typeof value === 'string') return { t: 'text', v: value };
  if (Array.isArray(value)) return { t: 'list', items: value.map(canonOfExpected) };
  if (typeof value === 'object')
    return {
      t: 'obj',
      entries: new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, canonOfExpected(v)])),
    };
  return { t: 'other', v: String(value) };
}

function microsText(us: bigint): string {
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const rest = Number(us - ms * 1000n);
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return `${us}µs`;
  return date.toISOString().replace('Z', rest ? `${String(rest).padStart(3, '0')}Z` : 'Z');
}

/** A short human-readable rendering, for the report. */
export function displayCanon(c: Canon, max = 120): string {
  const render = (v: Canon): string => {
    switch (v.t) {
      case 'null':
        return 'NULL';
      case 'bool':
        return String(v.v);
      case 'num':
        return v.float !== undefined ? `${v.text} (double)` : v.text;
      case 'text':
        return JSON.stringify(v.v);
      case 'date':
        return new Date(v.days * 86_400_000).toISOString().slice(0, 10);
      case 'ts':
        return microsText(v.us) + (v.ns ? ` +${v.ns}ns` : '');
      case 'time':
        return `time ${v.us}µs${v.offset ? ` offset ${v.offset}s` : ''}`;
      case 'blob':
        return `blob ${v.text}`;
      case 'list':
        return `[${v.items.map(render).join(', ')}]`;
      case 'obj':
        return `{${[...v.entries].map(([k, x]) => `${JSON.stringify(k)}: ${render(x)}`).join(', ')}}`;
      case 'other':
        return v.v;
    }
  };
  const text = render(c);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Microseconds of the documented epoch units, told apart by magnitude as the README says (s, ms, µs, ns; none below
 * 10^8), computed exactly from the number's digits. tolerance: how far from this an import may be and still have the same instant (1 µs
 * where the digits go below a microsecond; for a double, also the double's own spacing at that magnitude).
 */
export function epochMicros(c: Canon & { t: 'num' }): { us: bigint; tolerance: bigint } | undefined {
  const n = c.float ?? Number(c.text);
  if (!Number.isFinite(n)) return undefined;
  const a = Math.abs(n);
  // A number below 10^8 is a counter or a duration, not an event's epoch (timestamps.ts says the same).
  if (a < 1e8) return undefined;
  const shift = a < 1e11 ? 6 : a < 1e14 ? 3 : a < 1e17 ? 0 : a < 1e20 ? -3 : undefined;
  if (shift === undefined) return undefined;
  const exact = c.exact ?? canonDecimal(String(n));
  if (exact === undefined) return undefined;
  const scaled = scaledBigInt(exact, shift);
  if (c.float === undefined) return { us: scaled.value, tolerance: scaled.exact ? 0n : 1n };
  const ulp = a === 0 ? 0 : 2 ** (Math.floor(Math.log2(a)) - 52);
  return { us: scaled.value, tolerance: BigInt(Math.ceil(ulp * 10 ** shift)) + 1n };
}

const RFC_2822 =
  /^\s*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s+(?:GMT|UT|UTC|[+-]\d{4})\s*$/;

/** An RFC 2822 date ("Tue, 10 Nov 2009 23:00:00 +0000", as in HTTP and e-mail headers) as epoch microseconds. */
export function rfc2822Micros(text: string): bigint | undefined {
  if (!RFC_2822.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1000n;
}

/** 0001-01-01 00:00:00 and 9999-12-31 23:59:59.999999 UTC: the instants a partition date can name (workspace in UTC). */
export const MIN_PARTITION_US = -62_135_596_800_000_000n;
export const MAX_PARTITION_US = 253_402_300_799_999_999n;

/** CSV dialect as DuckDB's sniffer reports it. */
export interface CsvDialect {
  delimiter: string;
  quote: string;
  escape: string;
  skipRows: number;
  header: boolean;
}

/**
 * The physical line each data record of a CSV text starts on, by the dialect DuckDB sniffed: quotes open only at the
 * start of a field, an escape character (or a doubled quote) keeps the next character literal, and \n, \r\n and \r
 * all end a line. Empty lines hold no record.
 */
export function csvRecordLines(text: string, dialect: CsvDialect): number[] {
  const starts: number[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  const newline = () => {
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else i++;
    line++;
  };
  for (let skipped = 0; skipped < dialect.skipRows && i < n;) {
    if (text[i] === '\n' || text[i] === '\r') {
      newline();
      skipped++;
    } else i++;
  }
  let headerPending = dialect.header;
  while (i < n) {
    if (text[i] === '\n' || text[i] === '\r') {
      newline();
      continue;
    }
    const start = line;
    let fieldStart = true;
    let quoted = false;
    while (i < n) {
      const c = text[i] as string;
      if (quoted) {
        if (dialect.escape && c === dialect.escape && dialect.escape !== dialect.quote && text[i + 1] !== undefined) {
          i += 2;
        } else if (c === dialect.quote) {
          if (dialect.escape === dialect.quote && text[i + 1] === dialect.quote) i += 2;
          else {
            quoted = false;
            i++;
          }
        } else if (c === '\n' || c === '\r') newline();
        else i++;
        continue;
      }
      if (c === '\n' || c === '\r') break;
      if (fieldStart && dialect.quote && c === dialect.quote) {
        quoted = true;
        fieldStart = false;
        i++;
        continue;
      }
      fieldStart = c === dialect.delimiter;
      i++;
    }
    if (headerPending) headerPending = false;
    else starts.push(start);
  }
  return starts;
}

/** The fields of the header record of a CSV text (after the rows DuckDB skips), by the same dialect rules. */
export function csvHeaderFields(text: string, dialect: CsvDialect): string[] {
  let i = 0;
  for (let skipped = 0; skipped < dialect.skipRows && i < text.length; i++) {
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) skipped++;
  }
  while (text[i] === '\n' || text[i] === '\r') i++;
  const fields: string[] = [];
  let field = '';
  let fieldStart = true;
  let quoted = false;
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (dialect.escape && c === dialect.escape && dialect.escape !== dialect.quote && i + 1 < text.length) field += text[++i];
      else if (c === dialect.quote) {
        if (dialect.escape === dialect.quote && text[i + 1] === dialect.quote) field += text[++i];
        else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '\n' || c === '\r') break;
    if (fieldStart && dialect.quote && c === dialect.quote) {
      quoted = true;
      fieldStart = false;
      continue;
    }
    if (c === dialect.delimiter) {
      fields.push(field);
      field = '';
      fieldStart = true;
      continue;
    }
    fieldStart = false;
    field += c;
  }
  fields.push(field);
  return fields;
}

/** The physical line of each non-blank line of an NDJSON text (\n, \r\n or a bare \r end a line). */
export function ndjsonRecordLines(text: string): number[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const out: number[] = [];
  lines.forEach((l, index) => {
    if (l.trim() !== '') out.push(index + 1);
  });
  return out;
}

export interface Mismatch {
  /** 1-based position of the record in the reference. */
  record: number;
  line?: number;
  column: string;
  kind: string;
  lake: string;
  reference: string;
}

export interface FileReport {
  file: string;
  shape: string;
  format?: string;
  status: string;
  error?: string;
  referenceError?: string;
  referenceRows?: number;
  rows: number;
  rejected: number;
  expectedRejects: number;
  /** Landed rows plus rejects equal the reference's rows (or the records worked out by hand). */
  countOk: boolean;
  /** The records worked out by hand, where the manifest gives them (`records`): how many, and the working. */
  byHand?: { count: number; why: string };
  lines: string;
  compared: number;
  equal: number;
  moreExact: number;
  documented: number;
  mismatches: number;
  /** Mismatch counts by kind and column. */
  byCause: Record<string, number>;
  samples: Mismatch[];
  documentedSamples: Mismatch[];
  fields?: Record<string, string>;
  notes?: { column: string; kind: string; detail: string }[];
  expectedToFail?: string;
  /** Why the file's test fails (empty: it passes). */
  problems: string[];
  ms: number;
}

function cell(text: string | number | undefined): string {
  return String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
}

/** The whole report as Markdown: a summary table, then each file's findings. */
export function renderReport(reports: FileReport[], elapsedMs: number): string {
  const failing = reports.filter((r) => r.problems.length > 0);
  const lines = [
    '# Corpus comparison report',
    '',
    `${reports.length} files, ${reports.filter((r) => r.rows > 0 && r.compared > 0).length} landing rows whose values are compared, ` +
      `${failing.length} with undocumented differences or wrong counts; ` +
      `${reports.reduce((n, r) => n + r.compared, 0)} values compared, ` +
      `${reports.reduce((n, r) => n + r.mismatches, 0)} mismatches, ${reports.reduce((n, r) => n + r.documented, 0)} documented, ` +
      `${reports.reduce((n, r) => n + r.moreExact, 0)} more exact than DuckDB's reader. ${Math.round(elapsedMs / 1000)} s.`,
    '',
    '| file | result | format | status | reference rows | rows | rejects (expected) | count | lines | compared | mismatches | documented | more exact |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...reports.map(
      (r) =>
        `| ${cell(r.file)} | ${r.problems.length ? '**FAIL**' : 'pass'} | ${cell(r.format)} | ${cell(r.status)} | ${cell(r.referenceRows ?? r.referenceError ?? '')} | ${r.rows} | ${r.rejected} (${r.expectedRejects}) | ${r.countOk ? 'ok' : '**wrong**'} | ${cell(r.lines)} | ${r.compared} | ${r.mismatches ? `**${r.mismatches}**` : 0} | ${r.documented} | ${r.moreExact} |`,
    ),
    '',
  ];
  for (const r of reports) {
    if (r.problems.length === 0 && r.documented === 0 && r.moreExact === 0 && !r.error && !r.referenceError && !r.byHand)
      continue;
    lines.push(`## ${r.file}`, '', `${r.shape}`, '');
    if (r.problems.length === 0) lines.push('Passes.', '');
    if (r.expectedToFail) lines.push(`Expected to fail today: ${r.expectedToFail}`, '');
    if (r.error) lines.push(`Import error: ${r.error}`, '');
    if (r.referenceError) lines.push(`Reference error: ${r.referenceError}`, '');
    if (r.byHand)
      lines.push(
        `Records by hand (${r.byHand.count}, checked instead of DuckDB's ${r.referenceRows ?? '?'}): ${r.byHand.why}`,
        '',
      );
    if (!r.countOk)
      lines.push(
        r.byHand
          ? `Count: ${r.rows} rows + ${r.rejected} rejects ≠ ${r.byHand.count} records worked out by hand.`
          : `Count: ${r.rows} rows + ${r.rejected} rejects ≠ ${r.referenceRows ?? '?'} records read by DuckDB.`,
        '',
      );
    if (r.fields)
      lines.push(
        `Fields: ${Object.entries(r.fields)
          .map(([k, v]) => `${k} ← ${v}`)
          .join(', ')}`,
        '',
      );
    if (r.notes?.length) lines.push('Notes:', ...r.notes.map((n) => `- ${n.column} (${n.kind}): ${n.detail}`), '');
    const causes = Object.entries(r.byCause).sort((a, b) => b[1] - a[1]);
    if (causes.length) lines.push('Mismatches by cause:', ...causes.map(([k, n]) => `- ${k}: ${n}`), '');
    if (r.samples.length) {
      lines.push('| record | line | column | kind | lake | reference |', '| --- | --- | --- | --- | --- | --- |');
      for (const m of r.samples)
        lines.push(`| ${m.record} | ${m.line ?? ''} | ${cell(m.column)} | ${m.kind} | ${cell(m.lake)} | ${cell(m.reference)} |`);
      lines.push('');
    }
    if (r.documentedSamples.length) {
      lines.push('Documented differences (first few):', '');
      for (const m of r.documentedSamples)
        lines.push(`- record ${m.record}, ${m.column}: lake ${m.lake}, reference ${m.reference}`);
      lines.push('');
    }
  }
  return lines.join('\n');
}
