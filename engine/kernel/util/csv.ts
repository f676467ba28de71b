/** RFC 4180 quoting: a field with a comma, quote, CR or LF is quoted and its quotes doubled. */
export function csvField(text: string | null, neutralizeFormulas = false): string {
  if (text === null) return '';
  let value = text;
  // A cell starting with = + - @ (or tab/CR) is run as a formula by spreadsheets; a leading apostrophe
  // makes it text (OWASP's advice). Plain negative numbers are left alone: they are not formulas.
  if (neutralizeFormulas && /^[=+\-@\t\r]/.test(value) && !/^-\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) value = `'${value}`;
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(fields: readonly (string | null)[], neutralizeFormulas = false): string {
  return `${fields.map((f) => csvField(f, neutralizeFormulas)).join(',')}\r\n`;
}
