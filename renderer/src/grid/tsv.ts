import { formatValue } from '../ui/format';

/**
 * Tab-separated text the way spreadsheets paste it: a field with a tab, a line break or a double quote
 * is quoted, with quotes doubled (what Excel and Google Sheets write and read); NULL is an empty field.
 */
export function tsvField(value: unknown): string {
  const text = formatValue(value);
  return /[\t\n\r"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toTsv(rows: readonly (readonly unknown[])[], header?: readonly string[]): string {
  const lines = header ? [header.map(tsvField).join('\t')] : [];
  for (const row of rows) lines.push(row.map(tsvField).join('\t'));
  return lines.join('\n');
}
