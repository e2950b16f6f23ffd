/**
 * Bytes appended by hand at the end of the newest day file (no "\n", not the start of a line):
 * the next writer (a real `auditpack log` process, and export through the writer's code) recovers
 * them so that logging goes on, but they were no torn write. Both checkers judge a recovered line
 * by the test of an unterminated tail (docs/FORMAT.md, "Torn lines and recovery"), so the live
 * log, the pack and its .tar.gz say LOG_TAIL_INVALID, as the log did before the recovery. Before,
 * the recovery laundered them: LOG_TORN_LINE_RECOVERED only, and verify passed.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { day } from '../helpers/days.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const env = { AUDITPACK_LOCK_TIMEOUT: '30' };
const ORDER = ['log', 'order', 'OrderAccepted', 'order_id="A"', '--log-dir', 'logs'];

function codes(out: string): Record<string, string> {
  const r = JSON.parse(out) as { problems: { code: string; severity: string }[] };
  return Object.fromEntries(r.problems.map((p) => [p.code, p.severity]));
}

describe('bytes appended by hand that a writer recovers', () => {
  it('stay LOG_TAIL_INVALID in the live log, the pack and its .tar.gz, for both checkers; the writer goes on', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    expect(runCli(ORDER, { cwd, env }).code).toBe(0);
    const file = join(cwd, 'logs', `audit-${day(0).replaceAll('-', '')}.jsonl`);
    appendFileSync(file, 'GARBAGE appended by hand');
    expect(codes(runCli(['verify', 'logs', '--json'], { cwd, env }).stdout).LOG_TAIL_INVALID).toBe('error');

    // A second writer process recovers the tail and logs on; its recovery event says why it was no crash.
    expect(runCli(ORDER, { cwd, env }).code).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toBe('GARBAGE appended by hand');
    const rec = JSON.parse(lines[2] as string) as Record<string, unknown>;
    expect(rec.event).toBe('TornLineRecovered');
    expect(rec.fragment_not_torn).toMatch(/does not start as a log line/);
    expect(JSON.parse(lines[3] as string).event).toBe('OrderAccepted');

    const live = runCli(['verify', 'logs', '--json'], { cwd, env });
    expect(live.code).not.toBe(0);
    expect(codes(live.stdout)).toMatchObject({ LOG_TAIL_INVALID: 'error' });
    expect(codes(live.stdout).LOG_TORN_LINE_RECOVERED).toBeUndefined();
    const py = pythonPackCheck(join(cwd, 'logs'));
    expect(py.errors.map((p) => [p.code, p.line])).toEqual([['LOG_TAIL_INVALID', 2]]);

    const exported = runCli(
      ['export', '--date', day(0), '--partial', '--compress', '--log-dir', 'logs', '--artifacts-dir', 'art'],
      { cwd, env },
    );
    expect([0, 3]).toContain(exported.code);
    for (const pack of [day(0), `${day(0)}.tar.gz`]) {
      const v = runCli(['verify', join('art', pack), '--json'], { cwd, env });
      expect(codes(v.stdout), pack).toMatchObject({ LOG_TAIL_INVALID: 'error' });
      expect(
        pythonPackCheck(join(cwd, 'art', pack)).errors.map((p) => p.code),
        pack,
      ).toContain('LOG_TAIL_INVALID');
    }
  }, 180_000);
});
