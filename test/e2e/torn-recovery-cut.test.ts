/**
 * A torn tail's recovery that is itself cut short by a byte-granular write limit (EFBIG from
 * RLIMIT_FSIZE here; a quota or a FUSE/NFS space error behaves alike). The recovery goes out as
 * "\n" + TornLineRecovered + "\n" in one write; a cut one used to end the fragment with "\n" and no
 * event describing it, and an honest log then failed verify (LOG_LINE_INVALID). Real subprocesses,
 * a real partial write (prlimit --fsize), the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));
const ENV = { ...process.env, NO_COLOR: '1', AUDIT_HEARTBEAT_MINUTES: '0' };

/** `auditpack log order OrderAccepted …` with the file size limited to `fsize` bytes (or not). */
function log(dir: string, fields: string[], fsize?: number): number | null {
  const args = [BIN, 'log', 'order', 'OrderAccepted', ...fields, '--log-dir', dir];
  const r =
    fsize === undefined
      ? spawnSync(process.execPath, args, { env: ENV, encoding: 'utf8' })
      : spawnSync(PRLIMIT as string, [`--fsize=${fsize}`, process.execPath, ...args], { env: ENV, encoding: 'utf8' });
  return r.status;
}

describe.skipIf(PRLIMIT === undefined)('a torn recovery (prlimit --fsize)', () => {
  it('is undone by its writer: the fragment is recovered once, whole, and the honest log verifies', () => {
    const dir = join(tempDir(), 'logs');
    for (let i = 1; i <= 3; i++) expect(log(dir, [`order_id=A-${i}`])).toBe(0);
    const [name] = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
    const file = join(dir, name as string);
    const s0 = statSync(file).size;
    // 1) An event write cut at a byte limit: a torn tail (as kill -9 or power loss mid-write).
    expect(log(dir, ['order_id=B-1', `pad=${'x'.repeat(80)}`], s0 + 120)).not.toBe(0);
    const s1 = statSync(file).size;
    expect(s1).toBe(s0 + 120);
    expect(readFileSync(file).at(-1)).not.toBe(0x0a);
    // 2) The next writer's recovery is cut by the same limit: it fails, and takes its bytes back.
    expect(log(dir, ['order_id=C-1'], s1 + 80)).not.toBe(0);
    expect(statSync(file).size).toBe(s1);
    // 3) A writer without the limit recovers the fragment and appends.
    expect(log(dir, ['order_id=D-1'])).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(7); // A-1..3, the fragment, its recovery, D-1, and the final ""
    const fragment = lines[3] as string;
    expect(Buffer.byteLength(fragment)).toBe(120);
    expect(JSON.parse(lines[4] as string)).toMatchObject({
      event: 'TornLineRecovered',
      seq: 4,
      fragment_offset: s0,
      fragment_bytes: 120,
    });
    expect(JSON.parse(lines[5] as string)).toMatchObject({ order_id: 'D-1', seq: 5 });
    expect(lines.filter((l) => l.includes('C-1'))).toEqual([]);

    const v = runCli(['verify', dir, '--json'], { cwd: dir });
    expect(v.code, v.stdout).toBe(0);
    const problems = (JSON.parse(v.stdout) as { problems: { code: string; severity: string }[] }).problems;
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(problems.map((p) => p.code)).toEqual(['LOG_TORN_LINE_RECOVERED']);
    const py = pythonPackCheck(dir);
    expect(py.errors).toEqual([]);
    expect(py.status).toBe(0);
  });
});
