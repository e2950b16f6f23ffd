import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './install.js';
import { tempDir } from './tmp.js';

describe('tempDir', () => {
  let inTest = '';
  it('made inside a test', () => {
    inTest = tempDir('auditpack-tmpcheck-');
    writeFileSync(join(inTest, 'x'), 'x');
    expect(existsSync(inTest)).toBe(true);
  });
  it('is removed when that test finishes', () => {
    expect(inTest).not.toBe('');
    expect(existsSync(inTest)).toBe(false);
  });
});

describe('directories made outside a test, and shared ones', () => {
  it('are all gone once the test file that made them is done (a vitest of its own runs one)', () => {
    const out = join(tempDir('auditpack-tmpcheck-'), 'dirs.txt');
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'test/helpers/fixtures/tmp-after-file.config.ts',
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TMP_FIXTURE_OUT: out } },
    );
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const dirs = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect(dirs).toHaveLength(3);
    for (const d of dirs) expect(existsSync(d), d).toBe(false);
  }, 60_000);
});
