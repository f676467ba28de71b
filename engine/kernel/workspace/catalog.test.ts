import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/fixtures.js';
import { Database, type Connection } from './db.js';
import { migrateCatalog, migrateLayer, type LayerSchema } from './catalog.js';

let root: { dir: string; cleanup: () => Promise<void> };
let db: Database;
let connection: Connection;
beforeEach(async () => {
  root = await tempDir();
  db = await Database.open(join(root.dir, 'catalog.duckdb'), { timezone: 'UTC' });
  connection = await db.connect();
  await migrateCatalog(connection);
});
afterEach(async () => {
  connection.close();
  db.close();
  await root.cleanup();
});

const schema: LayerSchema = {
  layer: 'test',
  migrations: [
    { catalogVersion: 1, sql: 'CREATE TABLE a (x INTEGER)' },
    { catalogVersion: 3, sql: 'CREATE TABLE b (x INTEGER)' },
    { sql: 'CREATE TABLE c (x INTEGER)' },
  ],
};
const tables = async () =>
  (
    await connection.all<{ name: string }>(
      `SELECT table_name AS name FROM duckdb_tables() WHERE table_name IN ('a', 'b', 'c') ORDER BY 1`,
    )
  ).map((t) => t.name);
const meta = () => connection.all(`SELECT key, value FROM catalog_meta ORDER BY key`);

describe("each layer's catalog schema", () => {
  it('is created whole in a new catalog, and migrating again changes nothing', async () => {
    await migrateLayer(connection, schema);
    await migrateLayer(connection, schema);
    expect(await tables()).toEqual(['a', 'b', 'c']);
    expect(await meta()).toEqual([{ key: 'schema_version.test', value: '3' }]);
  });

  it('continues a catalog migrated as a whole from the steps its version included', async () => {
    await connection.run('CREATE TABLE a (x INTEGER); CREATE TABLE b (x INTEGER)');
    await connection.run(`INSERT INTO catalog_meta VALUES ('schema_version', '3')`);
    await migrateLayer(connection, schema);
    expect(await tables()).toEqual(['a', 'b', 'c']);
    expect(await meta()).toEqual([
      { key: 'schema_version', value: '3' },
      { key: 'schema_version.test', value: '3' },
    ]);
  });
});
