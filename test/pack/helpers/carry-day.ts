/**
 * The two-day fixture the carry tests share: a kill switch switched on at 23:00 of D-1 and never
 * off, then an order at 01:00 of D, so a day whose checks start from D-1's state finds
 * kill_switch_violation and one that starts empty does not; and the export those tests run.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { exportPack } from '../../../src/pack/index.js';
import type { Ev } from '../../compliance/helpers.js';

export const D1 = '2026-11-29';
export const D = '2026-11-30';
export const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Login at 22:00 and a kill switch on at 23:00 of D-1 (never off). */
export const BEFORE: Ev[] = [
  ['22:00:00', 'auth', 'Login', { user: 'alice' }],
  ['23:00:00', 'risk', 'KillSwitchOn', { user: 'x', reason: 'runaway algo' }],
];
/** A passing risk check and an order at 01:00 of D. */
export const AFTER: Ev[] = [
  ['01:00:00', 'risk', 'RiskCheck', { order_id: 'O1', result: 'pass', score: 0.1, reference_price: 1.1 }],
  [
    '01:00:01',
    'order',
    'OrderAccepted',
    { order_id: 'O1', symbol: 'EURUSD', quantity: 1, price: '1.1', user: 'alice', time_in_force: 'GTC' },
  ],
];

type ExportOptions = Parameters<typeof exportPack>[0];

/** The export of `date` from `cwd`/logs with the policy file, no snapshot or event; `extra` added: its result. */
export function exportCarryDayResult(
  cwd: string,
  policyFile: string,
  date: string,
  extra: Partial<ExportOptions> = {},
): ReturnType<typeof exportPack> {
  return exportPack({
    date,
    logDir: join(cwd, 'logs'),
    artifactsDir: join(cwd, 'artifacts'),
    version: '0.1.0',
    snapshot: false,
    recordEvent: false,
    compliance: { cwd, policyFile },
    ...extra,
  });
}

/** The same, its pack's path. */
export async function exportCarryDay(
  cwd: string,
  policyFile: string,
  date: string,
  extra: Partial<ExportOptions> = {},
): Promise<string> {
  return (await exportCarryDayResult(cwd, policyFile, date, extra)).path;
}
