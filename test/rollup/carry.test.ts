/**
 * The merged stream's checks cross midnight: a kill switch left on at 23:00 on one host stops
 * another host's order at 00:10, and a GTC order accepted yesterday on one host and overfilled today
 * on another is an overfill. Neither host's own pack can see that; a merged run that started every
 * day empty saw `fill_without_order` and let the order through.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carriedStateJson } from '../../src/compliance/carry.js';
import { emptyState } from '../../src/compliance/carry-source.js';
import { reportJson } from '../../src/compliance/index.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { unionStates } from '../../src/rollup/carry.js';
import { rollupDay, type RollupResult } from '../../src/rollup/index.js';
import { verifyRollup } from '../../src/verify/index.js';
import { reseal } from '../verify/helpers/rollup-forge.js';
import { at, DATE, exportFirmDay, NEXT } from './hosts-fixture.js';

const MIN = 60_000_000;
type Ev = [number, string, string, Record<string, unknown>];

async function writeHost(dir: string, host: string, events: Ev[]): Promise<void> {
  let now = 0;
  const log = createAuditLogger({
    logDir: join(dir, host, 'logs'),
    handleExit: false,
    host,
    pid: 7,
    heartbeatMinutes: 0,
    clock: () => now,
  });
  for (const [t, cat, event, fields] of events) {
    now = t;
    log.log(cat, event, fields);
  }
  await log.close();
}

const order = (id: string, qty: number, tif: string) => ({
  order_id: id,
  symbol: 'ABC',
  side: 'buy',
  quantity: qty,
  price: 100,
  user: 'u',
  time_in_force: tif,
});

let dir: string;
let r: RollupResult;

describe('the merged checks start from the hosts’ state at midnight', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-rollup-carry-'));
    const late = at(DATE, 23);
    await writeHost(dir, 'alpha', [
      [at(DATE, 10), 'auth', 'Login', { user: 'u' }],
      [late, 'risk', 'KillSwitchOn', { user: 'u', scope: 'all', reason: 'halt' }],
      [late + 30 * MIN, 'risk', 'RiskCheck', { order_id: 'G1', result: 'pass', reference_price: 100 }],
      [late + 30 * MIN + 1, 'order', 'OrderAccepted', order('G1', 100, 'GTC')],
    ]);
    await writeHost(dir, 'bravo', [
      [at(DATE, 10), 'auth', 'Login', { user: 'u' }],
      [at(NEXT, 0) + 10 * MIN, 'risk', 'RiskCheck', { order_id: 'O1', result: 'pass', reference_price: 100 }],
      [at(NEXT, 0) + 10 * MIN + 1, 'order', 'OrderAccepted', order('O1', 5, 'GTC')],
      [
        at(NEXT, 0) + 20 * MIN,
        'fill',
        'Filled',
        { order_id: 'G1', deal_id: 'F1', symbol: 'ABC', quantity: 150, price: 100 },
      ],
    ]);
    const hosts = [
      { name: 'alpha', skewUs: 0 },
      { name: 'bravo', skewUs: 0 },
    ];
    await exportFirmDay(dir, hosts, DATE);
    await exportFirmDay(dir, hosts, NEXT);
    r = await rollupDay({
      date: NEXT,
      outDir: join(dir, 'rollups'),
      version: '0.1.0',
      sources: ['alpha', 'bravo'].map((h) => ({ host: h, dir: join(dir, h, 'artifacts') })),
    });
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a kill switch of one host and a GTC order of another cross midnight into the merged report', () => {
    const rules = r.compliance.findings.map((f) => `${f.rule} ${f.order_ids.join(',')}`).sort();
    expect(rules).toContain('kill_switch_violation O1');
    expect(rules).toContain('overfill G1');
    expect(rules).not.toContain('fill_without_order G1');
    const kill = r.compliance.findings.find((f) => f.rule === 'kill_switch_violation');
    // The KillSwitchOn line is alpha's log of the day before.
    expect(kill?.evidence[0]?.file).toBe(`alpha/audit-${DATE.replaceAll('-', '')}.jsonl`);
  });

  it('records carried_in in the merged report, as a pack does', () => {
    const c = r.compliance.carried_in;
    expect(c?.source).toBe('hosts');
    expect(c?.date).toBe(DATE);
    expect(c?.note).toContain('alpha, bravo');
    const onDisk = JSON.parse(readFileSync(join(r.dir, 'data', 'compliance_report.json'), 'utf8'));
    expect(onDisk.carried_in).toEqual(c);
    expect(r.findings.map((f) => f.code)).not.toContain('ROLLUP_HOST_NO_CARRY');
  });
});

describe("two hosts' config changes of the same seq are two changes in the merged stream (at26 F1)", () => {
  let d3: string;
  beforeAll(async () => {
    d3 = mkdtempSync(join(tmpdir(), 'auditpack-rollup-config-seq-'));
    // Each host logs a Login (seq 1) and a ConfigChanged without reason or snapshot (seq 2) at
    // 23:58, carried past midnight, and the same on the next day: every change is a finding on the
    // next day, each host's under its own file, though the seqs are equal.
    const cfg = { config_type: 'risk' };
    const day = (t: number): Ev[] => [
      [t, 'auth', 'Login', { user: 'u' }],
      [t + 1, 'config', 'ConfigChanged', cfg],
    ];
    for (const h of ['alpha', 'bravo']) await writeHost(d3, h, [...day(at(DATE, 23) + 58 * MIN), ...day(at(NEXT, 10))]);
    const hosts = [
      { name: 'alpha', skewUs: 0 },
      { name: 'bravo', skewUs: 0 },
    ];
    await exportFirmDay(d3, hosts, DATE);
    await exportFirmDay(d3, hosts, NEXT);
  }, 240_000);
  afterAll(() => rmSync(d3, { recursive: true, force: true }));

  const roll = (date: string, out: string) =>
    rollupDay({
      date,
      outDir: join(d3, out),
      version: '0.1.0',
      sources: ['alpha', 'bravo'].map((h) => ({ host: h, dir: join(d3, h, 'artifacts') })),
    });
  const unrecorded = (x: RollupResult) =>
    x.compliance.findings
      .filter((f) => f.rule === 'config_change_unrecorded')
      .map((f) => `${f.evidence[0]?.file.split('/')[0]} ${f.evidence[0]?.seq}`)
      .sort();
  const want = ['alpha 2', 'alpha 4', 'bravo 2', 'bravo 4'];

  it("from the hosts' start states: both hosts' carried changes and both of the day's", async () => {
    const r2 = await roll(NEXT, 'hosts');
    expect(r2.compliance.carried_in?.source).toBe('hosts');
    expect(unrecorded(r2)).toEqual(want);
  });

  it("from the previous roll-up's end state: it carried both hosts' changes", async () => {
    const r1 = await roll(DATE, 'chain');
    expect(unrecorded(r1)).toEqual([]);
    const r2 = await roll(NEXT, 'chain');
    expect(r2.compliance.carried_in?.source).toBe('rollup');
    expect(unrecorded(r2)).toEqual(want);
  });
});

describe('unionStates', () => {
  const ev = (file: string, seq: number) => ({ file, seq, line: seq, line_sha256: '0'.repeat(64) });
  it('keeps what any host held: latest session, latest risk check, merged rate windows, the fuller order', () => {
    const base = emptyState(DATE);
    const o = {
      order_id: 'X',
      t_us: 5,
      symbol: 'ABC',
      evidence: ev('a/f', 1),
      time_in_force: 'GTC',
      quantity: 10,
      price: 1,
      reference_price: null,
      strategy: null,
      venue: null,
      filled: 2,
      status: 'open' as const,
      overfilled: false,
    };
    const a = {
      ...base,
      end_us: 10,
      sessions: [{ user: 'u', login_us: 3 }],
      open_orders: [o],
      risk_checks: [{ key: 'o:X', t_us: 4, pass: true, failed: [], reference_price: 1, evidence: ev('a/f', 2) }],
      strategy_rates: [{ name: 's', times_us: [1, 5], breaching: false }],
    };
    const b = {
      ...base,
      end_us: 20,
      kill_switch: [{ scope: 'all', evidence: ev('b/f', 1) }],
      sessions: [{ user: 'u', login_us: 7 }],
      open_orders: [{ ...o, filled: 6, evidence: ev('b/f', 3) }],
      risk_checks: [{ key: 'o:X', t_us: 2, pass: false, failed: ['x'], reference_price: 1, evidence: ev('b/f', 2) }],
      strategy_rates: [{ name: 's', times_us: [3], breaching: true }],
    };
    const u = unionStates([a, b], DATE);
    expect(u.end_us).toBe(20);
    expect(u.kill_switch.map((k) => k.scope)).toEqual(['all']);
    expect(u.sessions).toEqual([{ user: 'u', login_us: 7 }]);
    expect(u.open_orders.map((x) => x.filled)).toEqual([6]);
    expect(u.risk_checks.map((x) => x.pass)).toEqual([true]);
    expect(u.strategy_rates).toEqual([{ name: 's', times_us: [1, 3, 5], breaching: true }]);
    expect('config_changes' in u).toBe(false);
  });

  it("keeps every host's config changes waiting for a snapshot, each once, by time (rules 29)", () => {
    const change = (file: string, seq: number, t_us: number) => ({
      t_us,
      iso: `${DATE}T23:58:00.000000Z`,
      has_reason: true,
      unstored: null,
      evidence: ev(file, seq),
    });
    const a = { ...emptyState(DATE), config_changes: [change('a/f', 9, 8)] };
    const b = { ...emptyState(DATE), config_changes: [change('b/f', 9, 5), change('a/f', 9, 8)] };
    const u = unionStates([a, b], DATE);
    expect(u.config_changes?.map((c) => c.evidence.file)).toEqual(['b/f', 'a/f']);
  });
});

describe('the merged state chains from roll-up to roll-up, and verify holds it', () => {
  let d2: string;
  beforeAll(async () => {
    d2 = mkdtempSync(join(tmpdir(), 'auditpack-rollup-chain-'));
    // alpha accepts G2 (100); bravo fills 60 of it before midnight and 60 more after: an overfill
    // only the merged stream sees, and only when the merged state crosses midnight (the hosts'
    // own states know either the order or the fill, never both).
    await writeHost(d2, 'alpha', [
      [at(DATE, 10), 'auth', 'Login', { user: 'u' }],
      [at(DATE, 10) + MIN, 'risk', 'RiskCheck', { order_id: 'G2', result: 'pass', reference_price: 100 }],
      [at(DATE, 10) + MIN + 1, 'order', 'OrderAccepted', order('G2', 100, 'GTC')],
    ]);
    const fill = (deal: string) => ({ order_id: 'G2', deal_id: deal, symbol: 'ABC', quantity: 60, price: 100 });
    await writeHost(d2, 'bravo', [
      [at(DATE, 11), 'fill', 'Filled', fill('F1')],
      [at(NEXT, 0) + 20 * MIN, 'fill', 'Filled', fill('F2')],
    ]);
    const hosts = [
      { name: 'alpha', skewUs: 0 },
      { name: 'bravo', skewUs: 0 },
    ];
    await exportFirmDay(d2, hosts, DATE);
    await exportFirmDay(d2, hosts, NEXT);
  }, 240_000);
  afterAll(() => rmSync(d2, { recursive: true, force: true }));

  const roll = (date: string, out: string, signingKey?: KeyObject) =>
    rollupDay({
      date,
      outDir: join(d2, out),
      version: '0.1.0',
      sources: ['alpha', 'bravo'].map((h) => ({ host: h, dir: join(d2, h, 'artifacts') })),
      ...(signingKey ? { signingKey } : {}),
    });
  const carryProblems = async (day: string) =>
    (await verifyRollup(day)).problems.filter((p) => p.code === 'ROLLUP_CARRY_MISMATCH').map((p) => p.detail);

  it('starts from the previous roll-up’s merged end state, exact across hosts', async () => {
    await roll(DATE, 'chain');
    const r2 = await roll(NEXT, 'chain');
    expect(r2.compliance.carried_in?.source).toBe('rollup');
    expect(r2.compliance.findings.map((f) => `${f.rule} ${f.order_ids.join(',')}`)).toContain('overfill G2');
    const end = readFileSync(join(d2, 'chain', DATE, 'data', 'compliance_state.json'));
    expect(r2.compliance.carried_in?.state_sha256).toBe(createHash('sha256').update(end).digest('hex'));
    const v = await verifyRollup(join(d2, 'chain', NEXT));
    expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(await carryProblems(join(d2, 'chain', NEXT))).toEqual([]);
    // Without the previous roll-up, the hosts' states: the order is known, its first fill is not.
    const alone = await roll(NEXT, 'alone');
    expect(alone.compliance.carried_in?.source).toBe('hosts');
    expect(alone.compliance.carried_in?.note).toContain(`no roll-up of ${DATE}`);
    expect(alone.compliance.findings.map((f) => f.rule)).not.toContain('overfill');
  });

  it('an end state re-listed in manifest-sha256.txt alone is not carried, and a day that carried it is a finding', async () => {
    const out = join(d2, 'relisted');
    cpSync(join(d2, 'chain'), out, { recursive: true });
    const prevDay = join(out, DATE);
    const statePath = join(prevDay, 'data', 'compliance_state.json');
    const genuine = readFileSync(statePath);
    const forged = carriedStateJson(emptyState(DATE));
    writeFileSync(statePath, forged);
    const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    const mf = join(prevDay, 'manifest-sha256.txt');
    writeFileSync(mf, readFileSync(mf, 'utf8').replace(sha(genuine), sha(forged)));
    // The day made before the edit started from the genuine state: verify now cannot vouch for it.
    expect((await carryProblems(join(out, NEXT))).join('\n')).toMatch(
      /whose merged end state is not vouched for: the manifest-sha256\.txt of the previous roll-up is not the one its tagmanifest/,
    );
    // A roll-up made now does not take it: it starts from the hosts, says why, and verifies.
    rmSync(join(out, NEXT), { recursive: true });
    const r2 = await roll(NEXT, 'relisted');
    expect(r2.compliance.carried_in?.source).toBe('hosts');
    expect(r2.compliance.carried_in?.note).toMatch(/not the one its tagmanifest-sha256\.txt lists/);
    expect(await carryProblems(join(out, NEXT))).toEqual([]);
  });

  it('a roll-up that signs carries only from one signed by its own key', async () => {
    const mine = generateKeyPairSync('ed25519').privateKey;
    const other = generateKeyPairSync('ed25519').privateKey;
    await roll(DATE, 'signed', other);
    let r2 = await roll(NEXT, 'signed', mine);
    expect(r2.compliance.carried_in?.source).toBe('hosts');
    expect(r2.compliance.carried_in?.note).toMatch(/does not verify with the key this roll-up signs with/);
    expect(await carryProblems(join(d2, 'signed', NEXT))).toEqual([]);
    rmSync(join(d2, 'signed'), { recursive: true });
    await roll(DATE, 'signed', mine);
    r2 = await roll(NEXT, 'signed', mine);
    expect(r2.compliance.carried_in?.source).toBe('rollup');
    expect(r2.compliance.findings.map((f) => `${f.rule} ${f.order_ids.join(',')}`)).toContain('overfill G2');
    expect(await carryProblems(join(d2, 'signed', NEXT))).toEqual([]);
  });

  it('a swapped start state (every digest recomputed) or a dropped one is a finding', async () => {
    const forged = join(d2, 'forged');
    cpSync(join(d2, 'chain'), forged, { recursive: true });
    const day = join(forged, NEXT);
    const empty = carriedStateJson(emptyState(DATE));
    writeFileSync(join(day, 'data', 'compliance_state_start.json'), empty);
    const reportPath = join(day, 'data', 'compliance_report.json');
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    report.carried_in.state_sha256 = createHash('sha256').update(empty).digest('hex');
    writeFileSync(reportPath, reportJson(report));
    reseal(day);
    expect((await carryProblems(day)).join('\n')).toMatch(/not the merged end state of the roll-up/);
    // The day before's merged state removed: a start that names it cannot be held to it.
    const prevDay = join(forged, DATE);
    const prevEnd = readFileSync(join(prevDay, 'data', 'compliance_state.json'));
    rmSync(join(prevDay, 'data', 'compliance_state.json'));
    expect((await carryProblems(day)).join('\n')).toMatch(/holds no merged end state/);
    writeFileSync(join(prevDay, 'data', 'compliance_state.json'), prevEnd);
    // Dropped: no carried_in and no state files.
    delete report.carried_in;
    writeFileSync(reportPath, reportJson(report));
    rmSync(join(day, 'data', 'compliance_state_start.json'));
    rmSync(join(day, 'data', 'compliance_state.json'));
    reseal(day);
    expect((await carryProblems(day)).join('\n')).toMatch(/carried state was dropped/);
  });
});
