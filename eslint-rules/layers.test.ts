import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/*
 * The project's own ESLint config, run over fixture files laid out as the repository is (eslint-rules/fixtures/ is
 * read as the tree's root, and ignored by `npm run lint` itself): each forbidden import must fail with the layers
 * rule, each allowed one must pass.
 */
const REPO = fileURLToPath(new URL('../', import.meta.url));
const eslint = new ESLint({ cwd: REPO, ignore: false });

async function layerErrors(fixture: string): Promise<string[]> {
  const [result] = await eslint.lintFiles([`eslint-rules/fixtures/${fixture}`]);
  const messages = result?.messages ?? [];
  const fatal = messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`${fixture} did not parse: ${fatal[0]?.message}`);
  return messages.filter((m) => m.ruleId === 'recount/layers').map((m) => `${m.line}: ${m.message}`);
}

describe('the layering lint', () => {
  it.each([
    [
      'engine/lake/imports-speed.ts',
      ['2: engine/lake may not import engine/speed (../speed/tailer.js): lake may import shared, kernel, lake.'],
    ],
    [
      'engine/lake/dynamic-batch.ts',
      [
        '2: engine/lake may not import engine/batch (../batch/runner.js): lake may import shared, kernel, lake.',
        '3: engine/lake may not import engine/batch (../batch/status.js): lake may import shared, kernel, lake.',
      ],
    ],
    [
      'engine/kernel/workspace/imports-lake.ts',
      ['2: engine/kernel may not import engine/lake (../../lake/import.js): kernel may import shared, kernel.'],
    ],
    [
      'engine/shared/imports-node.ts',
      [
        '2: engine/shared is imported by the renderer: no Node built-ins or DuckDB (node:fs/promises).',
        '3: engine/shared is imported by the renderer: no Node built-ins or DuckDB (path).',
        '4: engine/shared is imported by the renderer: no Node built-ins or DuckDB (@duckdb/node-api).',
      ],
    ],
    [
      'engine/shared/imports-kernel.ts',
      ['2: engine/shared may not import engine/kernel (../kernel/util/sql.js): shared may import shared.'],
    ],
    [
      'engine/speed/imports-testing.ts',
      [
        '2: engine/testing is test support and is not built: ../testing/fixtures.js may be imported only by tests, e2e and bench.',
      ],
    ],
    [
      'engine/mystery/anything.ts',
      [
        "1: eslint-rules/fixtures/engine/mystery/anything.ts is in engine/mystery/, which is not one of the engine's layers (eslint-rules/layers.js).",
      ],
    ],
    [
      'renderer/src/grid/imports-lake.ts',
      ['2: The renderer may import only engine/shared, not engine/lake (../../../engine/lake/import).'],
    ],
    [
      'renderer/src/grid/Imports.svelte',
      ['4: The renderer may import only engine/shared, not engine/service (../../../engine/service/engine).'],
    ],
  ])('%s fails', async (fixture, expected) => {
    expect(await layerErrors(fixture)).toEqual(expected);
  });

  it.each([
    'engine/lake/imports-kernel.ts',
    'engine/serving/imports-layers.ts',
    'engine/speed/sets-up.test.ts',
    'electron/imports-service.ts',
  ])('%s passes', async (fixture) => {
    expect(await layerErrors(fixture)).toEqual([]);
  });
});
