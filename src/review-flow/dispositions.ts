/**
 * Dispositions of compliance findings: given one by one (`--disposition ID=KIND[:REASON]`) or
 * imported from the pack's own compliance_findings.csv with its review columns filled in. Each is a
 * record line and a chained event; only a DRAFT takes them. A CSV is hostile: a row that is not this
 * pack's finding, an unknown id, a bad value — every problem is listed, and nothing is written.
 */
import { lstat } from 'node:fs/promises';
import { isNotRegularFile, readRegular } from '../fsx/regular.js';
import { join } from 'node:path';
import { AuditpackError, quotePath } from '../errors.js';
import { PACK_PATH } from '../format/pack.js';
import { DISPOSITION_KINDS, type DispositionKind, type DispositionLine, FINDING_ID_PATTERN } from '../format/review.js';
import { dayNumberOfIsoDate } from '../rotation/index.js';
import { isActor } from '../review/index.js';
import { cleanReason, linkLines, nextHead, readsAsSecret, type ReviewOptions, withPack } from './context.js';
import { cellText, parseCsv } from './csv-read.js';
import { readPackFindings } from './rules.js';
import { appendLines } from './write.js';

/** One disposition to record. */
export interface DispositionInput {
  readonly findingId: string;
  readonly disposition: DispositionKind;
  /** Required for `accepted`. Redacted before it is recorded. */
  readonly reason?: string | null | undefined;
  /** Who reviewed the finding (default: the actor). */
  readonly reviewer?: string | undefined;
  /** When, YYYY-MM-DD (default: today, UTC). */
  readonly reviewDate?: string | undefined;
  readonly source?: 'command' | 'csv';
}

/** Parses `ID=KIND[:REASON]` (the command-line form, and a CSV disposition cell after `ID=`). */
export function parseDisposition(text: string): DispositionInput {
  const eq = text.indexOf('=');
  if (eq <= 0)
    throw new AuditpackError('USAGE', `--disposition wants ID=KIND[:REASON], got ${JSON.stringify(text.slice(0, 80))}`);
  return { findingId: text.slice(0, eq).trim(), ...parseKind(text.slice(eq + 1)), source: 'command' };
}

function parseKind(cell: string): { disposition: DispositionKind; reason: string | null } {
  const colon = cell.indexOf(':');
  const kind = (colon === -1 ? cell : cell.slice(0, colon)).trim();
  const reason = colon === -1 ? null : cell.slice(colon + 1).trim() || null;
  if (!DISPOSITION_KINDS.includes(kind as DispositionKind))
    throw new AuditpackError(
      'USAGE',
      `a disposition is ${DISPOSITION_KINDS.join(', ')} (accepted:REASON), got ${JSON.stringify(kind.slice(0, 40))}`,
    );
  return { disposition: kind as DispositionKind, reason };
}

/** What recordDispositions did. */
export interface DispositionResult {
  readonly date: string;
  readonly pack: string;
  readonly recorded: number;
}

/**
 * Records dispositions on the day's current pack (a DRAFT). Throws REVIEW_TRANSITION_INVALID in any
 * other state, REVIEW_DISPOSITION_INVALID for a finding the pack does not have or a bad value.
 */
export async function recordDispositions(
  o: ReviewOptions,
  date: string,
  inputs: readonly DispositionInput[],
): Promise<DispositionResult> {
  if (inputs.length === 0) throw new AuditpackError('USAGE', 'no disposition given');
  return withPack(o, date, async (l) => {
    if (l.record.state !== 'DRAFT')
      throw new AuditpackError(
        'REVIEW_TRANSITION_INVALID',
        `${l.pack.name} is ${l.record.state}: dispositions are recorded on a DRAFT only${l.record.state === 'REJECTED' ? ' (reopen it first: --reopen)' : ''}. Nothing was written`,
        { details: { date, state: l.record.state } },
      );
    const known = new Set((await readPackFindings(l.pack)).findings.map((f) => f.id));
    const today = l.at.slice(0, 10);
    const problems: string[] = [];
    const lines: DispositionLine[] = [];
    for (const d of inputs) {
      const why = inputProblem(d, known, date, today);
      if (why !== undefined) {
        problems.push(why);
        continue;
      }
      lines.push({
        ...nextHead(l, o.actor, lines.length),
        kind: 'disposition',
        finding_id: d.findingId,
        disposition: d.disposition,
        reason: cleanReason(d.reason),
        reviewer: d.reviewer ?? o.actor,
        review_date: d.reviewDate ?? today,
        source: d.source ?? 'command',
        prev: '',
      });
    }
    if (problems.length > 0) throw dispositionError(problems);
    await appendLines(o, l.record, linkLines(l.record.head, lines));
    return { date, pack: l.pack.name, recorded: lines.length };
  });
}

