/**
 * A forger of an unsigned pack's compliance report: edits the report's recorded policy timeline
 * (its `policies`, `policy_notes`, …), re-runs the checks over the pack's own log with the edited
 * policies from the pack's recorded start state, as verify re-runs them, and writes the report, the
 * CSV, the page and the end state that re-run gives, then every hash (forgePack). The chained log and
 * the config snapshot files stay genuine: whatever verify still finds, it finds from them.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkLogFile,
  type ComplianceReport,
  DEFAULT_POLICY_SOURCE,
  findingsCsv,
  type PackFacts,
  recoveryFileOf,
  renderReportHtml,
  reportJson,
  timelineOfReport,
} from '../../../src/compliance/index.js';
import { readRecheckState } from '../../../src/verify/compliance-state.js';
import { forgePack } from './forge.js';

/** The built-in policy as a report records it for the whole period: what a forger claims. */
export const BUILT_IN_POLICY: ComplianceReport['policies'][number] = {
  from: null,
  source: 'built-in',
  snapshot_id: null,
  path: 'built-in',
  sha256: createHash('sha256').update(DEFAULT_POLICY_SOURCE).digest('hex'),
  text: DEFAULT_POLICY_SOURCE,
};

/** The pack's report as recorded. */
export function reportOf(dir: string): ComplianceReport {
  return JSON.parse(readFileSync(join(dir, 'data', 'compliance_report.json'), 'utf8')) as ComplianceReport;
}

/** The facts report.html shows of an unsigned pack, from its manifest.json. */
export function unsignedPageFacts(dir: string): PackFacts {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return {
    export_date: m.export_date,
    chain_end_hash: m.chain.end_hash,
    first_seq: m.chain.first_seq,
    last_seq: m.chain.last_seq,
    signer: null,
    auditpack_version: m.auditpack_version,
  };
}

/**
 * Re-makes the pack at `dir` from `edit(report)`: the checks re-run under its policies, its other
 * recorded facts (notes, unparsed policies) kept as edited. Returns the forged report.
 */
export async function forgeReport(
  dir: string,
  edit: (r: ComplianceReport) => ComplianceReport,
): Promise<ComplianceReport> {
  const recorded = reportOf(dir);
  const forged = edit(recorded);
  const date = forged.period.from;
  const carry = await readRecheckState(dir, forged, []);
  let end = '';
  const rerun = await checkLogFile({
    path: join(dir, 'data', 'audit.jsonl'),
    name: 'data/audit.jsonl',
    date,
    timeline: timelineOfReport(forged),
    ...(carry.start ? { start: carry.start } : {}),
    onEnd: (e) => {
      end = [...e.carryOutChunks(date, (f) => (f === 'data/audit.jsonl' ? recoveryFileOf(date) : f))].join('');
    },
  });
  // What the checks do not derive is the forger's to write: the recorded facts of the edit.
  const out: ComplianceReport = { ...forged, ...rerun, policy_notes: forged.policy_notes };
  for (const k of Object.keys(forged) as (keyof ComplianceReport)[])
    if (!(k in rerun)) (out as unknown as Record<string, unknown>)[k] = forged[k];
  const facts = unsignedPageFacts(dir);
  forgePack(dir, {
    payload: (data) => {
      writeFileSync(join(data, 'compliance_report.json'), reportJson(out));
      writeFileSync(join(data, 'compliance_findings.csv'), findingsCsv(out));
      if (carry.start !== undefined) writeFileSync(join(data, 'compliance_state.json'), end);
      writeFileSync(join(data, 'report.html'), renderReportHtml(out, facts, carry.start?.state));
    },
  });
  return out;
}
