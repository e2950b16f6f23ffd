/**
 * The evidence retention reads before removing anything: which log files there are, and whether a
 * pack is intact and holds a log byte for byte. Self-contained checks, so planning needs no verifier.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isHashHex } from '../chain/hash.js';
import { AuditpackError, wrapFsError } from '../errors.js';
import { PACK_PATH } from '../format/pack.js';
import { readRegularFile, sha256File } from '../fsx/digest.js';
import { dayOfLogFileName, isoDate } from '../rotation/index.js';

/** The day files of a logs dir, sorted by name. LOGS_DIR_MISSING when the directory does not exist. */
export function listLogs(logDir: string): { file: string; date: string }[] {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AuditpackError('LOGS_DIR_MISSING', `logs directory ${logDir} does not exist`, {
        details: { path: logDir },
      });
    }
    throw wrapFsError(err, 'read directory', logDir);
  }
  const out: { file: string; date: string }[] = [];
  for (const file of names) {
    const day = dayOfLogFileName(file);
    if (day !== undefined) out.push({ file, date: isoDate(day) });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** listLogs, or none when the directory cannot be read (for the clock check only). */
export function listLogsIfAny(logDir: string): { file: string; date: string }[] {
  try {
    return listLogs(logDir);
  } catch {
    return [];
  }
}

/**
 * Whether a pack verifies (every payload file matches manifest-sha256.txt, and manifest.json agrees)
 * and its data/audit.jsonl is byte-identical to `logFile`. A small self-contained check so retention
 * does not depend on the full verifier; see src/verify for the auditor's one.
 */
/** Where a pack's copy of its day's log ends (manifest.json's `chain.last_seq` and `chain.end_hash`). */
export interface PackChainEnd {
  readonly last_seq: number;
  readonly end_hash: string;
}

export function checkPackHoldsLog(
  packDir: string,
  logFile: string,
): { ok: true; size: number; sha256: string; end: PackChainEnd | null } | { ok: false; reason: string } {
  const intact = checkPackIntact(packDir);
  if (!intact.ok) return intact;
  try {
    const log = sha256File(logFile, { followLinks: false }); // a link at the day file is no log to vouch for
    if (log.sha256 !== intact.auditSha256) {
      return {
        ok: false,
        reason:
          'the log differs from the copy in its pack (lines written after the export?); re-export with --force first',
      };
    }
    return { ok: true, size: log.size, sha256: log.sha256, end: intact.end };
  } catch (err) {
    return { ok: false, reason: `cannot read the log: ${(err as Error).message}` };
  }
}

/** Whether a pack's payload matches manifest-sha256.txt and manifest.json (the check above, without the log). */
export function checkPackIntact(
  packDir: string,
): { ok: true; auditSha256: string; end: PackChainEnd | null } | { ok: false; reason: string } {
  try {
    const manifestText = readRegularFile(join(packDir, PACK_PATH.manifest), 'utf8');
    const listed = new Map<string, string>();
    for (const line of manifestText.split('\n')) {
      if (line === '') continue;
      const m = /^([0-9a-f]{64}) {2}(data\/[A-Za-z0-9._-]+)$/.exec(line);
      if (!m) return { ok: false, reason: 'pack does not verify: malformed manifest-sha256.txt' };
      listed.set(m[2] as string, m[1] as string);
    }
    if (!listed.has(PACK_PATH.log))
      return { ok: false, reason: 'pack does not verify: data/audit.jsonl is not in its manifest' };
    const json = JSON.parse(readRegularFile(join(packDir, PACK_PATH.manifestJson), 'utf8')) as {
      files?: Record<string, { sha256?: unknown; size?: unknown }>;
      chain?: { last_seq?: unknown; end_hash?: unknown };
    };
    for (const [path, sha] of listed) {
      const actual = sha256File(join(packDir, path));
      if (actual.sha256 !== sha)
        return { ok: false, reason: `pack does not verify: ${path} does not match its manifest` };
      const entry = json.files?.[path];
      if (entry?.sha256 !== sha || entry.size !== actual.size)
        return { ok: false, reason: `pack does not verify: manifest.json disagrees on ${path}` };
    }
    const { last_seq, end_hash } = json.chain ?? {};
    const end =
      Number.isSafeInteger(last_seq) && (last_seq as number) >= 1 && isHashHex(end_hash)
        ? { last_seq: last_seq as number, end_hash }
        : null;
    return { ok: true, auditSha256: listed.get(PACK_PATH.log) as string, end };
  } catch (err) {
    return { ok: false, reason: `pack does not verify: ${(err as Error).message}` };
  }
}
