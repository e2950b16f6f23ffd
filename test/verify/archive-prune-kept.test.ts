/**
 * A pack that does not verify is kept by prune ("evidence that does not verify is never deleted"),
 * and prune says so in the chain: a PackKept event each run, and the set carried on each LogPruned
 * event (`kept_unverified`) until a PackPruned of the pack. Deleted by hand later and hidden by one
 * ledger line claiming a plausible prune on a day retention has since removed, the line is
 * ARCHIVE_PRUNE_UNRECORDED without the live logs (it was an info: at26 F4). An honest cron — the
 * pack repaired and pruned, re-exported, a prune killed after its ledger line — stays free of it.
 * Packs kept 3 days, logs 2; run in-process at chosen clocks (docs/decisions.md).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPrunedLine } from '../../src/format/pruned-ledger.js';
import { exportPack } from '../../src/pack/export.js';
import { isoDate } from '../../src/rotation/index.js';
import { verifyArchive, type VerifyReport } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { clockedExports, nightlyPrune, tamperPayload } from './helpers/archive-days.js';
import { makeWritable } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

/** 2026-11-01 … 2026-11-16. */
const DATES = Array.from({ length: 16 }, (_, i) => isoDate(Date.parse('2026-11-01T00:00:00Z') / 86_400_000 + i));
const day = (i: number): string => DATES[i] as string;
const NOW = () => Date.parse('2026-11-16T12:00:00Z');
const TAMPERED = day(1);

interface Cron {
  readonly logDir: string;
  readonly art: string;
  /** Logs day i, exports it at 00:05 the next day, prunes at 00:10 (packs 3 days, logs 2). */
  night(i: number, o?: { prune?: boolean }): Promise<void>;
}

