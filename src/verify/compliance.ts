/**
 * A pack's compliance files, checked by re-running the checks: the findings of
 * `data/compliance_report.json` must be exactly those the checks find over `data/audit.jsonl` with
 * the policies the report recorded, and `data/compliance_findings.csv` must be that report's CSV.
 * So a finding cannot be removed from (or slipped into) a pack, even an unsigned one whose
 * manifests were recomputed. Every byte is hostile: the report is read bounded and shape-checked,
 * and a defect is a finding, never a crash.
 */
import { createHash } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkLogFile,
  compareReports,
  COMPLIANCE_REPORT_FORMAT,
  findingsCsv,
  renderReportHtml,
  timelineOfReport,
  type ComplianceReport,
  type PackFacts as PageFacts,
} from '../compliance/index.js';
import { AuditpackError } from '../errors.js';
import { PACK_PATH } from '../format/pack.js';
import { DEFAULT_CENSOR } from '../redaction/index.js';
import type { Findings } from './report.js';

const REPORT = PACK_PATH.complianceReport;
const CSV = PACK_PATH.complianceFindings;
const HTML = PACK_PATH.reportHtml;
const LOG = PACK_PATH.log;
const MAX_POLICIES = 1000;
/** Far above a day's report (100,000 listed findings are about 60 MB). */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** What the re-run compared, for the report's `checked` counts. */
export interface ComplianceRecheck {
  readonly findings: number;
  readonly differences: number;
}

/** Re-runs the checks of a pack directory; undefined when the pack has no compliance files (made before they existed). */
/**
 * `page`: the pack facts report.html shows (from manifest.json and the signature), when they could
 * be read: the page must then be exactly what export renders from the report and those facts, so
 * an unsigned pack's page cannot be edited (a finding hidden, a script added) with the manifests
 * recomputed.
 */
export async function recheckPackCompliance(
  dir: string,
  f: Findings,
  exportDate: string | undefined,
  page?: PageFacts,
): Promise<ComplianceRecheck | undefined> {
  const present = await Promise.all([REPORT, CSV, HTML].map((p) => isFile(join(dir, p))));
  if (!present.some(Boolean)) return undefined;
  if (!present[0]) {
    f.add('COMPLIANCE_REPORT_INVALID', 'error', REPORT, 'the pack has compliance files but no compliance_report.json');
    return { findings: 0, differences: 1 };
  }
  const text = await readBounded(join(dir, REPORT), MAX_REPORT_BYTES);
  if (text === undefined) {
    f.add('COMPLIANCE_REPORT_INVALID', 'error', REPORT, `larger than ${MAX_REPORT_BYTES} bytes`);
    return { findings: 0, differences: 1 };
  }
  const recorded = parseRecorded(text);
  if (typeof recorded === 'string') {
    f.add('COMPLIANCE_REPORT_INVALID', 'error', REPORT, recorded);
    return { findings: 0, differences: 1 };
  }
  if (exportDate !== undefined && (recorded.period.from !== exportDate || recorded.period.to !== exportDate)) {
    f.add(
      'COMPLIANCE_REPORT_MISMATCH',
      'error',
      REPORT,
      `period ${recorded.period.from} to ${recorded.period.to}, but the pack is of ${exportDate}`,
    );
  }
  for (const p of recorded.policies) {
    // A policy read from a file is recorded with that file's hash: they must agree. (A snapshot's
    // stored copy may be redacted, so its hash is the snapshot's, checked against the snapshot.)
    // A file's text is recorded redacted (its hash is then the file's, over the secrets left out).
    const redactedFile = p.source === 'file' && p.text.includes(DEFAULT_CENSOR);
    if (
      p.source !== 'snapshot' &&
      !redactedFile &&
      createHash('sha256').update(p.text, 'utf8').digest('hex') !== p.sha256
    ) {
      f.add(
        'COMPLIANCE_REPORT_MISMATCH',
        'error',
        REPORT,
        `recorded policy ${p.path}: its text does not hash to its recorded sha256 ${p.sha256}`,
      );
    }
  }
  let timeline;
  try {
    timeline = timelineOfReport(recorded);
  } catch (err) {
    f.add(
      'COMPLIANCE_REPORT_INVALID',
      'error',
      REPORT,
      `a recorded policy does not parse: ${err instanceof Error ? err.message : String(err)}`,
    );
    return { findings: 0, differences: 1 };
  }
  let rerun: ComplianceReport;
  try {
    rerun = await checkLogFile({ path: join(dir, LOG), name: LOG, date: recorded.period.from, timeline });
  } catch (err) {
    if (err instanceof AuditpackError && err.code !== 'INTERNAL') {
      f.add('COMPLIANCE_REPORT_MISMATCH', 'error', LOG, `the checks could not re-run: ${err.message}`);
      return { findings: 0, differences: 1 };
    }
    throw err;
  }
  const diffs = compareReports(recorded, rerun);
  for (const d of diffs)
    f.add('COMPLIANCE_REPORT_MISMATCH', 'error', REPORT, `${d.kind.replace('_', ' ')}: ${d.detail}`);
  let csvDiffers = false;
  if (!present[1]) {
    f.add('COMPLIANCE_REPORT_MISMATCH', 'error', CSV, 'compliance_findings.csv is missing');
    csvDiffers = true;
  } else {
    const csv = await readBounded(join(dir, CSV), MAX_REPORT_BYTES);
    if (csv !== findingsCsv(recorded)) {
      f.add(
        'COMPLIANCE_REPORT_MISMATCH',
        'error',
        CSV,
        'compliance_findings.csv is not the CSV of compliance_report.json (a row removed, added or edited)',
      );
      csvDiffers = true;
    }
  }
  let htmlDiffers = false;
  if (!present[2]) {
    f.add('COMPLIANCE_REPORT_MISMATCH', 'error', HTML, 'report.html is missing');
    htmlDiffers = true;
  } else if (page !== undefined) {
    const html = await readBounded(join(dir, HTML), MAX_REPORT_BYTES);
    if (html !== renderReportHtml(recorded, page)) {
      f.add(
        'COMPLIANCE_REPORT_MISMATCH',
        'error',
        HTML,
        'report.html is not the page of compliance_report.json and manifest.json (edited: a finding, a fact or markup changed)',
      );
      htmlDiffers = true;
    }
  }
  return { findings: rerun.totals.total, differences: diffs.length + (csvDiffers ? 1 : 0) + (htmlDiffers ? 1 : 0) };
}

