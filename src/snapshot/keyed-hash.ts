/**
 * The keyed hash of a config file whose stored copy was redacted (or that was withheld): HMAC-SHA256
 * (RFC 2104) of the file's bytes under a random key of the snapshot store.
 *
 * Why: the record (and every pack that carries it) holds the redacted copy, so the whole file is
 * known but for its secrets, and `size` gives their length. Were `hash` the plain SHA-256 of the
 * bytes, a short secret (a PIN, an 8-character password) would fall to trial: guess, hash, compare.
 * Under a key that never leaves the store a guess cannot be tested, while two snapshots of the same
 * store still compare files by `hash` (same key, same bytes, same value).
 *
 * The key is 32 random bytes in `<snapshotDir>/hmac.key`, mode 0600, never in a record or a pack.
 * It is read in a snapshot's first phase and, when the store has none, made in memory then; it is
 * written only in the write phase (a failed snapshot writes nothing), exclusively (link), so two
 * first snapshots racing on a new store cannot end up with two keys: the loser starts over.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { readRegular } from '../fsx/regular.js';
import { join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { KEYED_HASH_PREFIX, syncDir, writeExclusive } from './store.js';

/** The key's file name in the snapshot store. */
export const SNAPSHOT_KEY_FILE = 'hmac.key';

const KEY_BYTES = 32;

/** The store's key for one snapshot: `fresh` when made now and not yet written. */
export class SnapshotKey {
  private used = false;

  constructor(
    private readonly key: Buffer,
    readonly fresh: boolean,
  ) {}

  /** `hmac-sha256:<hex>` of `bytes`. */
  hash(bytes: Uint8Array): string {
    this.used = true;
    return KEYED_HASH_PREFIX + createHmac('sha256', this.key).update(bytes).digest('hex');
  }

  /** Records that something derived from the key is kept (a path's name, path-names.ts). */
  markUsed(): void {
    this.used = true;
  }

  /** True when a fresh key hashed something, so it must be written before the record. */
  get mustWrite(): boolean {
    return this.fresh && this.used;
  }

  /** The key's bytes, for writing. */
  bytes(): Buffer {
    return this.key;
  }
}

/**
 * The store's key, or a fresh one (not written) when the store has none. SNAPSHOT_CORRUPT when the
 * file is not a key: making a new one would silently mark every redacted file changed.
 */
export async function readSnapshotKey(snapshotDir: string): Promise<SnapshotKey> {
  const path = join(snapshotDir, SNAPSHOT_KEY_FILE);
  let bytes: Buffer;
  try {
    bytes = await readRegular(path); // a FIFO or a link is refused, never waited on
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new SnapshotKey(randomBytes(KEY_BYTES), true);
    throw wrapFsError(err, 'reading snapshot key', path);
  }
  if (bytes.length !== KEY_BYTES)
    throw new AuditpackError(
      'SNAPSHOT_CORRUPT',
      `${path} is not a snapshot key (${bytes.length} bytes, not ${KEY_BYTES})`,
      {
        details: { path },
      },
    );
  return new SnapshotKey(bytes, false);
}

/** The store's key if it has one (read only: used to compare a file with its snapshots). */
export async function existingSnapshotKey(snapshotDir: string): Promise<SnapshotKey | undefined> {
  const k = await readSnapshotKey(snapshotDir);
  return k.fresh ? undefined : k;
}

/**
 * Writes a fresh key, mode 0600, only if the store has none. Resolves false when another process
 * wrote one first: the caller's hashes are under the wrong key and it must start over.
 */
export async function writeSnapshotKey(snapshotDir: string, key: SnapshotKey, durable: boolean): Promise<boolean> {
  try {
    await mkdir(snapshotDir, { recursive: true });
  } catch (err) {
    throw wrapFsError(err, 'creating', snapshotDir);
  }
  const written = await writeExclusive(snapshotDir, join(snapshotDir, SNAPSHOT_KEY_FILE), key.bytes(), {
    durable,
    mode: 0o600,
  });
  if (written && durable) await syncDir(snapshotDir);
  return written;
}
