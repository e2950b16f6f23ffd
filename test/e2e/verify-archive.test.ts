/**
 * End to end: `auditpack verify artifacts` in a project directory prints the archive's newest
 * evidence, reads the live logs (`logs/`) by default, so a forged pruned.jsonl line is an error at
 * once; with `--no-logs` it is an error too, because retention prunes oldest first and the forged
 * entry's day is newer than a pack still kept (only an entry older than every kept pack may wait for
 * its PackPruned event, ARCHIVE_PRUNE_AWAITING_EVIDENCE). Days are written and exported with the library
 * (injected clocks); the verdicts come from the built CLI.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { makeWritable } from '../verify/helpers/forge.js';

describe('auditpack verify <artifacts> end to end', () => {
  it('newest evidence printed; a middle pack deleted behind a forged ledger line is found through the live log', async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    const artifactsDir = join(cwd, 'artifacts');
    mkdirSync(logDir);
    const dates = ['2026-11-27', '2026-11-28', '2026-11-29'];
    for (const d of dates) await writeDay(logDir, d, SAMPLE_EVENTS);
    let t = Date.parse('2026-11-30T00:10:00Z') * 1000;
    let last;
    for (const date of dates)
      last = await exportPack({
        date,
        logDir,
        artifactsDir,
        version: '0.1.0',
        now: () => t / 1000,
        loggerClock: () => (t += 1000),
      });

    const ok = runCli(['verify', 'artifacts'], { cwd });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(
      `newest evidence: pack 2026-11-29 (made ${last!.manifest.created_at}), manifest sha256 ${last!.manifestSha256}; chain ends at seq ${last!.manifest.chain.last_seq}, hash ${last!.manifest.chain.end_hash}`,
    );
    const json = JSON.parse(runCli(['verify', 'artifacts', '--json'], { cwd }).stdout);
    expect(json.evidence).toMatchObject({ pack: '2026-11-29', end_hash: last!.manifest.chain.end_hash });

    const mid = join(artifactsDir, '2026-11-28');
    const sha = createHash('sha256')
      .update(readFileSync(join(mid, 'manifest.json')))
      .digest('hex');
    makeWritable(mid);
    rmSync(mid, { recursive: true });
    appendFileSync(
      join(artifactsDir, 'pruned.jsonl'),
      `${JSON.stringify({ export_date: '2026-11-28', manifest_sha256: sha, path: '2026-11-28', pruned_at: new Date().toISOString() })}\n`,
    );

    const forged = runCli(['verify', 'artifacts'], { cwd });
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('ARCHIVE_PRUNE_UNRECORDED');
    const noLogs = runCli(['verify', 'artifacts', '--no-logs'], { cwd });
    expect(noLogs.code).toBe(1);
    expect(noLogs.stdout).toContain('ARCHIVE_PRUNE_UNRECORDED');
    expect(noLogs.stdout).not.toContain('ARCHIVE_PRUNE_AWAITING_EVIDENCE');
    const missing = runCli(['verify', 'artifacts', '--logs', 'nowhere'], { cwd });
    expect(missing.code).not.toBe(0);
    expect(missing.code).not.toBe(1);
    expect(missing.stderr).toContain('LOGS_DIR_MISSING');
  });

  it('a --force re-export rolled back (deleted, its .v1 moved back) is an error, with and without the live logs', async () => {
    const cwd = tempDir();
    const logDir = join(cwd, 'logs');
    const artifactsDir = join(cwd, 'artifacts');
    mkdirSync(logDir);
    let t = 0;
    const ex = (date: string, force = false) =>
      exportPack({
        date,
        logDir,
        artifactsDir,
        version: '0.1.0',
        force,
        now: () => t / 1000,
        loggerClock: () => (t += 1000),
      });
    // Each day exported the next morning; 2026-11-27 re-exported after 2026-11-28 was.
    for (const [d, next] of [
      ['2026-11-27', '2026-11-28'],
      ['2026-11-28', '2026-11-29'],
      ['2026-11-29', '2026-11-30'],
    ] as const) {
      await writeDay(logDir, d, SAMPLE_EVENTS);
      t = microsAt(next, '00:10:00');
      await ex(d);
      if (d === '2026-11-28') {
        t = microsAt(next, '00:20:00');
        await ex('2026-11-27', true);
      }
    }
    expect(runCli(['verify', 'artifacts', '--no-logs'], { cwd }).code).toBe(0);
    makeWritable(artifactsDir);
    rmSync(join(artifactsDir, '2026-11-27'), { recursive: true });
    renameSync(join(artifactsDir, '2026-11-27.v1'), join(artifactsDir, '2026-11-27'));
    for (const args of [['--no-logs'], []]) {
      const r = runCli(['verify', 'artifacts', ...args], { cwd });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/ARCHIVE_PACK_MISSING the PackExported event seq \d+ in 2026-11-29\/data\/audit\.jsonl/);
      expect(r.stdout).toContain('2026-11-27/manifest.json ARCHIVE_EXPORT_MISMATCH');
    }
  });
});
