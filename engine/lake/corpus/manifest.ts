/**
 * The real-file corpus: third-party files of many shapes (see SOURCES.md for where each comes from and its license),
 * each with how to import it and DuckDB's own reader of it, against which corpus.test.ts compares every landed value.
 */
export type CorpusFormat = 'auto' | 'ndjson' | 'json' | 'csv' | 'parquet';

export interface CorpusEntry {
  /** The file, relative to engine/lake/corpus/. */
  file: string;
  format?: CorpusFormat;
  /** target=source mappings, as --map gives them: which source field is the type, the time, the id. */
  map?: { event_type?: string; occurred_at?: string; event_id?: string };
  /**
   * How the time is written, as --time-format gives it: `epoch` (`epoch_ms`, `epoch_us`, `epoch_ns`) reads the mapped
   * occurred_at as a number since the epoch whatever its size, anything else is a strptime format. The expected
   * instant is then DuckDB's own `to_timestamp` (or `strptime`) of the reference's value.
   */
  timeFormat?: string;
  /** A SQL table expression for DuckDB's own reader of this file, with {path} where the file's path goes. */
  reference: string;
  /** What shape the file exercises, and anything to know about its reference. */
  notes?: string;
  /** Why the import is expected to fail today (reported; the file's test still fails until it is fixed). */
  expectedToFail?: string;
  /** Known bad input: the import must fail, with an error naming the file that matches this regular expression. */
  badInput?: string;
  /**
   * For a file Recount frames differently from DuckDB on purpose: the records Recount's rule makes of it, worked out
   * by hand from the file's bytes (how many, and the physical line each starts on, landed or rejected), checked
   * instead of the reference's count. `why` shows the working.
   */
  records?: { count: number; lines: number[]; why: string };
  /**
   * With `records`: the landed rows, in line order, by hand: their source fields (and, where given, the lake's own
   * `_source_line`, `event_type` and `occurred_at`, the last as ISO text), compared instead of DuckDB's values.
   */
  expected?: Record<string, unknown>[];
}

