/**
 * The names in the logs and artifacts directories that are not records (locks, work in progress,
 * placeholders) are spelled once, in src/format/dir-names.ts: writers and checkers import them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ARTIFACTS_LOCK_FILE,
  LOG_LOCK_FILE,
  PLACEHOLDER_FILES,
  PULL_TMP_PREFIX,
  TMP_PREFIX,
} from '../../src/format/dir-names.js';

/** The names as FORMAT.md gives them, written here independently of the source. */
const NAMES = ['.audit.lock', '.export.lock', '.tmp-', '.tmp-pull-', '.keep', '.gitkeep'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('directory names that are not records', () => {
  it('are the ones FORMAT.md documents', () => {
    expect([LOG_LOCK_FILE, ARTIFACTS_LOCK_FILE, TMP_PREFIX, PULL_TMP_PREFIX, ...PLACEHOLDER_FILES]).toEqual(NAMES);
    const format = readFileSync(join(import.meta.dirname, '../../docs/FORMAT.md'), 'utf8');
    for (const n of [LOG_LOCK_FILE, ARTIFACTS_LOCK_FILE, TMP_PREFIX]) expect(format).toContain(n);
  });

  it('are spelled nowhere in src outside src/format (comments may name them)', () => {
    const root = join(import.meta.dirname, '../../src');
    const found: string[] = [];
    for (const file of sourceFiles(root)) {
      const rel = relative(root, file);
      if (rel.startsWith('format/')) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const code = text.trim();
          if (code.startsWith('*') || code.startsWith('/*') || code.startsWith('//')) return;
          // Only string literals: a quote or backtick right before the name.
          for (const n of NAMES)
            if (new RegExp(`['"\`]${n.replaceAll('.', '\\.')}`).test(code)) found.push(`${rel}:${i + 1}: ${n}`);
        });
    }
    expect(found).toEqual([]);
  });
});
