/**
 * Config changes waiting for a snapshot across midnight in packs (docs/compliance.md "Across
 * midnight", rules 29): a change at 23:58 whose config_snapshot_window_s runs past midnight is
 * carried in D-1's end state (`config_changes`), not judged there; D judges it: a snapshot inside
 * the window records it, none makes it a `config_change_unrecorded` in D's report with D-1's line
 * as evidence. verify holds the carried entry like every other part of the state.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CarriedState } from '../../src/compliance/carry.js';
import { carriedStateJson } from '../../src/compliance/carry.js';
import { parseCarriedState } from '../../src/compliance/carry-parse.js';
import { emptyState } from '../../src/compliance/carry-source.js';
import { MAX_PENDING_CONFIGS } from '../../src/compliance/engine-state.js';
import {
  checkCompliance,
  COMPLIANCE_RULES_VERSION,
  ComplianceEngine,
  type ComplianceReport,
  PolicyTimeline,
  policyFromText,
} from '../../src/compliance/index.js';
import { verifyArchive, verifyPack } from '../../src/verify/index.js';
import { type Ev, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from '../verify/helpers/forge.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { exportCarryDay, exportCarryDayResult } from './helpers/carry-day.js';

const D1 = '2026-11-29';
const D2 = '2026-11-30';
const LOG1 = 'audit-20261129.jsonl';
const CHANGE: Ev = ['23:58:00', 'config', 'ConfigChanged', { config_type: 'risk', reason: 'NFP' }];
const SNAPSHOT: Ev = ['00:01:00', 'config', 'ConfigSnapshot', { snapshot_id: 's1', record_sha256: 'ab'.repeat(32) }];
const LATER: Ev = ['00:10:00', 'auth', 'Login', { user: 'alice' }];

async function setup(d1: readonly Ev[], d2: readonly Ev[]): Promise<{ cwd: string; policyFile: string }> {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, `${TEST_POLICY}\nrequire_review: false\n`);
  await writeEvents(join(cwd, 'logs'), d1, D1);
  await writeEvents(join(cwd, 'logs'), d2, D2);
  return { cwd, policyFile };
}

const reportOf = (pack: string): ComplianceReport =>
  JSON.parse(readFileSync(join(pack, 'data/compliance_report.json'), 'utf8')) as ComplianceReport;
const stateOf = (pack: string, file = 'compliance_state.json'): CarriedState =>
  JSON.parse(readFileSync(join(pack, 'data', file), 'utf8')) as CarriedState;
const unrecorded = (r: ComplianceReport) => r.findings.filter((f) => f.rule === 'config_change_unrecorded');
const codes = (r: { problems: readonly { code: string; severity: string }[] }): string[] =>
  r.problems
    .filter((p) => p.severity !== 'info' && !p.code.includes('TAIL_UNCHECKED'))
    .map((p) => `${p.severity} ${p.code}`);
/** The 1-based line of D-1's log holding `event`, and its SHA-256 (without the newline). */
function lineOf(cwd: string, event: string): { line: number; sha: string; seq: number } {
  const lines = readFileSync(join(cwd, 'logs', LOG1), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`"event":"${event}"`));
  const seq = (JSON.parse(lines[i] as string) as { seq: number }).seq;
  return {
    line: i + 1,
    sha: createHash('sha256')
      .update(lines[i] as string)
      .digest('hex'),
    seq,
  };
}

