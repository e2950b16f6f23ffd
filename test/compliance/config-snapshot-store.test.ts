/**
 * config_change_unrecorded holds a ConfigSnapshot to the snapshot store when the store is at hand:
 * the snapshot it names must be stored, with the record_sha256 it logged. A ConfigSnapshot naming
 * a snapshot the store does not hold (a planted event, a record deleted since) or holds with another
 * hash (a record rewritten after it was logged) records nothing, and the finding says what was
 * missing. The report lists such snapshots (`snapshots_not_stored`), which is what verify's re-run
 * holds the pack to, the store not being in the pack; without a store nothing changes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance, type ComplianceReport } from '../../src/compliance/index.js';
import { exportPack } from '../../src/pack/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { checkJsonOutput } from '../helpers/json-output.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from '../verify/helpers/forge.js';
import { DATE, type Ev, TEST_POLICY, writeEvents, writePolicy } from './helpers.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const STORED = '20250908T095900.000000Z-000';
const ABSENT = '20250908T100030.000000Z-000';
const RECORD = '{"format":"auditpack.config-snapshot/1","snapshot_id":"20250908T095900.000000Z-000"}\n';

async function setup(snapshot: Record<string, unknown>): Promise<{ cwd: string; policyFile: string; store: string }> {
  const cwd = tempDir();
  const store = join(cwd, 'audit', 'snapshots');
  mkdirSync(store, { recursive: true });
  writeFileSync(join(store, `${STORED}.json`), RECORD);
  const events: Ev[] = [
    ['10:00:00', 'config', 'ConfigChanged', { config_type: 'risk', reason: 'NFP' }],
    ['10:01:00', 'config', 'ConfigSnapshot', snapshot],
  ];
  await writeEvents(join(cwd, 'logs'), events);
  return { cwd, policyFile: writePolicy(cwd, TEST_POLICY), store };
}

async function check(snapshot: Record<string, unknown>, withStore = true): Promise<ComplianceReport> {
  const { cwd, policyFile, store } = await setup(snapshot);
  return checkCompliance({
    cwd,
    logDir: join(cwd, 'logs'),
    from: DATE,
    to: DATE,
    policyFile,
    ...(withStore ? { snapshotDir: store } : {}),
  });
}

const unrecorded = (r: ComplianceReport): string[] =>
  r.findings.filter((f) => f.rule === 'config_change_unrecorded').map((f) => f.description);

describe('config_change_unrecorded and the snapshot store', () => {
  it('a ConfigSnapshot of a stored snapshot with its record hash records the change; the report is as before', async () => {
    const r = await check({ snapshot_id: STORED, record_sha256: sha(RECORD) });
    expect(unrecorded(r)).toEqual([]);
    expect('snapshots_not_stored' in r).toBe(false);
  });

  it('a ConfigSnapshot naming a snapshot the store does not hold records nothing, and says so', async () => {
    const r = await check({ snapshot_id: ABSENT, record_sha256: sha(RECORD) });
    expect(unrecorded(r)).toEqual([
      `config change at seq 1 with no config snapshot within 300 s (the ConfigSnapshot at seq 2 names snapshot ${ABSENT}, which the snapshot store does not hold)`,
    ]);
    expect(r.snapshots_not_stored).toEqual([
      { snapshot_id: ABSENT, record_sha256: sha(RECORD), reason: 'which the snapshot store does not hold' },
    ]);
    // The report as `check --json` prints it follows its shipped schema (schemas/check.json).
    checkJsonOutput(['check', '--json'], JSON.stringify(r), 0);
  });

  it('a record changed after it was logged (another record_sha256) records nothing', async () => {
    const r = await check({ snapshot_id: STORED, record_sha256: 'ab'.repeat(32) });
    expect(unrecorded(r)[0]).toContain(
      `names snapshot ${STORED}, which the snapshot store holds with record_sha256 ${sha(RECORD).slice(0, 16)}…, not the logged abababababababab…`,
    );
  });

  it('a ConfigSnapshot without a record_sha256, or with an id that is none, records nothing', async () => {
    expect(unrecorded(await check({ snapshot_id: STORED }))[0]).toContain('logged without the record_sha256');
    expect(unrecorded(await check({ snapshot_id: '../../etc/passwd', record_sha256: sha(RECORD) }))[0]).toContain(
      'which is not a snapshot id',
    );
  });

  it('without a store at hand every ConfigSnapshot counts, as before', async () => {
    const r = await check({ snapshot_id: ABSENT, record_sha256: sha(RECORD) }, false);
    expect(unrecorded(r)).toEqual([]);
    expect('snapshots_not_stored' in r).toBe(false);
  });

  it("in a pack: verify's re-run agrees from the report's list, and finds the list edited", async () => {
    const { cwd, policyFile, store } = await setup({ snapshot_id: ABSENT, record_sha256: sha(RECORD) });
    const p = await exportPack({
      date: DATE,
      logDir: join(cwd, 'logs'),
      artifactsDir: join(cwd, 'artifacts'),
      version: '0.1.0',
      snapshot: false,
      recordEvent: false,
      compliance: { cwd, policyFile, snapshotDir: store },
    });
    const report = JSON.parse(readFileSync(join(p.path, 'data/compliance_report.json'), 'utf8')) as ComplianceReport;
    expect(unrecorded(report)).toHaveLength(1);
    expect(report.snapshots_not_stored).toHaveLength(1);
    const errors = async () =>
      (await verifyPack(p.path)).problems.filter((x) => x.severity === 'error').map((x) => x.code);
    expect(await errors()).toEqual([]);
    forgePack(p.path, {
      payload: (data) => {
        const { snapshots_not_stored: _gone, ...rest } = report;
        writeFileSync(join(data, 'compliance_report.json'), `${JSON.stringify(rest, null, 2)}\n`);
      },
    });
    expect(await errors()).toContain('COMPLIANCE_REPORT_MISMATCH');
  }, 60_000);
});
