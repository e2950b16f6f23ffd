/**
 * `auditpack review <date> --submit | --approve | --reject | --reopen | --disposition ID=… | --import CSV`
 * and `auditpack review status [<date>]`: the review workflow of a day's pack (src/review-flow).
 * Exit 2 for a transition the state machine does not have, 1 when a hard rule blocks, 77 when four
 * eyes or the approvers list refuse the actor; nothing is written then.
 */
import type { Command } from 'commander';
import { AuditpackError, quotePath } from '../../errors.js';
import type { DayStatus, TransitionResult } from '../../review-flow/index.js';
import type { CliIO } from '../io.js';
import { collect, parseIsoDate } from '../options.js';
import { helpText } from '../help.js';
import { mark, paintFor, printJson } from '../render.js';

interface ReviewCliOptions {
  submit?: boolean;
  approve?: boolean;
  reject?: boolean;
  reopen?: boolean;
  reason?: string;
  key?: string;
  disposition?: string[];
  import?: string;
  actor?: string;
  artifactsDir?: string;
  logDir?: string;
  json?: boolean;
}

export function defineReview(program: Command, io: CliIO): void {
  const review = program
    .command('review')
    .description(
      "review a day's pack: dispositions of its findings, submit, approve (four eyes, countersigned), reject",
    )
    .argument('[date]', 'the pack day, YYYY-MM-DD', parseIsoDate)
    .option('--submit', 'DRAFT → PENDING_REVIEW, signed with --key (the pack must verify; findings need dispositions)')
    .option('--approve', 'PENDING_REVIEW → APPROVED, countersigned with --key (not by the submitter)')
    .option('--reject', 'PENDING_REVIEW → REJECTED (needs --reason)')
    .option('--reopen', 'REJECTED → DRAFT, to revise and submit again')
    .option('--reason <text>', 'why (recorded, redacted)')
    .option('--key <file>', "the submitter's or approver's own Ed25519 private key (env AUDITPACK_REVIEW_KEY)")
    .option('--disposition <ID=KIND[:REASON]>', 'false_positive | accepted:REASON | escalated; repeatable', collect)
    .option('--import <csv>', "the pack's compliance_findings.csv with its disposition columns filled in")
    .option('--actor <id>', 'who acts (env AUDITPACK_ACTOR, default <user>@<host>)')
    .option('--artifacts-dir <dir>', 'where packs are (env EXPORT_BASE_DIR, default artifacts)')
    .option('--log-dir <dir>', 'where the review events are chained (env AUDIT_LOG_DIR, default logs)')
    .option('--json', 'print the result as JSON (snake_case keys)')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['review 2025-09-08 --import compliance_findings.csv', "the pack's findings CSV with dispositions filled in"],
          ['review 2025-09-08 --submit --actor alice@desk --key alice_ed25519', 'DRAFT → PENDING_REVIEW, signed'],
          [
            'review 2025-09-08 --approve --actor bob@desk --key bob_ed25519',
            "countersigned approval (not by the submitter's key)",
          ],
        ],
        exits: [
          [0, 'recorded (a transition from a state that does not have it: exit 2, REVIEW_TRANSITION_INVALID)'],
          [1, 'a hard rule blocks it: the pack does not verify, or findings lack a disposition (REVIEW_BLOCKED)'],
          [65, 'dispositions that do not fit the pack, or an edited record'],
          [66, 'no pack for that day'],
          [77, 'four eyes (names and keys), approvers or review signers refuse the actor (REVIEW_NOT_PERMITTED)'],
        ],
      }),
    )
    .action(async (date: string | undefined, opts: ReviewCliOptions) => {
      if (date === undefined) throw new AuditpackError('USAGE', 'review needs a date (or: review status)');
      await runReview(io, date, opts);
    });
  review
    .command('status')
    .description('each pack version of a day (or of every day): review state, dispositions, lineage')
    .argument('[date]', 'the pack day, YYYY-MM-DD', parseIsoDate)
    .option('--artifacts-dir <dir>', 'where packs are (env EXPORT_BASE_DIR, default artifacts)')
    .option('--json', 'print JSON (snake_case keys)')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['review status 2025-09-08', "the day's pack versions: state, submitter, approver, lineage"],
          ['review status --json', 'every day, for a program'],
        ],
        exits: [[0, 'printed']],
      }),
    )
    .action(async (date: string | undefined, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ReviewCliOptions>();
      const { resolveConfig } = await import('../../config.js');
      const { reviewStatus } = await import('../../review-flow/index.js');
      const config = resolveConfig({ cwd: io.cwd, env: io.env, flags: { exportBaseDir: opts.artifactsDir } });
      const days = await reviewStatus(config.exportBaseDir, date);
      if (opts.json === true) printJson(io, snakeKeys({ ok: true, days }));
      else renderStatus(io, days);
    });
}

