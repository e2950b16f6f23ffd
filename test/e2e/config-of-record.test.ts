/**
 * The config of record of a past day (at23 F9, F10). F9: a pack whose report ran under the built-in
 * policy while the recorded snapshot in force on its day (taken an earlier day, its ConfigSnapshot
 * event in that day's log) stores the policy file gets COMPLIANCE_REPORT_MISMATCH (from at51 F2; a
 * warning, COMPLIANCE_POLICY_NOT_IN_FORCE, before) from `verify ARTIFACTS --log-dir`. F10: records planted in the store past the look-up's limit make the
 * day's config unknown: export says so (CONFIG_OF_RECORD_UNKNOWN, exit 3) and takes no fresh
 * snapshot as the past day's config. Set up through the library with chosen clocks; exported and
 * verified by the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/index.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import { runCli } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';

const POLICY = readFileSync(new URL('../../configs/compliance_policy.yaml', import.meta.url), 'utf8');
/** The desk's policy of day C: EURUSD restricted (every order of the test logs is EURUSD). */
const STRICT = POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: [USDRUB, EURUSD]');
const dayAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const C = dayAgo(4);
const D = dayAgo(3);
const at = (iso: string): number => Date.parse(iso) * 1000;

async function logOrders(logDir: string, iso: string, n: number): Promise<void> {
  let t = at(iso);
  const logger = createAuditLogger({ logDir, handleExit: false, clock: () => (t += 1_000_000), host: 'h', pid: 42 });
  for (let i = 0; i < n; i++)
    logger.log('order', 'OrderAccepted', {
      order_id: `O-${iso}-${i}`,
      symbol: 'EURUSD',
      side: 'BUY',
      quantity: 1,
      price: '1.1',
    });
  await logger.close();
}

/** Day C: the strict policy snapshotted (its event in C's log), C exported; D's log written. */
async function setUp(): Promise<string> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), STRICT);
  await logOrders(join(cwd, 'logs'), `${C}T09:00:00Z`, 2);
  await createConfigSnapshot({
    cwd,
    reason: 'policy',
    logDir: join(cwd, 'logs'),
    clock: () => at(`${C}T10:00:00Z`),
    patterns: ['configs/*.yaml'],
  });
  await logOrders(join(cwd, 'logs'), `${D}T09:00:00Z`, 3);
  const r = runCli(['export', '--date', C, '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return cwd;
}

const reportOf = (cwd: string, day: string) =>
  JSON.parse(readFileSync(join(cwd, 'art', day, 'data', 'compliance_report.json'), 'utf8')) as {
    policies: { source: string; snapshot_id: string | null }[];
  };

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));

/** The files a policy not in force is named for in `verify --json` output (an error, from at51 F2). */
function notInForce(stdout: string): string[] {
  return (
    JSON.parse(stdout) as { problems: { code: string; severity: string; file: string; detail: string }[] }
  ).problems
    .filter((p) => p.code === 'COMPLIANCE_REPORT_MISMATCH' && /yet the report ends under/.test(p.detail))
    .map((p) => {
      expect(p.severity).toBe('error');
      return p.file;
    });
}

