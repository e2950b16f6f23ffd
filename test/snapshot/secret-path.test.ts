/**
 * A secret in a config file's path (src/snapshot/path-names.ts): the error of a file that cannot be
 * read names it by its placeholder, never by its path (the message, the details, no cause that
 * holds it); with redaction off the path is recorded as it is. test/e2e/snapshot-secret-path.test.ts
 * has the record, the diffs, the pack and every output.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditpackError } from '../../src/errors.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { readSnapshotKey } from '../../src/snapshot/keyed-hash.js';
import { redactedPathName } from '../../src/snapshot/path-names.js';
import { scanAll } from '../../src/snapshot/scan.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFiles } from './helpers.js';

const SECRET = 'AKIAIOSFODNN7EXAMPLE';
const PATH = `configs/${SECRET}.json`;

describe('a secret in a config file path', () => {
  it('a file that cannot be read is named by its placeholder in the error', async () => {
    const cwd = tempDir();
    const snapshotDir = join(cwd, 'audit/snapshots');
    const key = await readSnapshotKey(snapshotDir);
    const ctx = { cwd, snapshotDir, maxFileBytes: 1024, redactor: compileRedactor({}), reusable: undefined, key };
    // Discovered, then gone before it was read (ENOENT names the absolute path).
    const err = await scanAll([PATH], ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditpackError);
    const e = err as AuditpackError;
    expect(e.code).toBe('SNAPSHOT_READ_FAILED');
    const name = redactedPathName(PATH, key);
    expect(name).toMatch(/^\[REDACTED-PATH:hmac-sha256:[0-9a-f]{16}\]$/);
    expect(e.message).toContain(`config file ${JSON.stringify(name)} cannot be read: ENOENT`);
    expect(e.details).toEqual({ path: name, errno: 'ENOENT' });
    expect(e.cause).toBeUndefined();
    expect(JSON.stringify({ message: e.message, stack: e.stack, details: e.details })).not.toContain(SECRET);
  });

  it('the same path, the same name; another path, another name; with redaction off, the path itself', async () => {
    const cwd = tempDir();
    const other = 'configs/ghp_0123456789abcdefghijklmnopqrstuvwxyzAB.yaml';
    writeFiles(cwd, { [PATH]: '{"venue": "LMAX"}\n', [other]: 'a: 1\n', 'configs/risk.yaml': 'max: 1\n' });
    const one = await createConfigSnapshot({ cwd, reason: 'r' });
    const two = await createConfigSnapshot({ cwd, reason: 'r' });
    const names = Object.keys(one.files);
    expect(names).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('[REDACTED-PATH:'))).toHaveLength(2);
    expect(names).toContain('configs/risk.yaml');
    expect(Object.keys(two.files)).toEqual(names);
    expect(two.changes).toEqual({ added: [], removed: [], changed: [] });
    const off = await createConfigSnapshot({ cwd, reason: 'r', redaction: false, snapshotDir: join(cwd, 'plain') });
    expect(Object.keys(off.files).sort()).toEqual(['configs/risk.yaml', other, PATH].sort());
  });
});
