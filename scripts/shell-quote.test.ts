import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { shellQuote } from './shell-quote.mjs';

const quote = shellQuote as (arg: string) => string;

/** What a real POSIX shell makes of the quoted words: each argument back, NUL-separated. */
function throughShell(args: string[]): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${args.map(quote).join(' ')}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  const args = [
    'import',
    'sample-data/shop-events.ndjson',
    'SELECT count(*) FROM events',
    "SELECT 1 FROM events WHERE event_type = 'UserVisitedWebsite'",
    `it's "quoted" and $HOME and \`pwd\` and \\n and !`,
    'a*b?[c]',
    '',
    ' leading and trailing ',
    'tab\there',
  ];

  it('gives back every argument as it was, through /bin/sh', () => {
    expect(throughShell(args)).toEqual(args);
  });

  it('leaves safe words bare and keeps SQL string literals readable', () => {
    expect(quote('--out')).toBe('--out');
    expect(quote("WHERE t = 'x'")).toBe(`"WHERE t = 'x'"`);
    expect(quote('SELECT $1')).toBe("'SELECT $1'");
  });
});
