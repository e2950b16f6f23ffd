/**
 * Faked re-exports and a live log behind the archive (docs/FORMAT.md "An artifacts directory"). A
 * forger with write access to the artifacts directory only renames a real pack `.vN` and puts a
 * forged one naming it in `supersedes` in its place, every hash recomputed; a real `export --force`
 * records its own PackExported event, the fake cannot. And a live log whose tail was deleted ends
 * before the archive's chain does, which no legitimate history produces. Real logger, real exporter.
 */
import { cpSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack, type ExportPackOptions } from '../../src/pack/export.js';
import { verifyArchive, type VerifyReport } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { clockedExports } from './helpers/archive-days.js';
import { forgePack, makeWritable, manifestHashOf } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';

const errorsOf = (r: VerifyReport): string[][] =>
  r.problems.filter((p) => p.severity === 'error').map((p) => [p.code, p.file]);
/** The reference checker's errors, as errorsOf's. */
const pythonErrorsOf = (dir: string): string[][] => pythonPackCheck(dir).errors.map((p) => [p.code, p.file ?? '']);

async function archive(): Promise<{ logDir: string; artifactsDir: string; opts: (d: string) => ExportPackOptions }> {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const artifactsDir = join(root, 'artifacts');
  mkdirSync(logDir);
  for (const d of ['2026-11-26', '2026-11-27', '2026-11-28']) await writeDay(logDir, d, SAMPLE_EVENTS);
  const opts = clockedExports(logDir, artifactsDir, { t: microsAt('2026-12-01', '00:10:00') });
  for (const d of ['2026-11-26', '2026-11-27', '2026-11-28']) await exportPack(opts(d));
  return { logDir, artifactsDir, opts };
}

/** The real pack of `day` renamed `.v1`, a copy naming it in `supersedes` put in its place. */
function fakeReexport(artifactsDir: string, day: string): void {
  const real = join(artifactsDir, day);
  const forged = join(artifactsDir, 'forged');
  const sha = manifestHashOf(real);
  cpSync(real, forged, { recursive: true });
  makeWritable(artifactsDir);
  renameSync(real, `${real}.v1`);
  forgePack(forged, { manifest: (m) => (m.supersedes = { manifest_sha256: sha, moved_to: `${day}.v1` }) });
  renameSync(forged, real);
}

describe('a faked export --force (archive write access only)', () => {
  it('the newest and a middle pack replaced: each current version lacks its own PackExported event', async () => {
    const { logDir, artifactsDir } = await archive();
    fakeReexport(artifactsDir, '2026-11-28');
    fakeReexport(artifactsDir, '2026-11-27');
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(errorsOf(r)).toEqual([
      ['ARCHIVE_EXPORT_MISMATCH', '2026-11-27/manifest.json'],
      ['ARCHIVE_EXPORT_MISMATCH', '2026-11-28/manifest.json'],
    ]);
    expect(r.problems.find((p) => p.code === 'ARCHIVE_EXPORT_MISMATCH')?.detail).toMatch(
      /none of this current version .*without one/,
    );
  });

  it('a real export --force records its own event: no error', async () => {
    const { logDir, artifactsDir, opts } = await archive();
    await exportPack({ ...opts('2026-11-28'), force: true });
    await exportPack({ ...opts('2026-11-27'), force: true });
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(errorsOf(r)).toEqual([]);
    expect(r.checked).toMatchObject({ superseded: 2 });
  });
});

/**
 * Each day exported at 00:10 the next day, as a cron job does: a day's PackExported event is in the
 * next day's log, so in the next day's pack, not in the live files (read from the newest pack's day on).
 */
async function nightlyArchive(days: readonly string[], reexport?: { day: string; at: string }) {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const artifactsDir = join(root, 'artifacts');
  mkdirSync(logDir);
  const next = (d: string): string => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const clock = { t: 0 };
  const opts = clockedExports(logDir, artifactsDir, clock);
  for (const d of days) {
    await writeDay(logDir, d, SAMPLE_EVENTS);
    if (reexport !== undefined && d === reexport.at) {
      clock.t = microsAt(d, '12:00:00');
      await exportPack({ ...opts(reexport.day), force: true });
    }
    clock.t = microsAt(next(d), '00:10:00');
    await exportPack(opts(d));
  }
  return { logDir, artifactsDir };
}

