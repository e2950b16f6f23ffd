import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, onTestFinished } from 'vitest';

/**
 * A fresh temporary directory, removed when the current test finishes. Called inside a test body,
 * the removal is tied to that test (a hook registered while a test runs is never called, so the
 * directory used to stay behind); called while a suite is collected, after each of its tests.
 */
export function tempDir(prefix = 'auditpack-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Node's recursive removal overflows its stack on a tree deeper than PATH_MAX (a test makes
      // one); GNU rm walks it with openat.
      spawnSync('rm', ['-rf', dir]);
    }
  };
  try {
    onTestFinished(remove);
  } catch {
    afterEach(remove);
  }
  return dir;
}

/** Removes a pack directory the export left read-only (its directories made writable first), as an operator would. */
export function removePackDir(path: string): void {
  const walk = (p: string): void => {
    chmodSync(p, 0o755);
    for (const e of readdirSync(p, { withFileTypes: true })) if (e.isDirectory()) walk(join(p, e.name));
  };
  walk(path);
  rmSync(path, { recursive: true });
}
