import { describe, expect, it } from 'vitest';
import { splitStatements } from './split-sql.js';

describe('splitting SQL into statements', () => {
  it('splits at the semicolons that end statements, trimming each', () => {
    expect(splitStatements('SELECT 1; SELECT 2;\n\n  SELECT 3')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
    expect(splitStatements('SELECT 1;')).toEqual(['SELECT 1']);
    expect(splitStatements('  ')).toEqual([]);
  });

  it('keeps semicolons inside strings, quoted names, dollar quotes and comments', () => {
    expect(splitStatements(`SELECT 'a;b', 'it''s;' AS "x;y"""; SELECT 2`)).toEqual([
      `SELECT 'a;b', 'it''s;' AS "x;y"""`,
      'SELECT 2',
    ]);
    expect(splitStatements('SELECT $$a;b$$, $t$ $$; $t$; SELECT 2')).toEqual(['SELECT $$a;b$$, $t$ $$; $t$', 'SELECT 2']);
    expect(splitStatements("SELECT E'a\\';b'; SELECT 2")).toEqual(["SELECT E'a\\';b'", 'SELECT 2']);
    expect(splitStatements('SELECT 1 -- one; two\n; /* a; /* nested; */ b; */ SELECT 2')).toEqual([
      'SELECT 1 -- one; two',
      '/* a; /* nested; */ b; */ SELECT 2',
    ]);
  });

  it('leaves out pieces of nothing but blanks and comments', () => {
    expect(splitStatements('SELECT 1; -- the end\n')).toEqual(['SELECT 1']);
    expect(splitStatements(';; /* x */ ; SELECT 1')).toEqual(['SELECT 1']);
  });
});