async function runReview(io: CliIO, date: string, opts: ReviewCliOptions): Promise<void> {
  const actions = (['submit', 'approve', 'reject', 'reopen'] as const).filter((a) => opts[a] === true);
  const writesDispositions = (opts.disposition?.length ?? 0) > 0 || opts.import !== undefined;
  if (actions.length + (writesDispositions ? 1 : 0) !== 1)
    throw new AuditpackError(
      'USAGE',
      'give exactly one of --submit, --approve, --reject, --reopen, or dispositions (--disposition / --import)',
    );
  const { resolveConfig } = await import('../../config.js');
  const flow = await import('../../review-flow/index.js');
  const config = resolveConfig({
    cwd: io.cwd,
    env: io.env,
    flags: { exportBaseDir: opts.artifactsDir, logDir: opts.logDir, actor: opts.actor, reviewKey: opts.key },
  });
  const r = config.review;
  const signers = r.signers === undefined ? undefined : await loadSigners(r.signers);
  const o = {
    artifactsDir: config.exportBaseDir,
    logDir: config.logDir,
    actor: r.actor,
    blockingSeverity: r.blockingSeverity,
    approvers: r.approvers,
    signers,
  };
  if (writesDispositions) {
    const { resolve, join } = await import('node:path');
    const given = (opts.disposition ?? []).map((d) => flow.parseDisposition(d));
    const imported =
      opts.import === undefined
        ? []
        : await flow.dispositionsFromCsv(resolve(io.cwd, opts.import), join(config.exportBaseDir, date));
    const d = await flow.recordDispositions(o, date, [...given, ...imported]);
    if (opts.json === true) printJson(io, snakeKeys({ ok: true, ...d }));
    else io.stdout.write(`${mark(io, 'ok')} recorded ${d.recorded} disposition(s) on ${d.pack} (as ${r.actor})\n`);
    return;
  }
  const action = actions[0] as (typeof actions)[number];
  const signs = action === 'approve' || action === 'submit';
  const key = signs && r.key !== undefined ? await loadKey(r.key) : undefined;
  const t = await flow.reviewTransition(o, { date, action, reason: opts.reason, key });
  if (opts.json === true) printJson(io, snakeKeys({ ok: true, ...t }));
  else renderTransition(io, t);
}

async function loadSigners(path: string) {
  const { readRegularFile } = await import('../../fsx/read-bounded.js');
  const { MAX_KEY_FILE_BYTES, parseAllowedSigners } = await import('../../signing/index.js');
  let text: string;
  try {
    text = readRegularFile(path, MAX_KEY_FILE_BYTES).toString('utf8');
  } catch (err) {
    throw new AuditpackError(
      'KEY_INVALID',
      `the review signers file ${quotePath(path)} cannot be read: ${(err as Error).message}`,
    );
  }
  return parseAllowedSigners(text);
}

async function loadKey(path: string) {
  const { loadSigningKey } = await import('../../signing/index.js');
  return loadSigningKey(path);
}

function renderTransition(io: CliIO, t: TransitionResult): void {
  const c = paintFor(io);
  io.stdout.write(`${mark(io, 'ok')} ${t.pack}: ${t.from} → ${c.bold(t.to)} (by ${t.actor})\n`);
  if (t.submission !== undefined)
    io.stdout.write(`  signed by ${t.submission.keyFingerprint}: ${t.submission.signature}\n`);
  if (t.approval !== undefined)
    io.stdout.write(`  countersigned by ${t.approval.keyFingerprint}: ${t.approval.signature}\n`);
  for (const w of t.warnings) io.stderr.write(`${mark(io, 'warn', 'stderr')} ${w}\n`);
}

function renderStatus(io: CliIO, days: readonly DayStatus[]): void {
  const c = paintFor(io);
  if (days.length === 0) io.stdout.write('no packs\n');
  for (const d of days) {
    if (d.versions.length === 0) io.stdout.write(`${d.date}: no pack\n`);
    for (const v of d.versions) {
      const who =
        v.approver !== null
          ? ` by ${v.approver} at ${v.approvedAt} (submitted by ${v.submitter})`
          : v.submitter !== null
            ? ` (submitted by ${v.submitter})`
            : '';
      const parent =
        v.parent === null ? '' : `; replaces ${v.parent.movedTo} (${v.parent.manifestSha256.slice(0, 12)}…)`;
      const label = v.current ? v.pack : c.dim(`${v.pack} (superseded)`);
      io.stdout.write(
        `${label}: ${c.bold(v.state)}${who}; ${v.dispositions.length} disposition(s)${parent}; manifest ${v.manifestSha256.slice(0, 12)}…\n`,
      );
      for (const p of v.problems) io.stdout.write(`  ${mark(io, 'fail')} record: ${p}\n`);
    }
  }
}

/** JSON for machines: keys in snake_case (record lines already are). */
function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = snakeKeys(x);
  return out;
}
