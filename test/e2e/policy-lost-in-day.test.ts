/**
 * A policy snapshot of the exported day that the chain records but the store cannot give (its
 * record deleted, or one byte changed) makes the policy unknown from its event on: the built-in
 * policy, COMPLIANCE_POLICY_UNKNOWN (exit 3) and a policy note, never the policy file on disk (at42
 * F2). Setup: a full snapshot S at 06:00 holds the policy (EURUSD restricted), a narrow snapshot of
 * configs/a.yaml at 07:00, an order on EURUSD at 09:00; the file on disk is then edited (no
 * restricted symbols, never snapshotted) and S's record lost. The honest pack made so verifies.
 */
import { chmodSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dayAgo, exportDay as exported, order, POLICY, site, snap } from '../helpers/snapshot-day.js';

const [P, D] = [dayAgo(4), dayAgo(3)];
const STRICT = POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: [USDRUB, EURUSD]');
const LAX = POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: []');

type Loss = 'deleted' | 'changed';

/** The day D as above; `before`: a recorded snapshot of the day before holds the lax policy. */
async function setUp(loss: Loss, before = false): Promise<string> {
  const cwd = site({ 'a.yaml': 'limit: 1\n' });
  mkdirSync(join(cwd, 'logs'));
  if (before) {
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    await snap(cwd, `${P}T10:00:00Z`, ['configs/*.yaml']);
    await order(cwd, `${P}T11:00:00Z`);
  }
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), STRICT);
  const s = await snap(cwd, `${D}T06:00:00Z`, ['configs/*.yaml']);
  writeFileSync(join(cwd, 'configs', 'a.yaml'), 'limit: 2\n');
  await snap(cwd, `${D}T07:00:00Z`, ['configs/a.yaml']);
  await order(cwd, `${D}T09:00:00Z`);
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), LAX);
  const rp = join(cwd, 'audit', 'snapshots', `${s}.json`);
  chmodSync(rp, 0o644);
  if (loss === 'deleted') unlinkSync(rp);
  else {
    const rec = JSON.parse(readFileSync(rp, 'utf8')) as { reason: string };
    rec.reason = 'x';
    writeFileSync(rp, `${JSON.stringify(rec, null, 2)}\n`);
  }
  return cwd;
}

interface Policy {
  source: string;
  snapshot_id: string | null;
  text: string;
}

function exportDay(cwd: string): { stderr: string; policies: Policy[]; notes: string[] } {
  const { pack, stderr } = exported(cwd, D, { code: 3 });
  const rep = JSON.parse(readFileSync(join(pack, 'data', 'compliance_report.json'), 'utf8'));
  return { stderr, policies: rep.policies, notes: rep.policy_notes };
}

function verifies(cwd: string): void {
  const one = runCli(['verify', join('art', D), '--json'], { cwd });
  expect(one.code, one.stdout + one.stderr).toBe(0);
  const all = runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd });
  expect(all.code, all.stdout + all.stderr).toBe(0);
}

describe('a policy snapshot of the exported day lost by the store (at42 F2)', () => {
  for (const loss of ['deleted', 'changed'] as const) {
    it(`record ${loss}: the built-in policy with COMPLIANCE_POLICY_UNKNOWN, never the file on disk`, async () => {
      const cwd = await setUp(loss);
      const { stderr, policies, notes } = exportDay(cwd);
      expect(stderr).toContain('COMPLIANCE_POLICY_UNKNOWN');
      expect(policies.map((p) => p.source)).toEqual(['built-in']);
      expect(notes.some((n) => n.includes('the built-in policy is in force from its event on'))).toBe(true);
      verifies(cwd);
    });
  }

  it('after a recorded policy of the day before: that policy, then the built-in one from the lost event on', async () => {
    const cwd = await setUp('changed', true);
    const { stderr, policies } = exportDay(cwd);
    expect(stderr).toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(policies.map((p) => p.source)).toEqual(['snapshot', 'built-in']);
    expect(policies[1]?.snapshot_id).toMatch(new RegExp(`^${D.replaceAll('-', '')}T060000`));
    verifies(cwd);
  });

  it('the record of the policy in force at the day’s start lost, a policy snapshot later that day: COMPLIANCE_POLICY_UNKNOWN too (at43 F1)', async () => {
    const cwd = site({ 'compliance_policy.yaml': STRICT });
    mkdirSync(join(cwd, 'logs'));
    const s = await snap(cwd, `${P}T10:00:00Z`, ['configs/*.yaml']);
    await order(cwd, `${P}T11:00:00Z`);
    await order(cwd, `${D}T03:00:00Z`);
    await snap(cwd, `${D}T06:00:00Z`, ['configs/*.yaml']);
    unlinkSync(join(cwd, 'audit', 'snapshots', `${s}.json`));
    const { stderr, policies } = exportDay(cwd);
    expect(stderr).toContain('COMPLIANCE_POLICY_UNKNOWN');
    expect(stderr).toContain('starts under the built-in policy');
    expect(policies.map((p) => p.source)).toEqual(['built-in', 'snapshot']);
    verifies(cwd);
  });
});