/** The same from the reference checker (tools/auditpack_check.py), which shares no code with verify. */
function pythonNotInForce(path: string): string[] {
  const r = spawnSync(PYTHON, [CHECKER, path, '--json'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(1);
  const out = JSON.parse(r.stdout) as { findings: { code: string; severity: string; file: string; detail: string }[] };
  return out.findings
    .filter((p) => p.code === 'COMPLIANCE_REPORT_MISMATCH' && /yet the report ends under/.test(p.detail))
    .map((p) => {
      expect(p.severity).toBe('error');
      return p.file;
    });
}

describe('the policy in force on a day is the recorded snapshot of an earlier day (at23 F9)', () => {
  it('a pack exported under the built-in policy while that snapshot was in force gets COMPLIANCE_REPORT_MISMATCH', async () => {
    const cwd = await setUp();
    // The library's exportPack with compliance options naming no snapshot store: the built-in policy.
    await exportPack({
      date: D,
      logDir: join(cwd, 'logs'),
      artifactsDir: join(cwd, 'art'),
      version: '0.1.0',
      snapshot: {
        cwd,
        snapshotDir: join(cwd, 'audit', 'snapshots'),
        logDir: join(cwd, 'logs'),
        patterns: ['configs/*.yaml'],
      },
      compliance: { cwd: join(cwd, 'nonexistent') },
    });
    expect(readFileSync(join(cwd, 'art', D, 'data', 'config_snapshot.json'), 'utf8')).toContain(
      'configs/compliance_policy.yaml',
    );
    expect(reportOf(cwd, D).policies.at(-1)?.source).toBe('built-in');
    const v = runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd });
    expect(v.code, v.stdout).toBe(1);
    expect(notInForce(v.stdout)).toEqual([`${D}/data/compliance_report.json`]);
    // Without the live log, the archive's own chain (C's pack log holds the event) says the same;
    // so does the reference checker.
    const alone = runCli(['verify', 'art', '--json'], { cwd });
    expect(notInForce(alone.stdout)).toEqual([`${D}/data/compliance_report.json`]);
    expect(pythonNotInForce(join(cwd, 'art'))).toEqual([`${D}/data/compliance_report.json`]);
    // Re-exported by the CLI, under the snapshot's policy: only the version kept aside is named.
    const honest = runCli(['export', '--date', D, '--force', '--log-dir', 'logs', '--artifacts-dir', 'art'], { cwd });
    expect(honest.code, honest.stderr).toBe(0);
    expect(reportOf(cwd, D).policies.at(-1)?.source).toBe('snapshot');
    const again = runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd });
    expect(notInForce(again.stdout)).toEqual([`${D}.v1/data/compliance_report.json`]);
    expect(pythonNotInForce(join(cwd, 'art'))).toEqual([`${D}.v1/data/compliance_report.json`]);
  });
});

describe('records planted past the look-up limit (at23 F10)', () => {
  it('are no candidates: the config of record is the one the chain names, no fresh snapshot is taken', async () => {
    const cwd = await setUp();
    // The operator's later change, recorded now.
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    expect(runCli(['snapshot', '--log-dir', 'logs', '--reason', 'allow EURUSD'], { cwd }).code).toBe(0);
    const store = join(cwd, 'audit', 'snapshots');
    const ids = readdirSync(store).filter((n) => n.endsWith('.json'));
    const before = ids.length;
    const record = JSON.parse(readFileSync(join(store, ids.sort()[0] as string), 'utf8')) as Record<string, unknown>;
    const dd = D.replaceAll('-', '');
    for (let i = 0; i < 65; i++) {
      const sid = `${dd}T12${String(i).padStart(2, '0')}00.000000Z-000`;
      writeFileSync(
        join(store, `${sid}.json`),
        JSON.stringify({ ...record, snapshot_id: sid, timestamp: `${D}T12:${String(i).padStart(2, '0')}:00.000000Z` }),
      );
    }
    const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', 'art', '--json'], { cwd });
    // The chain decides (at25 F2): no event records them, so none is a candidate; the config of
    // record is C's recorded snapshot, and no snapshot is taken now.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('CONFIG_OF_RECORD_UNKNOWN');
    expect(readdirSync(store).filter((n) => n.endsWith('.json'))).toHaveLength(before + 65);
    const config = JSON.parse(readFileSync(join(cwd, 'art', D, 'data', 'config_snapshot.json'), 'utf8')) as {
      snapshot_id: string;
    };
    expect(config.snapshot_id).toMatch(new RegExp(`^${C.replaceAll('-', '')}T100000`));
    // The report keeps C's recorded policy, which the pack's config does not contradict.
    expect(reportOf(cwd, D).policies.at(-1)?.snapshot_id).toMatch(new RegExp(`^${C.replaceAll('-', '')}T100000`));
    const v = runCli(['verify', 'art', '--log-dir', 'logs', '--json'], { cwd });
    const problems = (JSON.parse(v.stdout) as { problems: { code: string; severity: string }[] }).problems;
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
});
