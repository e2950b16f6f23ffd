/**
 * Binary config content cannot be redacted in place: a binary file that holds a secret (as bytes,
 * or as UTF-16 text, a NUL in every ASCII character) or is a key store by its name is hashed and
 * not stored, so neither the store nor `snapshot show --file` gives the secret away.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAuditpackError } from '../../src/errors.js';
import { createConfigSnapshot, diffSnapshots, readSnapshotFile } from '../../src/snapshot/index.js';
import { tempDir } from '../helpers/tmp.js';
import { keyedHashOf, objectFiles, writeFiles } from './helpers.js';

const TOKEN = 'ghp_0123456789abcdefghijABCDEFGHIJ456789';

describe('binary files holding secrets are withheld', () => {
  it('UTF-16, a stray NUL, a key store: hashed, not stored; clean binaries are stored as before', async () => {
    const cwd = tempDir();
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`api_key = ${TOKEN}\r\nvenue = LMAX\r\n`, 'utf16le'),
    ]);
    const strayNul = Buffer.from(`DB_PASS=hunter2xyz\n\0\nvenue=LMAX\n`);
    const clean = Buffer.from([0, 1, 2, 3, 0xfe, 0xff]);
    writeFiles(cwd, {
      'configs/win.ini': utf16,
      'configs/app.env': strayNul,
      'configs/blob.conf': clean,
      'configs/risk.yaml': 'max: 1\n',
    });
    const common = { cwd, snapshotDir: 'audit/snapshots' };
    const s = await createConfigSnapshot({ ...common, reason: 'r', patterns: ['configs/**'] });
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    // Keyed: a plain SHA-256 of the bytes would let a short secret be guessed.
    expect(s.files['configs/win.ini']).toEqual({
      hash: keyedHashOf(`${cwd}/audit/snapshots`, utf16),
      size: utf16.length,
      mtime: expect.any(String),
      stored: false,
      binary: true,
      withheld: true,
    });
    expect(s.files['configs/app.env']).toMatchObject({
      hash: keyedHashOf(`${cwd}/audit/snapshots`, strayNul),
      stored: false,
      binary: true,
      withheld: true,
    });
    expect(JSON.stringify(s)).not.toContain(sha(strayNul));
    expect(JSON.stringify(s)).not.toContain(sha(utf16));
    expect(s.files['configs/blob.conf']).toMatchObject({ stored: true, binary: true });
    expect(s.files['configs/blob.conf']?.withheld).toBeUndefined();
    expect(s.redacted).toBe(true);
    // Nothing in the store holds the secrets, in any encoding.
    for (const f of objectFiles(`${cwd}/audit/snapshots`)) {
      const bytes = readFileSync(f);
      expect(bytes.includes(Buffer.from(TOKEN, 'utf16le'))).toBe(false);
      expect(bytes.includes(Buffer.from('hunter2xyz'))).toBe(false);
    }
    const err = await readSnapshotFile({
      snapshotDir: `${cwd}/audit/snapshots`,
      id: s.snapshot_id,
      file: 'configs/win.ini',
    }).catch((e: unknown) => e);
    expect(isAuditpackError(err, 'SNAPSHOT_NOT_FOUND') && /holds a secret/.test(err.message)).toBe(true);
    expect(JSON.stringify({ m: (err as Error).message, d: (err as { details?: unknown }).details })).not.toContain(
      sha(utf16),
    );
    // A change to a withheld file is recorded without content.
    writeFiles(cwd, { 'configs/app.env': Buffer.from(`DB_PASS=other9secret\n\0\n`) });
    const t = await createConfigSnapshot({ ...common, reason: 'r2', patterns: ['configs/**'] });
    const cmp = await diffSnapshots({ snapshotDir: `${cwd}/audit/snapshots`, a: s.snapshot_id, b: t.snapshot_id });
    expect(cmp.changed).toEqual(['configs/app.env']);
    expect(cmp.diffs['configs/app.env']).toContain('binary holding a secret');
    expect(JSON.stringify(cmp)).not.toContain('other9secret');
  });

  it('a key store is withheld by its name', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/fix.p12': Buffer.from([0x30, 0x82, 0, 1, 2, 3]) });
    const s = await createConfigSnapshot({
      cwd,
      snapshotDir: 'audit/snapshots',
      reason: 'r',
      patterns: ['configs/**'],
    });
    expect(s.files['configs/fix.p12']).toMatchObject({ stored: false, withheld: true });
    expect(objectFiles(`${cwd}/audit/snapshots`)).toEqual([]);
  });
});
