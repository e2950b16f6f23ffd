/**
 * Time-stamp tokens for packs: a token over the bytes of `tagmanifest-sha256.txt` (which covers
 * manifest.json, and so the chain end hash and every payload byte), stored beside it as
 * `tagmanifest-sha256.txt.tsr` with the TSA's certificates in `tsa-certs.pem` (src/format/anchor.ts
 * says why neither is listed in a manifest).
 *
 * Export asks while it builds the pack; `anchorPack` adds a token to a finished pack later (the TSA
 * was down): the two files are written beside the pack, fsynced, and renamed into it, token last,
 * so a crash leaves the pack without a token or with a whole one.
 */
import type { X509Certificate } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { recordWriterEvent } from '../logger/child.js';
import { createAuditLogger } from '../logger/index.js';
import { fsyncDir } from '../fsx/dirs.js';
import { writeNewFile } from '../fsx/byte-sink.js';
import { sha256File } from '../fsx/digest.js';
import { readRegularSync } from '../fsx/regular.js';
import { PACK_PATH, STAMP_EVENT } from '../format/pack.js';
import { PACK_TOKEN_COVERS, PACK_TOKEN_FILE, PACK_TSA_CERTS_FILE } from '../format/anchor.js';
import { certificatesToPem, parseTimestampResponse } from './token.js';
import { requestTimestamp, type GrantedTimestamp } from './tsa-client.js';
import { TMP_PREFIX } from '../format/dir-names.js';

/** Where to ask for tokens. */
export interface TsaOptions {
  /** The TSA's URL (RFC 3161 over HTTP). */
  readonly url: string;
  /** Deadline for one exchange (default 10 s). */
  readonly timeoutMs?: number | undefined;
  /** When given, an answer that does not chain to one of these is refused. */
  readonly trustAnchors?: readonly X509Certificate[] | undefined;
}

/** Asks the TSA for a token over `<dir>/tagmanifest-sha256.txt`. Throws TSA_FAILED. */
export async function timestampTagManifest(dir: string, tsa: TsaOptions): Promise<GrantedTimestamp> {
  let data: Buffer;
  try {
    // A pack's file: a link in its place is never read through (the token would cover other bytes).
    data = readRegularSync(join(dir, PACK_TOKEN_COVERS));
  } catch (err) {
    throw wrapFsError(err, 'read', join(dir, PACK_TOKEN_COVERS));
  }
  return requestTimestamp({ url: tsa.url, data, timeoutMs: tsa.timeoutMs, trustAnchors: tsa.trustAnchors });
}

/** Writes the token and its certificates into a pack being built (files 0444, not yet fsynced as a directory). */
export function writePackToken(dir: string, granted: GrantedTimestamp): void {
  writeNewFile(join(dir, PACK_TSA_CERTS_FILE), certificatesToPem(granted.facts.certificates));
  writeNewFile(join(dir, PACK_TOKEN_FILE), granted.response);
  chmodSync(join(dir, PACK_TSA_CERTS_FILE), 0o444);
  chmodSync(join(dir, PACK_TOKEN_FILE), 0o444);
}

/** What anchorPack did. */
export interface AnchorPackResult {
  readonly path: string;
  /** False when the pack already had a token (nothing was changed). */
  readonly added: boolean;
  /** The token's time (of the existing token when `added` is false; undefined if it does not parse). */
  readonly genTime: Date | undefined;
}

/**
 * Adds a token to a finished pack directory that has none. A pack that already has one is left
 * alone (`added: false`), so a cron job may call this repeatedly. Throws TSA_FAILED when the TSA
 * does not answer (the pack is unchanged), PATH_NOT_FOUND when `packDir` is not a pack.
 */
