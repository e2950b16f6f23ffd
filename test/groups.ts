/**
 * Heavy test groups: test files that start a server or a browser, and the verification matrices
 * (the slowest files, whose work is auditpack's own logic, the same on every Node.js line). `npm
 * test` runs every group.
 * CI's extra Node.js lines (.ci/run) leave the groups named in AUDITPACK_TEST_SKIP (comma-separated)
 * to the main line: vitest.config.ts excludes their files and prints which, so a skip is never
 * silent. A name that is not a group here, or a listed file that does not exist, stops the run:
 * a typo or a renamed file must not quietly change what runs.
 *
 * A heavy test file joins a group by being listed here (path from the repository root).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface TestGroup {
  /** What makes it heavy. */
  readonly why: string;
  readonly files: readonly string[];
}

export const TEST_GROUPS: Readonly<Record<string, TestGroup>> = Object.freeze({
  ceph: {
    why: 'starts a real Ceph radosgw (S3 with Object Lock)',
    files: ['test/e2e/archive.test.ts', 'test/e2e/archive-reviews.test.ts', 'test/e2e/rollup-archive.test.ts'],
  },
  chromium: { why: 'renders pages in headless Chromium', files: ['test/e2e/report-html.test.ts'] },
  matrix: {
    why: "verification matrices over auditpack's own logic (hundreds of in-process verifications and Python checker runs; no server, no Node.js API a lighter test leaves out)",
    files: [
      'test/verify/pack.test.ts',
      'test/verify/tamper-matrix.test.ts',
      'test/verify/archive-evidence.test.ts',
      'test/verify/rollup.test.ts',
      'test/verify/archive-reexport.test.ts',
      'test/verify/archive-retention.test.ts',
      'test/verify/archive-live.test.ts',
      'test/verify/archive-prune-signatures.test.ts',
      'test/verify/python-checker-hostile.test.ts',
      'test/verify/archive-prune-kept.test.ts',
      'test/verify/archive-prune-retired.test.ts',
    ],
  },
  scenarios: {
    why: "end-to-end scenarios of auditpack's own rules through the built CLI and both checkers (config of record, policies, the snapshot store, pack versions, roll-up directories, a TSA's anchors): the same JavaScript on every line; the Node.js they use runs on every line in the unit tests and in the end-to-end files not listed here (the CLI's exit codes, output, signals, locks, tar, the addon, worker threads)",
    files: [
      'test/e2e/anchor-reserved.test.ts',
      'test/e2e/archive-unvouched.test.ts',
      'test/e2e/config-in-force-agree.test.ts',
      'test/e2e/config-in-force-binding.test.ts',
      'test/e2e/config-in-force-file.test.ts',
      'test/e2e/config-in-force-full.test.ts',
      'test/e2e/config-in-force-many.test.ts',
      'test/e2e/config-in-force-order.test.ts',
      'test/e2e/config-of-record-chain.test.ts',
      'test/e2e/config-of-record.test.ts',
      'test/e2e/config-record-one-read.test.ts',
      'test/e2e/config-snapshot-id-long.test.ts',
      'test/e2e/config-snapshot-large.test.ts',
      'test/e2e/config-snapshot-redacted-again.test.ts',
      'test/e2e/config-window-midnight.test.ts',
      'test/e2e/export-policy-chain.test.ts',
      'test/e2e/export-pruned-logs.test.ts',
      'test/e2e/export-unrecorded.test.ts',
      'test/e2e/export-unvouched.test.ts',
      'test/e2e/json-schemas.test.ts',
      'test/e2e/narrow-snapshot-gap.test.ts',
      'test/e2e/open-order-bytes.test.ts',
      'test/e2e/pack-versions.test.ts',
      'test/e2e/policy-clock-ahead.test.ts',
      'test/e2e/policy-clock-ahead-after-id-day.test.ts',
      'test/e2e/policy-late-after-own.test.ts',
      'test/e2e/policy-late-event.test.ts',
      'test/e2e/policy-lost-in-day.test.ts',
      'test/e2e/policy-lost-note-earlier-day.test.ts',
      'test/e2e/policy-lost-note-forged.test.ts',
      'test/e2e/policy-lost-same-time.test.ts',
      'test/e2e/policy-text-redacted-again.test.ts',
      'test/e2e/prune-retention-source.test.ts',
      'test/e2e/policy-recovered-snapshot.test.ts',
      'test/e2e/pruned-full-snapshot-no-paths.test.ts',
      'test/e2e/python-archive-link.test.ts',
      'test/e2e/review-reserved.test.ts',
      'test/e2e/rollup-dir.test.ts',
      'test/e2e/snapshot-garbage.test.ts',
      'test/e2e/snapshot-guessing.test.ts',
      'test/e2e/snapshot-orphan.test.ts',
      'test/e2e/snapshot-planted.test.ts',
      'test/e2e/snapshot-protocol-secrets.test.ts',
      'test/e2e/snapshot-secret-path.test.ts',
      'test/e2e/verify-archive-reads.test.ts',
      'test/e2e/anchor.test.ts',
    ],
  },
});

/** The environment variable naming the groups to skip. */
export const SKIP_VAR = 'AUDITPACK_TEST_SKIP';

/** The files to exclude for `value` (the variable's value), and one line saying so; throws on an unknown group or a missing file. */
export function skippedFiles(
  value: string | undefined,
  root: string,
  groups: Readonly<Record<string, TestGroup>> = TEST_GROUPS,
): { files: string[]; note: string | undefined } {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) return { files: [], note: undefined };
  const files: string[] = [];
  for (const name of names) {
    const group = Object.hasOwn(groups, name) ? groups[name] : undefined;
    if (!group)
      throw new Error(
        `${SKIP_VAR}: no test group "${name}" (groups: ${Object.keys(groups).join(', ')}; test/groups.ts)`,
      );
    for (const f of group.files) {
      if (!existsSync(join(root, f)))
        throw new Error(`test/groups.ts: group "${name}" lists ${f}, which does not exist`);
      files.push(f);
    }
  }
  const list = files.length > 0 ? files.join(', ') : 'no files yet';
  return {
    files,
    note: `${SKIP_VAR}=${names.join(',')}: not running the ${names.join(' and ')} test group${names.length > 1 ? 's' : ''} (${list}); the main CI line runs them`,
  };
}
