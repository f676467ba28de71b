/** The longest notebook name the engine takes (its file name without `.md`). */
const MAX_NAME = 100;

/**
 * The file name (without `.md`) a notebook titled so is saved under: the title with accents dropped and what a file
 * name may not hold (the engine takes letters, digits, spaces, dots, dashes and underscores) turned into spaces.
 * Undefined when nothing of the title is left (a title of only symbols, or in a script without Latin letters).
 */
export function notebookNameFor(title: string): string | undefined {
  const name = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\w .-]+/g, ' ')
    .replace(/\.{2,}/g, '.')
    .replace(/\s+/g, ' ')
    .replace(/^[^\w]+/, '')
    .slice(0, MAX_NAME)
    .trim();
  return name || undefined;
}

/** Another notebook (not `current`) with this name, as the engine's file system may fold case: the name's owner. */
export function nameTaken(name: string, existing: readonly string[], current: string): string | undefined {
  return existing.find((n) => n !== current && n.toLowerCase() === name.toLowerCase());
}
