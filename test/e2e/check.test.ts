import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { cleanOrder, DATE, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';

async function day(): Promise<string> {
  const cwd = tempDir();
  writePolicy(cwd, TEST_POLICY);
  await writeEvents(join(cwd, 'logs'), [
    ['08:00:00', 'auth', 'Login', { user: 'alice' }],
    ...cleanOrder('C-1', '09:00'),
    // A warning (price collar) and a critical (fill of an unknown order).
    ['10:00:00', 'risk', 'RiskCheck', { order_id: 'W-1', result: 'pass', score: 0.1, reference_price: 1.0 }],
    [
      '10:00:01',
      'order',
      'OrderAccepted',
      { order_id: 'W-1', symbol: 'EURUSD', side: 'BUY', quantity: 10, price: '1.05', user: 'alice' },
    ],
    ['10:00:02', 'fill', 'Filled', { order_id: 'W-1', symbol: 'EURUSD', quantity: 10, price: '1.05' }],
    ['11:00:00', 'fill', 'Filled', { order_id: 'GHOST', symbol: 'EURUSD', quantity: 5, price: '1.1' }],
  ]);
  return cwd;
}

describe('auditpack check', () => {
  it('prints the findings with evidence and exits 1 on a critical finding (default --fail-on critical)', async () => {
    const cwd = await day();
    const r = runCli(['check', '--date', DATE], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('2 finding(s) — 1 critical, 1 warning, 0 info');
    expect(r.stdout).toMatch(
      /CRITICAL .*fill_without_order: fill for order GHOST.*\[audit-20250908\.jsonl:\d+ seq \d+\]/,
    );
    expect(r.stdout).toMatch(/WARNING .*price_collar_breached/);
    expect(r.stdout).toContain('policy configs/compliance_policy.yaml sha256');
  });

  it('--fail-on chooses the level; never always exits 0; --json is the report', async () => {
    const cwd = await day();
    expect(runCli(['check', '--date', DATE, '--fail-on', 'never'], { cwd }).code).toBe(0);
    expect(runCli(['check', '--from', DATE, '--to', DATE, '--fail-on', 'warning'], { cwd }).code).toBe(1);
    const j = runCli(['check', '--date', DATE, '--json', '--fail-on', 'never'], { cwd });
    expect(j.code).toBe(0);
    const report = JSON.parse(j.stdout);
    expect(report.format).toBe('auditpack.compliance-report/1');
    expect(report.totals).toEqual({ critical: 1, warning: 1, info: 0, total: 2 });
    expect(report.findings.map((f: { rule: string }) => f.rule).sort()).toEqual([
      'fill_without_order',
      'price_collar_breached',
    ]);
    // A day without its log file: nothing to find in it, but it is named, a warning (docs/compliance.md,
    // "A day without its log file"): --fail-on info (or warning) exits 1 on it.
    const none = runCli(['check', '--date', '2025-09-07', '--fail-on', 'info'], { cwd });
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/WARNING .*2025-09-07 {2}missing day: no log file audit-20250907\.jsonl/);
  });

  it("--order shows one order's lifecycle and its findings", async () => {
    const cwd = await day();
    const r = runCli(['check', '--date', DATE, '--order', 'W-1'], { cwd });
    expect(r.code).toBe(0); // its only finding is a warning
    expect(r.stdout).toContain('order W-1: 3 event(s), 1 finding(s)');
    expect(r.stdout).toMatch(
      /risk\/RiskCheck[\s\S]*order\/OrderAccepted[\s\S]*fill\/Filled[\s\S]*price_collar_breached/,
    );
    const j = JSON.parse(runCli(['check', '--date', DATE, '--order', 'GHOST', '--json'], { cwd }).stdout);
    expect(j.findings.map((f: { rule: string }) => f.rule)).toEqual(['fill_without_order']);
    const none = runCli(['check', '--date', DATE, '--order', 'NOPE'], { cwd });
    expect(none.code).toBe(66);
    expect(none.stderr).toContain('PATH_NOT_FOUND');
  });

  it('usage errors exit 2; a bad policy exits 78 with CONFIG_INVALID; no logs dir exits 66', async () => {
    const cwd = await day();
    for (const args of [
      ['--date', 'yesterday'],
      ['--date', DATE, '--from', DATE],
      ['--fail-on', 'loud'],
      ['--from', '2025-09-09', '--to', '2025-09-08'],
    ]) {
      const r = runCli(['check', ...args], { cwd });
      expect(r.code, args.join(' ')).toBe(2);
    }
    writePolicy(cwd, 'max_order_notional: lots\n', 'bad.yaml');
    const bad = runCli(['check', '--date', DATE, '--policy', 'configs/bad.yaml'], { cwd });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('CONFIG_INVALID');
    expect(bad.stderr).toContain('max_order_notional must be a number');
    const typo = runCli(['check', '--date', DATE, '--policy', 'configs/missing.yaml'], { cwd });
    expect(typo.code).toBe(66);
    expect(runCli(['check', '--date', DATE, '--logs-dir', 'nowhere'], { cwd }).code).toBe(66);
  });

  it('a day before 1970-01-01 (year 0000 too, whose day before no file name can hold) is USAGE, as for export', async () => {
    const cwd = await day();
    for (const args of [
      ['--date', '0000-01-01'],
      ['--from', '0000-01-01', '--to', '0000-01-02'],
      ['--date', '0000-01-01', '--order', 'C-1'],
      ['--date', '1969-12-31', '--json'],
    ]) {
      const r = runCli(['check', ...args], { cwd });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(/USAGE: (0000-01-01|1969-12-31) is before 1970-01-01: no audit log is dated then/);
      expect(r.stderr).not.toContain('INTERNAL');
      expect(runCli(['export', '--date', args[1] as string], { cwd }).stderr).toContain(r.stderr.split('\n')[0]);
    }
    // The ends of the days a log can be dated: checked (missing days, exit 0 under --fail-on never).
    for (const date of ['1970-01-01', '9999-12-31'])
      expect(runCli(['check', '--date', date, '--fail-on', 'never'], { cwd }).code, date).toBe(0);
  });
});

describe('auditpack check over a corrupted day', () => {
  it('does not call a day of malformed lines clean: warning on stderr, exit 3 (1 still wins)', async () => {
    const cwd = await day();
    const file = join(cwd, 'logs', 'audit-20250908.jsonl');
    const { appendFileSync } = await import('node:fs');
    appendFileSync(file, Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a]));
    appendFileSync(file, '{"not":"an event"}\n');
    const never = runCli(['check', '--date', DATE, '--fail-on', 'never'], { cwd });
    expect(never.code).toBe(3);
    expect(never.stderr).toContain('2 malformed log line(s) are not valid events and were not checked');
    expect(never.stdout).not.toMatch(/^✓/);
    expect(runCli(['check', '--date', DATE], { cwd }).code).toBe(1);
  });
});

