/**
 * `auditpack check`: the compliance checks over a day (default: yesterday, UTC) or a period of the
 * log, or one order's lifecycle (`--order ID`). Exit 0 when no finding reaches `--fail-on`
 * (default `critical`), 1 when one does: routing (pager, chat) is the caller's, from this exit
 * code and `--json`.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { AuditpackError, ExitCode } from '../../errors.js';
import type { CliIO } from '../io.js';
import { ExitWith, yesterdayUtc } from '../exit.js';
import { hiddenLogsDirAlias, logDirOf, parseIsoDate } from '../options.js';
import { helpText } from '../help.js';
import { mark, paintFor, printJson } from '../render.js';
import { printable } from '../printable.js';
import type { ComplianceReport } from '../../compliance/report.js';

interface CheckCliOptions {
  date?: string;
  from?: string;
  to?: string;
  policy?: string;
  json?: boolean;
  failOn: 'info' | 'warning' | 'critical' | 'never';
  order?: string;
  logDir?: string;
  logsDir?: string;
}

function parseFailOn(v: string): CheckCliOptions['failOn'] {
  if (v === 'info' || v === 'warning' || v === 'critical' || v === 'never') return v;
  throw new InvalidArgumentError('expected info, warning, critical or never.');
}

/** The period from the flags: --date, or --from/--to (either alone means that one day), or yesterday. */
export function periodOf(
  opts: Pick<CheckCliOptions, 'date' | 'from' | 'to'>,
  nowMs: number,
): { from: string; to: string } {
  if (opts.date !== undefined && (opts.from !== undefined || opts.to !== undefined))
    throw new AuditpackError('USAGE', '--date cannot be combined with --from/--to');
  if (opts.date !== undefined) return { from: opts.date, to: opts.date };
  if (opts.from !== undefined || opts.to !== undefined)
    return { from: (opts.from ?? opts.to) as string, to: (opts.to ?? opts.from) as string };
  const y = yesterdayUtc(nowMs);
  return { from: y, to: y };
}

export function defineCheck(program: Command, io: CliIO): void {
  program
    .command('check')
    .description(
      'run the compliance checks over a day or a period of the log (default yesterday, UTC), or show one order (--order)',
    )
    .option('--date <YYYY-MM-DD>', 'the UTC day to check (default: yesterday)', parseIsoDate)
    .option('--from <YYYY-MM-DD>', 'first day of a period', parseIsoDate)
    .option('--to <YYYY-MM-DD>', 'last day of a period (inclusive)', parseIsoDate)
    .option(
      '--policy <file>',
      'policy file (default: configs/compliance_policy.yaml as recorded by the config snapshots)',
    )
    .option('--order <id>', "one order's lifecycle and its findings")
    .option(
      '--fail-on <severity>',
      'exit 1 when a finding is at least this severe: info, warning, critical or never',
      parseFailOn,
      'critical',
    )
    .option('--log-dir <dir>', 'log directory (env AUDIT_LOG_DIR, default logs)')
    .addOption(hiddenLogsDirAlias())
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['check', "yesterday's compliance findings"],
          ['check --from 2025-09-01 --to 2025-09-07 --fail-on warning --json', 'a week, failing on warnings, as JSON'],
          ['check --order A-1', "one order's lifecycle"],
        ],
        exits: [
          [0, 'no finding reached --fail-on'],
          [1, 'a finding reached --fail-on (a day of the period without a log file is a warning)'],
          [3, 'malformed log lines were not checked'],
          [66, 'the logs directory does not exist'],
          [78, 'invalid policy file or signing key'],
        ],
      }),
    )
    .action(async (opts: CheckCliOptions) => runCheck(io, opts));
}

