import type { Connection } from '../kernel/workspace/db.js';
import { literal } from '../kernel/util/sql.js';

/** How a CSV file is written, as DuckDB's sniffer reports it (`sniff_csv`). */
export interface CsvDialect {
  delimiter: string;
  /** '' when fields are never quoted. */
  quote: string;
  /** The character that takes a quote inside a quoted field as text; the quote itself for doubled quotes. */
  escape: string;
  header: boolean;
  /** Lines before the header (or the first record) that are not part of the table. */
  skipRows: number;
  /** A line that starts with this character is a comment ('' for none). */
  comment: string;
  /** Date and timestamp formats the sniffer found (strptime), for columns of times not in ISO 8601. */
  timeFormats?: string[];
}

export const RFC_4180: CsvDialect = { delimiter: ',', quote: '"', escape: '"', header: true, skipRows: 0, comment: '' };

const EMPTY = '(empty)';

/**
 * The dialect of a CSV file, from DuckDB's own sniffer, so that a file reads here as `read_csv` reads it: `;` and `|`
 * exports, tab-separated `.csv` files, backslash escapes, headerless files. `delimiter` fixes the delimiter (a
 * `.tsv`). Where the sniffer saw no quote at all, quotes are read as RFC 4180 has them: a quote first met after the
 * sample then still quotes its field, as it would in a spreadsheet. A file the sniffer cannot read is taken as RFC
 * 4180 with a header, and its records are checked one by one.
 */
export async function sniffCsvDialect(
  connection: Connection,
  path: string,
  options: { gzip: boolean; delimiter?: string; head: string },
): Promise<CsvDialect> {
  const sniff = async (extra: string[]): Promise<Record<string, unknown> | undefined> => {
    const args = [
      literal(path),
      ...(options.delimiter ? [`delim = ${literal(options.delimiter)}`] : []),
      ...(options.gzip ? [`compression = 'gzip'`] : []),
      ...extra,
    ];
    try {
      return await connection.one(
        `SELECT Delimiter AS delimiter, Quote AS quote, Escape AS escape, HasHeader AS header, SkipRows AS skip,
           Comment AS comment, len(Columns)::INTEGER AS columns, DateFormat AS date_format, TimestampFormat AS timestamp_format
         FROM sniff_csv(${args.join(', ')})`,
      );
    } catch {
      return undefined;
    }
  };
  let row = await sniff([]);
  const degenerate = (r: Record<string, unknown> | undefined) =>
    !r || Number(r.columns) <= 1 || Number(r.skip) > 0 || r.header === false;
  if (options.head.includes('"') && (!row || row.quote === EMPTY) && degenerate(row)) {
    // A quote that never closes makes the sniffer give up quoting, and then lose the header or the delimiter too.
    // Sniffed again with quotes allowed to be broken, it finds the dialect the rest of the file is written in.
    const quoted = await sniff([`quote = '"'`, 'strict_mode = false']);
    if (quoted && Number(quoted.columns) >= 2 && (!row || Number(quoted.columns) >= Number(row.columns) || degenerate(row)))
      row = quoted;
  }
  const fallback = { ...RFC_4180, delimiter: options.delimiter ?? headerDelimiter(options.head) ?? ',' };
  if (!row) return fallback;
  // One column where the first line has delimiters: the sniffer lost its way; RFC 4180 with the first line's
  // delimiter, whose framing takes a broken quote as text, reads the file instead.
  if (Number(row.columns) === 1 && !options.delimiter && headerDelimiter(options.head)) return fallback;
  const text = (value: unknown) => (value === null || value === undefined || value === EMPTY ? '' : String(value));
  const delimiter = text(row.delimiter) || options.delimiter || ',';
  let quote = text(row.quote);
  let escape = text(row.escape);
  // No quote sniffed because none was seen: RFC 4180 reads the sample the same, and quotes beyond it as quotes.
  if (!quote && !options.head.includes('"')) quote = '"';
  if (quote && !escape) escape = quote;
  if (!quote) escape = '';
  const timeFormats = [text(row.timestamp_format), text(row.date_format)].filter((f) => f !== '');
  return {
    delimiter,
    quote,
    escape,
    header: row.header !== false,
    skipRows: Number(row.skip ?? 0),
    comment: text(row.comment),
    ...(timeFormats.length > 0 ? { timeFormats } : {}),
  };
}

/** The delimiter the first line uses most, of the usual four, if it uses any. */
function headerDelimiter(head: string): string | undefined {
  const first = head.replace(/^\uFEFF/, '').split(/\r?\n|\r/, 1)[0] ?? '';
  let best: string | undefined;
  let most = 0;
  for (const c of [',', '\t', ';', '|']) {
    const count = first.split(c).length - 1;
    if (count > most) {
      best = c;
      most = count;
    }
  }
  return best;
}

/** The dialect in a few words, for the import summary: `delimiter ';', quote '"', escape '\', header`. */
export function describeDialect(dialect: CsvDialect, decimalComma: boolean): string {
  const name = (c: string) => (c === '\t' ? 'tab' : c === '' ? 'none' : `'${c}'`);
  const parts = [
    `delimiter ${name(dialect.delimiter)}`,
    `quote ${name(dialect.quote)}`,
    ...(dialect.quote ? [`escape ${dialect.escape === dialect.quote ? 'doubled quote' : name(dialect.escape)}`] : []),
    dialect.header ? 'header' : 'no header (columns column0…)',
    ...(dialect.skipRows ? [`${dialect.skipRows} line${dialect.skipRows === 1 ? '' : 's'} skipped before it`] : []),
    ...(dialect.comment ? [`comments ${name(dialect.comment)}`] : []),
    `decimal separator ${decimalComma ? "','" : "'.'"}`,
  ];
  return parts.join(', ');
}
