/**
 * A partial pack (export --partial, made before its day ended) is never a carry source: its state
 * is the state at the time it was made, so a kill switch turned on later that day would be lost to
 * the next day's checks. Export falls back to the log replay and says why; the archive check holds a
 * day that started from a partial pack's state (current or superseded) as an error.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { exportCarryDay } from './helpers/carry-day.js';
import { verifyArchive } from '../../src/verify/index.js';
import { type Ev, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from '../verify/helpers/forge.js';

const D1 = '2026-11-29';
const D = '2026-11-30';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

const MORNING: Ev[] = [['10:00:00', 'auth', 'Login', { user: 'alice' }]];
const AFTERNOON: Ev[] = [['15:00:00', 'risk', 'KillSwitchOn', { user: 'x', reason: 'runaway algo' }]];
const NEXT_DAY: Ev[] = [
  ['01:00:00', 'risk', 'RiskCheck', { order_id: 'O1', result: 'pass', score: 0.1, reference_price: 1.1 }],
  [
    '01:00:01',
    'order',
    'OrderAccepted',
    { order_id: 'O1', symbol: 'EURUSD', quantity: 1, price: '1.1', user: 'alice', time_in_force: 'GTC' },
  ],
];

/** D-1's noon partial pack (the morning only), then D-1's afternoon and D logged; no full pack of D-1. */
async function setup(): Promise<{ cwd: string; policyFile: string; partialPack: string }> {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, `${TEST_POLICY}\nrequire_review: false\n`);
  await writeEvents(join(cwd, 'logs'), MORNING, D1);
  const noon = Date.parse(`${D1}T12:00:00Z`);
  const partialPack = await exportDay(cwd, policyFile, D1, { partial: true, now: () => noon });
  await writeEvents(join(cwd, 'logs'), AFTERNOON, D1);
  await writeEvents(join(cwd, 'logs'), NEXT_DAY, D);
  return { cwd, policyFile, partialPack };
}

const exportDay = (
  cwd: string,
  policyFile: string,
  date: string,
  more: { partial?: boolean; now?: () => number; force?: boolean } = {},
): Promise<string> => exportCarryDay(cwd, policyFile, date, more);

const reportOf = (pack: string): ComplianceReport =>
  JSON.parse(readFileSync(join(pack, 'data/compliance_report.json'), 'utf8')) as ComplianceReport;
const carryProblems = async (cwd: string): Promise<{ severity: string; detail: string }[]> =>
  (await verifyArchive(join(cwd, 'artifacts'))).problems.filter((p) => p.code === 'COMPLIANCE_CARRY_MISMATCH');

describe('a partial pack is no carry source', () => {
  it("D's export replays D-1's log instead of D-1's noon pack: the afternoon's kill switch holds", async () => {
    const { cwd, policyFile, partialPack } = await setup();
    expect(JSON.parse(readFileSync(join(partialPack, 'manifest.json'), 'utf8')).partial).toBe(true);
    const r = reportOf(await exportDay(cwd, policyFile, D));
    expect(r.carried_in?.source).toBe('log');
    expect(r.carried_in?.note).toMatch(/the pack of 2026-11-29 is partial \(made before 2026-11-29 ended/);
    expect(r.findings.map((f) => f.rule)).toContain('kill_switch_violation');
  }, 60_000);

  // The partial flag is read from manifest.json, so it is believed only from the manifest.json the
  // tag manifest lists: moved aside during D's export, or edited to "partial": false, it would
  // otherwise pass the noon pack off as the day's end.
  it.each([
    ['moved aside', (p: string, cwd: string) => renameSync(join(p, 'manifest.json'), join(cwd, 'manifest.json.away'))],
    [
      'edited to "partial": false',
      (p: string) => {
        const m = JSON.parse(readFileSync(join(p, 'manifest.json'), 'utf8'));
        writeFileSync(join(p, 'manifest.json'), `${JSON.stringify({ ...m, partial: false }, null, 2)}\n`);
      },
    ],
    ['not JSON', (p: string) => writeFileSync(join(p, 'manifest.json'), '{"partial": tru')],
  ])(
    "D-1's noon pack with its manifest.json %s: D replays D-1's log, the kill switch holds",
    async (_what, tamper) => {
      const { cwd, policyFile, partialPack } = await setup();
      tamper(partialPack, cwd);
      const r = reportOf(await exportDay(cwd, policyFile, D));
      expect(r.carried_in?.source).toBe('log');
      expect(r.carried_in?.note).toMatch(
        /the manifest\.json of the pack of 2026-11-29 is not the one its tagmanifest-sha256\.txt lists \(edited, or missing\): whether it is partial is not known/,
      );
      expect(r.findings.map((f) => f.rule)).toContain('kill_switch_violation');
    },
    60_000,
  );

  it('a day that started from a partial pack is an error in the archive, also once the full pack replaced it', async () => {
    const { cwd, policyFile, partialPack } = await setup();
    const p2 = await exportDay(cwd, policyFile, D);
    // What an earlier version wrote: D's start is the partial pack's end state, carried_in says "pack".
    const noonState = readFileSync(join(partialPack, 'data/compliance_state.json'));
    forgePack(p2, {
      payload: (data) => {
        writeFileSync(join(data, 'compliance_state_start.json'), noonState);
        const r = reportOf(join(data, '..'));
        const carried = { ...r.carried_in, source: 'pack', log_sha256: null, state_sha256: sha(noonState) };
        writeFileSync(
          join(data, 'compliance_report.json'),
          `${JSON.stringify({ ...r, carried_in: carried }, null, 2)}\n`,
        );
      },
    });
    const before = await carryProblems(cwd);
    expect(before.map((p) => p.severity)).toEqual(['error']);
    expect(before[0]?.detail).toMatch(/the partial pack 2026-11-29 \(made before 2026-11-29 ended\)/);
    // The missed full export of D-1 is made later: the partial pack moves aside, and D is still held
    // to it (not excused as a back-fill warning).
    await exportDay(cwd, policyFile, D1);
    const after = await carryProblems(cwd);
    expect(after.map((p) => p.severity)).toEqual(['error']);
    expect(after[0]?.detail).toMatch(/the partial pack 2026-11-29\.v1 /);
    // Re-exported, D carries the full pack's state: nothing left to say.
    await exportDay(cwd, policyFile, D, { force: true });
    expect(await carryProblems(cwd)).toEqual([]);
  }, 90_000);
});