export const CORPUS: CorpusEntry[] = [
  {
    file: 'duckdb/data/csv/auto/time_date_timestamp_dd-mm-yyyy.csv',
    map: { event_type: 'b', occurred_at: 'ts' },
    reference: 'read_csv({path})',
    notes: 'DD-MM-YYYY dates and DD-MM-YYYY HH:MM timestamps, a TIME column',
  },
  {
    file: 'duckdb/data/csv/auto/time_date_timestamp_mm-dd-yyyy.csv',
    map: { event_type: 'b', occurred_at: 'ts' },
    reference: 'read_csv({path})',
    notes: 'MM-DD-YYYY dates and timestamps',
  },
  {
    file: 'duckdb/data/csv/auto/time_date_timestamp_yy.mm.dd.csv',
    map: { event_type: 'b', occurred_at: 'ts' },
    reference: 'read_csv({path})',
    notes: 'YY.MM.DD dates and timestamps (two-digit years)',
  },
  {
    file: 'duckdb/data/csv/auto/time_date_timestamp_trailing.csv',
    map: { event_type: 'b', occurred_at: 'd' },
    reference: 'read_csv({path})',
    notes: 'quoted dates and times padded with spaces, some with trailing junk',
  },
  {
    file: 'duckdb/data/csv/weather.csv',
    map: { event_type: 'precipitation', occurred_at: 'date' },
    reference: 'read_csv({path})',
    notes: 'CRLF line ends, D-M-YYYY dates, "T" (trace) among decimal numbers',
  },
  {
    file: 'duckdb/data/csv/flights.csv',
    map: { event_type: 'UniqueCarrier', occurred_at: 'FlightDate' },
    reference: 'read_csv({path})',
    notes: 'pipe-delimited .csv with commas inside values',
  },
  {
    file: 'duckdb/data/csv/real/ontime_sample.csv',
    map: { event_type: 'UniqueCarrier', occurred_at: 'FlightDate' },
    reference: 'read_csv({path})',
    notes: 'real airline on-time data: 100+ columns, many types, empty fields',
  },
  {
    file: 'duckdb/data/csv/real/lineitem_sample.csv',
    map: { event_type: 'column14', occurred_at: 'column10' },
    reference: 'read_csv({path})',
    notes: 'headerless pipe-delimited TPC-H lineitem rows',
  },
  {
    file: 'duckdb/data/csv/sales_snippet.csv',
    map: { event_type: 'column1', occurred_at: 'column9' },
    reference: 'read_csv({path})',
    notes: 'headerless tab-delimited .csv with M/D/YYYY HH:MM:SS times',
  },
  {
    file: 'duckdb/data/csv/timestamp_with_tz.csv',
    map: { event_type: 'id', occurred_at: 'timestamps' },
    reference: 'read_csv({path})',
    notes: 'timestamps with zone abbreviations (UTC, EST) and microseconds',
  },
  {
    file: 'duckdb/data/csv/timestamp_timezone.csv',
    map: { event_type: 'description' },
    reference: 'read_csv({path})',
    notes: 'ISO times with Z, +00, -08, +05:30, +13:45 offsets and none, in a column named time',
  },
  {
    file: 'duckdb/data/csv/mixed_timestamps.csv',
    map: { event_type: 'A', occurred_at: 'B' },
    reference: 'read_csv({path})',
    notes: 'ISO timestamps with one MM/DD/YYYY row among them',
  },
  {
    file: 'duckdb/data/csv/custom_date.csv',
    map: { event_type: 'ID', occurred_at: 'Date_Time' },
    timeFormat: '%m/%d/%Y, %I:%M %p',
    reference: 'read_csv({path})',
    notes: 'US "M/D/YYYY, H:MM PM" times, quoted because of the comma, read with the strptime format %m/%d/%Y, %I:%M %p',
  },
  {
    file: 'duckdb/data/csv/bad_date_timestamp_mix.csv',
    map: { event_type: 'eventID', occurred_at: 'ts' },
    reference: 'read_csv({path})',
    notes: 'quoted header, a DD-MM-YYYY HH:MM:SS text column beside an ISO one',
  },
  {
    file: 'duckdb/data/csv/borked_date.csv',
    map: { event_type: 'a', occurred_at: 'a' },
    reference: 'read_csv({path})',
    notes: '2,069 DD-MM-YYYY dates in one column, some of them not dates',
  },
  {
    file: 'duckdb/data/csv/multi_quote.csv',
    map: { event_type: 'textcol', occurred_at: 'datecol' },
    reference: 'read_csv({path})',
    notes: 'M/D/YY dates, double- and single-quoted text',
  },
  {
    file: 'duckdb/data/csv/hive-partitioning/hive_types/himym.csv',
    map: { event_type: 'title', occurred_at: 'aired' },
    reference: 'read_csv({path})',
    notes: 'TV episode list: dates, doubles, booleans, text with ampersands',
  },
  {
    file: 'duckdb/data/csv/tpcc_results.csv',
    map: { event_type: 'dbsystem', occurred_at: 'submission_date' },
    reference: 'read_csv({path})',
    notes: 'benchmark results: long names, doubles written as integers',
  },
  {
    file: 'duckdb/data/csv/timings.csv',
    map: { event_type: 'tool', occurred_at: 'day' },
    reference: 'read_csv({path})',
    notes: '1,095 rows, a DOUBLE column named time that is not the event time, empty fields',
  },
  {
    file: 'duckdb/data/csv/auto_date/device_metadata_1.csv',
    map: { event_type: 'device_type', occurred_at: 'installation_date' },
    reference: 'read_csv({path})',
    notes: 'device inventory: dates, booleans, codes',
  },
  {
    file: 'duckdb/data/csv/16857.csv',
    map: { event_type: 'varCharCol', occurred_at: 'timeStampCol' },
    reference: 'read_csv({path})',
    notes:
      'two columns named doubleCol, an unnamed one, punctuation in a name, arrays/maps/structs written as JSON text, emoji, Arabic and French text, "null" as text',
  },
  {
    file: 'duckdb/data/csv/auto/issue_811.csv',
    map: { event_type: 'TestText', occurred_at: 'TestDate' },
    reference: 'read_csv({path})',
    notes: '4,494 rows of DD.MM.YYYY dates, an always-empty double column, quoted commas',
  },
  {
    file: 'duckdb/data/csv/leading_zeros2.csv',
    map: { event_type: 'denominazione_comune', occurred_at: 'data_entrata_in_carica' },
    reference: 'read_csv({path})',
    notes: 'Italian municipality codes with leading zeros (030151360, 03, 015), DD/MM/YYYY dates',
  },
  {
    file: 'duckdb/data/csv/rejects_sniffer.csv',
    map: { event_type: 'Naam', occurred_at: 'Gewenste uitvoerdatum' },
    reference: 'read_csv({path})',
    notes: 'a Dutch bank export: semicolon-delimited, decimal commas (123,45), names with spaces, single-space values',
  },
  {
    file: 'duckdb/data/csv/sample-0.csv',
    map: { event_type: 'product', occurred_at: 'exchange_time' },
    reference: 'read_csv({path})',
    notes: 'futures ticks: BOM, CRLF, seven fraction digits (100 ns) in times, an integer column named time, long doubles',
  },
  {
    file: 'duckdb/data/csv/test_ignore_errors.csv',
    map: { event_type: 'Channel', occurred_at: 'Order date-time' },
    reference: 'read_csv({path})',
    notes: 'a food-delivery order export: 45 columns, names with spaces and hyphens, a TIME column',
  },
  {
    file: 'duckdb/data/csv/lineitem-carriage.csv',
    map: { event_type: 'l_shipmode', occurred_at: 'l_shipdate' },
    reference: 'read_csv({path})',
    notes: 'pipe-delimited with bare CR (classic Mac) line ends',
  },
  {
    file: 'duckdb/data/csv/rejects/multiple_errors/unquoted_cast.csv',
    map: { event_type: 'name', occurred_at: 'current_day' },
    reference: 'read_csv({path})',
    notes: 'a stray quote ("oogie boogie"bla), text in a number column, values with a leading space',
  },
  {
    file: 'duckdb/data/csv/test_apple_financial.csv.gz',
    map: { event_type: 'SKU', occurred_at: 'Transaction Date' },
    reference: 'read_csv({path})',
    notes: 'a gzipped App Store financial report: tab-delimited, key/value lines before the header, MM/DD/YYYY dates',
  },
  {
    file: 'duckdb/data/csv/aws_locations.csv',
    map: { event_type: 'code', occurred_at: 'count' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'long-fraction latitudes, quoted commas; no time column: the time is synthetic (count, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/leading_zeros.csv',
    map: { event_type: 'CODGEO', occurred_at: 'NAISD14' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes: 'codes with leading zeros (09001); no time column: the time is synthetic (NAISD14, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/null/multiple_nulls.csv',
    map: { event_type: 'name', occurred_at: 'age' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'the words null and none and empty fields among numbers; the time is synthetic (age, a number read as epoch seconds): the record whose age is null is rejected',
  },
  {
    file: 'duckdb/data/csv/auto/duplicate_header_columns.csv',
    map: { event_type: 'a', occurred_at: 'a' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'twelve columns all named a, one unnamed, a trailing delimiter in the header; the time is synthetic (the first a, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/auto/duplicate_header_collision.csv',
    map: { event_type: 'b', occurred_at: 'a' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'header a,b,a,a_1: a renamed duplicate collides with a real name; the time is synthetic (the first a, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/header_normalize.csv',
    map: { event_type: 'bla', occurred_at: 'bla' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'semicolon-delimited, header names padded with spaces, duplicated, empty, starting with a digit; the time is synthetic (bla, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/auto/utf8bom.csv',
    map: { event_type: 'name', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes: 'UTF-8 byte-order mark and CRLF line ends; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/big_number.csv',
    map: { event_type: 'bignumber', occurred_at: 'bignumber' },
    reference: 'read_csv({path})',
    notes: 'a decimal with more digits than a double keeps (82544000000000707.52)',
  },
  {
    file: 'duckdb/data/csv/decimal_separators/decimal_separators.csv',
    map: { event_type: 'commas', occurred_at: 'periods' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'semicolon-delimited, decimal commas (1,53e4) beside decimal points; the time is synthetic (periods, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/comma_decimal_null.csv',
    map: { event_type: 'CUP', occurred_at: 'OC_COD_SLL' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'Italian open data: 40 columns, quoted decimal commas (80000000,00), empty fields; the time is synthetic (OC_COD_SLL, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/later_quotes.csv',
    map: { event_type: 'value', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'quoted values only after row 2,048 (past a sniffer sample); the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/integer_exponent.csv',
    map: { event_type: 'a', occurred_at: 'c' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'an exponent (1E-7) in an integer-looking column; the time is synthetic (c, a number read as epoch seconds), 1E-7 being a tenth of a microsecond',
  },
  {
    file: 'duckdb/data/csv/dirty_line.csv',
    map: { event_type: 'COL2', occurred_at: 'COL3' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes: 'a junk line before the header; the time is synthetic (COL3, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/unescaped_quotes/unescaped_quote.csv',
    map: { event_type: 'column1', occurred_at: 'column0' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'headerless, semicolon-delimited, unescaped quotes inside quoted fields; records and values worked out by hand (Recount frames it apart from DuckDB on purpose); the time is synthetic (column0, a number read as epoch seconds)',
    records: {
      count: 6,
      lines: [1, 2, 3, 4, 5, 6],
      why: 'Recount sniffs \';\' as the delimiter, \'"\' as the quote, and no header: columns column0 and column1. Every line opens a quote at column1 that closes after "pedro " with text (pdet" holanda") right after it, on the same line: by the rule for a closing quote followed by text, the first quote was text, and the field is read as written, "pedro "pdet" holanda", when the fields then fit the width (2: line 1 sets it, and has 2 fields read either way, so it reads like the others). Lines 1, 2, 4, 5 and 6: 2 fields, kept with their quotes as text. Line 3 (3;"pedro "pdet" ho;landa") has a \';\' inside, so 3 fields either way: rejected. 6 records, on lines 1 to 6; line 3 rejected. DuckDB\'s sniffer finds no quote and \',\' as the delimiter and takes line 1 as a header: 5 records of one column. Python\'s csv module (delimiter \';\') reads 6 records, column1 as pedro pdet" holanda" (the text after the closing quote appended to the quoted part), line 3 with 3 fields; with strict=True it raises (\';\' expected after \'"\').',
    },
    expected: [
      {
        _source_line: 1,
        column0: 1,
        column1: '"pedro "pdet" holanda"',
        event_type: '"pedro "pdet" holanda"',
        occurred_at: '1970-01-01T00:00:01Z',
      },
      {
        _source_line: 2,
        column0: 2,
        column1: '"pedro "pdet" holanda"',
        event_type: '"pedro "pdet" holanda"',
        occurred_at: '1970-01-01T00:00:02Z',
      },
      {
        _source_line: 4,
        column0: 4,
        column1: '"pedro "pdet" holanda"',
        event_type: '"pedro "pdet" holanda"',
        occurred_at: '1970-01-01T00:00:04Z',
      },
      {
        _source_line: 5,
        column0: 5,
        column1: '"pedro "pdet" holanda"',
        event_type: '"pedro "pdet" holanda"',
        occurred_at: '1970-01-01T00:00:05Z',
      },
      {
        _source_line: 6,
        column0: 6,
        column1: '"pedro "pdet" holanda"',
        event_type: '"pedro "pdet" holanda"',
        occurred_at: '1970-01-01T00:00:06Z',
      },
    ],
  },
  {
    file: 'duckdb/data/csv/auto/backslash_escape.csv',
    map: { event_type: 'column1', occurred_at: 'column0' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'headerless, pipe-delimited, backslash-escaped quotes, a quoted number; the time is synthetic (column0, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/auto/tab.csv',
    map: { event_type: 'column1', occurred_at: 'column0' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes: 'headerless tab-delimited rows in a .csv; the time is synthetic (column0, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/auto/semicolon_delim.csv',
    map: { event_type: 'column1', occurred_at: 'column0' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes: 'headerless semicolon-delimited rows in a .csv; the time is synthetic (column0, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/test/quoted_newline.csv',
    map: { event_type: 'column0', occurred_at: 'column1' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes: 'headerless, a quoted field spanning two lines; the time is synthetic (column1, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/quoted_newline.csv',
    reference: 'read_csv({path})',
    notes: 'a header, then one quoted cell spanning two lines, no newline at the end; no time',
  },
  {
    file: 'duckdb/data/csv/union-by-name/gabor/Post/part-2.csv',
    map: { event_type: 'browserUsed', occurred_at: 'creationDate' },
    reference: 'read_csv({path})',
    notes: 'LDBC social network posts: pipe-delimited .csv, ISO times with +00:00, 40-bit ids, long text, empty fields',
  },
  {
    file: 'duckdb/data/csv/union-by-name/gabor/Comment/part-2.csv',
    map: { event_type: 'browserUsed', occurred_at: 'creationDate' },
    reference: 'read_csv({path})',
    notes: 'LDBC social network comments: pipe-delimited, an empty last field on every line',
  },
  {
    file: 'duckdb/data/csv/rejects/unquoted/basic.csv',
    map: { event_type: 'a', occurred_at: 'b' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes: 'a stray quote: "blaaaa"bla, text after a closing quote; the time is synthetic (b, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/rejects/unquoted/unquoted_new_line.csv',
    map: { event_type: 'a', occurred_at: 'b' },
    timeFormat: 'epoch',
    reference: "read_csv({path}, delim = ',', quote = '\"', header = true, strict_mode = false)",
    notes:
      "a quote opened and never closed on its line, so a newline falls inside quotes. DuckDB's sniffer gives up on the broken quote and reads one column; the reference names the dialect and reads the quote across the newline. Records and values worked out by hand (Recount frames it apart from DuckDB on purpose); the time is synthetic (b, a number read as epoch seconds)",
    records: {
      count: 8,
      lines: [2, 3, 4, 5, 6, 7, 8, 9],
      why: 'Header a,b: 2 fields. Lines 2 to 4 ("bla",1 …) are whole records. Line 5, "blaaaaaaaaaaaaaa, opens a quote that does not close on its line; read on, the quote that starts line 6 would close it with text (bla) right after, which a quote that really closes never has: so line 5 alone is the broken record, 1 field where the header has 2: rejected. Framing starts again at line 6, "bla,4: its quote does not close on its line either (the one starting line 7 is followed by text), so line 6 alone, its quote as text, is the record: 2 fields, "bla and 4, kept. Lines 7 to 9 are whole records (the last without a newline). 8 records, on lines 2 to 9; line 5 rejected. DuckDB (this dialect, strict_mode off) reads 7: lines 5 and 6 as one record (a = "blaaaaaaaaaaaaaa\\n\\"bl", b = 4). Python\'s csv module (default dialect) reads 7 data records too, lines 5 and 6 as one (a = "blaaaaaaaaaaaaaa\\nbla", b = 4); with strict=True it raises (\',\' expected after \'"\').',
    },
    expected: [
      { _source_line: 2, a: 'bla', b: 1, event_type: 'bla', occurred_at: '1970-01-01T00:00:01Z' },
      { _source_line: 3, a: 'bla', b: 2, event_type: 'bla', occurred_at: '1970-01-01T00:00:02Z' },
      { _source_line: 4, a: 'bla', b: 3, event_type: 'bla', occurred_at: '1970-01-01T00:00:03Z' },
      { _source_line: 6, a: '"bla', b: 4, event_type: '"bla', occurred_at: '1970-01-01T00:00:04Z' },
      { _source_line: 7, a: 'bla', b: 1, event_type: 'bla', occurred_at: '1970-01-01T00:00:01Z' },
      { _source_line: 8, a: 'bla', b: 2, event_type: 'bla', occurred_at: '1970-01-01T00:00:02Z' },
      { _source_line: 9, a: 'bla', b: 3, event_type: 'bla', occurred_at: '1970-01-01T00:00:03Z' },
    ],
  },
  {
    file: 'duckdb/data/csv/unescaped_quotes/stops.csv',
    map: { event_type: 'stop_name' },
    reference: 'read_csv({path})',
    notes:
      'GTFS stops: every field quoted, numbers in quotes, an ß; an unescaped quote on line 9, so both readers take no quote and keep the quotes as text: no field is a number to read as a time (every row rejected)',
  },
  {
    file: 'duckdb/data/csv/test/unterminated.csv',
    reference: 'read_csv({path})',
    notes:
      'a quote that is never closed, blank line inside; records worked out by hand (Recount frames it apart from DuckDB on purpose)',
    records: {
      count: 1,
      lines: [3],
      why: 'Bytes: "hello, LF, LF, " world", LF. Recount sniffs \',\' as the delimiter, no quote, and a header: line 1 is the header (one column, named "hello), line 2 is blank (no record), and line 3, " world", is the one record. With \'"\' as the quote the rule gives the same: the quote opened on line 1 never closes (the file ends inside it), so line 1 alone is the header, its quote as text, and framing starts again at line 2. 1 record, on line 3, rejected (no type or time to map). DuckDB reads 2 records: the blank line 2 as a row of NULL, then " world". Python\'s csv module (default dialect) reads one row of one field, "hello\\n\\n world\\n" (the quote running to the end of the file), which as the header leaves 0 data records; with strict=True it raises (unexpected end of data).',
    },
    expected: [],
  },
  {
    file: 'duckdb/data/csv/auto/no_header.csv',
    map: { event_type: 'column1', occurred_at: 'column0' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes: 'headerless: a double, text and a date column; the time is synthetic (column0, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/encodings/latin1.csv.gz',
    map: { event_type: 'name' },
    reference: "read_csv({path}, encoding = 'latin-1')",
    notes:
      'gzipped Latin-1 (not UTF-8) text with CRLF line ends. Recount reads UTF-8 only: known bad input, the import must fail and say why',
    badInput: 'not valid UTF-8',
  },
  {
    file: 'duckdb/data/csv/lineitem1k.tbl.gz',
    map: { event_type: 'column14', occurred_at: 'column10' },
    reference: 'read_csv({path})',
    notes: 'gzipped headerless pipe-delimited .tbl (TPC-H), trailing delimiter',
  },
  {
    file: 'duckdb/data/csv/test/concat.gz',
    map: { event_type: 'REF', occurred_at: 'POS' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'two gzip members concatenated, no extension under .gz: tab-delimited VCF variant rows, a # in the header; the time is synthetic (POS, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/test/bgzf.gz',
    map: { event_type: 'REF', occurred_at: 'POS' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes:
      'BGZF (blocked gzip, as bioinformatics tools write it), no extension under .gz: VCF rows with quoted commas; the time is synthetic (POS, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/csv/test/test_comp.csv.gz',
    map: { event_type: 'c', occurred_at: 'a' },
    timeFormat: 'epoch',
    reference: 'read_csv({path})',
    notes: 'gzipped CSV of integers; the time is synthetic (a, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/15601/fragment1.json',
    map: { event_type: 'Consignee', occurred_at: 'Time' },
    reference: "read_json({path}, format='auto')",
    notes: 'NDJSON in a .json; DD-MM-YYYY HH:MM:SS times; keys Time and Time_1',
  },
  {
    file: 'duckdb/data/json/15601/fragment2.json',
    map: { event_type: 'DocketNumber', occurred_at: 'Time' },
    reference: "read_json({path}, format='auto')",
    notes: 'NDJSON; keys image and Image_1; a key first seen in the last record; an empty string',
  },
  {
    file: 'duckdb/data/json/15601/bunch_of_key_collisions.json',
    map: { event_type: 'duck', occurred_at: 'duck' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes:
      'keys duck, Duck, duck_1, Duck_1, duck_1_1, Duck_1_1: case collisions with numbered names; the time is synthetic (duck, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/duplicate_column_names.json',
    map: { event_type: 'Id', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes: 'keys id, Id, iD, ID in one object; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/duplicate_key.ndjson',
    map: { event_type: 'name', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='newline_delimited', ignore_errors=true)",
    notes:
      'a record with the key id twice. DuckDB refuses the duplicate key by default; the reference skips nothing but nulls that record; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/example_n.ndjson',
    map: { event_type: 'name', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes: 'NDJSON with LF line ends; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/example_rn.ndjson',
    map: { event_type: 'name', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes: 'NDJSON with CRLF line ends; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/example_r.ndjson',
    map: { event_type: 'name', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes: 'NDJSON with bare CR line ends; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/example_rn.ndjson.gz',
    map: { event_type: 'name', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes: 'gzipped NDJSON with CRLF line ends; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/multiple_objects_per_line.ndjson',
    map: { event_type: 'name', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes: 'five JSON objects on one line, no separators; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/different_schemas.ndjson',
    map: { event_type: 'name', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes: 'records with different key sets; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/inconsistent_schemas.ndjson',
    map: { event_type: 'name', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes:
      'id a string in some records, a number or a list in others; the time is synthetic (id, a number read as epoch seconds): the list and the record without a name are rejected',
  },
  {
    file: 'duckdb/data/json/with_uuid.json',
    reference: "read_json({path}, format='auto')",
    notes: 'NDJSON in a .json with UUID ids; no time (every row rejected)',
  },
  {
    file: 'duckdb/data/json/with_list.json',
    map: { event_type: 'id', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes: 'a list of strings per record; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/json/top_level_array.json',
    reference: "read_json({path}, format='auto')",
    notes: 'a top-level JSON array; no time (every row rejected)',
  },
  {
    file: 'duckdb/data/json/11407.json',
    reference: "read_json({path}, format='auto')",
    notes: 'a pretty-printed top-level array; no time (every row rejected)',
  },
  {
    file: 'duckdb/data/json/arr.json',
    reference: "read_json({path}, format='auto')",
    notes:
      'a top-level array of a number and a string: no objects at all. no record is an object: known bad input, the import must fail and say why',
    badInput: 'none of its 2 records could be read',
  },
  {
    file: 'duckdb/data/json/projection_pushdown_example.json',
    map: { occurred_at: 'createdAt' },
    reference: "read_json({path}, format='auto')",
    notes: 'a GitHub Actions run: default "event" key as the type, ISO Z times, a 10-digit id',
  },
  {
    file: 'duckdb/data/json/timestamp_example.json',
    map: { event_type: 'createdAt', occurred_at: 'createdAt' },
    reference: "read_json({path}, format='auto')",
    notes: 'one record, one ISO time',
  },
  {
    file: 'duckdb/data/json/bluesky.json.gz',
    map: { event_type: 'kind', occurred_at: 'time_us' },
    reference: "read_json({path}, format='auto')",
    notes: 'gzipped Bluesky firehose events: epoch microseconds, deep nesting, $type keys',
  },
  {
    file: 'duckdb/data/json/issue14259.json',
    map: { event_type: 'EMPLOYEE_FIRST_NAME', occurred_at: 'APPROVED_DATE' },
    reference: "read_json({path}, format='auto')",
    notes: 'pretty-printed object, many always-null keys, dates',
  },
  {
    file: 'duckdb/data/json/12188.ndjson',
    reference: "read_json({path}, format='auto')",
    notes: 'a struct whose keys differ between records; no time',
  },
  {
    file: 'duckdb/data/json/union.ndjson',
    map: { event_type: 'data.age', occurred_at: 'data.age' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes:
      'a nested object with a different key in each record; the time is synthetic (data.age, a number read as epoch seconds, reached by a dotted path): only the record that has it lands',
  },
  {
    file: 'duckdb/data/json/map_of_structs.jsonl',
    reference: "read_json({path}, format='auto')",
    notes: '.jsonl: 100 records of an object with numeric-string keys; no time',
  },
  {
    file: 'duckdb/data/json/internal_3813.json',
    map: { event_type: 'l1k1.l2k1', occurred_at: 'l1k1.l2k1' },
    timeFormat: 'epoch',
    reference: "read_json({path}, format='auto')",
    notes:
      'nested objects with an empty key; the time is synthetic (l1k1.l2k1, a number read as epoch seconds, reached by a dotted path)',
  },
  {
    file: 'duckdb/data/json/geojson/features.geojson',
    map: { event_type: 'type' },
    reference: "read_json({path}, format='auto')",
    notes: 'a GeoJSON FeatureCollection (.geojson extension): nested coordinate arrays',
  },
  {
    file: 'duckdb/data/json/internal_2732.json',
    map: { event_type: 'data.lang', occurred_at: 'data.created_at' },
    reference: "read_json({path}, format='auto')",
    notes: 'a Twitter API v2 tweet: type and time are inside "data" (reached by a dotted map path)',
  },
  {
    file: 'duckdb/data/json/sample_utf8_bom.json',
    map: { event_type: 'metadata.version', occurred_at: 'metadata.generated' },
    reference: "read_json({path}, format='auto')",
    notes: 'pretty-printed with a UTF-8 BOM; time nested (reached by a dotted map path)',
  },
  {
    file: 'duckdb/data/json/10751.json',
    map: { occurred_at: 'properties.time' },
    reference: "read_json({path}, format='newline_delimited', columns={event: 'VARCHAR', properties: 'JSON'})",
    notes:
      "a Mixpanel export (event, properties.time epoch, Platform/platform keys) (reached by a dotted map path). DuckDB's default reader refuses the case-colliding keys platform/Platform inside properties; the reference reads properties as JSON",
  },
  {
    file: 'apache-parquet-testing/data/alltypes_plain.parquet',
    map: { event_type: 'string_col', occurred_at: 'timestamp_col' },
    reference: 'read_parquet({path})',
    notes: 'INT96 timestamps, BINARY strings without a UTF-8 annotation, every primitive type',
  },
  {
    file: 'apache-parquet-testing/data/alltypes_dictionary.parquet',
    map: { event_type: 'string_col', occurred_at: 'timestamp_col' },
    reference: 'read_parquet({path})',
    notes: 'dictionary-encoded pages of every primitive type',
  },
  {
    file: 'apache-parquet-testing/data/alltypes_plain.snappy.parquet',
    map: { event_type: 'string_col', occurred_at: 'timestamp_col' },
    reference: 'read_parquet({path})',
    notes: 'snappy-compressed pages of every primitive type',
  },
  {
    file: 'apache-parquet-testing/data/int96_from_spark.parquet',
    map: { event_type: 'a', occurred_at: 'a' },
    reference: 'read_parquet({path})',
    notes: 'INT96 timestamps written by Spark, with nulls and far dates',
  },
  {
    file: 'apache-parquet-testing/data/nested_lists.snappy.parquet',
    map: { event_type: 'b', occurred_at: 'b' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'three-level nested lists with null elements; the time is synthetic (b, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/nested_maps.snappy.parquet',
    map: { event_type: 'b', occurred_at: 'c' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'maps of maps; the time is synthetic (c, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/nullable.impala.parquet',
    map: { event_type: 'id', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes:
      'Impala nested types: arrays of arrays, maps, structs of lists of structs, nulls at every level; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/nonnullable.impala.parquet',
    map: { event_type: 'ID', occurred_at: 'ID' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'the same nesting, required fields, mixed-case names; the time is synthetic (ID, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/repeated_no_annotation.parquet',
    map: { event_type: 'id', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'a repeated group without a LIST annotation; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/datapage_v2.snappy.parquet',
    map: { event_type: 'a', occurred_at: 'b' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'data page v2 with a list column; the time is synthetic (b, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/fixed_length_decimal.parquet',
    map: { event_type: 'value', occurred_at: 'value' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'DECIMAL(25,2) stored as fixed-length byte arrays; the time is synthetic (value, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/byte_array_decimal.parquet',
    map: { event_type: 'value', occurred_at: 'value' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'DECIMAL(4,2) stored as byte arrays; the time is synthetic (value, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/lz4_raw_compressed.parquet',
    map: { event_type: 'c1', occurred_at: 'c0' },
    reference: 'read_parquet({path})',
    notes: 'LZ4_RAW pages; epoch seconds; a BINARY column as the type',
  },
  {
    file: 'apache-parquet-testing/data/delta_encoding_optional_column.parquet',
    map: { event_type: 'c_first_name', occurred_at: 'c_customer_sk' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes:
      'DELTA_BINARY_PACKED and DELTA_BYTE_ARRAY optional columns, nulls; the time is synthetic (c_customer_sk, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/concatenated_gzip_members.parquet',
    map: { event_type: 'long_col', occurred_at: 'long_col' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes:
      'UINT64 column in pages made of concatenated gzip members; the time is synthetic (long_col, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/byte_stream_split.zstd.parquet',
    map: { event_type: 'f32', occurred_at: 'f64' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'BYTE_STREAM_SPLIT floats and doubles, zstd; the time is synthetic (f64, a number read as epoch seconds)',
  },
  {
    file: 'apache-parquet-testing/data/nested_structs.rust.parquet',
    map: { event_type: 'roll_num.min', occurred_at: 'roll_num.min' },
    timeFormat: 'epoch_us',
    reference: 'read_parquet({path})',
    notes:
      'structs of UINT64 and INT64 statistics; the time is synthetic (roll_num.min, a 15-digit number read as epoch microseconds, reached by a dotted path; as epoch seconds it is far beyond the year 9999)',
  },
  {
    file: 'apache-parquet-testing/data/list_columns.parquet',
    reference: 'read_parquet({path})',
    notes: 'lists of int64 and of strings, with nulls; no time',
  },
  {
    file: 'apache-parquet-testing/data/single_nan.parquet',
    map: { event_type: 'mycol' },
    reference: 'read_parquet({path})',
    notes: 'a single NaN double',
  },
  {
    file: 'apache-parquet-testing/data/binary.parquet',
    reference: 'read_parquet({path})',
    notes: 'raw binary values; no time',
  },
  {
    file: 'duckdb/data/parquet-testing/timestamp.parquet',
    map: { event_type: 'Time', occurred_at: 'Time' },
    reference: 'read_parquet({path})',
    notes: 'a timestamp with sub-millisecond digits in a column named Time',
  },
  {
    file: 'duckdb/data/parquet-testing/tz.parquet',
    map: { event_type: 'TimeRecStart', occurred_at: 'TimeRecStart' },
    reference: 'read_parquet({path})',
    notes: 'TIMESTAMP WITH TIME ZONE (isAdjustedToUTC)',
  },
  {
    file: 'duckdb/data/parquet-testing/unsigned.parquet',
    map: { event_type: 'a', occurred_at: 'd' },
    reference: 'read_parquet({path})',
    notes: 'unsigned 8/16/64-bit integers up to their maxima; the UINT64 maximum as epoch nanoseconds (2554)',
  },
  {
    file: 'duckdb/data/parquet-testing/decimals.parquet',
    map: { event_type: 'l4', occurred_at: 'l1' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'DECIMAL(3,2) to DECIMAL(30,2); the time is synthetic (l1, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/parquet-testing/decimal/pandas_decimal.parquet',
    map: { event_type: 'value4', occurred_at: 'value3' },
    reference: 'read_parquet({path})',
    notes: 'pandas decimals up to DECIMAL(36,17); DECIMAL(17,8) epoch seconds with digits below a microsecond',
  },
  {
    file: 'duckdb/data/parquet-testing/data-types.parquet',
    map: { event_type: 'stringval', occurred_at: 'timestampval' },
    reference: 'read_parquet({path})',
    notes: 'one column of each common type, a row of all nulls',
  },
  {
    file: 'duckdb/data/parquet-testing/complex.parquet',
    map: { event_type: 'manufacturer', occurred_at: 'inventory' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'structs of structs with TIMESTAMPTZ fields, lists; the time is synthetic (inventory, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/parquet-testing/aws_kinesis.parquet',
    map: { event_type: 'edge_city', occurred_at: 'event_timestamp' },
    reference: 'read_parquet({path})',
    notes: 'CloudFront real-time log events from Kinesis: millisecond timestamps, floats',
  },
  {
    file: 'duckdb/data/parquet-testing/spark-ontime.parquet',
    map: { event_type: 'uniquecarrier', occurred_at: 'flightdate' },
    reference: 'read_parquet({path})',
    notes: 'Spark-written: dates as text, doubles, many columns',
  },
  {
    file: 'duckdb/data/parquet-testing/spark-store.parquet',
    map: { event_type: 's_store_name', occurred_at: 's_rec_start_date' },
    reference: 'read_parquet({path})',
    notes: 'Spark-written TPC-DS store: DATE, DECIMAL, nulls',
  },
  {
    file: 'duckdb/data/parquet-testing/silly-names.parquet',
    map: { event_type: 'C1', occurred_at: 'önë' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'column names with diacritics and an emoji; the time is synthetic (önë, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/parquet-testing/CASE_INSENSITIVE.PARQUET',
    reference: 'read_parquet({path})',
    notes: 'upper-case .PARQUET extension, one BLOB; no time',
  },
  {
    file: 'duckdb/data/parquet-testing/blob.parquet',
    map: { event_type: 'strings', occurred_at: 'ids' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'BLOB values with NUL bytes; the time is synthetic (ids, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/parquet-testing/enum.parquet',
    map: { event_type: 'name', occurred_at: 'start_timestamp_micros' },
    reference: 'read_parquet({path})',
    notes: 'span data: BLOB ids, epoch microseconds, a list of tag structs',
  },
  {
    file: 'duckdb/data/parquet-testing/json_convertedtype.parquet',
    map: { event_type: 'STATUS', occurred_at: 'BLOCK_TIMESTAMP' },
    reference: 'read_parquet({path})',
    notes: 'Ethereum transactions: 0x hashes, doubles, a list of JSON values',
  },
  {
    file: 'duckdb/data/parquet-testing/issue_5533_timestamp_ms_stats.parquet',
    map: { event_type: 'count' },
    reference: 'read_parquet({path})',
    notes: 'a column named timestamp (TIMESTAMP_MILLIS), unsigned ints',
  },
  {
    file: 'duckdb/data/parquet-testing/bug4859.parquet',
    map: { event_type: 'nameWithOwner', occurred_at: 'createdAt' },
    reference: 'read_parquet({path})',
    notes: 'GitHub repository metadata: ISO times as text, dotted column names (primaryLanguage.id)',
  },
  {
    file: 'duckdb/data/parquet-testing/nullbyte.parquet',
    map: { event_type: 'hello world', occurred_at: '42' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes:
      'a NUL byte inside a string, names with a space and of digits; the time is synthetic (42, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/parquet-testing/signed_stats.parquet',
    map: { event_type: 'CAST(-128 AS TINYINT)', occurred_at: 'CAST(-9223372036854775808 AS BIGINT)' },
    reference: 'read_parquet({path})',
    notes:
      'the minimum and maximum of each signed integer type, SQL expressions as column names; int64 extremes as epoch nanoseconds',
  },
  {
    file: 'duckdb/data/parquet-testing/negative-timetz.parquet',
    map: { event_type: 'col3', occurred_at: 'col12' },
    reference: 'read_parquet({path})',
    notes: 'values from many PostgreSQL types written as text, padded CHAR, a date',
  },
  {
    file: 'duckdb/data/parquet-testing/date-with-timezone-int64.parquet',
    map: { event_type: 'COL_VARCHAR', occurred_at: 'COL_DATE' },
    reference: 'read_parquet({path})',
    notes: 'a Snowflake export: every type, a DATETIME as a struct of epoch and timezone',
  },
  {
    file: 'duckdb/data/parquet-testing/nan-float.parquet',
    map: { event_type: 'two', occurred_at: 'one' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'NaN and infinity doubles; the time is synthetic (one, a number read as epoch seconds): the infinite one is rejected',
  },
  {
    file: 'duckdb/data/parquet-testing/snowflake_variant.parquet',
    map: { event_type: 'id', occurred_at: 'id' },
    timeFormat: 'epoch',
    reference: 'read_parquet({path})',
    notes: 'a Parquet VARIANT column; the time is synthetic (id, a number read as epoch seconds)',
  },
  {
    file: 'duckdb/data/parquet-testing/bug14120-dict-nulls-only.parquet',
    map: { event_type: 'id', occurred_at: 'id' },
    timeFormat: 'epoch_ms',
    reference: 'read_parquet({path})',
    notes:
      'a dictionary-encoded TIMESTAMPTZ column (cancelled_at) with only nulls, compared as a value; the time is synthetic (id, 13 digits, a number read as epoch milliseconds)',
  },
  {
    file: 'duckdb/data/parquet-testing/map.parquet',
    map: { event_type: 'raw_header.Content-Type', occurred_at: 'raw_header.Date' },
    reference: 'read_parquet({path})',
    notes:
      'HTTP response headers as a MAP; RFC 1123 dates ("Sat, 30 Jan 2021 16:19:57 GMT") reached by dotted paths into the map',
  },
  {
    file: 'duckdb/data/parquet-testing/internal_5994.parquet',
    map: { event_type: 'eventName', occurred_at: 'eventTime' },
    reference: 'read_parquet({path})',
    notes:
      'AWS CloudTrail events: epoch seconds, JSON documents as text, BLOB columns, dotted column names (userIdentity.sessionContext…)',
  },
  {
    file: 'duckdb/data/parquet-testing/date_stats.parquet',
    map: { event_type: 'time_val', occurred_at: 'timestamp_val' },
    reference: 'read_parquet({path})',
    notes: 'DATE, TIMETZ and TIMESTAMP in seconds, milliseconds, microseconds and nanoseconds, 1900 dates',
  },
  {
    file: 'duckdb/data/parquet-testing/decimal_stats.parquet',
    map: { event_type: 'dec4', occurred_at: 'dec18' },
    reference: 'read_parquet({path})',
    notes: 'DECIMAL(4,1) to DECIMAL(38,5) at their extremes; a DECIMAL(18,5) as epoch milliseconds (1653)',
  },
  {
    file: 'duckdb/data/parquet-testing/timetz.parquet',
    reference: 'read_parquet({path})',
    notes: 'TIME WITH TIME ZONE; no time',
  },
  {
    file: 'duckdb/data/parquet-testing/arrow/uuid-arrow.parquet',
    reference: 'read_parquet({path})',
    notes: 'UUID logical type with nulls; no time',
  },
  {
    file: 'duckdb/data/parquet-testing/parquet_with_json.parquet',
    reference: 'read_parquet({path})',
    notes: 'JSON logical type; no time',
  },
  {
    file: 'octokit-webhooks/payload-examples/api.github.com/star/created.payload.json',
    map: { event_type: 'action', occurred_at: 'starred_at' },
    reference: "read_json({path}, format='auto')",
    notes: 'GitHub webhook (star created): pretty-printed single object, nested repository and sender',
  },
  {
    file: 'octokit-webhooks/payload-examples/api.github.com/status/payload.json',
    map: { event_type: 'state' },
    reference: "read_json({path}, format='auto')",
    notes: 'GitHub webhook (commit status): top-level created_at and id, a "name" key, branches list',
  },
  {
    file: 'octokit-webhooks/payload-examples/api.github.com/marketplace_purchase/purchased.payload.json',
    map: { event_type: 'action', occurred_at: 'effective_date' },
    reference: "read_json({path}, format='auto')",
    notes: 'GitHub webhook (Marketplace purchase): effective_date, nested plan with price lists',
  },
  {
    file: 'octokit-webhooks/payload-examples/api.github.com/deployment_review/requested.payload.json',
    map: { event_type: 'action', occurred_at: 'since' },
    reference: "read_json({path}, format='auto')",
    notes: 'GitHub webhook (deployment review requested): 26 KB, a workflow run with many URLs',
  },
  {
    file: 'octokit-webhooks/payload-examples/api.github.com/push/payload.json',
    map: { event_type: 'ref', occurred_at: 'repository.pushed_at' },
    reference: "read_json({path}, format='auto')",
    notes:
      'GitHub webhook (push): head_commit is null here, so the time is repository.pushed_at, epoch seconds as GitHub writes them in push payloads (reached by a dotted path)',
  },
  {
    file: 'octokit-webhooks/payload-examples/api.github.com/issues/opened.payload.json',
    map: { event_type: 'action', occurred_at: 'issue.created_at' },
    reference: "read_json({path}, format='auto')",
    notes: 'GitHub webhook (issue opened): the time is inside issue (reached by a dotted map path)',
  },
  {
    file: 'aws-lambda-go/events/testdata/autoscaling-event-launch-successful.json',
    map: { event_type: 'detail-type' },
    reference: "read_json({path}, format='auto')",
    notes: 'EventBridge event: detail-type, time, id, a 12-digit account as text, nested detail',
  },
  {
    file: 'aws-lambda-go/events/testdata/codebuild-state-change.json',
    map: { event_type: 'detail-type' },
    reference: "read_json({path}, format='auto')",
    notes: 'EventBridge CodeBuild state change: deep nested detail with phase lists',
  },
  {
    file: 'aws-lambda-go/events/testdata/ecr-image-scan-event.json',
    map: { event_type: 'detail-type' },
    reference: "read_json({path}, format='auto')",
    notes: 'EventBridge ECR scan: nested severity counts, hyphenated keys',
  },
  {
    file: 'aws-lambda-go/events/testdata/s3-event.json',
    reference: "read_json({path}, format='auto')",
    notes: 'S3 notification: everything inside a Records array (no top-level type or time: rejected)',
  },
  {
    file: 'aws-lambda-go/events/testdata/cloudwatch-logs-event.json',
    reference: "read_json({path}, format='auto')",
    notes: 'CloudWatch Logs subscription: one base64 gzip blob under awslogs (rejected)',
  },
  {
    file: 'segmentio-analytics-go/fixtures/test-many-track.json',
    map: { event_type: 'messageId', occurred_at: 'sentAt' },
    reference: "read_json({path}, format='auto')",
    notes: 'Segment batch envelope: a batch array of track calls, sentAt, messageId',
  },
  {
    file: 'segmentio-analytics-go/fixtures/test-context-track.json',
    map: { event_type: 'messageId', occurred_at: 'sentAt' },
    reference: "read_json({path}, format='auto')",
    notes: 'Segment batch with nested context and an integrations map',
  },
  {
    file: 'rees46/rees46-2019-Oct-sample.csv',
    reference: 'read_csv({path})',
    notes: 'real e-commerce events: "YYYY-MM-DD HH:MM:SS UTC" times, 19-digit category ids, no event id, repeated rows',
  },
];
