/**
 * What export writes about a pack once it is in place: its PackExported event (with where its
 * chain ends), and what an existing pack says of itself (manifest.json, its compliance totals).
 */
import { join } from 'node:path';
import { EXPORT_EVENT, EXPORT_EVENT_FIELD, PACK_PATH, type PackManifest } from '../format/pack.js';
import { readRegularFile } from '../fsx/digest.js';
import { AuditpackError, isAuditpackError } from '../errors.js';
import { createAuditLogger } from '../logger/index.js';
import { recordWriterEvent } from '../logger/child.js';
import { SIGNATURE_FILE } from '../format/pack.js';
import { pathExists as exists } from '../fsx/dirs.js';
import type { ExportResult } from './export-types.js';

/** The finding totals in an existing pack's data/compliance_report.json (zeros when it has none). */
export function complianceTotals(packDir: string): ExportResult['compliance'] {
  try {
    const t =
      (
        JSON.parse(readRegularFile(join(packDir, PACK_PATH.complianceReport), 'utf8')) as {
          totals?: Record<string, unknown>;
        }
      ).totals ?? {};
    const n = (k: string): number => (typeof t[k] === 'number' ? (t[k] as number) : 0);
    return { critical: n('critical'), warning: n('warning'), info: n('info'), total: n('total') };
  } catch {
    return { critical: 0, warning: 0, info: 0, total: 0 };
  }
}

/** manifest.json of a pack, or undefined when it cannot be read. */
export function readManifest(packDir: string): PackManifest | undefined {
  try {
    return JSON.parse(readRegularFile(join(packDir, PACK_PATH.manifestJson), 'utf8')) as PackManifest;
  } catch {
    return undefined;
  }
}

export async function recordExport(
  logDir: string,
  clock: (() => number) | undefined,
  fields: Record<string, unknown>,
): Promise<void> {
  const logger = createAuditLogger({ logDir, handleExit: false, durability: 'durable', ...(clock ? { clock } : {}) });
  try {
    try {
      await recordWriterEvent(logger, EXPORT_EVENT.category, EXPORT_EVENT.event, fields);
    } finally {
      await logger.close();
    }
  } catch (err) {
    throw isAuditpackError(err) && err.code === 'LOG_LOCK_TIMEOUT' ? unrecordedPackError(err, fields) : err;
  }
}

/**
 * The CLI's wait for the log lock ran out when the pack was in place: it stays, unrecorded, as a
 * pack whose export was killed before recording it (or whose event a full disk refused) does, and
 * the message says what a re-run does with it (docs/FORMAT.md, "Versions, crashes and retention").
 */
function unrecordedPackError(err: AuditpackError, fields: Record<string, unknown>): AuditpackError {
  const { date, path } = fields;
  return new AuditpackError(
    'LOG_LOCK_TIMEOUT',
    `the pack for ${String(date)} is in place at ${String(path)}, but its PackExported event was not written: ${err.message}. The pack stays unrecorded: once the lock is free, \`auditpack export --date ${String(date)}\` keeps it aside as ${String(date)}.vN and exports the day afresh`,
    { cause: err, details: { ...err.details, date, pack: path } },
  );
}

/**
 * Where the pack's chain ends, for its PackExported event: with the manifest hash, the log itself
 * then pins the newest pack's last line, which no later pack does yet (docs/FORMAT.md).
 */
export function chainEndFields(manifest: PackManifest): Record<string, unknown> {
  return {
    [EXPORT_EVENT_FIELD.lastSeq]: manifest.chain.last_seq,
    [EXPORT_EVENT_FIELD.endHash]: manifest.chain.end_hash,
  };
}

/** What a run that finished a killed one's pack reports: the pack as it is, nothing scanned anew. */
export function resumedResult(
  r: Pick<
    ExportResult,
    'date' | 'path' | 'manifest' | 'manifestSha256' | 'archive' | 'superseded' | 'leftoversRemoved'
  >,
  resumed: 'archive',
): ExportResult {
  return Object.freeze({
    ...r,
    signed: exists(join(r.path, SIGNATURE_FILE)),
    timestamped: null,
    timestampError: null,
    malformed: [],
    compliance: complianceTotals(r.path),
    resumed,
    warnings: [],
  });
}
