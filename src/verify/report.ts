/**
 * Verification reports: what every verify function returns.
 *
 * Expected failures are values, not exceptions: a tampered line or a missing file is a finding in the
 * report, never a thrown error. Findings are bounded per code and file, so a hostile input with a
 * million broken lines yields a readable report in bounded memory, with the overflow counted.
 */

import type { ReviewProblemCode } from '../review/index.js';

/** How bad a finding is. Only `error` makes a report fail. */
export type Severity = 'error' | 'warning' | 'info';

/** What was verified. */
export type VerifyKind = 'log' | 'log-dir' | 'pack' | 'pack-tar' | 'archive' | 'rollup' | 'rollup-dir' | 'empty';

/**
 * Stable finding codes, documented in docs/errors.md ("Verification findings"). Public API:
 * added, never renamed.
 */
export type ProblemCode =
  // --- the log and its chain ---
  | 'LOG_LINE_INVALID'
  | 'LOG_LINE_TOO_LONG'
  | 'LOG_LINE_TOO_DEEP'
  | 'LOG_LINE_DUPLICATE'
  | 'LOG_LINE_OUT_OF_PLACE'
  | 'LOG_SEQ_GAP'
  | 'LOG_CHAIN_BROKEN'
  | 'LOG_GENESIS_INVALID'
  | 'LOG_CHAIN_START'
  | 'LOG_TORN_LINE_RECOVERED'
  | 'LOG_TORN_TAIL'
  | 'LOG_TAIL_INVALID'
  | 'LOG_RECOVERY_MISMATCH'
  | 'LOG_CLOCK_BACKWARDS'
  | 'LOG_DATE_MISMATCH'
  | 'LOG_FILE_LINK_BROKEN'
  | 'LOG_FILE_EMPTY'
  | 'LOG_FILE_NAME_INVALID'
  | 'LOG_FILE_FUTURE'
  | 'LOG_DIR_EMPTY'
  | 'LOG_DISCONTINUITY'
  | 'LOG_HEAD_LOST'
  | 'LOG_SNAPSHOT_UNCHAINED'
  | 'LOG_FILE_REMOVAL_UNRECORDED'
  // --- any directory walked ---
  | 'ENTRY_IGNORED'
  | 'NOT_A_REGULAR_FILE'
  | 'EMPTY_DIRECTORY'
  | 'UNRECOGNISED_PATH'
  | 'FINDINGS_TRUNCATED'
  // --- a pack ---
  | 'PACK_BAGIT_INVALID'
  | 'PACK_BAG_INFO_INVALID'
  | 'PACK_OXUM_MISMATCH'
  | 'PACK_MANIFEST_INVALID'
  | 'PACK_PATH_UNSAFE'
  | 'PACK_FILE_MISSING'
  | 'PACK_FILE_HASH_MISMATCH'
  | 'PACK_FILE_SIZE_MISMATCH'
  | 'PACK_FILE_UNLISTED'
  | 'PACK_TAGMANIFEST_INVALID'
  | 'PACK_TAG_HASH_MISMATCH'
  | 'PACK_MANIFEST_JSON_INVALID'
  | 'PACK_MANIFEST_JSON_DISAGREES'
  | 'PACK_SUMMARY_MISMATCH'
  | 'PACK_DATE_MISMATCH'
  | 'PACK_DATE_FROM_CONTENTS'
  | 'PACK_SIGNATURE_INVALID'
  | 'PACK_SIGNATURE_UNTRUSTED'
  | 'PACK_SIGNATURE_NOT_CHECKED'
  | 'PACK_UNSIGNED'
  | 'PACK_CHAIN_START_MISMATCH'
  | 'PACK_CHAIN_END_MISMATCH'
  | 'PACK_EVENT_COUNT_MISMATCH'
  | 'PACK_ROW_COUNT_MISMATCH'
  | 'PACK_CSV_INVALID'
  | 'PACK_ALERT_NOT_IN_LOG'
  | 'PACK_TAR_INVALID'
  // --- a pack's compliance files ---
  | 'COMPLIANCE_REPORT_INVALID'
  | 'COMPLIANCE_REPORT_MISMATCH'
  | 'COMPLIANCE_RULES_CHANGED'
  | 'COMPLIANCE_POLICY_UNBOUND'
  // No longer said (from at51 F2 that report is COMPLIANCE_REPORT_MISMATCH); kept: codes are never removed.
  | 'COMPLIANCE_POLICY_NOT_IN_FORCE'
  | 'COMPLIANCE_POLICY_UNKNOWN'
  | 'COMPLIANCE_STATE_MISMATCH'
  | 'COMPLIANCE_CARRY_MISMATCH'
  | 'COMPLIANCE_FILES_MISSING'
  | 'COMPLIANCE_CHECKS_OFF'
  // --- a pack's data/config_in_force.json ---
  | 'CONFIG_IN_FORCE_INVALID'
  | 'CONFIG_IN_FORCE_MISMATCH'
  | 'CONFIG_IN_FORCE_UNBOUND'
  | 'CONFIG_SNAPSHOT_REDACTED_AGAIN'
  | 'ALERT_FILTER_UNBOUND'
  | 'PACK_UNSIGNED_UNPINNED'
  | 'PACK_FILE_UNEXPECTED'
  | 'PACK_CSV_MISMATCH'
  | 'PACK_ALERTS_MISMATCH'
  | 'PACK_LINE_TREE_MISMATCH'
  // --- an archive of packs ---
  | 'ARCHIVE_LINK_BROKEN'
  | 'ARCHIVE_LINK_MISSING'
  | 'ARCHIVE_PACK_REPLAYED'
  | 'ARCHIVE_SUPERSEDES_MISMATCH'
  | 'ARCHIVE_PRUNED_LEDGER_INVALID'
  | 'ARCHIVE_TAR_DIFFERS'
  | 'ARCHIVE_CURRENT_MISSING'
  // --- time-stamp tokens (packs and chain anchors) ---
  | 'TIMESTAMP_MISSING'
  | 'TIMESTAMP_RECORDED_MISSING'
  | 'TIMESTAMP_RECORD_MISMATCH'
  | 'TIMESTAMP_REANCHORED'
  | 'TIMESTAMP_MALFORMED'
  | 'TIMESTAMP_IMPRINT_MISMATCH'
  | 'TIMESTAMP_SIGNATURE_INVALID'
  | 'TIMESTAMP_EKU_INVALID'
  | 'TIMESTAMP_UNTRUSTED'
  | 'TIMESTAMP_NOT_CHECKED'
  | 'TSA_CA_UNPINNED'
  | 'TIMESTAMP_TIME_INCONSISTENT'
  | 'TIMESTAMP_LATE'
  | 'LOG_ANCHOR_MISMATCH'
  | 'LOG_ANCHOR_GAP'
  | 'LOG_ANCHOR_MISSING'
  // --- the archive's evidence: signing, prunes, exports ---
  | 'ARCHIVE_MIXED_SIGNING'
  | 'ARCHIVE_DAY_MISSING'
  | 'ARCHIVE_PRUNE_UNRECORDED'
  | 'ARCHIVE_PRUNE_AWAITING_EVIDENCE'
  | 'ARCHIVE_PRUNE_EVIDENCE_PRUNED'
  | 'ARCHIVE_PRUNE_INTERRUPTED'
  | 'ARCHIVE_PRUNE_UNSIGNED'
  | 'ARCHIVE_PRUNE_SIGNATURE_INVALID'
  | 'ARCHIVE_PRUNED_EARLY'
  | 'ARCHIVE_PRUNE_RETENTION_MISMATCH'
  | 'ARCHIVE_LEDGER_INCOMPLETE'
  | 'ARCHIVE_PACK_MISSING'
  | 'ARCHIVE_EXPORT_MISMATCH'
  | 'ARCHIVE_EXPORT_UNRECORDED'
  | 'ARCHIVE_VERSION_UNRECORDED'
  | 'ARCHIVE_LIVE_LOG_MISMATCH'
  | 'ARCHIVE_TAIL_UNCHECKED'
  | 'ARCHIVE_LIVE_LOG_UNCHECKED'
  | 'ARCHIVE_SIGNER_CHANGED'
  | 'ARCHIVE_PACK_EVENTS_UNCHECKED'
  // --- a roll-up pack (src/verify/rollup.ts) ---
  | 'ROLLUP_RECORD_INVALID'
  | 'ROLLUP_CHAIN_HASH_MISMATCH'
  | 'ROLLUP_HOSTS_INVALID'
  | 'ROLLUP_HOSTS_MISMATCH'
  | 'ROLLUP_TREE_MISMATCH'
  | 'ROLLUP_PREVIOUS_MISMATCH'
  | 'ROLLUP_PREVIOUS_UNCHECKED'
  | 'ROLLUP_DAY_MISSING'
  // --- the roll-ups directory (src/verify/rollup-dir.ts) ---
  | 'ROLLUP_DAY_DUPLICATE'
  | 'ROLLUP_DAY_OUT_OF_ORDER'
  | 'ROLLUP_ENTRY_UNEXPECTED'
  | 'ROLLUP_MERGED_INVALID'
  | 'ROLLUP_MERGED_COUNT_MISMATCH'
  | 'ROLLUP_MERGED_ORDER'
  | 'ROLLUP_FINDINGS_INVALID'
  | 'ROLLUP_PAYLOAD_MISMATCH'
  | 'ROLLUP_FORMAT_OLD'
  | 'ROLLUP_HOST_PACK_MISMATCH'
  | 'ROLLUP_HOST_PACK_UNCHECKED'
  | 'ROLLUP_SIGNED_BY_HOST_KEY'
  | 'ROLLUP_CARRY_MISMATCH'
  // --- review records (src/review) ---
  | ReviewProblemCode;

