/**
 * Packs of a day whose policy file the steps snapshot, changed, removed, or left as is: the day
 * before's pack, then the day's, made by export from a real snapshot store and log (no forging).
 * An order on a symbol the strict policy restricts (NORD) is logged at ORDER steps, or at 11:00
 * after every snapshot when no step places it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createConfigSnapshot } from '../../../src/snapshot/index.js';
import { exportTestDay, micros, TEST_POLICY, writeEvents, writePolicy } from '../../compliance/helpers.js';
import { tempDir } from '../../helpers/tmp.js';

export const errors = (r: { problems: readonly { code: string; severity: string; detail: string }[] }) =>
  r.problems.filter((p) => p.severity === 'error').map((p) => `${p.code}: ${p.detail}`);
export const BEFORE = '2025-09-07';
/** The strict test policy without its restricted symbol. */
export const LAX = TEST_POLICY.replace('restricted_symbols: [NORD]', 'restricted_symbols: []');
/** A policy file that does not parse. */
export const BROKEN = 'max_risk_score: [\n';
/** The patterns of a narrow snapshot that leaves the policy file out. */
export const NARROW = ['configs/risk.yaml'];
/** A step's text placing the order instead of a snapshot. */
export const ORDER = 'order';
/**
 * [day, time, the policy text written before a snapshot (null: the file removed; undefined: as is;
 * ORDER: the order logged at that time, no snapshot), patterns].
 */
export type Step = [string, string, string | null | undefined, string[]?];

/** The day's pack after `steps` (`extra`: the day exported again with --force, or as a .tar.gz). */
export async function packOf(steps: Step[], extra: { force?: boolean; compress?: boolean } = {}) {
  const cwd = tempDir();
  const logDir = join(cwd, 'logs');
  const snapshotDir = join(cwd, 'audit', 'snapshots');
  writePolicy(cwd, 'max_position: 10\n', 'risk.yaml');
  const ids: string[] = [];
  const order = (t: string) =>
    writeEvents(logDir, [
      [t, 'order', 'OrderAccepted', { order_id: 'A-1', symbol: 'NORD', side: 'BUY', quantity: 1, price: '1' }],
    ]);
  for (const [d, t, text, patterns] of steps) {
    if (text === ORDER) {
      await order(t);
      continue;
    }
    if (text === null) rmSync(join(cwd, 'configs', 'compliance_policy.yaml'));
    else if (text !== undefined) writePolicy(cwd, text);
    const clock = () => micros(d, t);
    const snap = await createConfigSnapshot({
      cwd,
      snapshotDir,
      logDir,
      reason: 'config',
      clock,
      ...(patterns ? { patterns } : {}),
    });
    ids.push(snap.snapshot_id);
  }
  if (!steps.some((s) => s[2] === ORDER)) await order('11:00:00');
  const opts = { snapshot: { cwd, snapshotDir, logDir }, compliance: { cwd, snapshotDir, logDir } };
  await exportTestDay(cwd, { ...opts, date: BEFORE });
  let r = await exportTestDay(cwd, opts);
  if (extra.force === true || extra.compress === true) r = await exportTestDay(cwd, { ...opts, ...extra, force: true });
  return { cwd, logDir, ids, path: r.path };
}