describe("a faked export --force of a day whose export a later pack's log records", () => {
  const days = ['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];

  it('is an error, with the live log and without it (the live files hold no export of that day)', async () => {
    const { logDir, artifactsDir } = await nightlyArchive(days);
    fakeReexport(artifactsDir, '2026-11-25');
    for (const r of [await verifyArchive(artifactsDir, { logDir }), await verifyArchive(artifactsDir, {})]) {
      expect(errorsOf(r)).toEqual([['ARCHIVE_EXPORT_MISMATCH', '2026-11-25/manifest.json']]);
      expect(r.problems.find((p) => p.code === 'ARCHIVE_EXPORT_MISMATCH')?.detail).toMatch(
        /PackExported seq \d+ in 2026-11-26\/data\/audit\.jsonl, .*none of this current version/,
      );
    }
  });

  it("a real --force re-export made on a later day is in that day's pack: no error", async () => {
    const { logDir, artifactsDir } = await nightlyArchive(days, { day: '2026-11-25', at: '2026-11-26' });
    for (const r of [await verifyArchive(artifactsDir, { logDir }), await verifyArchive(artifactsDir, {})]) {
      expect(errorsOf(r)).toEqual([]);
      expect(r.checked).toMatchObject({ superseded: 1 });
    }
    expect(pythonErrorsOf(artifactsDir)).toEqual([]);
  });
});

/** Makes `day.v{from}` the current version of `day` again: the current one deleted, or renamed `.v{to}`. */
function rollBack(artifactsDir: string, day: string, from: number, to?: number): void {
  const current = join(artifactsDir, day);
  makeWritable(artifactsDir);
  if (to === undefined) rmSync(current, { recursive: true, force: true });
  else renameSync(current, `${current}.v${to}`);
  renameSync(`${current}.v${from}`, current);
}

describe('a --force re-export rolled back (the superseded version put back as the current one)', () => {
  // Re-exported on the 27th, after the 26th was exported: the 26th's previous_pack still names the
  // version put back, and the re-export's event is in the 27th's pack, not the newest one.
  const days = ['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'];
  const reexport = { day: '2026-11-25', at: '2026-11-27' };
  const rolledBack = [
    ['ARCHIVE_PACK_MISSING', '2026-11-25'],
    ['ARCHIVE_EXPORT_MISMATCH', '2026-11-25/manifest.json'],
  ];

  it("the re-export deleted: its event in a later pack's log names a pack that is gone, with or without the live log", async () => {
    const { logDir, artifactsDir } = await nightlyArchive(days, reexport);
    rollBack(artifactsDir, '2026-11-25', 1);
    for (const r of [await verifyArchive(artifactsDir, { logDir }), await verifyArchive(artifactsDir, {})]) {
      expect(errorsOf(r)).toEqual(rolledBack);
      const detail = r.problems.find((p) => p.code === 'ARCHIVE_EXPORT_MISMATCH')?.detail;
      expect(detail).toMatch(/later one, seq \d+ in 2026-11-27\/data\/audit\.jsonl, .*not the day's newest export/);
      expect(r.problems.find((p) => p.code === 'ARCHIVE_PACK_MISSING')?.detail).toMatch(
        /PackExported event seq \d+ in 2026-11-27\/data\/audit\.jsonl records 2026-11-25/,
      );
    }
    expect(pythonErrorsOf(artifactsDir)).toEqual(rolledBack);
  });

  it('the re-export kept as .v2: every pack is there, but the current one is not the newest export', async () => {
    const { logDir, artifactsDir } = await nightlyArchive(days, reexport);
    rollBack(artifactsDir, '2026-11-25', 1, 2);
    // (.v2's supersedes names a .v1 that is gone: ARCHIVE_SUPERSEDES_MISMATCH, found before too.)
    const mismatch = ['ARCHIVE_EXPORT_MISMATCH', '2026-11-25/manifest.json'];
    for (const r of [await verifyArchive(artifactsDir, { logDir }), await verifyArchive(artifactsDir, {})])
      expect(errorsOf(r)).toContainEqual(mismatch);
    expect(pythonErrorsOf(artifactsDir)).toContainEqual(mismatch);
  });

  it('a re-export after the last export: its event only in the live log, caught with it', async () => {
    const { logDir, artifactsDir } = await nightlyArchive(days);
    const clock = { t: microsAt('2026-11-29', '00:20:00') };
    await exportPack({ ...clockedExports(logDir, artifactsDir, clock)('2026-11-25'), force: true });
    // Before: no error (without the live log, a warning that only it records that export).
    const clean = await verifyArchive(artifactsDir, {});
    expect(errorsOf(clean)).toEqual([]);
    expect(clean.problems.map((p) => p.code)).toContain('ARCHIVE_EXPORT_UNRECORDED');
    expect(errorsOf(await verifyArchive(artifactsDir, { logDir }))).toEqual([]);
    expect(pythonErrorsOf(artifactsDir)).toEqual([]);
    rollBack(artifactsDir, '2026-11-25', 1);
    expect(errorsOf(await verifyArchive(artifactsDir, { logDir }))).toEqual(rolledBack);
  });

  it('the newest day re-exported, its event only in the live log: no error, with or without it', async () => {
    const { logDir, artifactsDir } = await nightlyArchive(days);
    const clock = { t: microsAt('2026-11-29', '00:20:00') };
    await exportPack({ ...clockedExports(logDir, artifactsDir, clock)('2026-11-28'), force: true });
    for (const r of [await verifyArchive(artifactsDir, { logDir }), await verifyArchive(artifactsDir, {})])
      expect(errorsOf(r)).toEqual([]);
    expect(pythonErrorsOf(artifactsDir)).toEqual([]);
  });
});

describe('the live log behind the archive', () => {
  it("the live files from the newest pack's day on deleted: an error, not a warning", async () => {
    const { logDir, artifactsDir } = await archive();
    for (const d of ['20261128', '20261201']) rmSync(join(logDir, `audit-${d}.jsonl`));
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(errorsOf(r)).toEqual([['ARCHIVE_LIVE_LOG_MISMATCH', '2026-11-28/manifest.json']]);
    expect(r.problems.find((p) => p.code === 'ARCHIVE_LIVE_LOG_MISMATCH')?.detail).toMatch(
      /the live log ends at seq \d+ \(audit-20261127\.jsonl\), before 2026-11-28's chain ends/,
    );
  });
});