/** One finding. `file` is relative to the verified target (or the target itself). */
export interface Problem {
  readonly code: ProblemCode;
  readonly severity: Severity;
  readonly file: string;
  /** 1-based line number, when the finding is about a line. */
  readonly line?: number;
  readonly detail: string;
}

/** What verify returns. `ok` is false exactly when some problem has severity `error`. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly kind: VerifyKind;
  /** The path that was verified, as given. */
  readonly target: string;
  /** Counts of what was checked (files, lines, bytes, packs, links…). */
  readonly checked: Readonly<Record<string, number>>;
  readonly problems: readonly Problem[];
  /** Reports of the parts (each pack of an archive, each file of a log dir), when there are parts. */
  readonly parts?: readonly VerifyReport[];
  /** An archive's newest evidence, for an auditor to compare with a record kept elsewhere. */
  readonly evidence?: ArchiveEvidence;
  /** The roll-ups directory's newest roll-up, for an auditor to compare with a record kept elsewhere. */
  readonly rollupEvidence?: RollupEvidence;
}

/**
 * The newest roll-up of a roll-ups directory. No later roll-up links to it and nothing outside the
 * directory records that it was made: it can vanish without trace, which only a record kept
 * elsewhere (its chain hash, a proof made from it, an archived copy) shows.
 */
