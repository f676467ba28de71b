// Quoting for commands printed to be pasted into a shell (the walkthrough).
/** An argument as a POSIX shell reads it back: bare when safe, else quoted so that pasting it runs the same command. */
export function shellQuote(arg) {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  // SQL's string literals are in single quotes: double quotes read the same when nothing in them expands.
  if (!/[$`"\\!]/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
