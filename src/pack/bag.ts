/**
 * Writing the BagIt bag of a pack (RFC 8493) inside its build directory: manifest.json from the
 * scanned facts, the tag files, the tag manifest, its signature and its time-stamp token. The
 * bytes come from src/format/pack.ts; this file only decides what goes in them.
 */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { timestampTagManifest, type TsaOptions, writePackToken } from '../anchor/pack.js';
import type { AlertFilterConfig } from '../config.js';
import { type AuditpackError, isAuditpackError } from '../errors.js';
import {
  BAGIT_TXT,
  PACK_FORMAT,
  PACK_PATH,
  PAYLOAD_DIR,
  type PackLink,
  type PackManifest,
  renderBagInfo,
  renderChecksumFile,
  renderManifest,
  SIGNATURE_FILE,
  TAG_FILES,
  TAGMANIFEST,
} from '../format/pack.js';
import { signSshsig } from '../signing/index.js';
import { type WrittenFile, writeNewFile } from '../fsx/byte-sink.js';
import type { DayFacts } from './scan-day.js';
import { CSV_RULES } from './csv.js';

/** What manifest.json records beyond the payload files. */
export interface ManifestFacts {
  readonly date: string;
  readonly createdAt: string;
  readonly partial: boolean;
  readonly version: string;
  readonly facts: Pick<DayFacts, 'events' | 'rows' | 'chain' | 'lineTree'>;
  readonly previous: PackLink | null;
  readonly superseded: PackManifest['supersedes'];
  readonly insertedBefore: PackLink | null;
  readonly alertFilter: AlertFilterConfig;
}

/** manifest.json of a pack whose payload files are `files` (in `payload` order). */
export function buildManifest(
  payload: readonly string[],
  files: Readonly<Record<string, WrittenFile>>,
  m: ManifestFacts,
): PackManifest {
  const manifestFiles: Record<string, { size: number; sha256: string; modified: string }> = {};
  let totalSize = 0;
  for (const name of payload) {
    const f = files[name] as WrittenFile;
    manifestFiles[`${PAYLOAD_DIR}${name}`] = { size: f.size, sha256: f.sha256, modified: f.modified };
    totalSize += f.size;
  }
  return {
    format: PACK_FORMAT,
    created_at: m.createdAt,
    export_date: m.date,
    ...(m.partial ? { partial: true as const } : {}),
    auditpack_version: m.version,
    files: manifestFiles,
    summary: { total_files: payload.length, total_size: totalSize },
    events: m.facts.events,
    rows: m.facts.rows,
    chain: m.facts.chain,
    previous_pack: m.previous,
    supersedes: m.superseded,
    alert_filter: {
      categories: [...m.alertFilter.categories],
      events: [...m.alertFilter.events],
      severities: [...m.alertFilter.severities],
    },
    inserted_before: m.insertedBefore,
    line_tree: m.facts.lineTree,
    csv_rules: CSV_RULES,
  };
}

/**
 * Writes the tag files of the bag in `dir` (bagit.txt, bag-info.txt, manifest-sha256.txt,
 * manifest.json), then tagmanifest-sha256.txt over them and, with a key, its signature.
 * Returns manifest.json's text.
 */
export function writeTagFiles(
  dir: string,
  manifest: PackManifest,
  payload: readonly string[],
  files: Readonly<Record<string, WrittenFile>>,
  signingKey: KeyObject | undefined,
): string {
  const manifestText = renderManifest(manifest);
  const tags: Record<string, WrittenFile> = {};
  tags[PACK_PATH.bagit] = writeNewFile(join(dir, PACK_PATH.bagit), BAGIT_TXT);
  tags[PACK_PATH.bagInfo] = writeNewFile(
    join(dir, PACK_PATH.bagInfo),
    renderBagInfo({
      baggingDate: manifest.created_at.slice(0, 10),
      payloadBytes: manifest.summary.total_size,
      payloadFiles: payload.length,
      exportDate: manifest.export_date,
      version: manifest.auditpack_version,
    }),
  );
  tags[PACK_PATH.manifest] = writeNewFile(
    join(dir, PACK_PATH.manifest),
    renderChecksumFile(payload.map((n) => ({ path: `${PAYLOAD_DIR}${n}`, sha256: (files[n] as WrittenFile).sha256 }))),
  );
  tags[PACK_PATH.manifestJson] = writeNewFile(join(dir, PACK_PATH.manifestJson), manifestText);
  const tagmanifest = renderChecksumFile(TAG_FILES.map((n) => ({ path: n, sha256: (tags[n] as WrittenFile).sha256 })));
  writeNewFile(join(dir, TAGMANIFEST), tagmanifest);
  if (signingKey !== undefined) {
    writeNewFile(join(dir, SIGNATURE_FILE), signSshsig(Buffer.from(tagmanifest, 'utf8'), signingKey));
  }
  return manifestText;
}

/** Asks the TSA for a token over the tag manifest; a TSA that fails leaves the pack without one (and says why). */
export async function stampBag(
  dir: string,
  tsa: TsaOptions | undefined,
): Promise<{ timestamped: Date | null; serial?: string; timestampError: AuditpackError | null }> {
  if (tsa === undefined) return { timestamped: null, timestampError: null };
  try {
    const granted = await timestampTagManifest(dir, tsa);
    writePackToken(dir, granted);
    return { timestamped: granted.facts.genTime, serial: granted.facts.serial, timestampError: null };
  } catch (err) {
    if (!isAuditpackError(err, 'TSA_FAILED')) throw err;
    return { timestamped: null, timestampError: err };
  }
}
