/**
 * The files a pack derives from its compliance report, held to it: `compliance_findings.csv` must be
 * the report's CSV and `report.html` its page (with manifest.json's facts and the start state the
 * pack holds), byte for byte. A difference is an edit under this build's rules, a warning under
 * another rules version (differenceReporter).
 */
import { join } from 'node:path';
import {
  COMPLIANCE_RULES_VERSION,
  type ComplianceReport,
  findingsCsvRows,
  type PackFacts as PageFacts,
  renderReportHtml,
} from '../compliance/index.js';
import type { StartingState } from '../compliance/carry.js';
import { PACK_PATH } from '../format/pack.js';
import { digestBoundedBytes, sameBytes } from './compliance-bytes.js';
import { digestOfPieces } from './compliance-findings.js';
import type { Findings } from './report.js';

const REPORT = PACK_PATH.complianceReport;
const CSV = PACK_PATH.complianceFindings;
const HTML = PACK_PATH.reportHtml;
/** Far above a day's report (100,000 listed findings are about 60 MB); the CSV and the page are read to it too. */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export type Differs = (file: string, detail: string) => void;

/**
 * How a difference between the recorded files and this build's re-run is reported. Under the same
 * rules it is an edit (an error). A report made under other rules (its `rules` version, 1 when
 * absent: packs kept for years are verified by newer builds) differs because the rules did, and
 * this build cannot re-run the old ones: each difference is then a warning that says so, and the
 * pack's integrity rests on its manifests, signature and chain as for any other file.
 */
export function differenceReporter(f: Findings, recorded: ComplianceReport): Differs {
  const made = recorded.rules ?? 1;
  if (made === COMPLIANCE_RULES_VERSION)
    return (file, detail) => f.add('COMPLIANCE_REPORT_MISMATCH', 'error', file, detail);
  return (file, detail) =>
    f.add(
      'COMPLIANCE_RULES_CHANGED',
      'warning',
      file,
      `made by the checks of version ${made}, re-run with version ${COMPLIANCE_RULES_VERSION}: ${detail}`,
    );
}

export async function judgeCsv(
  dir: string,
  f: Findings,
  recorded: ComplianceReport,
  present: boolean,
  differs: Differs,
): Promise<boolean> {
  if (!present) {
    f.add('COMPLIANCE_REPORT_MISMATCH', 'error', CSV, 'compliance_findings.csv is missing');
    return true;
  }
  const csv = await digestBoundedBytes(join(dir, CSV), MAX_REPORT_BYTES);
  // Row by row into the digest: the CSV of many findings is not held whole.
  const want = renderRecorded(f, CSV, () => digestOfPieces(findingsCsvRows(recorded)));
  if (want === undefined) return true;
  if (csv === want) return false;
  differs(CSV, 'compliance_findings.csv is not the CSV of compliance_report.json (a row removed, added or edited)');
  return true;
}

export async function judgeHtml(
  dir: string,
  f: Findings,
  recorded: ComplianceReport,
  present: boolean,
  page: PageFacts | undefined,
  differs: Differs,
  start: StartingState | undefined,
): Promise<boolean> {
  if (!present) {
    f.add('COMPLIANCE_REPORT_MISMATCH', 'error', HTML, 'report.html is missing');
    return true;
  }
  if (page === undefined) return false;
  const html = await digestBoundedBytes(join(dir, HTML), MAX_REPORT_BYTES);
  // The page shows the start state the pack holds (its hash is held to carried_in above).
  const want = renderRecorded(f, HTML, () => renderReportHtml(recorded, page, start));
  if (want === undefined) return true;
  if (sameBytes(html, want)) return false;
  differs(
    HTML,
    'report.html is not the page of compliance_report.json and manifest.json (edited: a finding, a fact or markup changed)',
  );
  return true;
}

/**
 * What export renders from the recorded report, or undefined (a finding) when it cannot be
 * rendered. The report is shape-checked only as far as the comparison needs; every other field is
 * attacker-controlled (an evidence entry without its line_sha256, a summary that is not an object),
 * and a renderer made for the reports export writes fails on it with a TypeError: such a report is
 * no report export wrote, which is a finding, never a crash of verify.
 */
function renderRecorded(f: Findings, file: string, render: () => string): string | undefined {
  try {
    return render();
  } catch (err) {
    if (!(err instanceof TypeError || err instanceof RangeError)) throw err;
    f.add(
      'COMPLIANCE_REPORT_INVALID',
      'error',
      REPORT,
      `${file} cannot be rendered from it (${err.message}): not a report export writes`,
    );
    return undefined;
  }
}
