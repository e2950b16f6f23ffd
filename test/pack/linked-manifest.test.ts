/**
 * Export links a new pack to the pack before it (and a back-filled day to the one after) by the
 * SHA-256 of that pack's manifest.json. A pack is hostile input: a manifest.json replaced by a
 * link (even to the same bytes) or a FIFO is never read through or waited on; the export stops
 * with READ_FAILED (ENOTREG) instead of linking to whatever the link points at.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from './helpers.js';

async function twoDays(): Promise<{ logDir: string; artifactsDir: string; root: string }> {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const artifactsDir = join(root, 'artifacts');
  mkdirSync(logDir);
  for (const d of ['2026-11-27', '2026-11-28', '2026-11-29']) await writeDay(logDir, d, SAMPLE_EVENTS);
  return { logDir, artifactsDir, root };
}

const day = (o: { logDir: string; artifactsDir: string }, date: string) =>
  exportPack({ date, logDir: o.logDir, artifactsDir: o.artifactsDir, version: '0.1.0', recordEvent: false });

describe("export reads the neighbouring pack's manifest.json only as a regular file", () => {
  for (const by of ['link', 'fifo'] as const) {
    it(`the previous pack's manifest.json as a ${by}: READ_FAILED, no pack written`, async () => {
      const o = await twoDays();
      await day(o, '2026-11-27');
      const manifest = join(o.artifactsDir, '2026-11-27', 'manifest.json');
      chmodSync(join(o.artifactsDir, '2026-11-27'), 0o755);
      cpSync(manifest, join(o.root, 'outside.json'));
      rmSync(manifest, { force: true });
      if (by === 'link') symlinkSync(join(o.root, 'outside.json'), manifest);
      else expect(spawnSync('mkfifo', [manifest]).status).toBe(0);
      await expect(day(o, '2026-11-28')).rejects.toMatchObject({
        code: 'READ_FAILED',
        message: expect.stringMatching(/2026-11-27.*manifest\.json.*ENOTREG/),
      });
      expect(existsSync(join(o.artifactsDir, '2026-11-28'))).toBe(false);
    });
  }

  it("a back-filled day: the next pack's manifest.json as a link is READ_FAILED too", async () => {
    const o = await twoDays();
    await day(o, '2026-11-27');
    await day(o, '2026-11-29');
    const manifest = join(o.artifactsDir, '2026-11-29', 'manifest.json');
    chmodSync(join(o.artifactsDir, '2026-11-29'), 0o755);
    cpSync(manifest, join(o.root, 'outside.json'));
    rmSync(manifest, { force: true });
    symlinkSync(join(o.root, 'outside.json'), manifest);
    await expect(day(o, '2026-11-28')).rejects.toMatchObject({ code: 'READ_FAILED' });
    expect(existsSync(join(o.artifactsDir, '2026-11-28'))).toBe(false);
  });
});
