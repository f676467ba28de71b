import type { CsvDialect } from './csv-dialect.js';

/** A header name stored under another column name, and why. */
export interface CsvRename {
  header: string;
  column: string;
  why: string;
}

/**
 * Splits one record into fields by the dialect: a quote opens a quoted field only at the field's start; inside it the
 * escape character takes the next quote or escape as text (a doubled quote, when the escape is the quote); text
 * after a closing quote, and a quote inside an unquoted field, are text (as DuckDB and Python's csv read them). With
 * `unclosedAsText`, a quote that never closes is text from where it stands.
 */
export function splitCsvRecord(
  text: string,
  dialect: CsvDialect,
  unclosedAsText = false,
  /** A quote whose closing quote is followed by text, not a delimiter, is text itself (the field is unquoted). */
  strictClose = false,
): string[] {
  const { delimiter, quote, escape } = dialect;
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    let field = '';
    if (quote && text.startsWith(quote, i)) {
      const open = i;
      i += quote.length;
      let closed = false;
      while (i < n) {
        if (escape && escape !== quote && text.startsWith(escape, i)) {
          const next = text.slice(i + escape.length, i + escape.length + Math.max(quote.length, escape.length));
          if (next.startsWith(quote) || next.startsWith(escape)) {
            const taken = next.startsWith(quote) ? quote : escape;
            field += taken;
            i += escape.length + taken.length;
            continue;
          }
        }
        if (text.startsWith(quote, i)) {
          if (escape === quote && text.startsWith(quote, i + quote.length)) {
            field += quote;
            i += 2 * quote.length;
            continue;
          }
          i += quote.length;
          closed = true;
          break;
        }
        field += text[i];
        i++;
      }
      const endsField = i >= n || text.startsWith(delimiter, i);
      if ((!closed && unclosedAsText) || (closed && strictClose && !endsField)) {
        i = open;
        field = '';
        // Read as an unquoted field: up to the next delimiter, quotes and all.
        const end = text.indexOf(delimiter, i);
        fields.push(end < 0 ? text.slice(i) : text.slice(i, end));
        if (end < 0) return fields;
        i = end + delimiter.length;
        continue;
      } else {
        // Text after the closing quote, up to the delimiter, belongs to the field.
        const end = text.indexOf(delimiter, i);
        const stop = end < 0 ? n : end;
        field += text.slice(i, stop);
        i = stop;
        fields.push(field);
        if (end < 0) return fields;
        i += delimiter.length;
        continue;
      }
    }
    const end = text.indexOf(delimiter, i);
    if (end < 0) {
      fields.push(field + text.slice(i));
      return fields;
    }
    fields.push(field + text.slice(i, end));
    i = end + delimiter.length;
  }
}

/** A field as the normalized copy writes it (RFC 4180 with the file's delimiter): empty unquoted, anything else quoted. */
export function encodeField(value: string): string {
  return value === '' ? '' : `"${value.replace(/"/g, '""')}"`;
}

/**
 * Column names as DuckDB's CSV reader names them: trimmed; an empty one `column<i>` (0-based); one that repeats an
 * earlier name but for case gets `_1`, `_2`… A NUL becomes `_` (DuckDB's parser stops at one).
 */
export function csvColumnNames(names: string[], reserved: readonly string[] = []): { columns: string[]; renames: CsvRename[] } {
  const seen = new Set(reserved.map((r) => r.toLowerCase()));
  const renames: CsvRename[] = [];
  const columns = names.map((raw, index) => {
    const usable = raw.replace(/\0/g, '_').trim();
    const base = usable || `column${index}`;
    let name = base;
    for (let n = 1; seen.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    seen.add(name.toLowerCase());
    if (name !== raw) {
      const why = raw.includes('\0')
        ? 'its name holds a NUL character'
        : raw.trim() === ''
          ? 'its name is empty'
          : name !== usable
            ? 'another column has the same name but for case (DuckDB names ignore case)'
            : 'spaces around the name are not part of it';
      renames.push({ header: raw, column: name, why });
    }
    return name;
  });
  return { columns, renames };
}
