/**
 * A day exported without its compliance files (the library's checks turned off, or the files
 * removed and the manifests re-made) verifies on its own like a pack of an earlier version; in the
 * artifacts directory, after a day that has them, it is named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/export.js';
import { verifyArchive } from '../../src/verify/index.js';

const DAYS = ['2026-03-02', '2026-03-03', '2026-03-04'];
let dir: string;

async function day(date: string, compliance: boolean): Promise<void> {
  let now = Date.parse(`${date}T10:00:00Z`) * 1000;
  const log = createAuditLogger({
    logDir: join(dir, 'logs'),
    handleExit: false,
    host: 'h',
    pid: 1,
    heartbeatMinutes: 0,
    clock: () => now++,
  });
  log.log('auth', 'Login', { user: 'u' });
  await log.close();
  await exportPack({
    logDir: join(dir, 'logs'),
    artifactsDir: join(dir, 'art'),
    date,
    version: '0.1.0',
    snapshot: false,
    recordEvent: false,
    now: () => Date.parse(`${date}T00:00:00Z`) + 25 * 3_600_000,
    ...(compliance ? {} : { compliance: false as const }),
  });
}

describe('compliance files across the kept packs', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-archive-layout-'));
    await day(DAYS[0] as string, false); // as a pack of a version before the checks
    await day(DAYS[1] as string, true);
    await day(DAYS[2] as string, false);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a day without a compliance report after a day with one is COMPLIANCE_FILES_MISSING; one before is not', async () => {
    const r = await verifyArchive(join(dir, 'art'));
    const missing = r.problems.filter((p) => p.code === 'COMPLIANCE_FILES_MISSING');
    expect(missing.map((p) => [p.file, p.severity])).toEqual([[`${DAYS[2]}/data/compliance_report.json`, 'error']]);
  });
});
