/** The options and result of exportPack. */
import type { KeyObject } from 'node:crypto';
import type { TsaOptions } from '../anchor/pack.js';
import type { AlertFilterConfig } from '../config.js';
import type { AuditpackError } from '../errors.js';
import type { PackManifest } from '../format/pack.js';
import type { PackComplianceOptions } from './compliance-files.js';
import type { PackSnapshotOptions } from './config-files.js';
import type { MalformedLine } from './scan-day.js';

/** Progress of a long export, for a progress line on a terminal. */
export interface ExportProgress {
  readonly phase: 'scan' | 'config' | 'finish' | 'compress';
  readonly bytesRead: number;
  readonly totalBytes: number;
}

/** Options of exportPack. Directories are explicit; the CLI resolves them from config. */
export interface ExportPackOptions {
  /** The UTC day to export, `YYYY-MM-DD`. */
  date: string;
  /** Directory of the day files (must exist: LOGS_DIR_MISSING otherwise). */
  logDir: string;
  /** Where packs are written (created if missing). */
  artifactsDir: string;
  /** auditpack's version, written to bag-info.txt and manifest.json. */
  version: string;
  /** Make a new version when a pack exists (the old one is kept as `YYYY-MM-DD.vN`). */
  force?: boolean;
  /** Also write `YYYY-MM-DD.tar.gz`. */
  compress?: boolean;
  /**
   * Export today, which has not ended: the pack is marked `"partial": true` and a later export of
   * the day replaces it without `force`. Without it, today is refused (DATE_NOT_ENDED).
   */
  partial?: boolean;
  /** Sign tagmanifest-sha256.txt with this Ed25519 key (see src/signing). */
  signingKey?: KeyObject;
  /** Which events go to alerts.jsonl (default DEFAULT_ALERT_FILTER). */
  alertFilter?: AlertFilterConfig;
  /** Config snapshot sources; false leaves config_snapshot.json as `null` with a reason. */
  snapshot?: PackSnapshotOptions | false;
  /**
   * Where the compliance policy comes from (data/compliance_report.json, compliance_findings.csv,
   * report.html). Default: with `snapshot`, the policy as its snapshots recorded it (or the file in
   * its cwd); without, the built-in policy. `false` (@internal): no compliance files, the pack
   * layout of earlier versions (verified alone, such a pack is named: COMPLIANCE_CHECKS_OFF);
   * bench/compliance.ts measures what the checks cost with it.
   */
  compliance?: PackComplianceOptions | false;
  /** Include the day's config diffs in data/config.diff (default true). */
  includeConfigDiffs?: boolean;
  /**
   * Ask this TSA for an RFC 3161 token over tagmanifest-sha256.txt. A TSA that fails does not fail
   * the export: the pack is written without a token and `timestampError` says why.
   */
  tsa?: TsaOptions;
  /** Append a system/PackExported event to the audit log in logDir (default true). */
  recordEvent?: boolean;
  /** Clock (epoch ms) for created_at and Bagging-Date; default Date.now. */
  now?: () => number;
  /** Clock for the PackExported event (epoch µs), passed to the logger. */
  loggerClock?: () => number;
  onProgress?: (p: ExportProgress) => void;
}

/** What exportPack did. */
export interface ExportResult {
  readonly date: string;
  /** The pack directory. */
  readonly path: string;
  readonly manifest: PackManifest;
  /** SHA-256 of manifest.json's bytes. */
  readonly manifestSha256: string;
  readonly signed: boolean;
  /** The .tar.gz, when compress was asked for. */
  readonly archive: string | null;
  /** The pack this one superseded (now renamed), when force was used on an existing pack. */
  readonly superseded: {
    readonly path: string;
    readonly manifestSha256: string | null;
    /** No PackExported event recorded it: a plain re-run found it in place and kept it aside, unvouched. */
    readonly unrecorded?: boolean;
  } | null;
  /** The token's time, when the pack got a token. */
  readonly timestamped: Date | null;
  /** Why the pack has no token although a TSA was configured (TSA_FAILED); add one later with anchorPack. */
  readonly timestampError: AuditpackError | null;
  /** Malformed lines carried into the pack (first 1000; the count is in manifest.events.malformed_lines). */
  readonly malformed: readonly MalformedLine[];
  /** Compliance findings per severity (data/compliance_report.json has them all). */
  readonly compliance: {
    readonly critical: number;
    readonly warning: number;
    readonly info: number;
    readonly total: number;
  };
  /**
   * What a killed earlier run left and this one finished: `archive` (the pack was there, its
   * `.tar.gz` was built now), `supersede` (the old version had been moved aside; the new pack now
   * names it). Null for an ordinary export (also one that superseded a pack found in place without its
   * PackExported event: `superseded.unrecorded`).
   */
  readonly resumed: 'archive' | 'supersede' | null;
  /** `.tmp-*` leftovers of killed runs that were removed. */
  readonly leftoversRemoved: readonly string[];
  /**
   * What the export passed over and the caller should show: a stored config snapshot record dated
   * more than 5 minutes in the future (not taken as the pack's snapshot), as `snapshot` warns.
   */
  readonly warnings: readonly string[];
}
