/**
 * config_change_unrecorded's window (config_snapshot_window_s after the change) across midnight
 * (docs/compliance.md "Across midnight"): a change whose window runs past midnight is carried in
 * the compliance state (docs/FORMAT.md "Compliance state", `config_changes`) and judged the next
 * day, so a change at 23:58 whose snapshot is taken at 00:01 is no finding (from rules 29; before,
 * each change was judged at the end of its day). A day without a log carries it unchanged.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance } from '../../src/compliance/index.js';
import { tempDir } from '../helpers/tmp.js';
import { TEST_POLICY, writeEvents, writePolicy } from './helpers.js';

const D1 = '2025-09-08';
const D2 = '2025-09-09';
const D3 = '2025-09-10';
const SHA = 'ab'.repeat(32);
const change = { config_type: 'risk', reason: 'NFP' };
const snapshot = { snapshot_id: 's1', record_sha256: SHA };

async function unrecorded(days: [string, [string, string, string, Record<string, unknown>][]][], to: string) {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, TEST_POLICY);
  const logDir = join(cwd, 'logs');
  for (const [d, evs] of days) await writeEvents(logDir, evs, d);
  const r = await checkCompliance({ cwd, logDir, policyFile, from: D1, to });
  return r.findings.filter((f) => f.rule === 'config_change_unrecorded').length;
}

describe('config_change_unrecorded across midnight', () => {
  it('a change at 23:58 recorded by a snapshot at 00:01 the next day is no finding', async () => {
    const n = await unrecorded(
      [
        [D1, [['23:58:00', 'config', 'ConfigChanged', change]]],
        [D2, [['00:01:00', 'config', 'ConfigSnapshot', snapshot]]],
      ],
      D2,
    );
    expect(n).toBe(0);
  });

  it('a change whose only snapshot comes after a day without a log, days later, is a finding', async () => {
    const n = await unrecorded(
      [
        [D1, [['23:58:00', 'config', 'ConfigChanged', change]]],
        [D3, [['00:01:00', 'config', 'ConfigSnapshot', snapshot]]],
      ],
      D3,
    );
    expect(n).toBe(1);
  });

  it('within one day the window holds: a snapshot 4 minutes after the change records it', async () => {
    const n = await unrecorded(
      [
        [
          D1,
          [
            ['10:00:00', 'config', 'ConfigChanged', change],
            ['10:04:00', 'config', 'ConfigSnapshot', snapshot],
          ],
        ],
      ],
      D1,
    );
    expect(n).toBe(0);
  });
});
