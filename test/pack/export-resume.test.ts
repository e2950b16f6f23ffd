/**
 * An export finishes what a killed one left (deterministic versions of the kill -9 fault suite),
 * and only exports days that have ended.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPack, type ExportPackOptions } from '../../src/pack/index.js';
import { verifyArchive } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from './helpers.js';
import { PYTHON } from '../helpers/python.js';

const DATE = '2025-09-08';
const NOW = Date.parse('2025-09-09T00:10:00Z');

function setup(): {
  logDir: string;
  artifactsDir: string;
  opts: (o?: Partial<ExportPackOptions>) => ExportPackOptions;
} {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const artifactsDir = join(root, 'artifacts');
  mkdirSync(logDir);
  return {
    logDir,
    artifactsDir,
    opts: (o = {}) => ({
      date: DATE,
      logDir,
      artifactsDir,
      version: '0.1.0',
      now: () => NOW,
      recordEvent: false,
      ...o,
    }),
  };
}

const errorsOf = async (dir: string): Promise<string[]> =>
  (await verifyArchive(dir)).problems.filter((p) => p.severity === 'error').map((p) => `${p.code} ${p.file}`);

describe('export after a killed export', () => {
  it('a pack without its .tar.gz (killed while compressing): the re-run builds the archive instead of PACK_EXISTS, and removes leftovers', async () => {
    const { logDir, artifactsDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const first = await exportPack(opts({ compress: true }));
    rmSync(first.archive as string);
    writeFileSync(join(artifactsDir, `.tmp-${DATE}-123-456.tar.gz`), 'half an archive');
    mkdirSync(join(artifactsDir, `.tmp-${DATE}-abcdef`, 'data'), { recursive: true });
    chmodSync(join(artifactsDir, `.tmp-${DATE}-abcdef`), 0o555);
    const again = await exportPack(opts({ compress: true }));
    expect(again.resumed).toBe('archive');
    expect(again.manifestSha256).toBe(first.manifestSha256);
    expect([...again.leftoversRemoved].sort()).toEqual([`.tmp-${DATE}-123-456.tar.gz`, `.tmp-${DATE}-abcdef`]);
    expect(readdirSync(artifactsDir).sort()).toEqual(['.export.lock', DATE, `${DATE}.tar.gz`]);
    expect(await errorsOf(artifactsDir)).toEqual([]);
    // Both there now: an ordinary PACK_EXISTS.
    await expect(exportPack(opts({ compress: true }))).rejects.toMatchObject({ code: 'PACK_EXISTS' });
  });

  it('never archives a pack that was altered meanwhile', async () => {
    const { logDir, artifactsDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const first = await exportPack(opts({ compress: true }));
    rmSync(first.archive as string);
    const victim = join(artifactsDir, DATE, 'data', 'orders.csv');
    chmodSync(join(artifactsDir, DATE, 'data'), 0o755);
    chmodSync(victim, 0o644);
    writeFileSync(victim, 'seq\n');
    await expect(exportPack(opts({ compress: true }))).rejects.toMatchObject({
      code: 'PACK_EXISTS',
      message: expect.stringContaining('does not verify'),
    });
    expect(existsSync(join(artifactsDir, `${DATE}.tar.gz`))).toBe(false);
  });

  it('a --force killed between moving the old pack aside and moving the new one in: the re-run links the new pack to the version moved aside', async () => {
    const { logDir, artifactsDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const first = await exportPack(opts());
    renameSync(join(artifactsDir, DATE), join(artifactsDir, `${DATE}.v1`)); // the state a kill leaves
    const again = await exportPack(opts());
    expect(again.resumed).toBe('supersede');
    expect(again.manifest.supersedes).toEqual({ manifest_sha256: first.manifestSha256, moved_to: `${DATE}.v1` });
    expect(await errorsOf(artifactsDir)).toEqual([]);
  });
});

describe('only days that have ended', () => {
  it.each([
    ['today', '2025-09-09', 'DATE_NOT_ENDED'],
    ['tomorrow', '2025-09-10', 'DATE_NOT_ENDED'],
    ['9999-12-31', '9999-12-31', 'DATE_NOT_ENDED'],
    ['0000-01-01', '0000-01-01', 'USAGE'],
    ['1969-12-31', '1969-12-31', 'USAGE'],
  ])('%s is refused (%s … %s) and nothing is written', async (_name, date, code) => {
    const { artifactsDir, opts } = setup();
    await expect(exportPack(opts({ date }))).rejects.toMatchObject({ code });
    expect(existsSync(artifactsDir)).toBe(false);
  });

  it('today as an explicit partial pack: marked in manifest.json, verifies, and the full export replaces it without --force', async () => {
    const { logDir, artifactsDir, opts } = setup();
    const today = '2025-09-09';
    await writeDay(logDir, today, SAMPLE_EVENTS.slice(0, 3), '00:00:01');
    await expect(exportPack(opts({ date: '2025-09-08', partial: true }))).rejects.toMatchObject({ code: 'USAGE' });
    const partial = await exportPack(opts({ date: today, partial: true }));
    expect(partial.manifest.partial).toBe(true);
    expect(JSON.parse(readFileSync(join(artifactsDir, today, 'manifest.json'), 'utf8')).partial).toBe(true);
    expect(await errorsOf(artifactsDir)).toEqual([]);
    // The reference checker accepts it too (the one optional manifest field).
    const checker = spawnSync(
      PYTHON,
      [fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url)), partial.path],
      { encoding: 'utf8' },
    );
    expect(checker.status, checker.stdout).toBe(0);
    await writeDay(logDir, today, SAMPLE_EVENTS.slice(3), '00:05:00');
    const full = await exportPack(opts({ date: today, now: () => Date.parse('2025-09-10T00:10:00Z') }));
    expect(full.manifest.partial).toBeUndefined();
    expect(full.manifest.events.total).toBe(SAMPLE_EVENTS.length);
    expect(full.superseded?.path).toBe(join(artifactsDir, `${today}.v1`));
    expect(full.manifest.supersedes?.manifest_sha256).toBe(partial.manifestSha256);
    expect(await errorsOf(artifactsDir)).toEqual([]);
    // A full pack is not replaced without --force.
    await expect(
      exportPack(opts({ date: today, now: () => Date.parse('2025-09-10T00:20:00Z') })),
    ).rejects.toMatchObject({ code: 'PACK_EXISTS' });
  });
});
