/** Counted nouns as the app and the CLI print them: "1 partition", "1,028 partitions" (en-US grouping). */
const grouping = new Intl.NumberFormat('en-US');

/** The noun for n things: `one` for exactly 1, else `many` (the noun with an s unless given). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** n and its noun: `counted(1, 'row')` is "1 row", `counted(2500, 'entry', 'entries')` is "2,500 entries". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${grouping.format(n)} ${plural(n, one, many)}`;
}
