/**
 * The compliance report (`auditpack.compliance-report/1`, docs/FORMAT.md "Compliance report"),
 * its CSV for reviewers, and the comparison `verify` makes between a recorded report and a re-run.
 */
import { type CsvRules, csvField, neutraliseFormula } from '../format/csv-cell.js';
import { showInvisible } from './visible.js';
import type { CarriedIn } from './carry-source.js';
import type { EngineResult } from './engine.js';
import type { UnstoredSnapshot } from './snapshot-check.js';
import type { UnparsedPolicy } from './policy-notes.js';
import { policyFromText, PolicyTimeline, type PolicyInForce } from './timeline.js';
import { SEVERITIES, type AuditSummary, type Finding, type Severity, type SeverityTotals } from './types.js';

/** `format` of compliance_report.json. */
export const COMPLIANCE_REPORT_FORMAT = 'auditpack.compliance-report/1';

/**
 * `rules` of compliance_report.json: the version of the checks that made the report. It goes up
 * whenever a rule, a finding's fields or the rendering of the CSV or the page changes, so that
 * verify, years later and with a newer auditpack, can tell a pack made under older rules (its
 * re-run differs because the rules did) from an edited one. A report without it is version 1.
 */
export const COMPLIANCE_RULES_VERSION = 30;

/**
 * The rules version from which compliance_findings.csv also neutralises a formula character after
 * a `;` (Excel in `;`-separator locales splits a `.csv` there): a report of older rules is
 * rendered as it was, so its pack's CSV still matches.
 */
export const FINDINGS_CSV_SEMICOLON_SINCE = 12;

/**
 * The rules version from which compliance_findings.csv also neutralises a formula character after
 * a CR or LF inside a cell (CSV rules 3: a `;`-splitting reader ends the record there).
 */
export const FINDINGS_CSV_BREAK_SINCE = 17;

/** The CSV cell rules compliance_findings.csv is rendered by for a report of rules `rules`. */
function findingsCsvRules(rules: number): CsvRules {
  if (rules >= FINDINGS_CSV_BREAK_SINCE) return 3;
  return rules >= FINDINGS_CSV_SEMICOLON_SINCE ? 2 : 1;
}

/** A policy as the report records it: enough to re-run the checks with it. */
export interface RecordedPolicy {
  readonly from: string | null;
  readonly source: PolicyInForce['source'];
  readonly snapshot_id: string | null;
  readonly path: string;
  readonly sha256: string;
  readonly text: string;
}

/** compliance_report.json. */
export interface ComplianceReport {
  readonly format: typeof COMPLIANCE_REPORT_FORMAT;
  /** The version of the checks (COMPLIANCE_RULES_VERSION); absent in reports made before it: 1. */
  readonly rules?: number;
  readonly period: { readonly from: string; readonly to: string };
  /** The policy in force at the end of the period. */
  readonly policy: {
    readonly path: string;
    readonly sha256: string;
    readonly snapshot_id: string | null;
    readonly source: PolicyInForce['source'];
  };
  /** Every policy in force during the period, oldest first. */
  readonly policies: readonly RecordedPolicy[];
  /** Snapshotted policies that were skipped (they do not parse, or their record is missing), as sentences. */
  readonly policy_notes: readonly string[];
  /**
   * The text of each snapshotted policy a note says does not parse (from at51 F1): verify holds the
   * note to it (the text must not parse, and must be the pack's own record's copy when the note names
   * the pack's snapshot). Absent when there is none.
   */
  readonly unparsed_policies?: readonly UnparsedPolicy[];
  /** Log files read. */
  readonly files: readonly string[];
  /**
   * Where the checks' start state came from (the day before's pack, a replay of its log, or
   * nothing, with why): absent in reports made before the state was carried (rules 1 to 3).
   */
  readonly carried_in?: CarriedIn;
  /**
   * ConfigSnapshot events whose snapshot the snapshot store did not hold with the logged
   * record_sha256 (they recorded no config change): absent when there is none, or no store was at hand.
   */
  readonly snapshots_not_stored?: readonly UnstoredSnapshot[];
  /**
   * Days of the period whose log file is missing (a period check only; a pack's report never has
   * one): each is a warning for `--fail-on`, apart from `totals`, which count the findings of the log.
   * Absent when there is none.
   */
  readonly missing_days?: readonly MissingDay[];
  readonly totals: SeverityTotals;
  readonly by_rule: Readonly<Record<string, number>>;
  /** Findings counted but not listed (over the policy's max_findings). */
  readonly findings_omitted: number;
  /**
   * `findings_omitted` per severity (rules 13): present only when some are omitted, so a report
   * under the cap is the same bytes as before it.
   */
  readonly findings_omitted_by_severity?: Readonly<Record<Severity, number>>;
  /**
   * `findings_omitted` per rule, only the rules with some, sorted by rule id: present only when
   * some are omitted (so a report under the cap is the same bytes as before it), and absent in
   * reports made before it. The CSV and the page say it too.
   */
  readonly findings_omitted_by_rule?: Readonly<Record<string, number>>;
  readonly summary: AuditSummary;
  readonly findings: readonly Finding[];
}

