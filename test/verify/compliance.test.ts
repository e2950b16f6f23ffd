import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPack } from '../../src/verify/index.js';
import { cleanOrder, DATE, TEST_POLICY, writeEvents, writePolicy, exportTestDay } from '../compliance/helpers.js';
import { pythonCsvRows } from '../pack/helpers.js';
import { tempDir } from '../helpers/tmp.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function packWithFindings(): Promise<string> {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, TEST_POLICY);
  await writeEvents(join(cwd, 'logs'), [
    ['08:00:00', 'auth', 'Login', { user: 'alice' }],
    ...cleanOrder('C-1', '09:00'),
    ['10:00:00', 'order', 'Cancelled', { order_id: 'NOPE', symbol: 'EURUSD' }],
    ['10:00:01', 'fill', 'Filled', { order_id: 'GHOST', symbol: 'EURUSD', quantity: 5, price: '1.1' }],
    [
      '10:00:02',
      'decision',
      'DecisionRecorded',
      { signal_id: 'S-9', reviewer_kind: 'llm', decision: 'proceed_despite_reject' },
    ],
  ]);
  const r = await exportTestDay(cwd, {
    compliance: { cwd, policyFile },
  });
  expect(r.compliance).toEqual({ critical: 3, warning: 0, info: 0, total: 3 });
  return r.path;
}

/** Each case's edit of a pack with findings, resealed, makes verify fail with a compliance problem matching its pattern. */
async function expectEditsFound(cases: readonly [string, (data: string) => void, RegExp][]): Promise<void> {
  for (const [name, edit, want] of cases) {
    const dir = await packWithFindings();
    reseal(dir, edit);
    const v = await verifyPack(dir);
    expect(v.ok, name).toBe(false);
    expect(
      v.problems
        .filter((p) => p.code.startsWith('COMPLIANCE_'))
        .map((p) => p.detail)
        .join('\n'),
      name,
    ).toMatch(want);
  }
}

/** What an attacker with write access to an unsigned pack does: edit, then recompute every hash. */
function reseal(dir: string, edit: (dataDir: string) => void): void {
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'data'), 0o755);
  for (const n of readdirSync(join(dir, 'data'))) chmodSync(join(dir, 'data', n), 0o644);
  for (const n of ['manifest-sha256.txt', 'manifest.json', 'bag-info.txt', 'tagmanifest-sha256.txt'])
    chmodSync(join(dir, n), 0o644);
  edit(join(dir, 'data'));
  const names = readdirSync(join(dir, 'data')).sort();
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  let total = 0;
  for (const n of names) {
    const b = readFileSync(join(dir, 'data', n));
    manifest.files[`data/${n}`] = { ...manifest.files[`data/${n}`], size: b.length, sha256: sha(b) };
    total += b.length;
  }
  manifest.summary.total_size = total;
  writeFileSync(
    join(dir, 'manifest-sha256.txt'),
    names.map((n) => `${sha(readFileSync(join(dir, 'data', n)))}  data/${n}\n`).join(''),
  );
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const info = readFileSync(join(dir, 'bag-info.txt'), 'utf8').replace(
    /Payload-Oxum: \d+\.\d+/,
    `Payload-Oxum: ${total}.${names.length}`,
  );
  writeFileSync(join(dir, 'bag-info.txt'), info);
  writeFileSync(
    join(dir, 'tagmanifest-sha256.txt'),
    ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest.json']
      .map((n) => `${sha(readFileSync(join(dir, n)))}  ${n}\n`)
      .join(''),
  );
}