export interface RollupEvidence {
  /** Its directory's name. */
  readonly rollup: string;
  readonly date: string;
  readonly chainHash: string;
  readonly createdAt: string;
}

/**
 * The newest pack of an archive and where its chain ends. Nothing in the archive pins the newest
 * pack (no later pack links to it) nor the log after it: they can vanish without trace, which only
 * a record kept elsewhere (or an external time-stamp) shows.
 */
export interface ArchiveEvidence {
  readonly pack: string;
  readonly date: string;
  readonly manifestSha256: string | null;
  readonly createdAt: string | null;
  /** The last seq and end hash of the newest pack with events. */
  readonly lastSeq: number | null;
  readonly endHash: string | null;
}

/** What Findings records for one line at most (a line raises a handful); past it, undo() takes nothing back. */
const MAX_JOURNAL = 64;

/** One recorded change: a finding added (its counting key, and the problem if stored), or one replaced. */
type JournalEntry =
  | { readonly key: string; readonly severity: Severity; readonly stored: Problem | undefined }
  | { readonly old: Problem; readonly next: Problem };

/** Findings kept per (code, file) before the rest are only counted. */
export const MAX_FINDINGS_PER_CODE = 20;

/**
 * Collects findings with a bound per (code, file); the overflow becomes one FINDINGS_TRUNCATED
 * note per (code, file) when the report is built.
 */
export class Findings {
  private readonly list: Problem[] = [];
  private readonly counts = new Map<string, number>();
  private errors = 0;

  /** What add() and replace() did since record(), so that undo() can take it back. */
  private readonly journal: JournalEntry[] = [];
  private recording = false;
  private journalFull = false;
  /** How many record() calls so far: the token undo() is given. */
  private recordings = 0;

  constructor(private readonly maxPerCode = MAX_FINDINGS_PER_CODE) {}

