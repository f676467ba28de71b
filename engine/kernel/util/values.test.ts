import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { cellText, resultTable, rowJson } from './values.js';

async function table(sql: string) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return resultTable(await connection.runAndReadAll(sql), 'UTC');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('result values', () => {
  it('gives numbers inside nested values as JSON numbers where a double holds them exactly, else as exact text', async () => {
    const result = await table(`SELECT
      [{'quantity': 1::BIGINT, 'price': 2.50::DECIMAL(18,2), 'big': 9007199254740993::BIGINT,
        'wide': 12345678901234.5678::DECIMAL(38,4), 'h': (-5)::HUGEINT}] AS items,
      7::BIGINT AS n`);
    const [row] = result.rows;
    expect(row).toEqual([[{ quantity: 1, price: 2.5, big: '9007199254740993', wide: '12345678901234.5678', h: -5 }], '7']);
    expect(rowJson(result.columns, row!)).toBe(
      '{"items":[{"quantity":1,"price":2.5,"big":"9007199254740993","wide":"12345678901234.5678","h":-5}],"n":7}',
    );
    expect(cellText(row![0]!)).toBe('[{"quantity":1,"price":2.5,"big":"9007199254740993","wide":"12345678901234.5678","h":-5}]');
  });
});
