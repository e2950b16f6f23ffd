/**
 * config_change_unrecorded counts only a real snapshot: the snapshot command's own ConfigSnapshot
 * event (reserved for it) in the window after the change. A snapshot_id the caller wrote on the
 * change, or a caller's ConfigSnapshot (renamed CallerConfigSnapshot by the logger, refused by
 * `auditpack log`), is words, and the change is a finding.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { checkCompliance } from '../../src/compliance/index.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { tempDir } from '../helpers/tmp.js';
import { checkEvents, DATE, type Ev, micros, TEST_POLICY, writePolicy } from './helpers.js';

const change = (at: string, f: Record<string, unknown> = {}): Ev => [
  at,
  'config',
  'ConfigChanged',
  { config_type: 'risk', reason: 'NFP', ...f },
];
const SHA = 'ab'.repeat(32);
const unrecorded = async (events: Ev[]) =>
  (await checkEvents(events)).findings.filter((f) => f.rule === 'config_change_unrecorded').length;

describe('config_change_unrecorded: only a real snapshot counts', () => {
  it("the snapshot command's ConfigSnapshot (with record_sha256) in the window records the change", async () => {
    expect(
      await unrecorded([
        change('10:00:00'),
        ['10:01:00', 'config', 'ConfigSnapshot', { snapshot_id: 's1', record_sha256: SHA }],
      ]),
    ).toBe(0);
  });

  it('a snapshot_id written on the change is not a snapshot', async () => {
    expect(await unrecorded([change('10:00:00', { snapshot_id: 'none-taken' })])).toBe(1);
  });

  it('a ConfigSnapshot without a snapshot_id is not a snapshot', async () => {
    expect(
      await unrecorded([change('10:00:00'), ['10:01:00', 'config', 'ConfigSnapshot', { record_sha256: SHA }]]),
    ).toBe(1);
  });

  it("a caller's ConfigSnapshot through the library is written as CallerConfigSnapshot and records nothing", async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    let t = micros(DATE, '10:00:00');
    const logger = createAuditLogger({ logDir, handleExit: false, clock: () => t, host: 'h1', pid: 1 });
    logger.log('config', 'ConfigChanged', { config_type: 'risk', reason: 'NFP' });
    await logger.flush();
    t = micros(DATE, '10:01:00');
    logger.log('config', 'ConfigSnapshot', { snapshot_id: 'fake', record_sha256: SHA });
    await logger.close();
    const policyFile = writePolicy(cwd, TEST_POLICY);
    const r = await checkCompliance({ cwd, logDir, from: DATE, to: DATE, policyFile });
    expect(r.findings.map((f) => f.rule)).toContain('config_change_unrecorded');
  });

  it('auditpack log config ConfigSnapshot is refused (USAGE, exit 2), nothing written', async () => {
    const cwd = tempDir();
    let err = '';
    const io: CliIO = {
      cwd,
      env: { NO_COLOR: '1' },
      stdout: { write: () => true },
      stderr: {
        write: (t: string) => {
          err += String(t);
          return true;
        },
      },
    };
    expect(await main(['log', 'config', 'ConfigSnapshot', 'snapshot_id="fake"'], io)).toBe(2);
    expect(err).toContain('USAGE');
    expect(err).toContain('config/ConfigSnapshot');
    expect(existsSync(join(cwd, 'logs'))).toBe(false);
  });
});
