/**
 * Review records in a verification (docs/FORMAT.md, "Verifying review records"): each pack's review
 * state, the records' links and transitions, the approvers' countersignatures, and the records
 * against the review events of the chain (the packs' logs, and the live log when given).
 */
import { lstat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { REVIEWS_DIR } from '../format/review.js';
import { checkReviews, type ReviewEvent, type ReviewSigner } from '../review/index.js';
import type { ManifestSummary } from './pack-facts.js';
import { Findings, type VerifyReport } from './report.js';
import { packsCut, readLive, scopeOf } from './review-evidence.js';

/** A pack as the review check needs it. */
export interface PackForReview {
  readonly name: string;
  readonly date: string;
  readonly manifestSha256: string | undefined;
  readonly createdAt: string | undefined;
  /** SHA-256 of its tagmanifest-sha256.txt (directory or `.tar.gz`), when it has one. */
  readonly tagmanifestSha256?: string | undefined;
  readonly reviewEvents: readonly ReviewEvent[];
  /** Review events of its log past the room, not kept (REVIEW_PACK_LOG_UNCHECKED). */
  readonly reviewEventsDropped?: number | undefined;
}

/** What the archive check passes on. */
export interface ReviewScope {
  readonly signers: readonly ReviewSigner[] | undefined;
  /** The live logs directory, when read. */
  readonly logDir: string | undefined;
  /** Manifest hashes of the pruned packs. */
  readonly pruned: ReadonlySet<string>;
  /** Where `signers` came from when nobody named them (a config file a forger can edit). */
  readonly unpinned?: string | undefined;
}

/** Signers found, not given: what they vouch for is only as safe as the file they came from. */
function noteUnpinned(scope: Omit<ReviewScope, 'pruned'>, file: string, f: Findings): void {
  if (scope.signers === undefined || scope.unpinned === undefined) return;
  f.add(
    'REVIEW_SIGNERS_UNPINNED',
    'warning',
    file,
    `the review signers were read from ${scope.unpinned}, found by default in the config directory: anyone who can write it can add a key of their own there; give --review-signers (or AUDITPACK_REVIEW_SIGNERS) naming a copy you trust`,
  );
}

/** Adds the review findings of an artifacts directory; `packs` are its pack directories (current and superseded). */
export async function addArchiveReviewFindings(
  artifactsDir: string,
  packs: readonly PackForReview[],
  scope: ReviewScope,
  f: Findings,
): Promise<void> {
  const newest = packs.reduce<PackForReview | undefined>(
    (a, p) => (a === undefined || p.date > a.date ? p : a),
    undefined,
  );
  const events: ReviewEvent[] = packs.flatMap((p) =>
    p.reviewEvents.map((e) => ({ ...e, where: `${p.name}/${e.where}` })),
  );
  const live = scope.logDir === undefined ? undefined : await readLive(scope.logDir, newest?.date, f);
  // One by one: a spread of that many arguments would overflow the stack.
  for (const e of live?.events ?? []) events.push(e);
  // Nothing reviewed anywhere (no records, no review events): every pack is a DRAFT; nothing to say.
  const st = await lstat(join(artifactsDir, REVIEWS_DIR)).catch(() => undefined);
  if (st === undefined && events.length === 0) return;
  // A link or another kind of file in the records' place: never read through (NOT_A_REGULAR_FILE).
  if (st !== undefined && !st.isDirectory()) return;
  const r = await checkReviews(artifactsDir, packs, {
    signers: scope.signers,
    events,
    pruned: scope.pruned,
    ...scopeOf(live, packsCut(packs), newest?.createdAt ?? ''),
  });
  for (const p of r.problems) f.add(p.code, p.severity, p.file, p.detail, p.line);
  noteUnpinned(scope, REVIEWS_DIR, f);
}

/**
 * Adds the review findings of one pack directory, when the artifacts directory it stands in has
 * review records: its state, record and countersignature; against the chain only with the live logs.
 */
export async function addPackReviewFindings(
  packDir: string,
  pack: PackForReview,
  scope: Omit<ReviewScope, 'pruned'>,
  f: Findings,
): Promise<void> {
  const artifactsDir = dirname(packDir);
  const st = await lstat(join(artifactsDir, REVIEWS_DIR)).catch(() => undefined);
  if (st === undefined || !st.isDirectory() || basename(packDir) !== pack.name) return;
  const live = scope.logDir === undefined ? undefined : await readLive(scope.logDir, pack.date, f);
  const r = await checkReviews(artifactsDir, [pack], {
    signers: scope.signers,
    events: live === undefined ? undefined : [...pack.reviewEvents, ...live.events],
    onlyListed: true,
    ...scopeOf(live, packsCut([pack]), undefined),
  });
  for (const p of r.problems) f.add(p.code, p.severity, p.file === pack.name ? '.' : `../${p.file}`, p.detail, p.line);
  noteUnpinned(scope, `../${REVIEWS_DIR}`, f);
}

/** A pack directory's report with its review findings added (see addPackReviewFindings). */
export async function withPackReview<
  R extends VerifyReport & {
    readonly manifest: ManifestSummary;
    readonly reviewEvents: readonly ReviewEvent[];
    readonly reviewEventsDropped?: number;
  },
>(packDir: string, report: R, scope: Omit<ReviewScope, 'pruned'>): Promise<R> {
  const m = report.manifest;
  const date = m.exportDate;
  if (date === undefined) return report;
  const f = new Findings();
  const before = report.problems.length;
  f.addAll(report.problems);
  const pack = {
    name: basename(packDir),
    date,
    manifestSha256: m.manifestSha256,
    createdAt: m.createdAt,
    tagmanifestSha256: m.tagmanifestSha256,
    reviewEvents: report.reviewEvents,
    reviewEventsDropped: report.reviewEventsDropped,
  };
  await addPackReviewFindings(packDir, pack, scope, f);
  const problems = f.toArray();
  if (problems.length === before) return report;
  return { ...report, ok: !problems.some((p) => p.severity === 'error'), problems };
}
