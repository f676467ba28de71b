import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../testing/cli.js';

const exec = promisify(execFile);
const CLI = fileURLToPath(new URL('./bin.ts', import.meta.url));

/** The command line among other programs: read by `head`, given pipes and devices instead of files. */
let root: string;
let workspace: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'recount-pipes-'));
  workspace = join(root, 'ws');
  expect((await runCli(['init', '--workspace', workspace])).code).toBe(0);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the CLI in a pipeline', () => {
  it('ends quietly when the reader of its output goes away (| head)', async () => {
    for (const args of [
      ['query', 'SELECT * FROM range(200000)', '--format', 'csv'],
      ['status'],
      ['query', 'SELECT * FROM range(200000)'],
    ]) {
      const command = `node --import tsx ${CLI} ${args.map((a) => `'${a}'`).join(' ')} --workspace '${workspace}' | head -1`;
      const { stdout, stderr } = await exec('bash', ['-o', 'pipefail', '-c', command], { cwd: REPO_ROOT }).catch(
        (error: { stdout: string; stderr: string; code: number }) => error,
      );
      expect(stderr, args.join(' ')).toBe('');
      expect(stdout.split('\n').length, args.join(' ')).toBeLessThanOrEqual(2);
    }
  });

  it('refuses a FIFO with no writer, /dev/zero and a process substitution at once, naming each', async () => {
    await exec('mkfifo', [join(root, 'events.ndjson')]);
    const result = await runCli(['import', join(root, 'events.ndjson'), '/dev/zero', '--workspace', workspace]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${join(root, 'events.ndjson')}: is a pipe, not a regular file`);
    expect(result.stdout).toContain('/dev/zero: is a device, not a regular file');
    const { stdout } = await exec(
      'bash',
      ['-c', `node --import tsx ${CLI} import <(printf '{}\\n') --format ndjson --workspace '${workspace}' || true`],
      { cwd: REPO_ROOT },
    );
    expect(stdout).toMatch(/\/dev\/fd\/\d+: is a pipe, not a regular file/);
  });
});