describe('auditpack check across midnight', () => {
  it("with a signing key configured, takes D-1's pack state only from a pack signed by it", async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { writeFileSync } = await import('node:fs');
    const { AFTER, BEFORE, D, D1 } = await import('../pack/helpers/carry-day.js');
    const cwd = tempDir();
    writePolicy(cwd, `${TEST_POLICY}\nrequire_review: false\n`);
    await writeEvents(join(cwd, 'logs'), BEFORE, D1);
    await writeEvents(join(cwd, 'logs'), AFTER, D);
    expect(runCli(['export', '--date', D1], { cwd }).code).toBe(0); // unsigned
    const key = join(cwd, 'export.key');
    writeFileSync(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    const check = (env: Record<string, string>) => {
      const r = runCli(['check', '--date', D, '--json', '--fail-on', 'never'], { cwd, env });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { carried_in: { source: string; note: string }; findings: { rule: string }[] };
    };
    const unsigned = check({});
    expect(unsigned.carried_in.source).toBe('pack');
    const signing = check({ AUDITPACK_SIGNING_KEY: key });
    expect(signing.carried_in.source).toBe('log');
    expect(signing.carried_in.note).toMatch(/is not signed, and this export signs/);
    // Replaying D-1's log finds the same overnight kill switch.
    expect(signing.findings.map((f) => f.rule)).toEqual(unsigned.findings.map((f) => f.rule));
    expect(signing.findings.map((f) => f.rule)).toContain('kill_switch_violation');
  }, 60_000);
});
