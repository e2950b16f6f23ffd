/**
 * A pruned.jsonl line whose PackPruned event log retention removed (docs/decisions.md "A ledger
 * line whose PackPruned event log retention removed"). An honest daily cron — export yesterday,
 * prune with equal pack and log retention — run in-process at chosen clocks: the first line's event
 * was in the log of its prune day, which retention removed with the pack holding its copy. It is
 * an info, not an error; a line that what is left contradicts (a prune day whose log or pack is
 * still here, a prune sooner than its claimed retention, a day file removed with no LogPruned)
 * stays ARCHIVE_PRUNE_UNRECORDED.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { prune } from '../../src/retention/index.js';
import type { LedgerEntry } from '../../src/verify/archive-ledger.js';
import { RetiredEvidence } from '../../src/verify/archive-prune-retired.js';
import { verifyArchive, type VerifyReport } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { clockedExports } from './helpers/archive-days.js';
import { makeWritable } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

const DATES = [
  '2026-11-01',
  '2026-11-02',
  '2026-11-03',
  '2026-11-04',
  '2026-11-05',
  '2026-11-06',
  '2026-11-07',
  '2026-11-08',
  '2026-11-09',
];
const NOW = () => Date.parse('2026-11-09T12:00:00Z');
const codes = (r: VerifyReport, severity: string): string[] =>
  r.problems.filter((p) => p.severity === severity).map((p) => p.code);

/**
 * Eight nights of cron: day i logged, exported at 00:05 the next day, then pruned at 00:10 with
 * pack retention `packDays` and (unless null) log retention `logDays`.
 */
async function cron(packDays: number, logDays: number | null): Promise<{ logDir: string; art: string }> {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const art = join(root, 'art');
  const clock = { t: 0 };
  const opts = clockedExports(logDir, art, clock);
  for (let i = 0; i < 8; i++) {
    const next = DATES[i + 1] as string;
    await writeDay(logDir, DATES[i] as string, SAMPLE_EVENTS);
    clock.t = microsAt(next, '00:05:00');
    await exportPack(opts(DATES[i] as string));
    let t = microsAt(next, '00:10:00');
    await prune({
      artifactsDir: art,
      retentionDays: packDays,
      ...(logDays === null ? {} : { logs: { logDir, retentionDays: logDays } }),
      eventLogDir: logDir,
      now: Date.parse(`${next}T00:10:00Z`),
      loggerClock: () => (t += 1000),
    });
  }
  return { logDir, art };
}