describe("a pack's compliance files", () => {
  it('are in the pack, listed in the manifests, and verify re-runs the checks to the same findings', async () => {
    const dir = await packWithFindings();
    const listed = readFileSync(join(dir, 'manifest-sha256.txt'), 'utf8');
    for (const n of ['compliance_report.json', 'compliance_findings.csv', 'report.html']) {
      expect(listed).toContain(`  data/${n}\n`);
      expect(statSync(join(dir, 'data', n)).mode & 0o777).toBe(0o444);
    }
    const report = JSON.parse(readFileSync(join(dir, 'data/compliance_report.json'), 'utf8'));
    expect(report).toMatchObject({
      format: 'auditpack.compliance-report/1',
      period: { from: DATE, to: DATE },
      policy: { path: 'configs/compliance_policy.yaml', source: 'file', snapshot_id: null },
      files: ['data/audit.jsonl'],
    });
    expect(report.policy.sha256).toBe(sha(TEST_POLICY));
    expect(report.findings.map((f: { rule: string }) => f.rule).sort()).toEqual([
      'cancel_unknown_order',
      'fill_without_order',
      'forbidden_decision',
    ]);
    // Evidence points at real lines of data/audit.jsonl, by number and hash.
    const lines = readFileSync(join(dir, 'data/audit.jsonl'), 'utf8').split('\n');
    for (const f of report.findings)
      for (const e of f.evidence) {
        expect(e.file).toBe('data/audit.jsonl');
        expect(sha(lines[e.line - 1] as string)).toBe(e.line_sha256);
        expect(JSON.parse(lines[e.line - 1] as string).seq).toBe(e.seq);
      }
    // The CSV, read back by Python's csv module in strict mode: a header and one row per finding.
    const rows = pythonCsvRows(join(dir, 'data/compliance_findings.csv'));
    expect(rows[0]).toEqual([
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
    ]);
    expect(rows).toHaveLength(4);
    for (const r of rows.slice(1)) expect(r.slice(8)).toEqual(['', '', '']);

    const v = await verifyPack(dir);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.checked.compliance_findings).toBe(3);
  });

  it('a pack in the layout made before the compliance files (none of them) verifies without a finding about them', async () => {
    const cwd = tempDir();
    await writeEvents(join(cwd, 'logs'), [
      ['10:00:01', 'fill', 'Filled', { order_id: 'GHOST', symbol: 'EURUSD', quantity: 5, price: '1.1' }],
    ]);
    const r = await exportTestDay(cwd, {
      compliance: false,
    });
    expect(readdirSync(join(r.path, 'data')).sort()).toEqual([
      'alerts.jsonl',
      'audit.jsonl',
      'config.diff',
      'config_snapshot.json',
      'fills.csv',
      'orders.csv',
    ]);
    const v = await verifyPack(r.path);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(v.checked.compliance_findings).toBeUndefined();
    // Deleting only the report of a newer pack is not mistaken for the old layout.
    const dir = await packWithFindings();
    reseal(dir, (data) => rmSync(join(data, 'compliance_report.json')));
    const w = await verifyPack(dir);
    expect(w.problems.map((p) => p.code)).toContain('COMPLIANCE_REPORT_INVALID');
  });

  it('a finding removed from the report (hashes recomputed, unsigned pack) is found by the re-run', async () => {
    const dir = await packWithFindings();
    reseal(dir, (data) => {
      const p = join(data, 'compliance_report.json');
      const r = JSON.parse(readFileSync(p, 'utf8'));
      r.findings = r.findings.filter((f: { rule: string }) => f.rule !== 'forbidden_decision');
      r.totals = { critical: 2, warning: 0, info: 0, total: 2 };
      r.by_rule = { cancel_unknown_order: 1, fill_without_order: 1 };
      writeFileSync(p, `${JSON.stringify(r, null, 2)}\n`);
    });
    const v = await verifyPack(dir);
    expect(v.ok).toBe(false);
    const mine = v.problems.filter((p) => p.code === 'COMPLIANCE_REPORT_MISMATCH');
    expect(mine.map((p) => p.detail).join('\n')).toMatch(
      /finding missing: forbidden_decision:\d+ \(forbidden_decision, critical\)/,
    );
    // Everything else about the pack is consistent: the re-run is what caught it.
    expect(v.problems.filter((p) => p.severity === 'error' && !p.code.startsWith('COMPLIANCE_'))).toEqual([]);
  });

  it('a report its CSV or page cannot be rendered from (an evidence entry without line_sha256, a summary that is no object) is a finding, not a crash', async () => {
    const edits: [string, (r: Record<string, any>) => void][] = [
      ['evidence', (r) => void (r.findings[0].evidence[0] = { ...r.findings[0].evidence[0], line_sha256: undefined })],
      ['summary', (r) => void (r.summary = null)],
    ];
    for (const [name, edit] of edits) {
      const dir = await packWithFindings();
      reseal(dir, (data) => {
        const p = join(data, 'compliance_report.json');
        const r = JSON.parse(readFileSync(p, 'utf8'));
        edit(r);
        writeFileSync(p, `${JSON.stringify(r, null, 2)}\n`);
      });
      const v = await verifyPack(dir);
      expect(v.ok, name).toBe(false);
      expect(
        v.problems.filter((p) => p.code === 'COMPLIANCE_REPORT_INVALID').map((p) => [p.file, p.detail]),
        name,
      ).toContainEqual([
        'data/compliance_report.json',
        expect.stringMatching(/^data\/report\.html cannot be rendered from it/),
      ]);
    }
  });

  it('a report made by another version of the checks differs as warnings that say so; under this version it is an edit', async () => {
    const dir = await packWithFindings();
    const rules = JSON.parse(readFileSync(join(dir, 'data/compliance_report.json'), 'utf8')).rules;
    expect(Number.isSafeInteger(rules)).toBe(true);
    // What an older build would have written: no `rules` (version 1), and one finding its rules did not make.
    reseal(dir, (data) => {
      const p = join(data, 'compliance_report.json');
      const r = JSON.parse(readFileSync(p, 'utf8'));
      delete r.rules;
      r.findings = r.findings.filter((f: { rule: string }) => f.rule !== 'forbidden_decision');
      r.totals = { critical: 2, warning: 0, info: 0, total: 2 };
      r.by_rule = { cancel_unknown_order: 1, fill_without_order: 1 };
      writeFileSync(p, `${JSON.stringify(r, null, 2)}\n`);
    });
    const v = await verifyPack(dir);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const changed = v.problems.filter((p) => p.code === 'COMPLIANCE_RULES_CHANGED');
    expect(changed.every((p) => p.severity === 'warning')).toBe(true);
    expect(changed.map((p) => p.detail).join('\n')).toMatch(
      new RegExp(`version 1, re-run with version ${rules}: finding missing: forbidden_decision:`),
    );
    // The same report claiming this build's version is an edit again.
    reseal(dir, (data) => {
      const p = join(data, 'compliance_report.json');
      writeFileSync(p, `${JSON.stringify({ ...JSON.parse(readFileSync(p, 'utf8')), rules }, null, 2)}\n`);
    });
    const w = await verifyPack(dir);
    expect(w.ok).toBe(false);
    expect(w.problems.map((p) => p.code)).toContain('COMPLIANCE_REPORT_MISMATCH');
    expect(w.problems.map((p) => p.code)).not.toContain('COMPLIANCE_RULES_CHANGED');
    // A version that is not one is a broken report.
    reseal(dir, (data) => {
      const p = join(data, 'compliance_report.json');
      writeFileSync(p, `${JSON.stringify({ ...JSON.parse(readFileSync(p, 'utf8')), rules: 'x' }, null, 2)}\n`);
    });
    expect((await verifyPack(dir)).problems.map((p) => p.code)).toContain('COMPLIANCE_REPORT_INVALID');
  });

  it('a pack made under rules 10 (before names were folded for kill switches and the symbols table) still verifies, with warnings that say why its findings differ', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, TEST_POLICY);
    await writeEvents(join(cwd, 'logs'), [
      ['08:00:00', 'auth', 'Login', { user: 'alice' }],
      ['09:00:00', 'risk', 'KillSwitchOn', { user: 'risk', reason: 'x', scope: 'symbol:EURUSD' }],
      ['09:00:01', 'risk', 'RiskCheck', { order_id: 'E', result: 'pass', score: 0.1, reference_price: 1.1 }],
      [
        '09:00:02',
        'order',
        'OrderAccepted',
        {
          order_id: 'E',
          symbol: 'EUR/USD',
          side: 'BUY',
          quantity: 10,
          price: '1.1',
          user: 'alice',
          time_in_force: 'GTC',
        },
      ],
    ]);
    const dir = (await exportTestDay(cwd, { compliance: { cwd, policyFile } })).path;
    // What the build of rules 10 wrote for this day: no finding for the order on `EUR/USD`.
    reseal(dir, (data) => {
      const p = join(data, 'compliance_report.json');
      const r = JSON.parse(readFileSync(p, 'utf8'));
      expect(r.findings.map((f: { rule: string }) => f.rule)).toEqual(['kill_switch_violation']);
      r.rules = 10;
      r.findings = [];
      r.totals = { critical: 0, warning: 0, info: 0, total: 0 };
      r.by_rule = {};
      writeFileSync(p, `${JSON.stringify(r, null, 2)}\n`);
    });
    const v = await verifyPack(dir);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(v.problems.map((p) => p.detail).join('\n')).toMatch(
      /version 10, re-run with version \d+: finding missing: kill_switch_violation/,
    );
  });

  it('a pack made under rules 13 (a risk check item passed "false" read as passed) still verifies: its end state differs as a warning', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, TEST_POLICY);
    await writeEvents(join(cwd, 'logs'), [
      ['08:00:00', 'auth', 'Login', { user: 'alice' }],
      [
        '09:00:01',
        'risk',
        'RiskCheck',
        { order_id: 'E', result: 'pass', score: 0.1, reference_price: 1.1, checks: [{ name: 'n', passed: 'false' }] },
      ],
    ]);
    const dir = (await exportTestDay(cwd, { compliance: { cwd, policyFile } })).path;
    const rules = JSON.parse(readFileSync(join(dir, 'data/compliance_report.json'), 'utf8')).rules;
    // What the build of rules 13 wrote: the check not failed, in the report's version and the end state.
    reseal(dir, (data) => {
      const p = join(data, 'compliance_report.json');
      writeFileSync(p, `${JSON.stringify({ ...JSON.parse(readFileSync(p, 'utf8')), rules: 13 }, null, 2)}\n`);
      const st = join(data, 'compliance_state.json');
      const text = readFileSync(st, 'utf8');
      expect(text).toContain('n (passed \\"false\\": not true or false)');
      writeFileSync(st, text.replace(/"failed":\["n \(passed [^\]]*\]/, '"failed":[]'));
    });
    const v = await verifyPack(dir);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(v.problems.filter((p) => p.file === 'data/compliance_state.json').map((p) => p.code)).toEqual([
      'COMPLIANCE_RULES_CHANGED',
    ]);
    // The same edited end state in a report of this build's version is an edit: an error.
    reseal(dir, (data) => {
      const p = join(data, 'compliance_report.json');
      writeFileSync(p, `${JSON.stringify({ ...JSON.parse(readFileSync(p, 'utf8')), rules }, null, 2)}\n`);
    });
    const w = await verifyPack(dir);
    expect(w.ok).toBe(false);
    expect(w.problems.filter((p) => p.file === 'data/compliance_state.json').map((p) => [p.severity, p.code])).toEqual([
      ['error', 'COMPLIANCE_STATE_MISMATCH'],
    ]);
  });

  it('an edited description, a deleted CSV row, a laxer recorded policy, or a garbage report are found', async () => {
    const cases: [string, (data: string) => void, RegExp][] = [
      [
        'description',
        (d) =>
          writeFileSync(
            join(d, 'compliance_report.json'),
            readFileSync(join(d, 'compliance_report.json'), 'utf8').replace(
              'fill for order GHOST',
              'fill for order OK',
            ),
          ),
        // As precise as ever: the recorded finding is quoted (the report is read again for it).
        /finding changed: .*recorded \{.*fill for order OK.*re-run \{.*fill for order GHOST/,
      ],
      [
        'csv row',
        (d) => {
          const t = readFileSync(join(d, 'compliance_findings.csv'), 'utf8').split('\r\n');
          writeFileSync(join(d, 'compliance_findings.csv'), [...t.slice(0, 1), ...t.slice(2)].join('\r\n'));
        },
        /not the CSV of compliance_report\.json/,
      ],
      [
        'policy',
        (d) => {
          const r = JSON.parse(readFileSync(join(d, 'compliance_report.json'), 'utf8'));
          r.policies[0].text += 'disabled_rules: [fill_without_order, cancel_unknown_order, forbidden_decision]\n';
          writeFileSync(join(d, 'compliance_report.json'), JSON.stringify(r));
        },
        /does not hash to its recorded sha256[\s\S]*finding added|finding added[\s\S]*does not hash/,
      ],
      [
        'garbage',
        (d) =>
          writeFileSync(
            join(d, 'compliance_report.json'),
            '{"format":"auditpack.compliance-report/1","period":{"from":1}}',
          ),
        /period is not/,
      ],
    ];
    await expectEditsFound(cases);
  });

  // at11 #09: a period that is no day, or days out of order, crashed verify (INTERNAL) before the
  // report's shape was judged; a report without its policy member crashed the comparison. A test of
  // its own: the cases above already take most of the timeout under load.
  it('a report whose period is no day or out of order, or that lacks its policy, is a finding, not a crash', async () => {
    const edit =
      (change: (r: Record<string, any>) => void) =>
      (d: string): void => {
        const r = JSON.parse(readFileSync(join(d, 'compliance_report.json'), 'utf8'));
        change(r);
        writeFileSync(join(d, 'compliance_report.json'), JSON.stringify(r));
      };
    const cases: [string, (data: string) => void, RegExp][] = [
      ...['x', '2026-13-45', '9999-99-99'].map((from): [string, (data: string) => void, RegExp] => [
        `period.from ${from}`,
        edit((r) => {
          r.period.from = from;
        }),
        /is not two days in order/,
      ]),
      [
        'period out of order',
        edit((r) => {
          r.period.to = '2000-01-01';
        }),
        /is not two days in order/,
      ],
      [
        'no policy member',
        edit((r) => {
          delete r.policy;
        }),
        /policy: recorded absent/,
      ],
    ];
    await expectEditsFound(cases);
  }, 180_000); // 5 exports and verifies: minutes on a loaded machine
});