/** Runs the checks (a period, or one order), renders them, and ends with the exit code they earn. */
async function runCheck(io: CliIO, opts: CheckCliOptions): Promise<void> {
  const { resolveConfig } = await import('../../config.js');
  const { checkCompliance, checkOrder, reportReaches } = await import('../../compliance/index.js');
  const config = resolveConfig({ cwd: io.cwd, env: io.env, flags: { logDir: logDirOf(opts) } });
  const period = periodOf(opts, Date.now());
  // When the exports sign, the day before's pack state is taken only from a pack signed by their key.
  const signedBy =
    config.signingKey === undefined
      ? undefined
      : (await import('node:crypto')).createPublicKey(
          (await import('../../signing/index.js')).loadSigningKey(config.signingKey),
        );
  const base = {
    cwd: io.cwd,
    logDir: config.logDir,
    snapshotDir: config.snapshotDir,
    artifactsDir: config.exportBaseDir,
    ...period,
    ...(opts.policy !== undefined ? { policyFile: opts.policy } : {}),
    ...(signedBy !== undefined ? { signedBy } : {}),
  };
  const c = paintFor(io);
  let failed = false;
  let malformed = 0;
  if (opts.order !== undefined) {
    const o = await checkOrder({ ...base, orderId: opts.order });
    const t = { critical: 0, warning: 0, info: 0, total: o.findings.length };
    for (const f of o.findings) t[f.severity]++;
    failed = opts.failOn !== 'never' && reportReaches({ totals: t, missing_days: o.report.missing_days }, opts.failOn);
    if (opts.json === true)
      printJson(io, {
        order_id: o.order_id,
        events: o.events,
        findings: o.findings,
        totals: t,
        ...(o.findings_omitted === 0 ? {} : { findings_omitted: o.findings_omitted }),
        policy: o.report.policy,
        ...(o.report.missing_days === undefined ? {} : { missing_days: o.report.missing_days }),
      });
    else {
      io.stdout.write(`order ${printable(o.order_id)}: ${o.events.length} event(s), ${o.findings.length} finding(s)\n`);
      for (const e of o.events)
        io.stdout.write(
          `  ${printable(`${e.iso_ts}  seq ${e.seq}  ${e.category}/${e.event}${summaryOf(e.fields)}`)}\n`,
        );
      for (const f of o.findings)
        io.stdout.write(`  ${sevMark(c, f.severity)} ${printable(`${f.rule}: ${f.description}`)}\n`);
      if (o.findings_omitted > 0)
        io.stdout.write(
          `  … and ${o.findings_omitted} more finding(s) of this order, counted but not listed (max_findings)\n`,
        );
      writeMissingDays(io, c, o.report);
    }
  } else {
    const r = await checkCompliance(base);
    failed = opts.failOn !== 'never' && reportReaches(r, opts.failOn);
    malformed = r.summary.malformed_lines;
    if (opts.json === true) printJson(io, r);
    else {
      const head = `${r.period.from}${r.period.to !== r.period.from ? ` to ${r.period.to}` : ''}: ${r.summary.events} events, ${r.totals.total} finding(s) — ${r.totals.critical} critical, ${r.totals.warning} warning, ${r.totals.info} info; policy ${r.policy.path} sha256 ${r.policy.sha256.slice(0, 16)}…${r.policy.snapshot_id ? ` (snapshot ${r.policy.snapshot_id})` : ` (${r.policy.source})`}`;
      io.stdout.write(
        `${r.totals.total === 0 && malformed === 0 && r.missing_days === undefined ? mark(io, 'ok') : mark(io, r.totals.critical > 0 ? 'fail' : 'warn')} ${printable(head)}\n`,
      );
      for (const f of r.findings) {
        const ev = f.evidence[0];
        io.stdout.write(
          `  ${sevMark(c, f.severity)} ${printable(`${f.time}  ${f.rule}: ${f.description}${ev ? `  [${ev.file}:${ev.line} seq ${ev.seq}]` : ''}`)}\n`,
        );
      }
      writeMissingDays(io, c, r);
      if (r.carried_in !== undefined)
        io.stdout.write(`  ${printable(`start state: ${r.carried_in.source} — ${r.carried_in.note}`)}\n`);
      if (r.findings_omitted > 0)
        io.stdout.write(
          `  … and ${r.findings_omitted} more finding(s)${omittedBySeverity(r)}, counted but not listed (max_findings; the most severe are listed)\n`,
        );
    }
  }
  if (failed) throw new ExitWith(ExitCode.PROBLEMS);
  // Lines that are not valid events were not checked: a corrupted or tampered day must not look
  // clean ("0 findings", exit 0) to the compliance officer.
  if (malformed > 0) {
    io.stderr.write(
      `auditpack: warning: ${malformed} malformed log line(s) are not valid events and were not checked; run auditpack verify on the logs\n`,
    );
    throw new ExitWith(ExitCode.WARNINGS);
  }
}

/** The period's days without a log file, each a warning line: a gap is never silent. */
function writeMissingDays(io: CliIO, c: ReturnType<typeof paintFor>, r: ComplianceReport): void {
  for (const m of r.missing_days ?? [])
    io.stdout.write(`  ${sevMark(c, m.severity)} ${printable(`${m.date}  missing day: ${m.note}`)}\n`);
}

function sevMark(c: ReturnType<typeof paintFor>, s: 'critical' | 'warning' | 'info'): string {
  return s === 'critical' ? c.red('CRITICAL') : s === 'warning' ? c.yellow('WARNING ') : c.blue('INFO    ');
}

function summaryOf(f: Readonly<Record<string, unknown>>): string {
  const keys = ['symbol', 'side', 'quantity', 'price', 'result', 'score', 'decision', 'reason', 'user'];
  const parts = keys
    .filter((k) => f[k] !== undefined && f[k] !== null)
    .map((k) => `${k}=${typeof f[k] === 'string' ? f[k] : JSON.stringify(f[k])}`);
  return parts.length ? `  ${parts.join(' ')}` : '';
}

/** ` (c critical, w warning, i info)` when the report counts its omitted findings per severity. */
function omittedBySeverity(r: ComplianceReport): string {
  const by = r.findings_omitted_by_severity;
  const rules = Object.entries(r.findings_omitted_by_rule ?? {})
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const sev = by === undefined ? '' : `${by.critical} critical, ${by.warning} warning, ${by.info} info`;
  return sev === '' && rules === '' ? '' : ` (${[sev, rules].filter((x) => x !== '').join('; ')})`;
}
