/**
 * Checking the review records of an artifacts directory (docs/FORMAT.md, "Verifying review
 * records"): each pack version's state, its record's links and transitions, the approver's
 * countersignature, and the record against the review events chained in the logs. Verify calls
 * this; it reads nothing but the `reviews/` directory and the packs' tag manifests.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { readRegular } from '../fsx/regular.js';
import { join } from 'node:path';
import { isHashHex } from '../chain/index.js';
import { PACK_PATH, TAGMANIFEST } from '../format/pack.js';
import { REVIEW_FILE_PATTERN, REVIEWS_DIR, type ReviewState, reviewedPagePath } from '../format/review.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { checkApproval, type ReviewSigner } from './approval.js';
import { compareWithEvents, type EvidenceScope, type ReviewEvent } from './events.js';
import type { ReviewProblem } from './problems.js';
import { renderReviewedPage } from './page.js';
import { emptyRecord, type ReviewRecord, readReviewRecord } from './record.js';
import { checkSubmissions, keysUnderTwoNames } from './submission.js';

/** A pack version to report on. */
export interface ReviewedPack {
  /** Directory name (`YYYY-MM-DD` or `YYYY-MM-DD.vN`). */
  readonly name: string;
  readonly date: string;
  /** SHA-256 of its manifest.json; undefined when unreadable (the pack check says why). */
  readonly manifestSha256: string | undefined;
  /** SHA-256 of its tagmanifest-sha256.txt, when known (a `.tar.gz` pack, an archived one); else read from the directory. */
  readonly tagmanifestSha256?: string | undefined;
}

/** What checkReviews found. */
export interface ReviewCheck {
  /** Each pack version's review state, by pack name. */
  readonly states: ReadonlyMap<string, ReviewState>;
  readonly problems: readonly ReviewProblem[];
}

/** Options of checkReviews. */
export interface CheckReviewsOptions extends EvidenceScope {
  /** Trusted approvers' keys (namespace `auditpack-review`); undefined: checked against the key inside. */
  readonly signers?: readonly ReviewSigner[] | undefined;
  /** The chained review events: from every pack's log, and the live log when read. Undefined: not compared. */
  readonly events: readonly ReviewEvent[] | undefined;
  /** Manifest hashes of pruned packs (`pruned.jsonl`): their records stay, without their pack. */
  readonly pruned?: ReadonlySet<string>;
  /** Only the packs given (verifying one pack): other records and their events are not looked at. */
  readonly onlyListed?: boolean;
}

/**
 * Checks every review record under `<artifactsDir>/reviews/` and reports each pack's state.
 * Never throws on what it reads: an unreadable record is a finding.
 */
export async function checkReviews(
  artifactsDir: string,
  packs: readonly ReviewedPack[],
  options: CheckReviewsOptions,
): Promise<ReviewCheck> {
  const problems: ReviewProblem[] = [];
  for (const k of keysUnderTwoNames(options.signers ?? []))
    problems.push({
      code: 'REVIEW_SIGNERS_AMBIGUOUS',
      severity: 'error',
      file: REVIEWS_DIR,
      detail: `the review signers list one key under two names, ${k}: one person could submit and approve as two`,
    });
  const states = new Map<string, ReviewState>();
  const onDisk = options.onlyListed === true ? [] : await listRecords(artifactsDir, problems);
  const seen = new Set<string>();
  for (const p of packs) {
    if (p.manifestSha256 === undefined) continue;
    const key = `${p.date}/${p.manifestSha256}`;
    seen.add(key);
    const r = await checkOne(
      artifactsDir,
      { ...p, manifestSha256: p.manifestSha256 },
      join(artifactsDir, p.name),
      options,
      problems,
    );
    states.set(p.name, r.state);
    problems.push(stateProblem(p.name, r));
  }
  const keys = new Set(options.onlyListed === true ? [] : [...onDisk, ...eventKeys(options.events)]);
  for (const key of [...keys].sort()) {
    if (seen.has(key)) continue;
    const [date, sha] = key.split('/') as [string, string];
    const r = await checkOne(artifactsDir, { name: key, date, manifestSha256: sha }, undefined, options, problems);
    if (options.pruned?.has(sha) !== true)
      problems.push({
        code: 'REVIEW_PACK_MISSING',
        severity: 'warning',
        file: r.file,
        detail: `a review record (${r.state}) of a ${date} pack version that is neither here nor in pruned.jsonl`,
      });
  }
  return { states, problems };
}

