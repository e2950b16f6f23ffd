/**
 * `verify <artifacts> --log-dir L` holds the newest pack to the live log; when the live log's day
 * files were cut or deleted after the export, the lock file's cached head still says what was
 * written (docs/FORMAT.md, "Lost heads"), as `verify L` says it (at58, left open: every live file
 * deleted with the lock kept gave only ARCHIVE_TAIL_UNCHECKED, as if the log had simply not been given).
 */
import { readdirSync, readFileSync, rmSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { verifyArchive, verifyLogDir } from '../../src/verify/index.js';
import { days } from './helpers/archive-days.js';

const codes = (r: { problems: readonly { code: string; severity: string }[] }, severity: string): string[] =>
  [...new Set(r.problems.filter((p) => p.severity === severity).map((p) => p.code))].sort();

const liveFiles = (logDir: string): string[] => readdirSync(logDir).filter((n) => /^audit-\d{8}\.jsonl$/.test(n));

describe('the live log cut after the export, the lock file kept', () => {
  it('every live day file deleted: LOG_HEAD_LOST beside the unchecked tail, as verify of the logs says', async () => {
    const { logDir, artifactsDir, opts } = await days();
    for (const d of ['2026-11-27', '2026-11-28']) await exportPack(opts(d));
    const lock = JSON.parse(readFileSync(join(logDir, '.audit.lock'), 'utf8').split('\n')[0] as string) as {
      file: string;
    };
    expect(liveFiles(logDir)).toContain(lock.file);
    for (const n of liveFiles(logDir)) rmSync(join(logDir, n));
    expect(codes(await verifyLogDir(logDir), 'warning')).toContain('LOG_HEAD_LOST');
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(codes(r, 'warning')).toEqual(['ARCHIVE_EXPORT_UNRECORDED', 'ARCHIVE_TAIL_UNCHECKED', 'LOG_HEAD_LOST']);
    const lost = r.problems.find((p) => p.code === 'LOG_HEAD_LOST');
    expect(lost?.file).toBe(lock.file);
    expect(lost?.detail).toMatch(/is gone/);
  });

  it('the newest live file cut short: LOG_HEAD_LOST names it', async () => {
    const { logDir, artifactsDir, opts } = await days();
    for (const d of ['2026-11-27', '2026-11-28']) await exportPack(opts(d));
    const lock = JSON.parse(readFileSync(join(logDir, '.audit.lock'), 'utf8').split('\n')[0] as string) as {
      file: string;
    };
    const file = join(logDir, lock.file);
    truncateSync(file, statSync(file).size - 10);
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(codes(r, 'warning')).toContain('LOG_HEAD_LOST');
  });

  it('the live log untouched: no LOG_HEAD_LOST', async () => {
    const { logDir, artifactsDir, opts } = await days();
    for (const d of ['2026-11-27', '2026-11-28']) await exportPack(opts(d));
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(codes(r, 'warning')).toEqual([]);
    expect(r.problems.filter((p) => p.code === 'LOG_HEAD_LOST')).toEqual([]);
  });
});
