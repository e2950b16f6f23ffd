/**
 * A pack's carried compliance state, held to its report (docs/FORMAT.md, "Compliance state"): the
 * re-run of the checks starts from `data/compliance_state_start.json`, whose SHA-256 the report's
 * `carried_in` records (so a carried state cannot be swapped, nor a finding removed by starting
 * from another state), and must end in exactly `data/compliance_state.json` (what the next day
 * starts from). Every byte is hostile: read bounded, parsed field by field, a defect a finding.
 */
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_STATE_BYTES, type StartingState } from '../compliance/carry.js';
import { readStateFile } from '../compliance/carry-file.js';
import { type CarriedIn, dayBefore, emptyState } from '../compliance/carry-source.js';
import { COMPLIANCE_RULES_VERSION, type ComplianceReport } from '../compliance/index.js';
import { PACK_PATH } from '../format/pack.js';
import { digestBoundedBuffer } from './compliance-bytes.js';
import type { Findings } from './report.js';

/** The rules version from which every report records `carried_in`. */
const CARRIED_SINCE_RULES = 4;
const START = PACK_PATH.complianceStateStart;
const END = PACK_PATH.complianceState;

/** The start the re-run uses, the report's record of it as the re-run would make it, and the end file. */
export interface RecheckState {
  readonly start: { readonly state: StartingState; readonly carried: CarriedIn } | undefined;
  /**
   * The SHA-256 of the recorded end state's bytes (undefined: missing or too large, already a
   * finding). Only the digest is held through the log pass: a day of many open and closed orders
   * has a state of tens of megabytes, and its bytes are compared once, at the end.
   */
  readonly endSha256: string | undefined;
}

type Note = (f: Findings) => void;

/**
 * Reads the start state of a pack whose report records `carried_in` (in pieces) and hashes its
 * end state (in pieces: only its digest is compared, judgeEndState); a report made before
 * the state was carried (no `carried_in`) re-runs from nothing, as it was made, and must hold no state file.
 */
export async function readRecheckState(dir: string, report: ComplianceReport, notes: Note[]): Promise<RecheckState> {
  const bad = (file: string, detail: string): void => {
    notes.push((f) => f.add('COMPLIANCE_STATE_MISMATCH', 'error', file, detail));
  };
  const carried = report.carried_in as unknown;
  // Reports of rules 4 and later always record their start: one without it had it removed, so
  // that the re-run would start from nothing and agree with a report missing the carried findings.
  if (carried === undefined && (report.rules ?? 1) >= CARRIED_SINCE_RULES)
    bad(
      PACK_PATH.complianceReport,
      `a report of rules ${report.rules} without carried_in (every report since rules ${CARRIED_SINCE_RULES} records its start state)`,
    );
  if (carried === undefined) {
    for (const p of [START, END])
      if (await present(join(dir, p)))
        bad(
          p,
          'the report records no carried-in state (made before the state was carried), but the pack holds a state file',
        );
    return { start: undefined, endSha256: undefined };
  }
  const c = carriedInOf(carried);
  const prev = dayBefore(report.period.from);
  if (typeof c === 'string') bad(PACK_PATH.complianceReport, `carried_in: ${c}`);
  else if (c.date !== prev)
    bad(PACK_PATH.complianceReport, `carried_in is the state at the end of ${c.date}, not of ${prev}`);
  // Read in pieces, never whole (carry-file.ts): the start state of a day after one of many open
  // orders is hundreds of megabytes; its order lists are read again when the re-run is seeded.
  const file = readStateFile(join(dir, START), prev);
  let state: StartingState = emptyState(prev);
  if (file === 'missing' || file === 'unusable')
    bad(START, `missing, not a regular file, or over ${MAX_STATE_BYTES} bytes`);
  else if ('problem' in file) bad(START, `cannot be used: ${file.problem}`);
  else state = file.state;
  // The re-run's record: the recorded words, the hash of the bytes it really starts from. The
  // report comparison then names a swapped start state as a difference in carried_in.
  const sha = typeof file === 'string' ? createHash('sha256').update('').digest('hex') : file.sha256;
  const recorded = typeof c === 'string' ? { source: 'none' as const, date: prev, log_sha256: null, note: '' } : c;
  // Only hashed, in pieces: the recorded end state of a day of many open orders is tens of
  // megabytes (up to MAX_STATE_BYTES), and held whole it was verify's peak.
  const endSha256 = await digestBoundedBuffer(join(dir, END), MAX_STATE_BYTES);
  if (endSha256 === undefined) bad(END, `missing, not a regular file, or over ${MAX_STATE_BYTES} bytes`);
  return { start: { state, carried: { ...recorded, state_sha256: sha } }, endSha256 };
}

/**
 * The digest {@link judgeEndState} compares: the SHA-256 of the state file export writes, given
 * in its pieces (ComplianceEngine.carryOutChunks), as its UTF-8 bytes. Taken as soon as the re-run ends, so the state's objects and text are not
 * held while the reports are compared.
 */
export function endStateDigest(pieces: Iterable<string>): string {
  const h = createHash('sha256');
  for (const piece of pieces) h.update(piece, 'utf8');
  return h.digest('hex');
}

/**
 * The recorded end state against the re-run's ({@link endStateDigest}): equal digests are equal
 * bytes (SHA-256, the manifests' own assumption); under the same rules a byte that differs is an
 * edit. A state made under other rules (`made`, the report's version) differs because the rules did
 * (a check counted as failed now, say), as the report does: a warning that says so, and the file
 * rests on the manifests and signature (this build cannot re-run the old rules).
 */
export function judgeEndState(f: Findings, s: RecheckState, rerunEndSha256: string | undefined, made: number): boolean {
  if (s.endSha256 === undefined || rerunEndSha256 === undefined) return false;
  if (s.endSha256 === rerunEndSha256) return false;
  if (made !== COMPLIANCE_RULES_VERSION) {
    f.add(
      'COMPLIANCE_RULES_CHANGED',
      'warning',
      END,
      `made by the checks of version ${made}, re-run with version ${COMPLIANCE_RULES_VERSION}: not the state this build's checks end the day with`,
    );
    return true;
  }
  f.add(
    'COMPLIANCE_STATE_MISMATCH',
    'error',
    END,
    'not the state the checks end the day with (edited: the next day would start from a state this day does not give)',
  );
  return true;
}

/** `carried_in` shape-checked, or what is wrong with it. */
function carriedInOf(v: unknown): CarriedIn | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const o = v as Record<string, unknown>;
  if (o.source !== 'pack' && o.source !== 'log' && o.source !== 'none') return 'source is not pack, log or none';
  if (typeof o.date !== 'string' || typeof o.note !== 'string' || typeof o.state_sha256 !== 'string')
    return 'date, note or state_sha256 is not a string';
  if (!(o.log_sha256 === null || typeof o.log_sha256 === 'string')) return 'log_sha256 is not a string or null';
  return {
    source: o.source,
    date: o.date,
    state_sha256: o.state_sha256,
    log_sha256: o.log_sha256 as string | null,
    note: o.note,
  };
}

async function present(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
