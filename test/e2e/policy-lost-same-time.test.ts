/**
 * Two policy snapshots taken at one clock reading (ids `…-000` and `…-001`), the first one's record
 * lost by the store (at43 F2): the built-in policy takes force at the first one's event and the
 * second's policy at its own later event, so the report lists them in that (log) order and ends
 * under the second's policy. Before the fix the lost entry was sorted after the second (a stable sort
 * by time with the lost entry appended), the report ended under the built-in policy, verify warned
 * COMPLIANCE_POLICY_NOT_IN_FORCE on the honest pack, and with no snapshot before the day the note
 * "no snapshot … before snapshot X" named the second snapshot.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dayAgo, POLICY, order as orderOf, snap } from '../helpers/snapshot-day.js';
import { tempDir } from '../helpers/tmp.js';

const [P, D] = [dayAgo(4), dayAgo(3)];
const order = (cwd: string, iso: string, symbol: string) => orderOf(cwd, iso, { order_id: `O-${iso}`, symbol });
const OTHER = POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: [EURUSD]');

/** S1 (full) and S2 (the policy alone, changed) at D 06:00 by one clock; S1's record deleted. */
async function setUp(before: boolean): Promise<{ cwd: string; s1: string; s2: string }> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  mkdirSync(join(cwd, 'logs'));
  writeFileSync(join(cwd, 'configs', 'a.yaml'), 'limit: 1\n');
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), OTHER);
  if (before) {
    await snap(cwd, `${P}T06:00:00Z`, ['configs/*.yaml']);
    await order(cwd, `${P}T09:00:00Z`, 'GBPUSD');
  }
  await order(cwd, `${D}T05:00:00Z`, 'GBPUSD');
  const s1 = await snap(cwd, `${D}T06:00:00Z`, ['configs/*.yaml']);
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
  const s2 = await snap(cwd, `${D}T06:00:00Z`, ['configs/compliance_policy.yaml']);
  await order(cwd, `${D}T09:00:00Z`, 'USDRUB');
  unlinkSync(join(cwd, 'audit', 'snapshots', `${s1}.json`));
  return { cwd, s1, s2 };
}

describe('two policy snapshots of one microsecond, the first one lost (at43 F2)', () => {
  for (const before of [true, false]) {
    it(`${before ? 'after a snapshot of the day before' : 'with none before the day'}: log order, no false COMPLIANCE_POLICY_NOT_IN_FORCE`, async () => {
      const { cwd, s1, s2 } = await setUp(before);
      expect(s1.slice(0, -4)).toBe(s2.slice(0, -4));
      const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain('COMPLIANCE_POLICY_UNKNOWN');
      const rep = JSON.parse(readFileSync(join(cwd, 'art', D, 'data', 'compliance_report.json'), 'utf8')) as {
        policies: { source: string; snapshot_id: string | null }[];
        policy_notes: string[];
      };
      const ids = rep.policies.map((p) => p.snapshot_id);
      expect(ids.indexOf(s1)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(s1)).toBeLessThan(ids.indexOf(s2));
      expect(rep.policies.at(-1)).toMatchObject({ source: 'snapshot', snapshot_id: s2 });
      if (!before) expect(rep.policy_notes).toContainEqual(expect.stringContaining(`before snapshot ${s1}:`));
      // The USDRUB order after S2's event is judged under S2's policy (USDRUB restricted).
      expect(readFileSync(join(cwd, 'art', D, 'data', 'compliance_findings.csv'), 'utf8')).toMatch(/restricted_symbol/);
      for (const args of [[join('art', D)], ['art', '--log-dir', 'logs']]) {
        const v = runCli(['verify', ...args, '--json'], { cwd });
        expect(v.code, v.stdout + v.stderr).toBe(0);
        expect(v.stdout).not.toContain('COMPLIANCE_POLICY_NOT_IN_FORCE');
      }
    });
  }
});
