/**
 * The hard rules that block a submission or an approval, and the softer findings that only warn:
 * the pack must verify, must not be partial, and every compliance finding at or above the blocking
 * severity must have a disposition. Both are checked again at approval: a pack or record that
 * changed after submission is caught there.
 */
import { lstat } from 'node:fs/promises';
import { readRegular } from '../fsx/regular.js';
import { join } from 'node:path';
import { PACK_PATH } from '../format/pack.js';
import { verifyPack } from '../verify/index.js';
import type { ReviewRecord } from '../review/index.js';
import type { PackVersion } from './pack-version.js';

/** Compliance severities, lowest first. */
export type FindingSeverity = 'info' | 'warning' | 'critical';
const RANK: Readonly<Record<FindingSeverity, number>> = Object.freeze({ info: 0, warning: 1, critical: 2 });

/** A finding of the pack's compliance report, as review needs it. */
export interface PackFinding {
  readonly id: string;
  readonly rule: string;
  readonly severity: FindingSeverity;
}

/** The pack's compliance findings (none for a pack made before the compliance files existed). */
export interface PackFindings {
  readonly findings: readonly PackFinding[];
  /** Findings counted in the report's totals but not listed (over the policy's max_findings). */
  readonly omitted: number;
}

const REPORT = PACK_PATH.complianceReport;
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** Reads the findings of a pack's compliance report. Throws nothing: an unreadable report has no findings (and the pack does not verify). */
export async function readPackFindings(pack: PackVersion): Promise<PackFindings> {
  const path = join(pack.dir, REPORT);
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined || !st.isFile() || st.size > MAX_REPORT_BYTES) return { findings: [], omitted: 0 };
  let r: { findings?: unknown; findings_omitted?: unknown };
  try {
    r = JSON.parse((await readRegular(path)).toString('utf8')) as typeof r; // never waits on a FIFO
  } catch {
    return { findings: [], omitted: 0 };
  }
  const findings: PackFinding[] = [];
  for (const f of Array.isArray(r.findings) ? r.findings : []) {
    const o = f as Record<string, unknown>;
    if (typeof o.id === 'string' && typeof o.rule === 'string' && isSeverity(o.severity))
      findings.push({ id: o.id, rule: o.rule, severity: o.severity });
  }
  return { findings, omitted: typeof r.findings_omitted === 'number' ? r.findings_omitted : 0 };
}

/** True for a compliance severity name. */
export function isSeverity(v: unknown): v is FindingSeverity {
  return v === 'info' || v === 'warning' || v === 'critical';
}

/** What stands in the way, and what only warns. */
export interface RuleOutcome {
  readonly blockers: readonly string[];
  readonly warnings: readonly string[];
}

/** Checks the hard rules for `pack` with its record as it stands. */
export async function checkHardRules(
  pack: PackVersion,
  record: ReviewRecord,
  blockingSeverity: FindingSeverity,
): Promise<RuleOutcome> {
  const blockers: string[] = [];
  const warnings: string[] = [];
  if (pack.partial) blockers.push(`${pack.name} is a partial pack (its day had not ended): export the whole day`);
  const report = await verifyPack(pack.dir);
  const errors = report.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const codes = [...new Set(errors.map((p) => p.code))].join(', ');
    blockers.push(`${pack.name} does not verify (${codes}): run auditpack verify ${pack.name}`);
  }
  const { findings, omitted } = await readPackFindings(pack);
  if (omitted > 0)
    blockers.push(
      `${omitted} finding(s) were counted but not listed (the policy's max_findings): they cannot be given dispositions; raise max_findings and re-export`,
    );
  const missing = findings.filter((f) => !record.dispositions.has(f.id));
  const hard = missing.filter((f) => RANK[f.severity] >= RANK[blockingSeverity]);
  const soft = missing.filter((f) => RANK[f.severity] < RANK[blockingSeverity]);
  if (hard.length > 0)
    blockers.push(
      `${hard.length} ${blockingSeverity}-or-worse finding(s) without a disposition: ${listIds(hard)} (auditpack review ${pack.date} --disposition ID=false_positive|accepted:REASON|escalated, or --import compliance_findings.csv)`,
    );
  if (soft.length > 0)
    warnings.push(`${soft.length} finding(s) below ${blockingSeverity} without a disposition: ${listIds(soft)}`);
  return { blockers, warnings };
}

function listIds(fs: readonly PackFinding[]): string {
  const shown = fs.slice(0, 10).map((f) => f.id);
  return fs.length > 10 ? `${shown.join(', ')} and ${fs.length - 10} more` : shown.join(', ');
}