/** The recorded report, shape-checked enough to compare it; a string says what is wrong. */
function parseRecorded(text: string): ComplianceReport | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  if (r.format !== COMPLIANCE_REPORT_FORMAT)
    return `format is ${JSON.stringify(r.format)?.slice(0, 80)}, expected ${COMPLIANCE_REPORT_FORMAT}`;
  const period = r.period as Record<string, unknown> | null;
  if (typeof period !== 'object' || period === null || typeof period.from !== 'string' || typeof period.to !== 'string')
    return 'period is not {from, to}';
  if (!Array.isArray(r.findings)) return 'findings is not an array';
  if (!Array.isArray(r.policies) || r.policies.length === 0) return 'policies is not a non-empty array';
  // A day has a handful; each is parsed, so a hostile report must not hold a million.
  if (r.policies.length > MAX_POLICIES) return `more than ${MAX_POLICIES} recorded policies`;
  for (const p of r.policies as unknown[]) {
    const q = p as Record<string, unknown> | null;
    if (
      typeof q !== 'object' ||
      q === null ||
      typeof q.text !== 'string' ||
      typeof q.path !== 'string' ||
      typeof q.sha256 !== 'string'
    )
      return 'a recorded policy lacks text, path or sha256';
    if (!(q.from === null || (typeof q.from === 'string' && !Number.isNaN(Date.parse(q.from)))))
      return 'a recorded policy has a bad from';
    if (!['snapshot', 'file', 'built-in'].includes(q.source as string)) return 'a recorded policy has a bad source';
    if (!(q.snapshot_id === null || typeof q.snapshot_id === 'string'))
      return 'a recorded policy has a bad snapshot_id';
  }
  return v as ComplianceReport;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isFile();
  } catch {
    return false;
  }
}

/** The file's text, or undefined when it is larger than `max` (never follows a link). */
async function readBounded(p: string, max: number): Promise<string | undefined> {
  const fh = await open(p, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (st.size > max) return undefined;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    await fh.close();
  }
}