  /** Adds a finding (or counts it, past the bound). Returns the stored problem, if stored. */
  add(code: ProblemCode, severity: Severity, file: string, detail: string, line?: number): Problem | undefined {
    if (severity === 'error') this.errors++;
    const key = `${code}\u0000${file}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    const p: Problem | undefined =
      n > this.maxPerCode
        ? undefined
        : line === undefined
          ? { code, severity, file, detail }
          : { code, severity, file, line, detail };
    if (p !== undefined) this.list.push(p);
    if (this.recording) this.note({ key, severity, stored: p });
    return p;
  }

  /** Replaces a stored problem (used when later lines show what an earlier break really was). */
  replace(old: Problem, next: Problem): void {
    const i = this.list.lastIndexOf(old);
    if (i === -1) return;
    if (old.severity === 'error') this.errors--;
    if (next.severity === 'error') this.errors++;
    this.list[i] = next;
    if (this.recording) this.note({ old, next });
  }

  /**
   * Starts recording what add() and replace() do (forgetting what was recorded before), until
   * stopRecording(); undo() then takes it back. The log check records each event line's findings,
   * so that a recovery after the line (docs/FORMAT.md, "Verifying", rule 4) can withdraw them.
   */
  record(): number {
    if (this.journal.length !== 0) this.journal.length = 0;
    this.journalFull = false;
    this.recording = true;
    return ++this.recordings;
  }

  /** Stops recording; what was recorded can still be undone until the next record(). */
  stopRecording(): void {
    this.recording = false;
  }

  /**
   * Takes back what was recorded between the record() that returned `token` and stopRecording(),
   * once. False (nothing changed) when more was recorded than the journal keeps, or when another
   * record() came since (another check sharing these findings).
   */
  undo(token: number): boolean {
    const j = this.journal;
    if (this.journalFull || token !== this.recordings) return false;
    for (let k = j.length - 1; k >= 0; k--) {
      const e = j[k] as JournalEntry;
      if ('key' in e) {
        if (e.severity === 'error') this.errors--;
        const n = (this.counts.get(e.key) ?? 1) - 1;
        if (n === 0) this.counts.delete(e.key);
        else this.counts.set(e.key, n);
        if (e.stored !== undefined) {
          const i = this.list.lastIndexOf(e.stored);
          if (i !== -1) this.list.splice(i, 1);
        }
      } else {
        const i = this.list.lastIndexOf(e.next);
        if (i === -1) continue;
        if (e.next.severity === 'error') this.errors--;
        if (e.old.severity === 'error') this.errors++;
        this.list[i] = e.old;
      }
    }
    j.length = 0;
    this.recordings++;
    return true;
  }

  private note(e: JournalEntry): void {
    const j = this.journal;
    if (j.length < MAX_JOURNAL) j.push(e);
    else this.journalFull = true;
  }

  /** Appends the problems of another report (e.g. a part), keeping their bound. */
  addAll(problems: readonly Problem[]): void {
    for (const p of problems) {
      if (p.code === 'FINDINGS_TRUNCATED') {
        this.list.push(p);
        continue;
      }
      this.add(p.code, p.severity, p.file, p.detail, p.line);
    }
  }

  /** True when an error-severity finding was added. */
  get hasErrors(): boolean {
    return this.errors > 0;
  }

  /** The findings, plus one note per (code, file) whose findings were cut. */
  toArray(): Problem[] {
    const out = [...this.list];
    for (const [key, n] of this.counts) {
      if (n <= this.maxPerCode) continue;
      const [code, file] = key.split('\u0000') as [ProblemCode, string];
      const sev = this.list.find((p) => p.code === code && p.file === file)?.severity ?? 'error';
      out.push({
        code: 'FINDINGS_TRUNCATED',
        severity: sev,
        file,
        detail: `${n - this.maxPerCode} more ${code} findings in this file were not listed (${n} in all)`,
      });
    }
    return out;
  }
}

/** Builds a frozen report from findings. */
export function makeReport(
  kind: VerifyKind,
  target: string,
  checked: Record<string, number>,
  findings: Findings,
  parts?: VerifyReport[],
): VerifyReport {
  const problems = findings.toArray();
  const ok = !problems.some((p) => p.severity === 'error');
  const report: VerifyReport =
    parts === undefined
      ? { ok, kind, target, checked: { ...checked }, problems }
      : { ok, kind, target, checked: { ...checked }, problems, parts };
  return report;
}

/** Printable form of a name taken from disk or an archive: control and odd bytes escaped. */
export function printableName(name: string): string {
  // JSON.stringify escapes control characters and lone surrogates; strip the quotes it adds.
  const s = JSON.stringify(name).slice(1, -1);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
