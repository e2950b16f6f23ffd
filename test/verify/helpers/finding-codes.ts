/** Findings as short, sortable strings, for tests that compare two checkers' verdicts. */

/** A finding as `auditpack verify --json` and tools/auditpack_check.py --json both give it. */
export interface CodedFinding {
  code: string;
  severity: string;
  line?: number | null;
}

/** Errors and warnings as `CODE@line` (`-` without a line), sorted. */
export function findingCodes(problems: readonly CodedFinding[]): string[] {
  return problems
    .filter((p) => p.severity === 'error' || p.severity === 'warning')
    .map((p) => `${p.code}@${p.line ?? '-'}`)
    .sort();
}
