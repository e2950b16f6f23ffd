/**
 * `review status`: each day's pack versions, newest first, with their review state and lineage
 * (which version a re-export replaced), read-only and without the lock.
 */
import type { DispositionInEffect, ReviewLine, ReviewState } from '../format/review.js';
import { emptyRecord, readReviewRecord } from '../review/index.js';
import { checkDate } from './context.js';
import { packDays, packVersions } from './pack-version.js';

/** One pack version's review. */
export interface VersionStatus {
  readonly pack: string;
  readonly current: boolean;
  readonly manifestSha256: string;
  readonly state: ReviewState;
  /** The version this one replaced (its manifest hash and where it was moved), null for the first. */
  readonly parent: { readonly manifestSha256: string; readonly movedTo: string } | null;
  readonly submitter: string | null;
  readonly approver: string | null;
  readonly approvedAt: string | null;
  readonly dispositions: readonly DispositionInEffect[];
  /** The record's lines, oldest first. */
  readonly history: readonly ReviewLine[];
  /** The record's own problems (an edited record), as sentences. */
  readonly problems: readonly string[];
}

/** One day's versions, newest (the current pack) first. */
export interface DayStatus {
  readonly date: string;
  readonly versions: readonly VersionStatus[];
}

/** The review status of one day, or of every day with a pack. */
export async function reviewStatus(artifactsDir: string, date?: string): Promise<DayStatus[]> {
  if (date !== undefined) checkDate(date);
  const days = date === undefined ? packDays(artifactsDir) : [date];
  const out: DayStatus[] = [];
  for (const d of days) {
    const versions: VersionStatus[] = [];
    for (const v of await packVersions(artifactsDir, d)) {
      let r = emptyRecord(d, v.manifestSha256);
      let problems: string[] = [];
      try {
        r = (await readReviewRecord(artifactsDir, d, v.manifestSha256)) ?? r;
        problems = r.problems.map((p) => `${p.line === undefined ? '' : `line ${p.line}: `}${p.detail}`);
      } catch (err) {
        problems = [`unreadable: ${(err as Error).message}`];
      }
      versions.push({
        pack: v.name,
        current: v.version === null,
        manifestSha256: v.manifestSha256,
        state: r.state,
        parent: v.parent,
        submitter: r.submitter ?? null,
        approver: r.approval?.actor ?? null,
        approvedAt: r.approval?.at ?? null,
        dispositions: [...r.dispositions.values()],
        history: r.lines,
        problems,
      });
    }
    if (versions.length > 0 || date !== undefined) out.push({ date: d, versions });
  }
  return out;
}