function cron(): Cron {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const art = join(root, 'art');
  const clock = { t: 0 };
  const opts = clockedExports(logDir, art, clock);
  return {
    logDir,
    art,
    async night(i, o = {}) {
      const next = day(i + 1);
      await writeDay(logDir, day(i), SAMPLE_EVENTS);
      clock.t = microsAt(next, '00:05:00');
      await exportPack(opts(day(i)));
      if (o.prune === false) return;
      await nightlyPrune(art, logDir, next);
    },
  };
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const codes = (r: VerifyReport, severity: string): string[] =>
  r.problems.filter((p) => p.severity === severity).map((p) => p.code);
const events = (logDir: string, event: string): Record<string, unknown>[] =>
  readdirSync(logDir)
    .flatMap((f) => readFileSync(join(logDir, f), 'utf8').trim().split('\n'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.category === 'system' && e.event === event);

/** The pack deleted by hand and one ledger line claiming a prune on `prunedOn` (retention 3). */
function deleteAndHide(art: string, name: string, prunedOn: string): void {
  hideLine(art, name, deleteByHand(art, name), prunedOn);
}

/** The pack deleted by hand, no ledger line; returns its manifest's sha256. */
function deleteByHand(art: string, name: string): string {
  const dir = join(art, name);
  const manifestSha = sha256(join(dir, 'manifest.json'));
  makeWritable(dir);
  rmSync(dir, { recursive: true });
  return manifestSha;
}

/** One ledger line claiming a prune of `name` (manifest `manifestSha`) on `prunedOn` (retention 3). */
function hideLine(art: string, name: string, manifestSha: string, prunedOn: string): void {
  chmodSync(join(art, 'pruned.jsonl'), 0o644);
  appendFileSync(
    join(art, 'pruned.jsonl'),
    `${JSON.stringify({
      export_date: name.slice(0, 10),
      manifest_sha256: manifestSha,
      path: name,
      pruned_at: `${prunedOn}T00:10:01.500Z`,
      retention_days: 3,
      retention_source: 'command_line',
    })}\n`,
  );
}

describe('a pack kept because it does not verify, deleted by hand and hidden by a ledger line', () => {
  it('is ARCHIVE_PRUNE_UNRECORDED without the live logs, and in the Python checker', async () => {
    const c = cron();
    for (let i = 0; i <= 10; i++) {
      await c.night(i);
      if (day(i) === TAMPERED) tamperPayload(c.art, TAMPERED);
    }
    // The chain says it was kept: a PackKept each night, and the set on each LogPruned since.
    expect(events(c.logDir, 'PackKept').map((e) => e.path)).toContain(TAMPERED);
    const newest = events(c.logDir, 'LogPruned').at(-1);
    expect(newest?.kept_unverified).toEqual([{ date: TAMPERED, path: TAMPERED }]);
    await writeDay(c.logDir, day(11), SAMPLE_EVENTS);
    deleteAndHide(c.art, TAMPERED, day(5));
    const r = await verifyArchive(c.art, { minRetentionDays: 3, now: NOW });
    const bad = r.problems.find((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED');
    expect(bad?.severity).toBe('error');
    expect(bad?.detail).toMatch(
      /says the pack was still kept on 2026-11-\d\d \(it did not verify\), after its claimed prune on 2026-11-06/,
    );
    expect(r.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_EVIDENCE_PRUNED' && p.line === bad?.line)).toEqual([]);
    const py = pythonPackCheck(c.art).errors;
    expect(py.map((e) => e.code)).toContain('ARCHIVE_PRUNE_UNRECORDED');
    expect(py.find((e) => e.code === 'ARCHIVE_PRUNE_UNRECORDED')?.detail).toMatch(/still kept on/);
    // With the live logs too.
    const live = await verifyArchive(c.art, { logDir: c.logDir, minRetentionDays: 3, now: NOW });
    expect(codes(live, 'error')).toContain('ARCHIVE_PRUNE_UNRECORDED');
  });

  it('once the files recording the keep are gone, the LogPruned set still says it', async () => {
    const c = cron();
    for (let i = 0; i <= 14; i++) {
      await c.night(i);
      if (day(i) === TAMPERED) tamperPayload(c.art, TAMPERED);
      // Deleted by hand after night 7's prune (11-09): no PackKept since, and retention goes on.
      if (i === 7) deleteAndHide(c.art, TAMPERED, day(5));
    }
    await writeDay(c.logDir, day(15), SAMPLE_EVENTS);
    // No file left that holds a PackKept event: only the set the LogPruned events carried says it.
    expect(events(c.logDir, 'PackKept')).toEqual([]);
    for (const n of readdirSync(c.art).filter((n) => /^\d{4}-\d{2}-\d{2}$/.test(n)))
      expect(readFileSync(join(c.art, n, 'data', 'audit.jsonl'), 'utf8')).not.toContain('"PackKept"');
    const r = await verifyArchive(c.art, { minRetentionDays: 3, now: NOW });
    expect(r.problems.find((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED')?.detail).toMatch(/still kept on/);
    expect(pythonPackCheck(c.art).errors.map((e) => e.code)).toContain('ARCHIVE_PRUNE_UNRECORDED');
  });
});

describe('a pack kept because it does not verify, deleted by hand (at30 F7, F5)', () => {
  /** Tampered on night 1, deleted by hand after night 5's prune; nights up to 10. */
  async function deletedAfterNight5(): Promise<{ c: Cron; sha: string }> {
    const c = cron();
    let sha = '';
    for (let i = 0; i <= 10; i++) {
      await c.night(i);
      if (day(i) === TAMPERED) tamperPayload(c.art, TAMPERED);
      if (i === 5) sha = deleteByHand(c.art, TAMPERED);
    }
    await writeDay(c.logDir, day(11), SAMPLE_EVENTS);
    return { c, sha };
  }

  it('with no ledger line at all: ARCHIVE_PACK_MISSING, with and without the live logs, and in the Python checker', async () => {
    const { c } = await deletedAfterNight5();
    expect(readFileSync(join(c.art, 'pruned.jsonl'), 'utf8')).not.toContain(`"path":"${TAMPERED}"`);
    for (const logDir of [undefined, c.logDir]) {
      const r = await verifyArchive(c.art, { ...(logDir ? { logDir } : {}), minRetentionDays: 3, now: NOW });
      const bad = r.problems.find((p) => p.code === 'ARCHIVE_PACK_MISSING' && p.file === TAMPERED);
      expect(bad?.severity).toBe('error');
      expect(bad?.detail).toMatch(
        /kept_unverified\) says the pack "2026-11-02" \(of 2026-11-02\) was kept on 2026-11-\d\d because it did not verify/,
      );
    }
    const py = pythonPackCheck(c.art).errors;
    expect(py.find((e) => e.code === 'ARCHIVE_PACK_MISSING')?.detail).toMatch(
      /was kept on 2026-11-\d\d because it did not verify/,
    );
  });

  it('kept as <name>.tar.gz (the same failing pack): it fails as such, never ARCHIVE_PACK_MISSING (at31 F4)', async () => {
    const c = cron();
    for (let i = 0; i <= 10; i++) {
      await c.night(i);
      if (day(i) === TAMPERED) tamperPayload(c.art, TAMPERED);
      if (i === 5) {
        execFileSync('tar', ['--format=posix', '--sort=name', '-czf', `${TAMPERED}.tar.gz`, TAMPERED], { cwd: c.art });
        deleteByHand(c.art, TAMPERED);
      }
    }
    await writeDay(c.logDir, day(11), SAMPLE_EVENTS);
    for (const logDir of [undefined, c.logDir]) {
      const r = await verifyArchive(c.art, { ...(logDir ? { logDir } : {}), minRetentionDays: 3, now: NOW });
      expect(r.problems.find((p) => p.file.startsWith(`${TAMPERED}.tar.gz`) && p.severity === 'error')).toBeDefined();
      expect(codes(r, 'error')).not.toContain('ARCHIVE_PACK_MISSING');
    }
    const py = pythonPackCheck(c.art).errors.map((e) => e.code);
    expect(py.length).toBeGreaterThan(0);
    expect(py).not.toContain('ARCHIVE_PACK_MISSING');
  });

  it('hidden by a line dated on the newest kept record day, the pack of the day after here: ARCHIVE_PRUNE_UNRECORDED', async () => {
    const { c, sha } = await deletedAfterNight5();
    // The newest record the packs hold: the LogPruned of day 7's file (kept_unverified); day 8's pack is here.
    expect(readdirSync(c.art)).toContain(day(8));
    hideLine(c.art, TAMPERED, sha, day(7));
    const r = await verifyArchive(c.art, { minRetentionDays: 3, now: NOW });
    const bad = r.problems.find((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED');
    expect(bad?.severity).toBe('error');
    expect(bad?.detail).toMatch(
      new RegExp(`still kept on ${day(7)} \\(it did not verify\\), after its claimed prune on ${day(7)}`),
    );
    const py = pythonPackCheck(c.art).errors;
    expect(py.find((e) => e.code === 'ARCHIVE_PRUNE_UNRECORDED')?.detail).toMatch(/still kept on/);
  });
});

describe('honest archives with a pack kept because it did not verify', () => {
  it('repaired, then pruned by the next prune: it leaves the set, its retired line is an info', async () => {
    const c = cron();
    let undo = (): void => {};
    for (let i = 0; i <= 12; i++) {
      await c.night(i);
      if (day(i) === TAMPERED) undo = tamperPayload(c.art, TAMPERED);
      if (i === 5) undo();
    }
    // Pruned on 11-08 (its PackPruned), gone from every set after.
    expect(events(c.logDir, 'LogPruned').at(-1)?.kept_unverified).toBeUndefined();
    const line = readFileSync(join(c.art, 'pruned.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.path === TAMPERED);
    expect(line?.pruned_at).toMatch(/^2026-11-08T/);
    for (const logDir of [undefined, c.logDir]) {
      const r = await verifyArchive(c.art, { ...(logDir ? { logDir } : {}), minRetentionDays: 3, now: NOW });
      expect(codes(r, 'error')).toEqual([]);
    }
    expect(pythonPackCheck(c.art).errors).toEqual([]);
  });

  it('re-exported with force: the new pack pruned, the old version kept; no line is contradicted', async () => {
    const c = cron();
    for (let i = 0; i <= 12; i++) {
      await c.night(i);
      if (day(i) === TAMPERED) tamperPayload(c.art, TAMPERED);
      if (i === 4) {
        const clock = { t: microsAt(day(5), '00:07:00') };
        await exportPack(clockedExports(c.logDir, c.art, clock)(TAMPERED, { force: true }));
      }
    }
    expect(readdirSync(c.art)).toContain(`${TAMPERED}.v1`);
    expect(readdirSync(c.art)).not.toContain(TAMPERED);
    expect(events(c.logDir, 'LogPruned').at(-1)?.kept_unverified).toEqual([{ date: TAMPERED, path: `${TAMPERED}.v1` }]);
    for (const logDir of [undefined, c.logDir]) {
      const r = await verifyArchive(c.art, { ...(logDir ? { logDir } : {}), minRetentionDays: 3, now: NOW });
      // The kept version is still a real error (and makes the lines of newer days out of order, as
      // before); no line is contradicted by a keep: the pruned pack's line is retired.
      expect(r.problems.filter((p) => p.detail.includes('still kept'))).toEqual([]);
      expect(r.problems.find((p) => p.code === 'ARCHIVE_PRUNE_EVIDENCE_PRUNED')?.detail).toMatch(/^2 lines \(1 to 2\)/);
      expect(codes(r, 'error')).not.toContain('ARCHIVE_PACK_MISSING');
    }
    expect(pythonPackCheck(c.art).errors.filter((e) => e.detail?.includes('still kept'))).toEqual([]);
    expect(pythonPackCheck(c.art).errors.map((e) => e.code)).not.toContain('ARCHIVE_PACK_MISSING');
  });

  it('a prune killed after its ledger line, the next one completing it: no line is contradicted', async () => {
    const c = cron();
    let undo = (): void => {};
    for (let i = 0; i <= 12; i++) {
      // Night 6's prune killed after appending its ledger line (fsynced first): no events, nothing removed.
      if (i === 6) {
        await c.night(i, { prune: false });
        const name = TAMPERED;
        chmodSync(join(c.art, 'pruned.jsonl'), 0o644);
        appendFileSync(
          join(c.art, 'pruned.jsonl'),
          renderPrunedLine({
            export_date: name,
            manifest_sha256: sha256(join(c.art, name, 'manifest.json')),
            path: name,
            pruned_at: `${day(7)}T00:10:00.000Z`,
            retention_days: 3,
            retention_source: 'caller',
          }),
        );
        continue;
      }
      await c.night(i);
      if (day(i) === TAMPERED) undo = tamperPayload(c.art, TAMPERED);
      if (i === 5) undo();
    }
    for (const logDir of [undefined, c.logDir]) {
      const r = await verifyArchive(c.art, { ...(logDir ? { logDir } : {}), minRetentionDays: 3, now: NOW });
      expect(r.problems.filter((p) => p.detail.includes('still kept'))).toEqual([]);
      expect(codes(r, 'error')).not.toContain('ARCHIVE_PACK_MISSING');
    }
    expect(pythonPackCheck(c.art).errors.filter((e) => e.detail?.includes('still kept'))).toEqual([]);
    expect(pythonPackCheck(c.art).errors.map((e) => e.code)).not.toContain('ARCHIVE_PACK_MISSING');
  });

  it('its log kept with it: an honest line of an older day pruned after that log is retired, not unrecorded (at30 F6)', async () => {
    const c = cron();
    for (let i = 0; i <= 10; i++) {
      await c.night(i);
      if (day(i) === TAMPERED) tamperPayload(c.art, TAMPERED);
    }
    await writeDay(c.logDir, day(11), SAMPLE_EVENTS);
    // The oldest live file is the kept pack's own; the files of the days after it were removed.
    const live = readdirSync(c.logDir)
      .filter((f) => f.startsWith('audit-'))
      .sort();
    expect(live[0]).toBe(`audit-${TAMPERED.replaceAll('-', '')}.jsonl`);
    expect(live).not.toContain(`audit-${day(4).replaceAll('-', '')}.jsonl`);
    // Line 1: day 0's pack, pruned on day 4, whose log file retention removed.
    const first = readFileSync(join(c.art, 'pruned.jsonl'), 'utf8').split('\n')[0] as string;
    expect(JSON.parse(first)).toMatchObject({ export_date: day(0) });
    expect(JSON.parse(first).pruned_at).toMatch(new RegExp(`^${day(4)}T`));
    const r = await verifyArchive(c.art, { logDir: c.logDir, minRetentionDays: 3, now: NOW });
    expect(r.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED' && p.line === 1)).toEqual([]);
    expect(r.problems.find((p) => p.code === 'ARCHIVE_PRUNE_EVIDENCE_PRUNED')?.detail).toMatch(/^line 1 pruned on /);
    // A forged line claiming a prune on a day whose live file is kept (no pack of it yet) is still caught there.
    chmodSync(join(c.art, 'pruned.jsonl'), 0o644);
    appendFileSync(
      join(c.art, 'pruned.jsonl'),
      `${JSON.stringify({ ...JSON.parse(first), pruned_at: `${day(11)}T00:10:01.500Z` })}\n`,
    );
    const forged = await verifyArchive(c.art, { logDir: c.logDir, minRetentionDays: 3, now: NOW });
    const bad = forged.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED' && p.severity === 'error');
    expect(bad.map((p) => p.detail).join('\n')).toMatch(new RegExp(`the log file of its prune day ${day(11)} is kept`));
  });

  it('no pack kept: no PackKept event and no kept_unverified field, the events of the previous version', async () => {
    const c = cron();
    for (let i = 0; i <= 8; i++) await c.night(i);
    expect(events(c.logDir, 'PackKept')).toEqual([]);
    const pruned = events(c.logDir, 'LogPruned');
    expect(pruned.length).toBeGreaterThan(0);
    for (const e of pruned) expect(Object.keys(e)).not.toContain('kept_unverified');
    const r = await verifyArchive(c.art, { minRetentionDays: 3, now: NOW });
    expect(codes(r, 'error')).toEqual([]);
  });
});
