/**
 * A day whose order carries a quantity String() cannot convert (`{"toString":1}`, e.g. copied from
 * a client's JSON request): the logger chains it, and export, check and verify must name it, not
 * crash (at17 F1: export INTERNAL 70, the next day's export and check READ_FAILED 74, verify 70).
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { cleanOrder, DATE, orderEv, riskEv, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';

const NEXT = '2025-09-09';

describe('a quantity of {"toString":1} in the log', () => {
  it('is exported, checked and verified with an invalid_quantity finding', async () => {
    const cwd = tempDir();
    writePolicy(cwd, TEST_POLICY);
    const logs = join(cwd, 'logs');
    await writeEvents(logs, [
      ['08:00:00', 'auth', 'Login', { user: 'alice' }],
      ...cleanOrder('C-1', '09:00'),
      riskEv('10:00:00', 'H-1'),
      orderEv('10:00:01', 'H-1', { quantity: JSON.parse('{"toString":1}') as unknown }),
    ]);
    await writeEvents(logs, [['08:00:00', 'auth', 'Login', { user: 'alice' }], ...cleanOrder('C-2', '09:00')], NEXT);

    const check = runCli(['check', '--date', DATE, '--fail-on', 'never'], { cwd });
    expect(check.stderr).not.toMatch(/READ_FAILED|INTERNAL/);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('invalid_quantity: order H-1 with quantity {"toString":1} (not a finite number');

    const exportDay = (date: string) =>
      runCli(
        ['export', '--date', date, '--log-dir', 'logs', '--artifacts-dir', 'artifacts', '--retention-days', '100000'],
        {
          cwd,
        },
      );
    // The next day first: its start state is replayed from this day's log (no pack of it yet).
    const next = exportDay(NEXT);
    expect(next.stderr).not.toMatch(/READ_FAILED|INTERNAL/);
    expect(next.code).toBe(0);
    const ex = exportDay(DATE);
    expect(ex.stderr).not.toMatch(/READ_FAILED|INTERNAL/);
    expect(ex.code).toBe(0);
    const report = readFileSync(join(cwd, 'artifacts', DATE, 'data', 'compliance_report.json'), 'utf8');
    expect(report).toContain('quantity {\\"toString\\":1}');

    const v = runCli(['verify', join('artifacts', DATE)], { cwd });
    expect(v.stderr).not.toMatch(/INTERNAL/);
    expect(v.code).toBe(0);

    // A pack whose log line was edited to hold it: findings (exit 1), never a crash (70).
    const pack = join(cwd, 'artifacts', NEXT);
    const log = join(pack, 'data', 'audit.jsonl');
    chmodSync(join(pack, 'data'), 0o755);
    chmodSync(log, 0o644);
    const text = readFileSync(log, 'utf8');
    const edited = text.replace(/"quantity":\d+/, '"quantity":{"toString":1}');
    expect(edited).not.toBe(text);
    writeFileSync(log, edited);
    const ve = runCli(['verify', pack], { cwd });
    expect(ve.stderr).not.toMatch(/INTERNAL/);
    expect(ve.code).toBe(1);
    expect(ve.stdout).toContain('PACK_FILE_HASH_MISMATCH');
  });
});
