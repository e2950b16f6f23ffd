/**
 * Plants `data/zz` and `junk` (files no layout defines) in a pack or roll-up directory and runs the
 * built CLI's `verify` on it with every open of them counted (test/helpers/count-opens.cjs): each
 * must be PACK_FILE_UNEXPECTED and never opened (a sparse terabyte costs no disk but hours to hash).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runCli } from '../../helpers/cli.js';

export function expectUnexpectedUnread(dir: string, cwd: string): void {
  writeFileSync(join(dir, 'data', 'zz'), 'x');
  writeFileSync(join(dir, 'junk'), 'y');
  const r = runCli(['verify', dir], {
    cwd,
    env: {
      NODE_OPTIONS: `--require ${fileURLToPath(new URL('../../helpers/count-opens.cjs', import.meta.url))}`,
      AUDITPACK_COUNT_OPENS: '(/data/zz|/junk)$',
    },
  });
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/data\/zz PACK_FILE_UNEXPECTED/);
  expect(r.stdout).toMatch(/junk PACK_FILE_UNEXPECTED/);
  expect(Number(/opens: (\d+)/.exec(r.stderr)?.[1])).toBe(0);
}
