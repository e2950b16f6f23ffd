/**
 * The store's key (src/snapshot/keyed-hash.ts): made only when a redacted or withheld file needs
 * it, only in the write phase, once however many first snapshots race; a record made before keyed
 * hashes (a redacted file with its plain SHA-256) still reads, and the next snapshot does not call
 * an unchanged file changed.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAuditpackError } from '../../src/errors.js';
import { createConfigSnapshot, diffSnapshots, readSnapshot } from '../../src/snapshot/index.js';
import { tempDir } from '../helpers/tmp.js';
import { keyedHashOf, writeFiles } from './helpers.js';

const SECRET_FILE = 'db:\n  host: db1\n  password: 4821\n';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('the snapshot store key', () => {
  it('no redacted file, no key; the first redacted one makes it, 0600, and keeps using it', async () => {
    const cwd = tempDir();
    const store = join(cwd, 'audit/snapshots');
    writeFiles(cwd, { 'configs/risk.yaml': 'max: 1\n' });
    const plain = await createConfigSnapshot({ cwd, reason: 'r' });
    expect(plain.files['configs/risk.yaml']?.hash).toBe(sha('max: 1\n'));
    expect(existsSync(join(store, 'hmac.key'))).toBe(false);
    writeFiles(cwd, { 'configs/db.yaml': SECRET_FILE });
    const one = await createConfigSnapshot({ cwd, reason: 'r' });
    expect(statSync(join(store, 'hmac.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(store, 'hmac.key')).length).toBe(32);
    expect(one.files['configs/db.yaml']?.hash).toBe(keyedHashOf(store, SECRET_FILE));
    expect(one.files['configs/risk.yaml']?.hash).toBe(sha('max: 1\n'));
    const two = await createConfigSnapshot({ cwd, reason: 'r' });
    expect(two.files['configs/db.yaml']?.hash).toBe(one.files['configs/db.yaml']?.hash);
    expect(two.changes).toEqual({ added: [], removed: [], changed: [] });
    // A change to the secret alone is a change (the redacted copies are the same).
    writeFiles(cwd, { 'configs/db.yaml': SECRET_FILE.replace('4821', '4822') });
    const three = await createConfigSnapshot({ cwd, reason: 'r' });
    expect(three.changes.changed).toEqual(['configs/db.yaml']);
    expect(three.files['configs/db.yaml']?.object).toBe(two.files['configs/db.yaml']?.object);
    expect(three.diffs['configs/db.yaml']).toContain('differ only in redacted values');
  });

  it('two first snapshots racing on a new store end up under one key', async () => {
    const cwd = tempDir();
    const store = join(cwd, 'audit/snapshots');
    writeFiles(cwd, { 'configs/db.yaml': SECRET_FILE });
    const both = await Promise.all([
      createConfigSnapshot({ cwd, reason: 'a' }),
      createConfigSnapshot({ cwd, reason: 'b' }),
      createConfigSnapshot({ cwd, reason: 'c' }),
    ]);
    for (const s of both) expect(s.files['configs/db.yaml']?.hash).toBe(keyedHashOf(store, SECRET_FILE));
  });

  it('a key file that is not a key is SNAPSHOT_CORRUPT, never silently replaced', async () => {
    const cwd = tempDir();
    const store = join(cwd, 'audit/snapshots');
    writeFiles(cwd, { 'configs/db.yaml': SECRET_FILE });
    await createConfigSnapshot({ cwd, reason: 'r' });
    const key = readFileSync(join(store, 'hmac.key'));
    writeFileSync(join(store, 'hmac.key'), key.subarray(0, 31));
    const err = await createConfigSnapshot({ cwd, reason: 'r' }).catch((e: unknown) => e);
    expect(isAuditpackError(err, 'SNAPSHOT_CORRUPT')).toBe(true);
    expect((err as Error).message).toContain('hmac.key');
  });

  it('a record made before keyed hashes (a redacted file with its plain SHA-256) reads, and the next snapshot calls nothing changed', async () => {
    const cwd = tempDir();
    const store = join(cwd, 'audit/snapshots');
    writeFiles(cwd, { 'configs/db.yaml': SECRET_FILE, 'configs/risk.yaml': 'max: 1\n' });
    const old = await createConfigSnapshot({ cwd, reason: 'old' });
    // Rewrite it in the old shape, as an earlier version wrote it, and lose the key with it.
    const path = join(store, `${old.snapshot_id}.json`);
    chmodSync(path, 0o644);
    const keyed = old.files['configs/db.yaml']?.hash as string;
    writeFileSync(path, readFileSync(path, 'utf8').replace(keyed, sha(SECRET_FILE)));
    rmSync(join(store, 'hmac.key'));
    const read = await readSnapshot({ snapshotDir: store, id: old.snapshot_id });
    expect(read.files['configs/db.yaml']).toMatchObject({ hash: sha(SECRET_FILE), redacted: true });
    const next = await createConfigSnapshot({ cwd, reason: 'new' });
    expect(next.changes).toEqual({ added: [], removed: [], changed: [] });
    expect(next.files['configs/db.yaml']?.hash).toBe(keyedHashOf(store, SECRET_FILE));
    expect(next.files['configs/db.yaml']?.object).toBe(read.files['configs/db.yaml']?.object);
    // Between the two records the forms differ: `snapshot diff` cannot tell, and says changed.
    const cmp = await diffSnapshots({ snapshotDir: store, a: old.snapshot_id, b: next.snapshot_id });
    expect(cmp.changed).toEqual(['configs/db.yaml']);
    expect(JSON.stringify(next)).not.toContain(sha(SECRET_FILE));
  });
});
