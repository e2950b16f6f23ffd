/**
 * The built CLI over a day whose writer was killed mid-write at its end, exported before any other
 * writer ran: the next day's pack links to it, and both checkers accept the artifacts directory.
 * Before, export's own event recovered the torn tail after the pack was cut: the recovery was in
 * no pack, the next pack did not link (ARCHIVE_LINK_BROKEN / ARCHIVE_DAY_MISSING).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { day } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { nextLineBytes } from '../pack/helpers/torn-write.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

describe('export of a day that ends in a torn write, then the next day', () => {
  it('the next pack links to it; verify of the artifacts directory and the Python checker pass', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    mkdirSync(logs);
    const d = day(-2);
    await writeDay(logs, d, SAMPLE_EVENTS.slice(0, 3));
    const next = await nextLineBytes(logs, d, SAMPLE_EVENTS[3] as (typeof SAMPLE_EVENTS)[number], '23:59:58');
    appendFileSync(join(logs, `audit-${d.replaceAll('-', '')}.jsonl`), next.subarray(0, 30));
    const env = { AUDITPACK_LOCK_TIMEOUT: '30' };
    const exported = runCli(['export', '--date', d], { cwd, env });
    expect(exported.code, exported.stderr).toBe(3); // WARNINGS: the recovered fragment
    expect(exported.stderr).toMatch(/malformed line 4 \(offset \d+, 30 bytes\): recovered-fragment/);
    const logged = runCli(['log', 'order', 'OrderAccepted', 'order_id=B1', 'symbol=EURUSD', 'side=BUY', 'quantity=1'], {
      cwd,
      env,
    });
    expect(logged.code, logged.stderr).toBe(0);
    const partial = runCli(['export', '--date', day(0), '--partial'], { cwd, env });
    expect(partial.code, partial.stderr).toBe(0);
    const v = runCli(['verify', 'artifacts', '--log-dir', 'logs'], { cwd, env });
    expect(v.stdout).not.toMatch(/ARCHIVE_LINK_BROKEN|ARCHIVE_DAY_MISSING/);
    expect(v.code, v.stdout).toBe(0);
    expect(pythonPackCheck(join(cwd, 'artifacts')).errors).toEqual([]);
  }, 120_000);
});