describe('config changes waiting for a snapshot, carried between packs', () => {
  it("a change at 23:58 is carried in D-1's end state and recorded by D's snapshot at 00:01: no finding", async () => {
    const { cwd, policyFile } = await setup([CHANGE], [SNAPSHOT, LATER]);
    const p1 = await exportCarryDay(cwd, policyFile, D1);
    expect(unrecorded(reportOf(p1))).toEqual([]);
    const carried = stateOf(p1).config_changes ?? [];
    expect(carried.map((c) => [c.iso.slice(0, 19), c.has_reason, c.unstored, c.evidence.file])).toEqual([
      [`${D1}T23:58:00`, true, null, LOG1],
    ]);
    const p2 = await exportCarryDay(cwd, policyFile, D2);
    expect(reportOf(p2).carried_in?.source).toBe('pack');
    expect(unrecorded(reportOf(p2))).toEqual([]);
    // Judged in D: nothing waits at D's end, and the key is not written.
    expect('config_changes' in stateOf(p2)).toBe(false);
    expect(codes(await verifyPack(p1))).toEqual([]);
    expect(codes(await verifyPack(p2))).toEqual([]);
    expect(codes(await verifyArchive(join(cwd, 'artifacts')))).toEqual([]);
    expect(pythonPackCheck(join(cwd, 'artifacts')).errors).toEqual([]);
    // check --date D2 alone and over the period agree.
    const check = (from: string) =>
      checkCompliance({
        cwd,
        logDir: join(cwd, 'logs'),
        from,
        to: D2,
        policyFile,
        artifactsDir: join(cwd, 'artifacts'),
      });
    expect(unrecorded(await check(D2))).toEqual([]);
    expect(unrecorded(await check(D1))).toEqual([]);
  }, 90_000);

  it("without a snapshot in the window, D's report names the change with D-1's line as evidence", async () => {
    const { cwd, policyFile } = await setup([CHANGE], [LATER]);
    const p1 = await exportCarryDay(cwd, policyFile, D1);
    expect(unrecorded(reportOf(p1))).toEqual([]);
    const p2 = await exportCarryDay(cwd, policyFile, D2);
    const found = unrecorded(reportOf(p2));
    const at = lineOf(cwd, 'ConfigChanged');
    expect(found.map((f) => [f.time.slice(0, 19), f.evidence])).toEqual([
      [`${D1}T23:58:00`, [{ file: LOG1, seq: at.seq, line: at.line, line_sha256: at.sha }]],
    ]);
    expect(found[0]?.description).toBe(`config change at seq ${at.seq} with no config snapshot within 300 s`);
    expect(codes(await verifyArchive(join(cwd, 'artifacts')))).toEqual([]);
    // The page of D shows what was carried in.
    expect(readFileSync(join(p2, 'data/report.html'), 'utf8')).toContain('Config changes waiting for a snapshot');
    const day = await checkCompliance({
      cwd,
      logDir: join(cwd, 'logs'),
      from: D2,
      to: D2,
      policyFile,
      artifactsDir: join(cwd, 'artifacts'),
    });
    expect(unrecorded(day).map((f) => f.evidence[0]?.line_sha256)).toEqual([at.sha]);
  }, 90_000);

  it('a change whose window ran out before midnight is judged in its own day, not carried', async () => {
    const early: Ev = ['23:50:00', 'config', 'ConfigChanged', { config_type: 'risk', reason: 'NFP' }];
    const { cwd, policyFile } = await setup([early], [SNAPSHOT]);
    const p1 = await exportCarryDay(cwd, policyFile, D1);
    expect(unrecorded(reportOf(p1)).map((f) => f.time.slice(0, 19))).toEqual([`${D1}T23:50:00`]);
    expect('config_changes' in stateOf(p1)).toBe(false);
  }, 60_000);

  it("a carried change removed from D-1's end state is found: by D-1's re-run and by the archive", async () => {
    const { cwd, policyFile } = await setup([CHANGE], [LATER]);
    const p1 = await exportCarryDay(cwd, policyFile, D1);
    const genuine = readFileSync(join(p1, 'data/compliance_state.json'), 'utf8');
    const { config_changes: dropped, ...rest } = JSON.parse(genuine) as CarriedState;
    expect(dropped).toHaveLength(1);
    // The forger (manifests re-made, no key) drops the waiting change, exports D from it, then puts
    // D-1's genuine state back.
    const forge = (text: string) =>
      forgePack(p1, { payload: (data) => writeFileSync(join(data, 'compliance_state.json'), text) });
    forge(carriedStateJson(rest as CarriedState));
    expect(codes(await verifyPack(p1))).toContain('error COMPLIANCE_STATE_MISMATCH');
    const p2 = await exportCarryDay(cwd, policyFile, D2);
    expect(reportOf(p2).carried_in?.source).toBe('pack');
    expect(unrecorded(reportOf(p2))).toEqual([]);
    forge(genuine);
    expect(codes(await verifyArchive(join(cwd, 'artifacts')))).toContain('error COMPLIANCE_CARRY_MISMATCH');
    expect(pythonPackCheck(join(cwd, 'artifacts')).errors.map((p) => p.code)).toContain('COMPLIANCE_CARRY_MISMATCH');
  }, 90_000);

  it('a D-1 pack as rules 28 made it (the change judged in its own day) still verifies, and D carries from it', async () => {
    const { cwd, policyFile } = await setup([CHANGE], [LATER]);
    const p1 = await exportCarryDay(cwd, policyFile, D1);
    const at = lineOf(cwd, 'ConfigChanged');
    // What the build of rules 28 wrote: the finding in D-1's report, nothing waiting in its end state.
    forgePack(p1, {
      payload: (data) => {
        const rp = join(data, 'compliance_report.json');
        const r = JSON.parse(readFileSync(rp, 'utf8'));
        const finding = {
          id: `config_change_unrecorded:${at.seq}`,
          rule: 'config_change_unrecorded',
          severity: 'warning',
          time: stateOf(p1).config_changes?.[0]?.iso,
          order_ids: [],
          symbol: null,
          description: `config change at seq ${at.seq} with no config snapshot within 300 s`,
          evidence: [{ file: 'data/audit.jsonl', seq: at.seq, line: at.line, line_sha256: at.sha }],
        };
        writeFileSync(rp, `${JSON.stringify({ ...r, rules: 28, findings: [...r.findings, finding] }, null, 2)}\n`);
        const { config_changes: _gone, ...rest } = stateOf(p1);
        writeFileSync(join(data, 'compliance_state.json'), carriedStateJson(rest as CarriedState));
      },
    });
    const v = await verifyPack(p1);
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const changed = v.problems.filter((p) => p.code === 'COMPLIANCE_RULES_CHANGED');
    expect(changed.map((p) => p.detail).join('\n')).toMatch(
      new RegExp(
        `version 28, re-run with version ${COMPLIANCE_RULES_VERSION}: finding added: config_change_unrecorded`,
      ),
    );
    expect(changed.map((p) => p.file)).toContain('data/compliance_state.json');
    // D (rules 29 and later) starts from that state: nothing waits in it, so D names nothing again.
    const p2 = await exportCarryDay(cwd, policyFile, D2);
    expect([reportOf(p2).carried_in?.source, unrecorded(reportOf(p2))]).toEqual(['pack', []]);
    expect(codes(await verifyArchive(join(cwd, 'artifacts'))).filter((c) => c.startsWith('error'))).toEqual([]);
  }, 90_000);
});

