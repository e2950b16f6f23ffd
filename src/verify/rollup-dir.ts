/**
 * verifyRollupDir: the roll-ups directory as a whole (docs/FORMAT.md "Verifying a roll-up", step 5,
 * and "Verifying the roll-ups directory"): every `YYYY-MM-DD` day verified as a roll-up alone is
 * (signatures, record, tree, merged files, the link to the day before beside it), then the days
 * side by side: each day once, in date order, each link to the day before it, and nothing else in
 * the directory but the lock. A roll-up `--force` replaced (`D.vN`) is verified alone, outside the
 * chain. Held in memory: the directory's names, one day's report at a time, a date and a chain hash
 * per day, and findings bounded per code.
 */
import { type Dirent, existsSync } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { wrapFsError } from '../errors.js';
import { compareBytes, PACK_TAR_LIKE, PRUNED_LEDGER } from '../format/pack.js';
import { ARTIFACTS_LOCK_FILE, PLACEHOLDER_FILES } from '../format/dir-names.js';
import { ROLLUP_LOCK, ROLLUP_RECORD, ROLLUP_TMP_PREFIX } from '../format/rollup.js';
import {
  type Problem,
  type ProblemCode,
  type RollupEvidence,
  type Severity,
  makeReport,
  Findings,
  type VerifyReport,
} from './report.js';
import { type VerifyRollupOptions, verifyRollup } from './rollup.js';
import { type RecordLink, recordLinkAt } from './rollup-record.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A roll-up `rollup --force` replaced, kept beside the day under `D.vN` (outside the chain). */
const REPLACED = /^\d{4}-\d{2}-\d{2}\.v\d+$/;

/** Findings kept for the whole directory before the rest of a code are only counted. */
export const MAX_DIR_FINDINGS_PER_CODE = 200;

/** Findings for a directory of many days: bounded per code over all days, not per (code, file). */
class DirFindings {
  private readonly kept = new Findings(Number.MAX_SAFE_INTEGER);
  private readonly perCode = new Map<ProblemCode, { n: number; severity: Severity }>();

  add(code: ProblemCode, severity: Severity, file: string, detail: string, line?: number): void {
    const c = this.perCode.get(code) ?? { n: 0, severity };
    c.n++;
    if (severity === 'error') c.severity = 'error';
    this.perCode.set(code, c);
    if (c.n <= MAX_DIR_FINDINGS_PER_CODE) this.kept.add(code, severity, file, detail, line);
  }

  /** A day's findings, their files made relative to the directory (`D/rollup.json`). */
  addDay(day: string, problems: readonly Problem[]): void {
    for (const p of problems) this.add(p.code, p.severity, p.file === '.' ? day : `${day}/${p.file}`, p.detail, p.line);
  }

  /** The findings, with one FINDINGS_TRUNCATED per code whose findings were cut (an error if any was). */
  done(): Findings {
    for (const [code, c] of this.perCode)
      if (c.n > MAX_DIR_FINDINGS_PER_CODE)
        this.kept.add(
          'FINDINGS_TRUNCATED',
          c.severity,
          '.',
          `${c.n - MAX_DIR_FINDINGS_PER_CODE} more ${code} findings in the roll-ups directory were not listed (${c.n} in all)`,
        );
    return this.kept;
  }
}

/** An entry of the roll-ups directory that is not a day: the lock and placeholders pass, the rest is named. */
function judgeOtherEntry(e: Dirent, dir: string, f: DirFindings): void {
  const name = e.name;
  if ((name === ROLLUP_LOCK && e.isFile()) || PLACEHOLDER_FILES.includes(name)) return;
  if (name.startsWith(ROLLUP_TMP_PREFIX)) {
    f.add('ENTRY_IGNORED', 'info', name, "a killed rollup run's leftover (the next rollup removes it); ignored");
    return;
  }
  if (PACK_TAR_LIKE.test(name) || name === PRUNED_LEDGER || name === ARTIFACTS_LOCK_FILE) {
    f.add(
      'ROLLUP_ENTRY_UNEXPECTED',
      'error',
      name,
      "an artifacts directory's entry (a .tar.gz pack, the pruned ledger or the export lock) in a roll-ups directory: not verified here; verify the packs as an artifacts directory",
    );
    return;
  }
  if (DAY.test(name)) {
    f.add(
      'ROLLUP_ENTRY_UNEXPECTED',
      'error',
      name,
      "named as a day, but not a directory: a roll-up's place taken by something else",
    );
    return;
  }
  const holds = e.isDirectory() && existsSync(join(dir, name, ROLLUP_RECORD));
  f.add(
    'ROLLUP_ENTRY_UNEXPECTED',
    'warning',
    name,
    holds
      ? 'holds a roll-up but is named neither YYYY-MM-DD nor YYYY-MM-DD.vN (one replaced by --force): outside the chain, not verified'
      : 'neither a roll-up day (YYYY-MM-DD directory), a replaced one (YYYY-MM-DD.vN) nor the lock: not verified',
  );
}

