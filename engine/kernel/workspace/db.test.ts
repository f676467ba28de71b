import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, type Connection } from './db.js';

let dir: string;
let db: Database;
let connection: Connection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recount-db-'));
  db = await Database.open(join(dir, 'test.duckdb'), { timezone: 'UTC', threads: 2 });
  connection = await db.connect();
});

afterAll(async () => {
  connection.close();
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('doubleColumns', () => {
  it('reads every row of a many-chunk result, in order, column by column', async () => {
    // 100,003 rows span 49 vectors of 2,048 and a partial one; values are worked out here from the row number.
    const [a, b] = await connection.doubleColumns(
      'SELECT range::DOUBLE * 0.5, (range % 7)::DOUBLE - 3 FROM range(100003) ORDER BY range',
    );
    expect(a?.length).toBe(100_003);
    expect(b?.length).toBe(100_003);
    let wrong = 0;
    for (let i = 0; i < 100_003; i++) if (a?.[i] !== i * 0.5 || b?.[i] !== (i % 7) - 3) wrong++;
    expect(wrong).toBe(0);
  });

  it('refuses a NULL rather than reading it as a number', async () => {
    await expect(
      connection.doubleColumns('SELECT CASE WHEN range = 3000 THEN NULL ELSE range::DOUBLE END FROM range(5000)'),
    ).rejects.toThrow('NULL in column 0');
  });
});