const ledgerLines = (art: string): Record<string, unknown>[] =>
  readFileSync(join(art, 'pruned.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function appendLine(art: string, line: Record<string, unknown>): void {
  const ledger = join(art, 'pruned.jsonl');
  chmodSync(ledger, 0o644);
  appendFileSync(ledger, `${JSON.stringify(line)}\n`);
}

describe('a ledger line whose PackPruned event log retention removed', () => {
  it('an honest archive with equal retention: an info with the live logs, a warning at most without, no error', async () => {
    const { logDir, art } = await cron(3, 3);
    // The first line's prune day (11-05) lost its log file and its pack.
    expect(ledgerLines(art)[0]?.pruned_at).toMatch(/^2026-11-05T/);
    const r = await verifyArchive(art, { logDir, minRetentionDays: 0, now: NOW });
    expect(codes(r, 'error')).toEqual([]);
    expect(codes(r, 'warning')).toEqual([]);
    const info = r.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_EVIDENCE_PRUNED');
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ severity: 'info', line: 1 });
    // Without the live logs: the packs' logs record removals up to 11-04 only, so line 1 is unsettled.
    const alone = await verifyArchive(art, { minRetentionDays: 0, now: NOW });
    expect(codes(alone, 'error')).toEqual([]);
    expect(alone.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_EVIDENCE_PRUNED').map((p) => p.severity)).toEqual([
      'warning',
    ]);
    // The independent checker agrees: no error.
    expect(pythonPackCheck(art).errors).toEqual([]);
  });

  it('logs kept longer than packs: the event read from the kept log of its prune day, nothing to report', async () => {
    const { logDir, art } = await cron(2, 5);
    const r = await verifyArchive(art, { logDir, minRetentionDays: 0, now: NOW });
    expect(codes(r, 'error')).toEqual([]);
    expect(r.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_EVIDENCE_PRUNED')).toEqual([]);
  });

  it('the oldest kept pack removed and a line back-dated into the pruned range: an error either way', async () => {
    const { logDir, art } = await cron(3, 3);
    const victim = join(art, '2026-11-06');
    const manifestSha = createHash('sha256')
      .update(readFileSync(join(victim, 'manifest.json')))
      .digest('hex');
    makeWritable(victim);
    rmSync(victim, { recursive: true });
    // Pruned on 11-05 (a removed log's day): before the pack's own day plus any retention.
    const base = { export_date: '2026-11-06', manifest_sha256: manifestSha, path: '2026-11-06' };
    const claim = { retention_days: 0, retention_source: 'command_line' };
    appendLine(art, { ...base, pruned_at: '2026-11-05T00:10:00.000Z', ...claim });
    const r = await verifyArchive(art, { logDir, minRetentionDays: 0, now: NOW });
    const bad = r.problems.find((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED');
    expect(bad?.severity).toBe('error');
    expect(bad?.detail).toMatch(/not after its day 2026-11-06 plus the 0 days of retention/);
    expect(pythonPackCheck(art).errors.map((e) => e.code)).toContain('ARCHIVE_PRUNE_UNRECORDED');
    // Pruned on 11-09 instead (no pack of that day yet): its log file is kept and holds no such event.
    const lines = readFileSync(join(art, 'pruned.jsonl'), 'utf8').split('\n');
    lines.splice(lines.length - 2, 1, JSON.stringify({ ...base, pruned_at: '2026-11-09T00:20:00.000Z', ...claim }));
    writeFileSync(join(art, 'pruned.jsonl'), lines.join('\n'));
    const r2 = await verifyArchive(art, { logDir, minRetentionDays: 0, now: NOW });
    expect(r2.problems.find((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED')?.detail).toMatch(
      /the log file of its prune day 2026-11-09 is kept/,
    );
  });

  it('a prune day whose pack is still here needs its event there', async () => {
    const { logDir, art } = await cron(3, 3);
    // A line claiming a prune on 11-06: the pack of 11-06 holds that day's log, without the event.
    rmSync(join(logDir, 'audit-20261106.jsonl'));
    appendLine(art, {
      export_date: '2026-10-01',
      manifest_sha256: 'a'.repeat(64),
      path: '2026-10-01',
      pruned_at: '2026-11-06T00:10:00.000Z',
      retention_days: 3,
      retention_source: 'command_line',
    });
    const r = await verifyArchive(art, { logDir, minRetentionDays: 0, now: NOW });
    const bad = r.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED');
    expect(bad.map((p) => p.line)).toEqual([6]);
    expect(bad[0]?.detail).toMatch(/a pack of its prune day 2026-11-06 is still here/);
  });

  it('log files removed by hand (no LogPruned): the line stays an error', async () => {
    const { logDir, art } = await cron(3, null);
    for (const d of ['20261101', '20261102', '20261103', '20261104', '20261105'])
      rmSync(join(logDir, `audit-${d}.jsonl`));
    const r = await verifyArchive(art, { logDir, minRetentionDays: 0, now: NOW });
    const bad = r.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED');
    expect(bad.map((p) => p.line)).toEqual([1]);
    expect(bad[0]?.detail).toMatch(/no LogPruned event in the live logs records the removal of 2026-11-05's log file/);
  });
});

describe('RetiredEvidence', () => {
  it('reads a kept log file once, however many lines name its day (a forged ledger costs no more reads)', async () => {
    const logDir = join(tempDir(), 'logs');
    mkdirSync(logDir);
    const ev = (date: string, sha: string) =>
      JSON.stringify({ seq: 1, category: 'system', event: 'PackPruned', date, path: date, manifest_sha256: sha });
    writeFileSync(
      join(logDir, 'audit-20261105.jsonl'),
      `${ev('2026-10-01', 'a'.repeat(64))}\n${ev('2026-10-02', 'b'.repeat(64))}\n`,
    );
    const evidence = new RetiredEvidence({
      packDays: new Set(),
      logDir,
      packDirs: [],
      packKept: [],
      spans: [],
      artifactsDir: join(logDir, '..', 'art'),
    });
    const entry = (date: string, sha: string): LedgerEntry => ({
      exportDate: date,
      manifestSha256: sha,
      path: date,
      line: 1,
      rawSha: sha,
      prunedAt: Date.parse('2026-11-05T00:10:00Z'),
      fields: { export_date: date, manifest_sha256: sha, path: date },
    });
    expect(await evidence.judge(entry('2026-10-01', 'a'.repeat(64)), '2026-11-05')).toEqual({ kind: 'recorded' });
    // The file gone: a second line of that day is judged from what was read, not read again.
    rmSync(join(logDir, 'audit-20261105.jsonl'));
    expect(await evidence.judge(entry('2026-10-02', 'b'.repeat(64)), '2026-11-05')).toEqual({ kind: 'recorded' });
    expect((await evidence.judge(entry('2026-10-03', 'c'.repeat(64)), '2026-11-05')).kind).toBe('error');
  });
});

const NOV = (d: number): string => `2026-11-${String(d).padStart(2, '0')}`;

/**
 * A nightly cron over 11-01..`last` with the machine down on `down` (no log, no export, no prune):
 * each up day logged, exported at 00:05 of the next up day, then pruned at 00:10 with packs kept 10
 * days and logs `logDays` (or what it says for that night's day of November); the last day logged only.
 */
async function cronWithDowntime(last: number, down: readonly number[], logDays: number | ((night: number) => number)) {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const art = join(root, 'art');
  const clock = { t: 0 };
  const opts = clockedExports(logDir, art, clock);
  const up = Array.from({ length: last }, (_, i) => i + 1).filter((d) => !down.includes(d));
  for (const [i, d] of up.entries()) {
    await writeDay(logDir, NOV(d), SAMPLE_EVENTS);
    const next = up[i + 1];
    if (next === undefined) break;
    clock.t = microsAt(NOV(next), '00:05:00');
    await exportPack(opts(NOV(d)));
    let t = microsAt(NOV(next), '00:10:00');
    await prune({
      artifactsDir: art,
      retentionDays: 10,
      logs: { logDir, retentionDays: typeof logDays === 'number' ? logDays : logDays(next) },
      eventLogDir: logDir,
      now: Date.parse(`${NOV(next)}T00:10:00Z`),
      loggerClock: () => (t += 1000),
    });
  }
  return { logDir, art };
}

/** Deletes the packs of `days` by hand and writes unsigned ledger lines claiming a prune on `on`, retention 3. */
function hideBehindForgedLines(art: string, days: readonly string[], on: string, mode: 'append' | 'insert'): void {
  const forged = days.map((d) => {
    const sha = createHash('sha256')
      .update(readFileSync(join(art, d, 'manifest.json')))
      .digest('hex');
    makeWritable(join(art, d));
    rmSync(join(art, d), { recursive: true });
    const line = { export_date: d, manifest_sha256: sha, path: d, pruned_at: `${on}T00:10:01.000Z`, retention_days: 3 };
    return `${JSON.stringify({ ...line, retention_source: 'command_line' })}\n`;
  });
  const ledger = join(art, 'pruned.jsonl');
  let old = '';
  try {
    old = readFileSync(ledger, 'utf8');
    chmodSync(ledger, 0o644);
  } catch {
    // no honest line yet
  }
  writeFileSync(ledger, mode === 'append' ? old + forged.join('') : forged.join('') + old);
}

describe('a ledger line claiming a prune on a day without a log (at25 F3)', () => {
  for (const mode of ['append', 'insert'] as const)
    it(`packs deleted by hand, hidden by lines (${mode}ed) pruned on a day the machine was down: an error`, async () => {
      // Packs kept 10 days, logs 2; 11-09 down. Honest lines: 11-01..11-03, pruned on 11-12..11-14.
      const { logDir, art } = await cronWithDowntime(14, [9], 2);
      const now = () => Date.parse('2026-11-14T12:00:00Z');
      expect(codes(await verifyArchive(art, { logDir, minRetentionDays: 3, now }), 'error')).toEqual([]);
      hideBehindForgedLines(art, [NOV(4), NOV(5)], NOV(9), mode);
      const lines = mode === 'append' ? [4, 5] : [1, 2];
      for (const opts of [{ logDir }, {}]) {
        const r = await verifyArchive(art, { ...opts, minRetentionDays: 3, now });
        const bad = r.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED');
        expect(bad.map((p) => [p.severity, p.line])).toEqual(lines.map((l) => ['error', l]));
        expect(bad[0]?.detail).toMatch(/links 2026-11-08's last line directly to 2026-11-10's first/);
      }
      const py = pythonPackCheck(art).errors.filter((e) => e.code === 'ARCHIVE_PRUNE_UNRECORDED');
      expect(py).toHaveLength(2);
    });

  it('no pack left before the claimed day: the removed files the LogPruned events record link across it', async () => {
    // 11-03..11-06 down; logs kept 1 day: 11-01, 11-02 removed on 11-07 (events in the pack of 11-07).
    const { logDir, art } = await cronWithDowntime(9, [3, 4, 5, 6], 1);
    const now = () => Date.parse('2026-11-09T12:00:00Z');
    expect(codes(await verifyArchive(art, { logDir, minRetentionDays: 3, now }), 'error')).toEqual([]);
    hideBehindForgedLines(art, [NOV(1), NOV(2)], NOV(6), 'append');
    for (const opts of [{ logDir }, {}]) {
      const r = await verifyArchive(art, { ...opts, minRetentionDays: 3, now });
      const bad = r.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED');
      expect(bad.map((p) => [p.severity, p.line])).toEqual([
        ['error', 1],
        ['error', 2],
      ]);
      expect(bad[0]?.detail).toMatch(
        /links 2026-11-02's removed log file \(LogPruned in 2026-11-07\)'s last line directly/,
      );
    }
    expect(pythonPackCheck(art).errors.filter((e) => e.code === 'ARCHIVE_PRUNE_UNRECORDED')).toHaveLength(2);
  });

  it('the removal before the claimed day recorded only in the live logs: they show the chain links across it', async () => {
    // 11-03..11-06 down; logs kept 6 days, then 1 on 11-09: 11-02 and 11-07 removed then (events in the
    // live log of 11-09 only), 11-01 on 11-08 (in the pack of 11-08).
    const { logDir, art } = await cronWithDowntime(9, [3, 4, 5, 6], (night) => (night === 9 ? 1 : 6));
    const now = () => Date.parse('2026-11-09T12:00:00Z');
    expect(codes(await verifyArchive(art, { logDir, minRetentionDays: 3, now }), 'error')).toEqual([]);
    hideBehindForgedLines(art, [NOV(1), NOV(2)], NOV(6), 'append');
    const r = await verifyArchive(art, { logDir, minRetentionDays: 3, now });
    const bad = r.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED');
    expect(bad.map((p) => [p.severity, p.line])).toEqual([
      ['error', 1],
      ['error', 2],
    ]);
    expect(bad[0]?.detail).toMatch(/the chain links across its prune day 2026-11-06 .*the pack of 2026-11-07/);
  });
});