/** A day of a checked period without its log file. */
export interface MissingDay {
  /** The day, `YYYY-MM-DD`. */
  readonly date: string;
  /** The log file looked for (`audit-YYYYMMDD.jsonl`). */
  readonly file: string;
  /** Always `warning`: the checks of that day and of the state it hands on are not known. */
  readonly severity: 'warning';
  /** In words: what the checks did over the gap (the state carried unchanged, or nothing). */
  readonly note: string;
}

/** Assembles a report from an engine's result. */
export function buildReport(o: {
  from: string;
  to: string;
  timeline: PolicyTimeline;
  result: EngineResult;
  files: readonly string[];
  carriedIn?: CarriedIn | undefined;
  missingDays?: readonly MissingDay[] | undefined;
}): ComplianceReport {
  const last = o.timeline.entries.at(-1) as PolicyInForce;
  // Keys come from the log ("__proto__" is a legal category): no prototype to collide with.
  const byRule: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const k of Object.keys(o.result.by_rule).sort()) byRule[k] = o.result.by_rule[k] as number;
  const byCategory: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const k of Object.keys(o.result.summary.by_category).sort())
    byCategory[k] = o.result.summary.by_category[k] as number;
  return {
    format: COMPLIANCE_REPORT_FORMAT,
    rules: COMPLIANCE_RULES_VERSION,
    period: { from: o.from, to: o.to },
    policy: { path: last.path, sha256: last.sha256, snapshot_id: last.snapshot_id, source: last.source },
    policies: o.timeline.entries.map((e) => ({
      from: e.from,
      source: e.source,
      snapshot_id: e.snapshot_id,
      path: e.path,
      sha256: e.sha256,
      text: e.text,
    })),
    policy_notes: [...o.timeline.notes],
    ...(o.timeline.unparsed.length === 0 ? {} : { unparsed_policies: o.timeline.unparsed.map((u) => ({ ...u })) }),
    files: [...o.files],
    ...(o.carriedIn === undefined ? {} : { carried_in: o.carriedIn }),
    ...(o.result.unstored.length === 0 ? {} : { snapshots_not_stored: o.result.unstored }),
    ...(o.missingDays === undefined || o.missingDays.length === 0 ? {} : { missing_days: [...o.missingDays] }),
    totals: o.result.totals,
    by_rule: byRule,
    findings_omitted: o.result.omitted,
    ...(o.result.omitted === 0
      ? {}
      : {
          findings_omitted_by_severity: { ...o.result.omitted_by_severity },
          findings_omitted_by_rule: o.result.omitted_by_rule,
        }),
    summary: { ...o.result.summary, by_category: byCategory },
    findings: o.result.findings,
  };
}

