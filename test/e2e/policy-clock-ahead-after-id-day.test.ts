/**
 * A snapshot whose writer's clock was ahead (at48 F2), on the day after its id's day (at50 F3): its
 * id dated D+1 00:30, its ConfigSnapshot event filed in D's file at 23:30; one order a day on D,
 * D+1 and D+2. On D+2 the snapshot is still the policy in force from the start (the chain's walk
 * finds its event on D), yet startPolicy's look-up of "the day before's" snapshots (ids dated D+1)
 * noted it "not used, the log has no ConfigSnapshot event for it" (the event is in neither D+1's
 * file nor D+2's), and both checkers warned COMPLIANCE_POLICY_UNKNOWN on an honest pack.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { dayAgo, exportDay, micros, order, POLICY, site, snap } from '../helpers/snapshot-day.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const D = (n: number): string => dayAgo(n);
const STRICT = POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: [USDRUB, EURUSD]');
const codes = (stdout: string): string[] =>
  (JSON.parse(stdout) as { problems: { code: string; severity: string }[] }).problems
    .filter((p) => p.severity !== 'info')
    .map((p) => p.code);

describe('a clock-ahead snapshot on the day after its id day: in force, noted nowhere as unrecorded (at50 F3)', () => {
  let cwd: string;
  let s = '';
  const packs: Record<number, string> = {};
  beforeAll(async () => {
    cwd = site({ 'compliance_policy.yaml': POLICY });
    await snap(cwd, `${D(6)}T08:00:00Z`);
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), STRICT);
    let calls = 0;
    const clock = () => (calls++ === 0 ? micros(`${D(2)}T00:30:00Z`) : micros(`${D(3)}T23:30:00Z`) + calls);
    s = (await createConfigSnapshot({ cwd, reason: 'ahead', logDir: join(cwd, 'logs'), clock })).snapshot_id;
    for (const n of [3, 2, 1]) await order(cwd, `${D(n)}T23:40:00Z`, { order_id: `O-${n}` });
    for (const n of [3, 2, 1]) packs[n] = exportDay(cwd, D(n)).pack;
  }, 300_000);

  for (const n of [3, 2, 1]) {
    it(`${D(n)} (D+${3 - n}): the snapshot is the policy, no policy note, no COMPLIANCE_POLICY_UNKNOWN`, () => {
      const pack = packs[n] as string;
      const rep = JSON.parse(readFileSync(join(pack, 'data', 'compliance_report.json'), 'utf8'));
      expect(rep.policy.snapshot_id).toBe(s);
      expect(rep.policy_notes).toEqual([]);
      const flagged = rep.findings.filter((f: { rule: string }) => f.rule === 'restricted_symbol');
      expect(flagged.length).toBe(1);
      const v = runCli(['verify', pack, '--json'], { cwd });
      expect(codes(v.stdout)).not.toContain('COMPLIANCE_POLICY_UNKNOWN');
      const a = runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd });
      expect(codes(a.stdout)).not.toContain('COMPLIANCE_POLICY_UNKNOWN');
      expect(a.code, a.stdout).toBe(0);
      const py = pythonPackCheck(pack);
      expect(py.all.map((p) => p.code)).not.toContain('COMPLIANCE_POLICY_UNKNOWN');
      expect(py.errors).toEqual([]);
    });
  }
});