function inputProblem(
  d: DispositionInput,
  known: ReadonlySet<string>,
  packDate: string,
  today: string,
): string | undefined {
  const id = JSON.stringify(d.findingId.slice(0, 80));
  if (!FINDING_ID_PATTERN.test(d.findingId) || !known.has(d.findingId))
    return `${id} is not a finding of this pack's compliance report`;
  if (!DISPOSITION_KINDS.includes(d.disposition))
    return `${id}: ${JSON.stringify(String(d.disposition))} is not a disposition`;
  if (d.disposition === 'accepted' && cleanReason(d.reason) === null)
    return `${id}: accepted needs a reason (accepted:REASON)`;
  if (d.reviewer !== undefined && !isActor(d.reviewer))
    return `${id}: reviewer ${JSON.stringify(String(d.reviewer).slice(0, 64))} is not an identity`;
  if (d.reviewer !== undefined && readsAsSecret(d.reviewer))
    return `${id}: the reviewer (${d.reviewer.length} characters) reads as a secret to the redaction rules`;
  const rd = d.reviewDate;
  if (rd !== undefined && (dayNumberOfIsoDate(rd) === undefined || rd > today || rd < packDate))
    return `${id}: review date ${JSON.stringify(rd.slice(0, 20))} is not a day between the pack's (${packDate}) and today`;
  return undefined;
}

function dispositionError(problems: readonly string[]): AuditpackError {
  const shown = problems.slice(0, 10).join('; ');
  const more = problems.length > 10 ? `; and ${problems.length - 10} more` : '';
  return new AuditpackError(
    'REVIEW_DISPOSITION_INVALID',
    `${problems.length} problem(s), nothing written: ${shown}${more}`,
    {
      details: { problems },
    },
  );
}

const FINDING_COLUMNS = ['finding_id', 'rule', 'severity', 'time', 'order_ids', 'symbol', 'description', 'evidence'];
const MAX_CSV_BYTES = 64 * 1024 * 1024;

/**
 * Reads dispositions from a filled-in compliance_findings.csv. Every row must be, in its first
 * eight columns, exactly a row of this pack's own CSV (another pack's CSV, an edited finding, an
 * unknown id are problems); rows with an empty disposition cell are skipped. Throws
 * REVIEW_DISPOSITION_INVALID listing every problem.
 */
export async function dispositionsFromCsv(csvPath: string, packDir: string): Promise<DispositionInput[]> {
  const theirs = await readCsvRows(csvPath);
  const ours = await readCsvRows(join(packDir, PACK_PATH.complianceFindings));
  const header = theirs[0] ?? [];
  const col = (name: string): number => header.indexOf(name);
  const need = [...FINDING_COLUMNS, 'disposition', 'reviewer', 'review_date'];
  const missing = need.filter((n) => col(n) === -1);
  if (missing.length > 0)
    throw dispositionError([`the CSV has no column ${missing.join(', ')}: not a compliance_findings.csv`]);
  const byId = new Map<string, string[]>();
  for (const r of ours.slice(1)) byId.set(r[0] ?? '', r);
  const problems: string[] = [];
  const out: DispositionInput[] = [];
  const seen = new Set<string>();
  theirs.slice(1).forEach((r, i) => {
    const row = i + 2;
    if (r.length === 1 && r[0] === '') return;
    const id = r[col('finding_id')] ?? '';
    // A row without a finding id counts a rule's findings not listed (over max_findings): no finding.
    if (id === '' && cellText(r[col('disposition')]) === '') return;
    const mine = byId.get(id);
    const why =
      id === ''
        ? `row ${row}: a row without a finding id (a count of findings not listed) takes no disposition`
        : mine === undefined
          ? `row ${row}: ${JSON.stringify(id.slice(0, 80))} is not a finding of this pack`
          : FINDING_COLUMNS.some((c, k) => cellText(r[col(c)]) !== cellText(mine[k]))
            ? `row ${row}: finding ${id} differs from this pack's (another pack's CSV, or an edited row)`
            : seen.has(id)
              ? `row ${row}: finding ${id} appears twice`
              : undefined;
    if (why !== undefined) {
      problems.push(why);
      return;
    }
    seen.add(id);
    const cell = cellText(r[col('disposition')]);
    if (cell === '') return;
    try {
      const reviewer = cellText(r[col('reviewer')]);
      const date = cellText(r[col('review_date')]);
      out.push({
        findingId: id,
        ...parseKind(cell),
        ...(reviewer !== '' ? { reviewer } : {}),
        ...(date !== '' ? { reviewDate: date } : {}),
        source: 'csv',
      });
    } catch (err) {
      problems.push(`row ${row}: ${(err as Error).message}`);
    }
  });
  if (problems.length > 0) throw dispositionError(problems);
  if (out.length === 0) throw dispositionError(['no row has a disposition filled in']);
  return out;
}

async function readCsvRows(path: string): Promise<string[][]> {
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined) throw new AuditpackError('PATH_NOT_FOUND', `${path} does not exist`, { details: { path } });
  if (!st.isFile() || st.size > MAX_CSV_BYTES)
    throw dispositionError([`${path} is not a regular file of at most ${MAX_CSV_BYTES} bytes`]);
  const buf = await readRegular(path).catch((err: unknown) => {
    throw isNotRegularFile(err) ? dispositionError([`${path} is not a regular file`]) : err;
  });
  const text = buf.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(buf)) throw dispositionError([`${path} is not UTF-8`]);
  const parsed = parseCsv(text);
  if ('error' in parsed) throw dispositionError([`${quotePath(path)} is no dispositions CSV: ${parsed.error}`]);
  return parsed.rows;
}
