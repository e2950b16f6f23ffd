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
    const evidence = new RetiredEvidence({ packDays: new Set(), logDir, packDirs: [] });
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