describe('the carried config changes as hostile input', () => {
  const base = { ...emptyState(D1), end_us: 1 };
  const entry = {
    t_us: 1,
    iso: `${D1}T23:58:00.000000Z`,
    has_reason: true,
    unstored: null,
    evidence: { file: LOG1, seq: 1, line: 1, line_sha256: 'a'.repeat(64) },
  };

  it('a state without the field (written before rules 29, or with none waiting) still reads', () => {
    const text = carriedStateJson(base);
    expect(text).not.toContain('config_changes');
    const s = parseCarriedState(text, D1);
    expect(typeof s === 'string' ? s : s.config_changes).toBeUndefined();
  });

  it('an entry out of shape refuses the whole state, with a reason', () => {
    const bad = (x: unknown) => parseCarriedState(JSON.stringify({ ...base, config_changes: x }), D1);
    expect(bad('x')).toBe('config_changes is not a list');
    expect(bad([{ ...entry, has_reason: 'yes' }])).toBe('config_changes[0].has_reason is not true or false');
    expect(bad([{ ...entry, iso: 'x'.repeat(100) }])).toBe('config_changes[0].iso is not an ISO 8601 time');
    expect(bad([{ ...entry, unstored: 1 }])).toBe('config_changes[0].unstored is not a string');
    expect(typeof bad([entry])).toBe('object');
  });

  it('a huge list is held to the latest MAX_PENDING_CONFIGS, each judged on the day it is carried into', () => {
    const n = MAX_PENDING_CONFIGS + 3;
    const list = Array.from({ length: n }, (_, i) => ({ ...entry, t_us: i, evidence: { ...entry.evidence, seq: i } }));
    const timeline = new PolicyTimeline([
      policyFromText(TEST_POLICY, { from: null, source: 'file', snapshot_id: null, path: 'p.yaml' }),
    ]);
    const engine = new ComplianceEngine(timeline, { ...base, config_changes: list });
    engine.endDay(D2);
    const r = engine.finish();
    expect(r.by_rule.config_change_unrecorded).toBe(MAX_PENDING_CONFIGS);
    expect(r.findings.some((f) => f.evidence[0]?.seq === 2)).toBe(false);
  });
});

describe('a change carried into a day with no log and no pack (at26 F2)', () => {
  const D3 = '2026-12-01';

  it("is named by a COMPLIANCE_CARRY_GAP warning on the next day's export, and exporting the day between judges it", async () => {
    const { cwd, policyFile } = await setup([CHANGE], []);
    await writeEvents(join(cwd, 'logs'), [LATER], D3);
    const p1 = await exportCarryDay(cwd, policyFile, D1);
    expect(stateOf(p1).config_changes).toHaveLength(1);
    // D2 has no log (the machine was down) and no pack: D3 starts from nothing.
    const r3 = await exportCarryDayResult(cwd, policyFile, D3);
    const gap = r3.warnings.filter((w) => w.startsWith('COMPLIANCE_CARRY_GAP'));
    expect(gap).toHaveLength(1);
    expect(gap[0]).toContain(`the pack of ${D1} ended with 1 config change(s) waiting`);
    expect(gap[0]).toContain(`export ${D2}`);
    expect(reportOf(r3.path).carried_in?.note).toContain(`the pack of ${D1} ended with 1 config change(s)`);
    expect(unrecorded(reportOf(r3.path))).toEqual([]);
    // The way out the warning names: D2's (empty) pack judges the change; D3 again carries from it.
    const p2 = await exportCarryDay(cwd, policyFile, D2);
    expect(unrecorded(reportOf(p2)).map((f) => f.evidence[0]?.file)).toEqual([LOG1]);
    const again = await exportCarryDayResult(cwd, policyFile, D3, { force: true });
    expect(again.warnings.filter((w) => w.startsWith('COMPLIANCE_CARRY_GAP'))).toEqual([]);
    expect(reportOf(again.path).carried_in?.source).toBe('pack');
  });
});