async function checkOne(
  artifactsDir: string,
  p: ReviewedPack & { readonly manifestSha256: string },
  packDir: string | undefined,
  o: CheckReviewsOptions,
  problems: ReviewProblem[],
): Promise<ReviewRecord> {
  const { date, manifestSha256: sha } = p;
  let r: ReviewRecord;
  try {
    r = (await readReviewRecord(artifactsDir, date, sha)) ?? emptyRecord(date, sha);
  } catch (err) {
    r = emptyRecord(date, sha);
    problems.push({ code: 'REVIEW_RECORD_INVALID', severity: 'error', file: r.file, detail: String(err) });
  }
  // One by one: a spread passes one argument each, and past ~120,000 the stack overflows (a record
  // of many bad lines, a log of many events the record lacks).
  for (const x of r.problems) problems.push(x);
  const tag = p.tagmanifestSha256 ?? (packDir === undefined ? undefined : await tagmanifestSha(packDir));
  problems.push(...(await checkSubmissions(artifactsDir, r, tag, o.signers)));
  problems.push(...(await checkApproval(artifactsDir, r, tag, o.signers)));
  if (packDir !== undefined && r.lines.length > 0) problems.push(...(await checkPage(artifactsDir, packDir, r)));
  if (o.events !== undefined) for (const x of compareWithEvents(r, o.events, o)) problems.push(x);
  else if (r.lines.length > 0)
    problems.push({
      code: 'REVIEW_EVENTS_NOT_CHECKED',
      severity: 'info',
      file: r.file,
      detail:
        'the record was not held against the chained review events (verify the artifacts directory, with its logs)',
    });
  return r;
}

function stateProblem(packName: string, r: ReviewRecord): ReviewProblem {
  const a = r.approval;
  const how =
    a !== undefined
      ? `APPROVED by ${a.actor} at ${a.at} (submitted by ${r.submitter ?? '?'})`
      : r.state === 'DRAFT' && r.lines.length === 0
        ? 'DRAFT (no review recorded)'
        : `${r.state} since ${r.lines[r.lines.length - 1]?.at ?? '?'}`;
  return {
    code: 'REVIEW_STATE',
    severity: 'info',
    file: packName,
    detail: `${how}; ${r.dispositions.size} disposition(s)`,
  };
}

/** `date/sha` of every record file under reviews/. Other entries there are findings. */
async function listRecords(artifactsDir: string, problems: ReviewProblem[]): Promise<string[]> {
  const root = join(artifactsDir, REVIEWS_DIR);
  const days = await readdirSafe(root);
  const out: string[] = [];
  for (const d of days) {
    const dayDir = `${REVIEWS_DIR}/${d.name}`;
    if (!d.isDirectory() || dayNumberOfIsoDate(d.name) === undefined) {
      problems.push(stray(dayDir, 'not a YYYY-MM-DD directory of review records'));
      continue;
    }
    for (const e of await readdirSafe(join(root, d.name))) {
      const m = REVIEW_FILE_PATTERN.exec(e.name);
      if (m === null || !e.isFile() || !isHashHex(m[1])) {
        problems.push(stray(`${dayDir}/${e.name}`, 'not a review record, signed message or signature file'));
        continue;
      }
      if (m[2] === '.jsonl') out.push(`${d.name}/${m[1]}`);
    }
  }
  return out;
}

function stray(file: string, detail: string): ReviewProblem {
  return { code: 'REVIEW_RECORD_INVALID', severity: 'warning', file, detail };
}

async function readdirSafe(dir: string): Promise<Dirent[]> {
  const st = await lstat(dir).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function eventKeys(events: readonly ReviewEvent[] | undefined): string[] {
  return (events ?? [])
    .filter((e) => dayNumberOfIsoDate(e.date) !== undefined && isHashHex(e.manifestSha256))
    .map((e) => `${e.date}/${e.manifestSha256}`);
}

const MAX_PAGE_BYTES = 64 * 1024 * 1024;

/** The reviewed page must be what the pack's page and the record render to. */
async function checkPage(artifactsDir: string, packDir: string, r: ReviewRecord): Promise<ReviewProblem[]> {
  const file = reviewedPagePath(r.packDate, r.manifestSha256);
  const packHtml = await readText(join(packDir, PACK_PATH.reportHtml));
  if (packHtml === undefined) return [];
  const page = await readText(join(artifactsDir, file));
  if (page === undefined)
    return [
      {
        code: 'REVIEW_PAGE_MISMATCH',
        severity: 'warning',
        file,
        detail: 'missing (a crash after the record was written?): the next review action renders it',
      },
    ];
  if (page === renderReviewedPage(packHtml, r)) return [];
  return [
    {
      code: 'REVIEW_PAGE_MISMATCH',
      severity: 'error',
      file,
      detail: "not the pack's report.html with the record's review section: edited (the record is what counts)",
    },
  ];
}

async function readText(path: string): Promise<string | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined || !st.isFile() || st.size > MAX_PAGE_BYTES) return undefined;
  return readRegular(path) // a FIFO swapped in after lstat is refused, never waited on
    .then((b) => b.toString('utf8'))
    .catch(() => undefined);
}

/** SHA-256 of a pack's tag manifest (bounded), or undefined when unreadable. */
export async function tagmanifestSha(packDir: string): Promise<string | undefined> {
  const p = join(packDir, TAGMANIFEST);
  const st = await lstat(p).catch(() => undefined);
  if (st === undefined || !st.isFile() || st.size > 64 * 1024) return undefined;
  const b = await readRegular(p).catch(() => undefined);
  return b === undefined ? undefined : createHash('sha256').update(b).digest('hex');
}