export async function anchorPack(
  packDir: string,
  tsa: TsaOptions,
  record: RecordOptions = {},
): Promise<AnchorPackResult> {
  try {
    const st = lstatSync(packDir);
    if (!st.isDirectory())
      throw new AuditpackError(
        'USAGE',
        `${packDir} is not a pack directory (a .tar.gz pack cannot be given a token; anchor its directory)`,
      );
    lstatSync(join(packDir, PACK_TOKEN_COVERS));
  } catch (err) {
    throw wrapFsError(err, 'read', join(packDir, PACK_TOKEN_COVERS));
  }
  const existing = readIfExists(join(packDir, PACK_TOKEN_FILE));
  if (existing !== undefined) {
    const parsed = await parseTimestampResponse(existing);
    return { path: packDir, added: false, genTime: 'facts' in parsed ? parsed.facts.genTime : undefined };
  }
  const granted = await timestampTagManifest(packDir, tsa);

  // Built beside the pack (the artifacts dir, where `.tmp-*` are never packs), then renamed in.
  const parent = dirname(packDir);
  const stem = join(parent, `${TMP_PREFIX}anchor-${basename(packDir)}-${process.pid}-${Date.now()}`);
  const tmpCerts = `${stem}.pem`;
  const tmpToken = `${stem}.tsr`;
  const mode = lstatSync(packDir).mode & 0o777;
  try {
    writeNewFile(tmpCerts, certificatesToPem(granted.facts.certificates));
    writeNewFile(tmpToken, granted.response);
    chmodSync(tmpCerts, 0o444);
    chmodSync(tmpToken, 0o444);
    chmodSync(packDir, mode | 0o200);
    try {
      renameSync(tmpCerts, join(packDir, PACK_TSA_CERTS_FILE));
      // Last, and with link(), which never replaces: a token another run put there first stays.
      linkSync(tmpToken, join(packDir, PACK_TOKEN_FILE));
      fsyncDir(packDir);
    } finally {
      chmodSync(packDir, mode);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const other = readIfExists(join(packDir, PACK_TOKEN_FILE));
      const parsed = other === undefined ? undefined : await parseTimestampResponse(other);
      return {
        path: packDir,
        added: false,
        genTime: parsed !== undefined && 'facts' in parsed ? parsed.facts.genTime : undefined,
      };
    }
    throw err instanceof AuditpackError ? err : wrapFsError(err, 'write', join(packDir, PACK_TOKEN_FILE));
  } finally {
    rmSync(tmpCerts, { force: true });
    rmSync(tmpToken, { force: true });
  }
  if (record.logDir !== undefined && isDirectory(record.logDir)) {
    // The log records what was done to its packs, as it does for exports.
    const logger = createAuditLogger({
      logDir: record.logDir,
      handleExit: false,
      durability: 'durable',
      ...(record.loggerClock ? { clock: record.loggerClock } : {}),
    });
    try {
      // A reserved event (a caller's of this name is renamed): verify holds the pack's token to it.
      await recordWriterEvent(logger, STAMP_EVENT.category, STAMP_EVENT.event, {
        path: packDir,
        tsa_time: granted.facts.genTime.toISOString(),
        tsa_serial: granted.facts.serial,
        manifest_sha256: manifestSha256(packDir),
      });
    } finally {
      await logger.close();
    }
  }
  return { path: packDir, added: true, genTime: granted.facts.genTime };
}

/** Where anchorPack records a `system`/`PackTimestamped` event (when the directory exists). */
export interface RecordOptions {
  readonly logDir?: string | undefined;
  /** Clock for the event (epoch µs), passed to the logger. */
  readonly loggerClock?: () => number;
}

function isDirectory(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readIfExists(path: string): Buffer | undefined {
  try {
    return readRegularSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrapFsError(err, 'read', path);
  }
}

/** SHA-256 of a pack's manifest.json bytes, or null when it cannot be read. */
function manifestSha256(packDir: string): string | null {
  try {
    return sha256File(join(packDir, PACK_PATH.manifestJson), { followLinks: false }).sha256;
  } catch {
    return null;
  }
}