/** What the days side by side hold: each once, their records' dates in the order of their names. */
class DaysSideBySide {
  private readonly byChain = new Map<string, string>();
  private readonly byDate = new Map<string, string>();
  private last: { name: string; link: RecordLink } | undefined;
  newest: { name: string; link: RecordLink } | undefined;

  see(name: string, link: RecordLink, f: DirFindings): void {
    const file = `${name}/${ROLLUP_RECORD}`;
    const sameChain = this.byChain.get(link.chainHash);
    const sameDate = this.byDate.get(link.date);
    if (sameChain !== undefined || sameDate !== undefined)
      f.add(
        'ROLLUP_DAY_DUPLICATE',
        'error',
        file,
        `the roll-up of ${link.date} is also in ${sameChain ?? sameDate}${sameChain !== undefined ? ' (the same chain_hash)' : ''}: a day held twice`,
      );
    if (this.last !== undefined && link.date <= this.last.link.date)
      f.add(
        'ROLLUP_DAY_OUT_OF_ORDER',
        'error',
        file,
        `holds the roll-up of ${link.date}, not after the roll-up of ${this.last.link.date} in ${this.last.name} before it: days moved or swapped`,
      );
    this.byChain.set(link.chainHash, this.byChain.get(link.chainHash) ?? name);
    this.byDate.set(link.date, this.byDate.get(link.date) ?? name);
    this.last = { name, link };
    if (this.newest === undefined || link.date > this.newest.link.date) this.newest = { name, link };
  }
}

/** The newest roll-up, for an auditor to compare with a record kept elsewhere (nothing here pins it). */
function evidenceOf(days: DaysSideBySide): RollupEvidence | undefined {
  const n = days.newest;
  return n === undefined
    ? undefined
    : { rollup: n.name, date: n.link.date, chainHash: n.link.chainHash, createdAt: n.link.createdAt };
}

/**
 * Verifies the roll-ups directory `dir`. Expected failures are findings; throws PATH_NOT_FOUND /
 * READ_FAILED only when the directory itself cannot be read.
 */
export async function verifyRollupDir(dir: string, options: VerifyRollupOptions = {}): Promise<VerifyReport> {
  let real: string;
  let entries: Dirent[];
  try {
    real = await realpath(dir);
    entries = await readdir(real, { withFileTypes: true });
  } catch (err) {
    throw wrapFsError(err, 'read directory', dir);
  }
  entries.sort((a, b) => compareBytes(a.name, b.name));
  const f = new DirFindings();
  const days = new DaysSideBySide();
  const checked = { days: 0, replaced: 0, files: 0, hosts: 0, rows: 0, signed: 0 };
  for (const e of entries) {
    const day = DAY.test(e.name) && e.isDirectory();
    if (!day && !(REPLACED.test(e.name) && e.isDirectory())) {
      judgeOtherEntry(e, real, f);
      continue;
    }
    // Each day as `verify <roll-ups>/D` sees it: its link to the newest earlier day beside it checked.
    const r = await verifyRollup(join(real, e.name), options);
    f.addDay(e.name, r.problems);
    if (!day) {
      checked.replaced++;
      continue;
    }
    checked.days++;
    checked.files += r.checked.files ?? 0;
    checked.hosts += r.checked.hosts ?? 0;
    checked.rows += r.checked.rows ?? 0;
    checked.signed += r.checked.signed ?? 0;
    const link = recordLinkAt(join(real, e.name, ROLLUP_RECORD));
    if (typeof link !== 'string') days.see(e.name, link, f);
  }
  if (checked.days === 0)
    f.add('EMPTY_DIRECTORY', 'error', '.', 'the roll-ups directory holds no roll-up: there is nothing to verify');
  else if (options.publicKeys === undefined && options.allowedSigners === undefined)
    f.add(
      'PACK_UNSIGNED_UNPINNED',
      'warning',
      '.',
      'the roll-ups were verified without a trusted key (no --pubkey/--allowed-signers): whoever can write the directory can re-make every day, chain and all, and it stays consistent',
    );
  const evidence = evidenceOf(days);
  const report = makeReport('rollup-dir', dir, checked, f.done());
  return evidence === undefined ? report : { ...report, rollupEvidence: evidence };
}
