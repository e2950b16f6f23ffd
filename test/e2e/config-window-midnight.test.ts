/**
 * The built CLI with a config change at 23:58 and no snapshot after it (docs/compliance.md "Across
 * midnight", rules 29): D-1's export carries the change in its end state instead of naming it, D's
 * export names it with D-1's line as evidence, `check --date D` alone does the same from D-1's pack,
 * and verify of the artifacts directory passes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CarriedState } from '../../src/compliance/carry.js';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const D1 = '2026-11-29';
const D2 = '2026-11-30';

describe('auditpack export and check with a config change waiting for its snapshot at midnight', () => {
  it("names the change in D's report, with D-1's line as evidence, and the artifacts verify", async () => {
    const cwd = tempDir();
    writePolicy(cwd, `${TEST_POLICY}require_review: false\n`);
    await writeEvents(
      join(cwd, 'logs'),
      [['23:58:00', 'config', 'ConfigChanged', { config_type: 'risk', reason: 'NFP' }]],
      D1,
    );
    await writeEvents(join(cwd, 'logs'), [['00:10:00', 'auth', 'Login', { user: 'alice' }]], D2);
    const data = (d: string, f: string) => JSON.parse(readFileSync(join(cwd, 'artifacts', d, 'data', f), 'utf8'));
    const unrecorded = (r: ComplianceReport) => r.findings.filter((f) => f.rule === 'config_change_unrecorded');

    const e1 = runCli(['export', '--date', D1], { cwd });
    expect(e1.code, e1.stderr).toBe(0);
    expect(unrecorded(data(D1, 'compliance_report.json'))).toEqual([]);
    const carried = (data(D1, 'compliance_state.json') as CarriedState).config_changes ?? [];
    expect(carried.map((c) => c.evidence.file)).toEqual(['audit-20261129.jsonl']);

    const e2 = runCli(['export', '--date', D2], { cwd });
    expect(e2.code, e2.stderr).toBe(0);
    const found = unrecorded(data(D2, 'compliance_report.json'));
    expect(found.map((f) => [f.time.slice(0, 16), f.evidence[0]?.file, f.evidence[0]?.seq])).toEqual([
      [`${D1}T23:58`, 'audit-20261129.jsonl', carried[0]?.evidence.seq],
    ]);

    const c = runCli(['check', '--date', D2, '--fail-on', 'warning'], { cwd });
    expect(c.code, c.stdout + c.stderr).toBe(1);
    expect(c.stdout).toMatch(
      /WARNING .*config_change_unrecorded: config change at seq \d+ .*\[audit-20261129\.jsonl:1 /,
    );
    expect(c.stdout).toMatch(/start state: pack/);

    const v = runCli(['verify', join(cwd, 'artifacts')], { cwd });
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 120_000);
});
