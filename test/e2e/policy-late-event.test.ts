/**
 * A policy snapshot whose ConfigSnapshot event the chain files days after its id's day (at45 F3): the
 * writer's clock was behind, S's id says D0 23:59:59.5, its event is logged with a clock of D1
 * 00:00:00.2, and D2's file already exists, so the event is a late line of D2's file. The config of
 * record of D2 (data/config_snapshot.json) is S, the last event of the chain at D2's end; the policy
 * timeline of D2 must take S too, from its event on (the lines before it stay under S0), or the
 * honest signed pack fails verify with COMPLIANCE_REPORT_MISMATCH (before the fix, the timeline
 * looked for S's event in D0's and D1's files only, and skipped S without a note).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { dayAgo, exportDay, keygen, micros, order, POLICY, site, snap } from '../helpers/snapshot-day.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const [DB, D0, D1, D2] = [dayAgo(6), dayAgo(5), dayAgo(4), dayAgo(3)];
const errorsOf = (stdout: string): string[] =>
  (JSON.parse(stdout) as { problems: { code: string; severity: string }[] }).problems
    .filter((p) => p.severity === 'error')
    .map((p) => p.code);
const STRICT = POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: [USDRUB, EURUSD]');

describe('a policy snapshot dated two days before the event that logs it, a late line of the pack day (at45 F3)', () => {
  let cwd = '';
  let pack = '';
  let s0 = '';
  let sid = '';
  beforeAll(async () => {
    expect(STRICT).not.toBe(POLICY);
    cwd = site({ 'compliance_policy.yaml': POLICY });
    s0 = await snap(cwd, `${DB}T08:00:00Z`);
    for (const d of [D0, D1, D2]) await order(cwd, `${d}T09:00:00Z`, { order_id: `O-${d}` });
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), STRICT);
    let calls = 0;
    const s = await createConfigSnapshot({
      cwd,
      reason: 'late',
      logDir: join(cwd, 'logs'),
      clock: () => (calls++ === 0 ? micros(`${D0}T23:59:59.500Z`) : micros(`${D1}T00:00:00.200Z`) + calls),
    });
    sid = s.snapshot_id;
    // After S's event in the log: under S's policy, whatever the clocks say.
    await order(cwd, `${D2}T12:00:00Z`, { order_id: 'O-after' });
    const key = keygen(cwd);
    pack = exportDay(cwd, D2, { args: ['--signing-key', key] }).pack;
  });

  it('S is filed in D2 file, and is both the config of record and the policy at the end of D2', () => {
    const holder = readdirSync(join(cwd, 'logs')).filter((f) =>
      readFileSync(join(cwd, 'logs', f), 'utf8')
        .split('\n')
        .some((l) => l.includes('"ConfigSnapshot"') && l.includes(sid)),
    );
    expect(holder).toEqual([`audit-${D2.replaceAll('-', '')}.jsonl`]);
    expect(JSON.parse(readFileSync(join(pack, 'data', 'config_snapshot.json'), 'utf8')).snapshot_id).toBe(sid);
    const rep = JSON.parse(readFileSync(join(pack, 'data', 'compliance_report.json'), 'utf8'));
    expect(rep.policies.map((p: { snapshot_id: string | null }) => p.snapshot_id)).toEqual([s0, sid]);
    expect(rep.policy.snapshot_id).toBe(sid);
    expect(rep.policy_notes).toEqual([]);
    // S governs the line after its event only: O-after is restricted, the 09:00 order is not.
    const restricted = rep.findings.filter((f: { rule: string }) => f.rule === 'restricted_symbol');
    expect(restricted.map((f: { order_id?: string; message?: string }) => JSON.stringify(f))).toHaveLength(1);
    expect(JSON.stringify(restricted[0])).toContain('O-after');
  });

  it('the signed pack verifies clean with --pubkey, in an artifacts directory with --log-dir, and in the Python checker', () => {
    const v = runCli(['verify', pack, '--pubkey', join(cwd, 'keys', 'auditpack_ed25519.pub'), '--json'], { cwd });
    expect(v.code, v.stdout).toBe(0);
    expect(errorsOf(v.stdout)).toEqual([]);
    const a = runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd });
    expect(a.code, a.stdout).toBe(0);
    expect(errorsOf(a.stdout)).toEqual([]);
    expect(pythonPackCheck(pack).errors).toEqual([]);
  });
});
