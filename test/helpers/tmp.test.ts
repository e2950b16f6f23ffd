import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
