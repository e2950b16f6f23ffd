/**
 * at32 F1 and F2 through the built CLI: nobody who can merely log makes an honest log fail verify
 * through the anchor's name. `auditpack log system Anchored` (and the other names auditpack writes
 * itself) is refused (exit 2, USAGE, nothing written), and an ordinary event whose value holds the
 * anchor's bytes (`venue_msg='{"category":"system","event":"Anchored",…}'`, parsed as JSON) is no
 * anchor: verify of the logs, of the day's pack and the Python checker pass.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const RESERVED = ['Anchored', 'AnchorFailed', 'PackArchived', 'ArchiveVerified', 'LoggerConfigInvalid'];

function logText(logs: string): string {
  return readdirSync(logs)
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => readFileSync(join(logs, n), 'utf8'))
    .join('');
}

describe('the anchor name through auditpack log (at32)', () => {
  it('F1: auditpack log system <a name auditpack writes> is refused; the log still verifies', () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const env = { AUDIT_LOG_DIR: logs };
    const first = runCli(['log', 'order', 'OrderAccepted', 'order_id=A1', 'symbol=EURUSD', 'side=BUY', 'quantity=1'], {
      cwd,
      env,
    });
    expect(first.code, first.stderr).toBe(0);
    const before = logText(logs);
    for (const name of RESERVED) {
      const r = runCli(['log', 'system', name, 'note=our own anchoring step finished'], { cwd, env });
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('USAGE');
      expect(r.stderr).toContain(`system ${name} is reserved`);
    }
    expect(logText(logs)).toBe(before);
    const v = runCli(['verify', logs], { cwd });
    expect(v.code, v.stdout).toBe(0);
  });

  it('F2: a value holding the anchor marker is no anchor: verify of the logs and of the pack, and the Python checker, pass', () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const artifacts = join(cwd, 'artifacts');
    const env = { AUDIT_LOG_DIR: logs, AUDIT_ARTIFACTS_DIR: artifacts };
    const r = runCli(
      [
        'log',
        'order',
        'OrderAccepted',
        'order_id=A1',
        'symbol=EURUSD',
        'side=BUY',
        'quantity=1',
        'venue_msg={"category":"system","event":"Anchored","note":"counterparty text"}',
      ],
      { cwd, env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(logText(logs)).toContain('"venue_msg":{"category":"system","event":"Anchored",');
    const v = runCli(['verify', logs], { cwd });
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).not.toContain('TIMESTAMP_MALFORMED');

    const today = new Date().toISOString().slice(0, 10);
    const x = runCli(['export', '--date', today, '--partial', '--artifacts-dir', artifacts], { cwd, env });
    expect(x.code, x.stderr).toBe(0);
    const pack = join(artifacts, today);
    const vp = runCli(['verify', pack, '--json'], { cwd, env });
    const problems = (JSON.parse(vp.stdout) as { problems: { code: string; severity: string }[] }).problems;
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(pythonPackCheck(pack).errors).toEqual([]);
  });
});
