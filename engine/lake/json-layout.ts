/**
 * How a JSON file holds its records, decided from its structure: where its top-level values begin and end, not
 * whether some line happens to parse alone. A pretty-printed object has lines that parse alone (`"Segment.io",`
 * without its comma does not, but `true`, a number, or `{"id": 1,` … `}` may), so a line-by-line guess took such
 * files for NDJSON and failed them whole.
 *
 * - `array`: the content starts with `[` (one JSON array of records);
 * - `unstructured`: top-level values that span lines (pretty-printed), or several on one line (concatenated JSON);
 *   DuckDB's `read_json(format = 'unstructured')` reads those;
 * - `ndjson`: one value per line, as far as the head shows (a broken line is a reject, not a reason to doubt the file).
 *
 * Hand-written because no JSON library reports where a value ends without building it, and the head of a file may
 * cut its last value short. It only matches brackets and strings; the values themselves are DuckDB's to parse.
 */
export type JsonLayout = 'array' | 'unstructured' | 'ndjson';

interface ValueSpan {
  startLine: number;
  endLine: number;
  /** The value ended before the text did. */
  complete: boolean;
  /** Another value ended earlier on the line this one started on. */
  sharesLine: boolean;
  /**
   * A line inside the value starts with something other than `{`. Lines of NDJSON all start with `{`; when one is cut
   * short after a `:` or `,`, the next lines read as the rest of its value, which must not make the file look
   * pretty-printed.
   */
  indented: boolean;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff;
}

/** The top-level values of `text`, as far as it goes; a value broken by a newline inside a string ends at that line. */
function topLevelValues(text: string, limit = 200): { values: ValueSpan[]; broken: number } {
  const values: ValueSpan[] = [];
  let broken = 0;
  let line = 1;
  let lastEndLine = 0;
  let i = 0;
  const n = text.length;
  while (i < n && values.length < limit) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      if (c === 0x0a) line++;
      i++;
      continue;
    }
    const startLine = line;
    let depth = 0;
    let inString = false;
    let ok = true;
    let indented = false;
    let j = i;
    for (; j < n; j++) {
      const d = text.charCodeAt(j);
      if (inString) {
        if (d === 0x5c) j++;
        else if (d === 0x22) inString = false;
        else if (d === 0x0a) {
          ok = false;
          break;
        }
        continue;
      }
      if (d === 0x22) inString = true;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth <= 0) {
          j++;
          break;
        }
      } else if (d === 0x0a) {
        if (depth === 0) break;
        line++;
        let k = j + 1;
        while (k < n && (text.charCodeAt(k) === 0x20 || text.charCodeAt(k) === 0x09 || text.charCodeAt(k) === 0x0d)) k++;
        if (k < n && text.charCodeAt(k) !== 0x7b && text.charCodeAt(k) !== 0x0a) indented = true;
      } else if (depth === 0 && (d === 0x20 || d === 0x09 || d === 0x0d || d === 0x2c)) break;
    }
    if (!ok) {
      // A newline inside a string: this line is broken; go on at the next one.
      broken++;
      line++;
      i = j + 1;
      lastEndLine = 0;
      continue;
    }
    const complete = j < n || depth === 0;
    // Only an object after another counts as concatenated JSON; other text after an object is trailing garbage.
    const sharesLine = startLine === lastEndLine && c === 0x7b;
    values.push({ startLine, endLine: line, complete, sharesLine, indented });
    lastEndLine = line;
    i = Math.max(j, i + 1);
  }
  return { values, broken };
}

/** The layout of JSON content from its head (`whole` says the head is the whole file). */
export function jsonLayout(head: string, whole: boolean): JsonLayout {
  const start = /[^\s\uFEFF]/.exec(head)?.[0];
  if (start === '[') return 'array';
  const { values } = topLevelValues(head);
  const decided = whole ? values : values.filter((v) => v.complete);
  if (values.some((v) => v.endLine > v.startLine && v.indented)) return 'unstructured';
  if (decided.some((v) => v.sharesLine)) return 'unstructured';
  return 'ndjson';
}
