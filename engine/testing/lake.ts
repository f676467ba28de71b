import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { testWorkspace, type TestWorkspace } from './fixtures.js';
import { importFile, type ImportFileResult, type ImportOptions } from '../lake/import.js';

/** Test support for import tests: a fresh UTC workspace per test, a file written and imported, queries on it. */
export interface LakeTest {
  readonly t: TestWorkspace;
  importContent(name: string, content: string | Buffer, options?: ImportOptions): Promise<ImportFileResult>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

export function lakeTest(): LakeTest {
  let current: TestWorkspace | undefined;
  beforeEach(async () => {
    current = await testWorkspace();
  });
  afterEach(() => current?.cleanup());
  const handle: LakeTest = {
    get t() {
      if (!current) throw new Error('lakeTest() is used inside a test');
      return current;
    },
    async importContent(name, content, options = {}) {
      const path = join(handle.t.root, name);
      await writeFile(path, content);
      return importFile(handle.t.workspace, path, options);
    },
    async query<T>(sql: string) {
      return handle.t.workspace.catalog.all(sql) as Promise<T[]>;
    },
  };
  return handle;
}

/** An event time as JSON, for records built in tests. */
export const AT = '"occurred_at":"2026-10-01T10:00:00Z"';