/** The report as written to a pack: stable JSON, 2-space indented, final newline. */
export function reportJson(r: ComplianceReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** Where the findings are in the text of a report without them: a key at depth 1 (a raw newline is never inside a string). */
const NO_FINDINGS = '\n  "findings": []';

/**
 * The bytes of {@link reportJson} in pieces: the report without its findings around each finding's
 * JSON, indented as JSON.stringify indents it there. Export writes the report so: on a day of many
 * findings (10,000 listed are about 8 MB of text) the whole text is not held beside the report at
 * the export's peak. The tests hold the joined pieces equal to reportJson.
 */
export function* reportJsonPieces(r: ComplianceReport): Generator<string> {
  const shell = reportJson({ ...r, findings: [] });
  const at = shell.indexOf(NO_FINDINGS);
  if (r.findings.length === 0 || at < 0) {
    yield shell;
    return;
  }
  const open = at + NO_FINDINGS.length - 2; // the findings' '['
  yield shell.slice(0, open + 1);
  let sep = '\n    ';
  for (const f of r.findings) {
    yield `${sep}${JSON.stringify(f, null, 2).replaceAll('\n', '\n    ')}`;
    sep = ',\n    ';
  }
  yield `\n  ${shell.slice(open + 1)}`;
}

/** Rebuilds the policy timeline a report recorded (CONFIG_INVALID if a recorded policy does not parse). */
export function timelineOfReport(r: Pick<ComplianceReport, 'policies'>): PolicyTimeline {
  return new PolicyTimeline(
    r.policies.map((p) =>
      policyFromText(p.text, {
        from: p.from,
        source: p.source,
        snapshot_id: p.snapshot_id,
        path: p.path,
        sha256: p.sha256,
      }),
    ),
  );
}

/** Columns of compliance_findings.csv; the last three are left empty for the reviewer. */
export const FINDINGS_CSV_COLUMNS = Object.freeze([
  'finding_id',
  'rule',
  'severity',
  'time',
  'order_ids',
  'symbol',
  'description',
  'evidence',
  'disposition',
  'reviewer',
  'review_date',
] as const);

/** compliance_findings.csv: RFC 4180 (CRLF, quoted where needed), formula-looking text neutralised. */
export function findingsCsv(r: ComplianceReport): string {
  return [...findingsCsvRows(r)].join('');
}

/**
 * The rows of {@link findingsCsv}, each with its CRLF, one at a time: verify hashes them as they
 * come instead of holding the whole CSV (megabytes on a day of many findings).
 */
export function* findingsCsvRows(r: ComplianceReport): Generator<string> {
  const rules = findingsCsvRules(r.rules ?? 1);
  const cell = (raw: string): string => csvField(neutraliseFormula(showInvisible(raw), rules));
  yield `${FINDINGS_CSV_COLUMNS.join(',')}\r\n`;
  for (const f of r.findings) {
    const evidence = f.evidence.map((e) => `${e.file}:${e.line} seq ${e.seq} sha256 ${e.line_sha256}`).join('; ');
    yield `${[
      f.id,
      f.rule,
      f.severity,
      f.time,
      f.order_ids.join(' '),
      f.symbol ?? '',
      f.description,
      evidence,
      '',
      '',
      '',
    ]
      .map(cell)
      .join(',')}\r\n`;
  }
  yield* omittedRows(r, cell);
}

/**
 * After the findings, one row per rule with findings counted but not listed (over max_findings):
 * no finding id (it is no finding and takes no disposition), the rule, and how many. Only in a
 * report that records them per rule, so the CSV of an older report is rendered as it was.
 */
function* omittedRows(r: ComplianceReport, cell: (raw: string) => string): Generator<string> {
  const by = r.findings_omitted_by_rule;
  if (by === undefined || by === null || typeof by !== 'object') return;
  for (const [rule, n] of Object.entries(by)) {
    const text = `${n} more finding(s) of this rule counted but not listed (over the policy's max_findings); every one is counted in compliance_report.json's by_rule`;
    yield `${['', rule, '', '', '', '', text, '', '', '', ''].map(cell).join(',')}\r\n`;
  }
}

/** One difference between a recorded report and a re-run. */
export interface ReportDifference {
  readonly kind: 'finding_missing' | 'finding_added' | 'finding_changed' | 'totals' | 'summary';
  readonly detail: string;
}

/**
 * Where a recorded report differs from a re-run over the same log with the same policies: a
 * finding removed from (or added to, or edited in) the report, or totals and summary that do not
 * add up. Compared as JSON, so any edit of a finding shows.
 */
export function compareReports(recorded: ComplianceReport, rerun: ComplianceReport): ReportDifference[] {
  const out: ReportDifference[] = [];
  const rec = new Map<string, Finding>();
  for (const f of Array.isArray(recorded.findings) ? recorded.findings : [])
    if (typeof f?.id === 'string') rec.set(f.id, f);
  const re = new Map(rerun.findings.map((f) => [f.id, f]));
  for (const [id, f] of re) {
    const r = rec.get(id);
    if (r === undefined)
      out.push({ kind: 'finding_missing', detail: `${id} (${f.rule}, ${f.severity}): ${f.description}` });
    else if (JSON.stringify(r) !== JSON.stringify(f))
      out.push({
        kind: 'finding_changed',
        detail: `${id}: recorded ${JSON.stringify(r).slice(0, 300)}, re-run ${JSON.stringify(f).slice(0, 300)}`,
      });
  }
  for (const id of rec.keys())
    if (!re.has(id))
      out.push({ kind: 'finding_added', detail: `${id} is in the report but the checks do not find it` });
  for (const k of [
    'totals',
    'by_rule',
    'findings_omitted',
    'findings_omitted_by_severity',
    'findings_omitted_by_rule',
  ] as const) {
    if (JSON.stringify(recorded[k]) !== JSON.stringify(rerun[k]))
      out.push({
        kind: 'totals',
        detail: `${k}: recorded ${JSON.stringify(recorded[k])}, re-run ${JSON.stringify(rerun[k])}`,
      });
  }
  for (const k of [
    'summary',
    'period',
    'policy',
    'files',
    'carried_in',
    'snapshots_not_stored',
    'missing_days',
  ] as const) {
    if (JSON.stringify(recorded[k]) !== JSON.stringify(rerun[k]))
      out.push({
        kind: 'summary',
        detail: `${k}: recorded ${shown(recorded[k])}, re-run ${shown(rerun[k])}`,
      });
  }
  return out;
}

/** A value as JSON for a difference's detail, cut at 300 characters; a member a hostile report lacks is "absent". */
function shown(v: unknown): string {
  return (JSON.stringify(v) ?? 'absent').slice(0, 300);
}

/** True when something reaches `level` (e.g. `warning`: a warning or a critical finding). */
export function reaches(totals: SeverityTotals, level: Severity): boolean {
  const min = SEVERITIES.indexOf(level);
  return SEVERITIES.some((s, i) => i >= min && totals[s] > 0);
}

/**
 * True when a report's findings reach `level`, or a day of its period has no log file and `level`
 * is `warning` or `info` (a missing day is a warning: docs/compliance.md, "A day without its log file").
 */
export function reportReaches(r: Pick<ComplianceReport, 'totals' | 'missing_days'>, level: Severity): boolean {
  if ((r.missing_days?.length ?? 0) > 0 && SEVERITIES.indexOf(level) <= SEVERITIES.indexOf('warning')) return true;
  return reaches(r.totals, level);
}
