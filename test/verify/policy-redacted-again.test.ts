/**
 * A snapshot's policy stored under the built-in rules, exported with one more redaction pattern of
 * the user's that the policy's text holds (at52 F-C): the export redacts the stored copy again, so
 * the recorded text is not the copy the record hashes. That pack is honest and must verify; the
 * pack cannot tell such a text from a forger's (it does not hold the copy), so it is unbound, said
 * as COMPLIANCE_POLICY_UNBOUND by a standalone verify, in both the policy and the unparsed-note
 * cases. Before, both failed with COMPLIANCE_REPORT_MISMATCH (the unparsed one from c8d355e), while
 * the Python checker passed them.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPack, verifyPath } from '../../src/verify/index.js';
import { exportTestDay, micros, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { reportOf } from './helpers/forge-report.js';
import { pythonPackCheck } from './helpers/python-check.js';

const UNPARSED = `${TEST_POLICY}max_risk_score: [\n# desk ZQXDESK\n`;
const PARSED = `${TEST_POLICY}# desk ZQXDESK\n`;

for (const [kind, policy] of [
  ['does not parse', UNPARSED],
  ['parses', PARSED],
] as const)
  it(`an honest own policy that ${kind}, redacted again by the export's added pattern, verifies (unbound)`, async () => {
    const cwd = tempDir();
    const snapshotDir = join(cwd, 'audit', 'snapshots');
    for (const [d, t, text] of [
      ['2025-09-07', '18:00:00', TEST_POLICY],
      ['2025-09-08', '08:00:00', policy],
    ] as const) {
      writePolicy(cwd, text);
      await createConfigSnapshot({
        cwd,
        snapshotDir,
        logDir: join(cwd, 'logs'),
        reason: 'policy',
        clock: () => micros(d, t),
      });
    }
    await writeEvents(join(cwd, 'logs'), [['09:00:00', 'auth', 'Login', { user: 'alice' }]]);
    const dir = (
      await exportTestDay(cwd, {
        snapshot: { cwd, snapshotDir, redaction: { patterns: ['ZQXDESK'] } },
        compliance: { cwd, snapshotDir },
      })
    ).path;
    const rep = reportOf(dir);
    const texts = [...rep.policies.map((p) => p.text), ...(rep.unparsed_policies ?? []).map((u) => u.text)];
    expect(texts.join('\n')).toContain('# desk [REDACTED]');
    expect(pythonPackCheck(dir).errors).toEqual([]);
    expect((await verifyPack(dir)).problems.filter((p) => p.severity === 'error')).toEqual([]);
    // Verified alone (verifyPath), the text the pack cannot hold to the stored copy is said.
    const v = await verifyPath(dir);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const unbound = v.problems.filter((p) => p.code === 'COMPLIANCE_POLICY_UNBOUND').map((p) => p.detail);
    expect(unbound.join('\n')).toMatch(/redacted again/);
  });
