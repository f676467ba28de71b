/**
 * Splits SQL text into its statements at the semicolons that end them: not inside a string ('…', E'…'), a quoted
 * name ("…"), a dollar-quoted string ($$…$$, $tag$…$tag$) or a comment (-- …, nested /* … *\/). Each statement keeps
 * its own text (comments inside it included); pieces holding nothing but blanks and comments are left out. DuckDB's own
 * extractStatements counts the statements but does not give their text, which a cell needs to hold each result.
 */
export function splitStatements(sql: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  let i = 0;
  let substantive = false;
  const push = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (substantive && text !== '') pieces.push(text);
    substantive = false;
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        const pair = sql.slice(i, i + 2);
        if (pair === '/*' || pair === '*/') {
          depth += pair === '/*' ? 1 : -1;
          i += 2;
        } else i++;
      }
    } else if (ch === "'" || ch === '"') {
      const backslashes = ch === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      substantive = true;
      i++;
      while (i < sql.length) {
        if (backslashes && sql[i] === '\\') i += 2;
        else if (sql[i] === ch && sql[i + 1] === ch) i += 2;
        else if (sql[i] === ch) break;
        else i++;
      }
      i++;
    } else if (ch === '$' && !/\w/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      substantive = true;
      if (!tag) {
        i++;
        continue;
      }
      const close = sql.indexOf(tag[0], i + tag[0].length);
      i = close < 0 ? sql.length : close + tag[0].length;
    } else if (ch === ';') {
      push(i);
      start = i + 1;
      i++;
    } else {
      if (!/\s/.test(ch)) substantive = true;
      i++;
    }
  }
  push(sql.length);
  return pieces;
}
