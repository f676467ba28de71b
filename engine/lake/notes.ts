/**
 * What an import changed about a field and why, for its summary: every value DuckDB's own reader would give
 * differently, every name that is not the source's, every type widened. Nothing an import does to a value goes
 * unsaid.
 */
export type ImportNoteKind =
  /** Stored as a wider exact type than a sample suggests (HUGEINT, DECIMAL). */
  | 'exact-type'
  /** Kept as text, because some value does not fit any type exactly. */
  | 'kept-as-text'
  /** Stored under another name than the source's (case collisions, reserved or unusable names). */
  | 'renamed'
  /** The lake holds the field with a type this file's values do not fit: stored under another name. */
  | 'conflict'
  /** The lake's type for the field was widened (exactly) to hold this file's values too. */
  | 'lake-widened'
  /** Values were changed in a documented way (sub-microsecond digits of event times, a decimal comma). */
  | 'converted'
  /** Records had the same key twice: the first value is kept. */
  | 'duplicate-keys'
  /** Events dated after today in the workspace's zone (a clock set wrong?): kept, and said. */
  | 'future-events';

export interface ImportNote {
  /** The lake column (or, for a name, the source field). */
  column: string;
  kind: ImportNoteKind;
  detail: string;
}

export function describeNote(note: ImportNote): string {
  return `${note.column}: ${note.detail}`;
}
