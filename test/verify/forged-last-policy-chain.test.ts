/**
 * The forged last policy an unsigned pack alone cannot disprove (fx54a): the report ends under the
 * snapshot in force, with its id and the record's sha256, but a lax text holding the censor (a text
 * redacted again is not held to the stored copy, which the pack does not hold). The forger re-makes
 * the report, CSV, page and manifests; the chained log stays genuine. What pins the pack is outside
 * it: the live log's PackExported event (verify the artifacts directory with --log-dir), or the next
 * day's pack, whose log holds that event (it records the manifest's sha256). Both must say so as an
 * error; the pack verified alone says how to prove it (COMPLIANCE_POLICY_UNBOUND).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/compliance/index.js';
import { exportPack } from '../../src/pack/export.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { verifyPath } from '../../src/verify/index.js';
import { type Ev, micros, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgeReport, reportOf } from './helpers/forge-report.js';
import { pythonPackCheck } from './helpers/python-check.js';

const LAX = `${TEST_POLICY.replace('restricted_symbols: [NORD]', 'restricted_symbols: []')}# [REDACTED]\n`;
const errors = (r: { problems: readonly { code: string; severity: string; detail: string }[] }) =>
  r.problems.filter((p) => p.severity === 'error').map((p) => `${p.code}: ${p.detail.slice(0, 200)}`);
const order = (id: string): Ev[] => [
  ['09:00:00', 'order', 'OrderAccepted', { order_id: id, symbol: 'NORD', side: 'BUY', quantity: 1, price: '1' }],
];

/** The strict policy snapshotted the day before; 2025-09-08 exported (and, with `next`, 2025-09-09) as the nightly job does. */
async function days(next: boolean) {
  const cwd = tempDir();
  const snapshotDir = join(cwd, 'audit', 'snapshots');
  const logDir = join(cwd, 'logs');
  const artifactsDir = join(cwd, 'artifacts');
  writePolicy(cwd, TEST_POLICY);
  await createConfigSnapshot({
    cwd,
    snapshotDir,
    logDir,
    reason: 'policy',
    clock: () => micros('2025-09-07', '18:00:00'),
  });
  await writeEvents(logDir, order('A-1'));
  if (next) await writeEvents(logDir, order('A-2'), '2025-09-09');
  const exp = async (date: string) => {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    let t = Date.UTC(y, m - 1, d + 1, 0, 10) * 1000;
    return exportPack({
      date,
      logDir,
      artifactsDir,
      version: '0.1.0',
      now: () => t / 1000,
      loggerClock: () => (t += 1000),
      snapshot: { cwd, snapshotDir },
      compliance: { cwd, snapshotDir },
    });
  };
  const dir = (await exp('2025-09-08')).path;
  if (next) await exp('2025-09-09');
  return { cwd, dir, logDir, artifactsDir };
}

/** The forged report: its only policy the snapshot in force's, with `id` (default its own), the record's sha256 and a censored lax text. */
async function forge(dir: string, id?: string): Promise<void> {
  const own = reportOf(dir).policies.at(-1) as ComplianceReport['policies'][number];
  expect(own).toMatchObject({ source: 'snapshot', from: null, snapshot_id: '20250907T180000.000000Z-000' });
  const forged = await forgeReport(dir, (r) => ({
    ...r,
    policies: [{ ...own, snapshot_id: id ?? own.snapshot_id, text: LAX }],
  }));
  expect(forged.by_rule.restricted_symbol ?? 0).toBe(0);
}

const FAKE_ID = '20250906T120000.000000Z-000';

describe('a censored lax text under the policy in force, pinned from outside the pack', () => {
  for (const id of [undefined, FAKE_ID])
    it(`${id === undefined ? 'its own id' : 'an id no event names, in force from the start'}: alone a warning saying how to prove it; with --log-dir an error`, async () => {
      const { dir, logDir, artifactsDir } = await days(false);
      expect(errors(await verifyPath(artifactsDir, { logDir }))).toEqual([]);
      await forge(dir, id);
      // Alone: nothing in the pack disproves it (the text is not hashed, the pack does not hold the
      // stored copy); the warning names what does.
      const alone = await verifyPath(dir);
      expect(errors(alone)).toEqual([]);
      const unbound = alone.problems.filter((p) => p.code === 'COMPLIANCE_POLICY_UNBOUND').map((p) => p.detail);
      expect(unbound).toEqual([expect.stringMatching(/--pubkey.*--log-dir.*PackExported.*next day's pack/)]);
      expect(errors(await verifyPath(artifactsDir, { logDir }))).toContainEqual(
        expect.stringMatching(/^ARCHIVE_EXPORT_MISMATCH: the PackExported event .* records 2025-09-08 with manifest/),
      );
    });

  it("the next day's pack beside it: an error in both checkers", async () => {
    const { dir, artifactsDir } = await days(true);
    expect(errors(await verifyPath(artifactsDir))).toEqual([]);
    expect(pythonPackCheck(artifactsDir).errors).toEqual([]);
    await forge(dir);
    expect(errors(await verifyPath(artifactsDir))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ARCHIVE_LINK_BROKEN: previous_pack records 2025-09-08/),
        expect.stringMatching(
          /^ARCHIVE_EXPORT_MISMATCH: the PackExported event .*2025-09-09\/data\/audit.jsonl records 2025-09-08/,
        ),
      ]),
    );
    expect(pythonPackCheck(artifactsDir).errors.map((e) => e.code)).toEqual(
      expect.arrayContaining(['ARCHIVE_LINK_BROKEN', 'ARCHIVE_EXPORT_MISMATCH']),
    );
  });
});
