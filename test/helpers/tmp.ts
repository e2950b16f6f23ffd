import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/** Removes a tree, however deep (Node's recursive removal overflows its stack past PATH_MAX; GNU rm walks it with openat). */
export function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    spawnSync('rm', ['-rf', dir]);
  }
}

// Directories made outside a running test (in beforeAll, a describe body or at a module's top level), removed
// once the test file's tests are done. A hook registered from inside beforeAll (or a running test) is silently
// never called, so this one is registered while the test file is collected, when this module is first imported.
const afterFile = new Set<string>();
try {
  afterAll(() => {
    for (const dir of afterFile) removeTree(dir);
    afterFile.clear();
  });
} catch {
  // Imported outside a vitest test file: nothing to register with.
}

/**
 * Removes `dir` when the current test finishes, or, when no test is running, after the test file's
 * tests. Returns `dir`.
 */
export function removeWhenDone(dir: string, remove: () => void = () => removeTree(dir)): string {
  try {
    onTestFinished(remove);
  } catch {
    afterFile.add(dir);
  }
  return dir;
}

/**
 * A fresh temporary directory, removed when the current test finishes. Called inside a test body,
 * the removal is tied to that test; called from beforeAll or while a suite is collected, after the
 * test file's tests (test/helpers/tmp.test.ts holds both).
 */
export function tempDir(prefix = 'auditpack-test-'): string {
  return removeWhenDone(mkdtempSync(join(tmpdir(), prefix)));
}

/**
 * A fresh temporary directory on a file system whose files are not memory: tempDir() unless the
 * system's temporary directory is a tmpfs or ramfs (/tmp on Fedora, Arch, Debian 13), else one in
 * the working directory (the checkout). What src/compliance/spill.ts writes its pieces to: it makes
 * no file in memory.
 */
export function diskTempDir(prefix = 'auditpack-test-'): string {
  const inMemory = [0x01021994, 0x858458f6].includes(statfsSync(tmpdir()).type);
  return inMemory ? removeWhenDone(mkdtempSync(join(process.cwd(), `.${prefix}`))) : tempDir(prefix);
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
