/**
 * Writing a roll-up pack: a BagIt bag (RFC 8493) like the host packs, built in a temporary directory
 * and renamed into place whole, so a crash leaves either no roll-up or a complete one.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AuditpackError } from '../errors.js';
import { BAGIT_TXT, PACK_PATH, PAYLOAD_DIR, renderBagInfo, renderChecksumFile } from '../format/pack.js';
import { ROLLUP_RECORD, ROLLUP_SIGNATURE, ROLLUP_TMP_PREFIX, rollupVersionName } from '../format/rollup.js';
import { fsyncDir } from '../fsx/dirs.js';
import { isNotRegularFile, readRegularSync } from '../fsx/regular.js';
import { type WrittenFile, writeNewFile } from '../fsx/byte-sink.js';
import { signSshsig } from '../signing/index.js';

const DATE_DIR = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `path` names an entry (lstat: a dangling link is one, unlike existsSync's answer). */
function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The newest roll-up before `date` in `outDir` with its chain hash, or null. */
export function previousRollup(outDir: string, date: string): { date: string; chain_hash: string } | null {
  if (!existsSync(outDir)) return null;
  const names = readdirSync(outDir)
    .filter((n) => DATE_DIR.test(n) && n < date)
    .sort()
    .reverse();
  for (const n of names) {
    const p = join(outDir, n, ROLLUP_RECORD);
    if (!entryExists(p)) continue;
    let r: { chain_hash?: unknown } | null;
    let why = 'holds no valid chain_hash';
    try {
      // A FIFO in its place is refused, never waited on; a symbolic link is never read through.
      r = JSON.parse(readRegularSync(p).toString('utf8')) as { chain_hash?: unknown } | null;
    } catch (err) {
      r = null;
      if (isNotRegularFile(err)) why = `is not a regular file (${err.kind})`;
    }
    if (r === null || typeof r.chain_hash !== 'string' || !/^[0-9a-f]{64}$/.test(r.chain_hash))
      throw new AuditpackError('ROLLUP_CHAIN_BROKEN', `${p} ${why}: the roll-up chain cannot continue`);
    return { date: n, chain_hash: r.chain_hash };
  }
  return null;
}

/** A fresh temporary directory for the roll-up of `date`; refuses when one exists (unless `force`). */
export function startRollupDir(outDir: string, date: string, force: boolean): { tmp: string; final: string } {
  const final = join(outDir, date);
  if (existsSync(final) && !force)
    throw new AuditpackError('PACK_EXISTS', `a roll-up of ${date} exists in ${outDir} (give --force to replace it)`);
  mkdirSync(outDir, { recursive: true });
  const tmp = join(outDir, `${ROLLUP_TMP_PREFIX}${date}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, PAYLOAD_DIR), { recursive: true });
  return { tmp, final };
}

/** Removes a roll-up's temporary directory after a failure (best effort: the failure is what matters). */
export function abandonRollupDir(dirs: { tmp: string }): void {
  rmSync(dirs.tmp, { recursive: true, force: true });
}

/** Writes the tag files (rollup.json included), signs when a key is given, and moves the bag into place. */
export function sealRollup(
  dirs: { tmp: string; final: string },
  payload: Readonly<Record<string, WrittenFile>>,
  record: string,
  meta: { date: string; version: string; signingKey?: KeyObject },
): void {
  const { tmp, final } = dirs;
  const entries = Object.entries(payload).map(([name, f]) => ({ path: `${PAYLOAD_DIR}${name}`, sha256: f.sha256 }));
  const total = Object.values(payload).reduce((n, f) => n + f.size, 0);
  const tags: Record<string, WrittenFile> = {};
  tags[PACK_PATH.bagit] = writeNewFile(join(tmp, PACK_PATH.bagit), BAGIT_TXT);
  tags[PACK_PATH.bagInfo] = writeNewFile(
    join(tmp, PACK_PATH.bagInfo),
    renderBagInfo({
      baggingDate: new Date().toISOString().slice(0, 10),
      payloadBytes: total,
      payloadFiles: entries.length,
      exportDate: meta.date,
      version: meta.version,
    }),
  );
  tags[PACK_PATH.manifest] = writeNewFile(join(tmp, PACK_PATH.manifest), renderChecksumFile(entries));
  tags[ROLLUP_RECORD] = writeNewFile(join(tmp, ROLLUP_RECORD), record);
  const tagText = renderChecksumFile(Object.entries(tags).map(([path, f]) => ({ path, sha256: f.sha256 })));
  writeNewFile(join(tmp, PACK_PATH.tagmanifest), tagText);
  if (meta.signingKey !== undefined) {
    writeNewFile(join(tmp, PACK_PATH.signature), signSshsig(Buffer.from(tagText, 'utf8'), meta.signingKey));
    writeNewFile(join(tmp, ROLLUP_SIGNATURE), signSshsig(Buffer.from(record, 'utf8'), meta.signingKey));
  }
  fsyncDir(join(tmp, PAYLOAD_DIR));
  fsyncDir(tmp);
  replaceInto(tmp, final);
}

/**
 * Moves the built roll-up into place. A roll-up it replaces (`--force`) is kept as `<date>.vN`, never
 * deleted: it was signed and may have been handed out. A crash between the two renames leaves the
 * old one kept and no current one, which the next run makes again.
 */
function replaceInto(tmp: string, final: string): void {
  const outDir = join(final, '..');
  if (existsSync(final)) {
    const date = basename(final);
    let n = 1;
    while (existsSync(join(outDir, rollupVersionName(date, n)))) n++;
    renameSync(final, join(outDir, rollupVersionName(date, n)));
  }
  renameSync(tmp, final);
  fsyncDir(outDir);
}
