/**
 * Where a logs directory's chain starts: the genesis, or after files retention removed and recorded
 * (system/LogPruned). A day file removed by hand from the oldest end is an error,
 * LOG_FILE_REMOVAL_UNRECORDED (docs/FORMAT.md, "A log file, or the logs directory").
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { prune } from '../../src/retention/index.js';
import { verifyLog, verifyLogDir } from '../../src/verify/index.js';
import { LogPrunedTap } from '../../src/verify/log-start.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import {
  chainLines,
  DAY1,
  formatLine,
  HOUR,
  recoveryEvent,
  sha256,
  tradingEvents,
  writeLogDir,
} from './helpers/log-fixture.js';
import { pythonPackCheck } from './helpers/python-check.js';

const NOW = Date.parse('2025-09-10T01:00:00Z');
const codes = (r: { problems: readonly { code: string; severity: string; file: string }[] }) =>
  r.problems.map((p) => [p.code, p.severity, p.file]);

describe('the start of a logs directory', () => {
  it('the oldest day file removed by hand (no LogPruned anywhere): an error naming the lost seq', async () => {
    const dir = tempDir();
    const { files } = writeLogDir(dir, 3, 10);
    expect((await verifyLogDir(dir)).problems).toEqual([]);
    rmSync(files[0] as string);
    const r = await verifyLogDir(dir);
    expect(r.ok).toBe(false);
    const name = (files[1] as string).split('/').pop() as string;
    expect(codes(r)).toEqual([['LOG_FILE_REMOVAL_UNRECORDED', 'error', name]]);
    expect(r.problems[0]?.detail).toContain('seq 1..10 are gone');
    expect(pythonPackCheck(dir).errors.map((p) => p.code)).toEqual(['LOG_FILE_REMOVAL_UNRECORDED']);
    // The same file verified alone still only says where it starts (a file alone is a part).
    expect(codes(await verifyLog(files[1] as string))).toEqual([['LOG_CHAIN_START', 'info', name]]);
  });

  /** Three days written and exported: their logs and artifacts directories. */
  async function exportedDays(): Promise<{ logDir: string; artifactsDir: string }> {
    const root = tempDir();
    const logDir = join(root, 'logs');
    const artifactsDir = join(root, 'artifacts');
    mkdirSync(logDir);
    const dates = ['2025-09-01', '2025-09-02', '2025-09-08'];
    for (const date of dates) await writeDay(logDir, date, SAMPLE_EVENTS.slice(0, 3));
    for (const date of dates) await exportPack({ date, logDir, artifactsDir, version: '0.1.0', recordEvent: false });
    return { logDir, artifactsDir };
  }

  /** Three exported days, the first two pruned (recorded or not). */
  async function pruned(record: boolean): Promise<string> {
    const { logDir, artifactsDir } = await exportedDays();
    const { result } = await prune({
      artifactsDir,
      retentionDays: 90,
      logs: { logDir, retentionDays: 3 },
      now: NOW,
      loggerClock: () => NOW * 1000,
      ...(record ? {} : { eventLogDir: false as const }),
    });
    expect(result?.logs.map((l) => l.file)).toEqual(['audit-20250901.jsonl', 'audit-20250902.jsonl']);
    return logDir;
  }

  it('files removed by retention (LogPruned in the kept logs) leave only an info naming the event', async () => {
    const logDir = await pruned(true);
    expect(readdirSync(logDir).filter((f) => f.endsWith('.jsonl'))).toEqual([
      'audit-20250908.jsonl',
      'audit-20250910.jsonl',
    ]);
    const r = await verifyLogDir(logDir);
    expect(r.ok).toBe(true);
    expect(codes(r)).toEqual([['LOG_CHAIN_START', 'info', 'audit-20250908.jsonl']]);
    expect(r.problems[0]?.detail).toContain('LogPruned of 2025-09-02, audit-20250910.jsonl');
    expect(pythonPackCheck(logDir).errors).toEqual([]);
  });

  it('the oldest kept file removed by hand after a recorded prune: the LogPruned end does not meet the new start', async () => {
    const logDir = await pruned(true);
    const { readFileSync } = await import('node:fs');
    const live = readFileSync(join(logDir, 'audit-20250910.jsonl'), 'utf8');
    // The prune records where each removed file's chain ended (its pack's chain.last_seq / end_hash).
    const ev = live
      .split('\n')
      .filter((l) => l.includes('"LogPruned"'))
      .map((l) => JSON.parse(l) as { date: string; last_seq: number; end_hash: string });
    expect(ev.map((e) => [e.date, e.last_seq])).toEqual([
      ['2025-09-01', 3],
      ['2025-09-02', 6],
    ]);
    expect(ev[1]?.end_hash).toMatch(/^[0-9a-f]{64}$/);
    rmSync(join(logDir, 'audit-20250908.jsonl'));
    const r = await verifyLogDir(logDir);
    expect(codes(r)).toEqual([['LOG_FILE_REMOVAL_UNRECORDED', 'error', 'audit-20250910.jsonl']]);
    expect(r.problems[0]?.detail).toContain('the newest LogPruned (2025-09-02');
    expect(pythonPackCheck(logDir).errors.map((p) => p.code)).toEqual(['LOG_FILE_REMOVAL_UNRECORDED']);
  });

  it('a prune failing after its LogPruned events (the ledger unwritable): the removed files are recorded, the directory verifies', async () => {
    const { logDir, artifactsDir } = await exportedDays();
    // The packs' ledger cannot be appended (a directory in its place): the prune fails at the packs.
    mkdirSync(join(artifactsDir, 'pruned.jsonl'));
    await expect(
      prune({
        artifactsDir,
        retentionDays: 5,
        logs: { logDir, retentionDays: 3 },
        now: NOW,
        loggerClock: () => NOW * 1000,
      }),
    ).rejects.toThrow();
    expect(readdirSync(logDir).filter((f) => f.endsWith('.jsonl'))).toEqual([
      'audit-20250908.jsonl',
      'audit-20250910.jsonl',
    ]);
    const r = await verifyLogDir(logDir);
    expect(codes(r)).toEqual([['LOG_CHAIN_START', 'info', 'audit-20250908.jsonl']]);
    expect(pythonPackCheck(logDir).errors).toEqual([]);
  });

  it('a LogPruned recorded for a file still there (a prune killed before removing it): the event of the day before accounts for the start', async () => {
    const logDir = await pruned(true);
    const { readFileSync } = await import('node:fs');
    const { createAuditLogger } = await import('../../src/logger/index.js');
    const { recordWriterEvent } = await import('../../src/logger/child.js');
    const kept = readFileSync(join(logDir, 'audit-20250908.jsonl'), 'utf8').trim().split('\n');
    const last = JSON.parse(kept[kept.length - 1] as string) as { seq: number };
    const { createHash } = await import('node:crypto');
    const endHash = createHash('sha256')
      .update(kept[kept.length - 1] as string)
      .digest('hex');
    const logger = createAuditLogger({ logDir, handleExit: false, clock: () => NOW * 1000 + 5e6 });
    recordWriterEvent(logger, 'system', 'LogPruned', {
      file: 'audit-20250908.jsonl',
      date: '2025-09-08',
      size: 1,
      sha256: '0'.repeat(64),
      last_seq: last.seq,
      end_hash: endHash,
    });
    await logger.close();
    const r = await verifyLogDir(logDir);
    expect(r.ok).toBe(true);
    expect(codes(r)).toEqual([['LOG_CHAIN_START', 'info', 'audit-20250908.jsonl']]);
    expect(r.problems[0]?.detail).toContain('LogPruned of 2025-09-02');
    expect(pythonPackCheck(logDir).errors).toEqual([]);
  });

  it('files pruned with no record (events off) are not accounted for: the same error', async () => {
    const logDir = await pruned(false);
    expect(readdirSync(logDir).filter((f) => f.endsWith('.jsonl'))).toEqual(['audit-20250908.jsonl']);
    expect(codes(await verifyLogDir(logDir))).toEqual([
      ['LOG_FILE_REMOVAL_UNRECORDED', 'error', 'audit-20250908.jsonl'],
    ]);
    expect(pythonPackCheck(logDir).errors.map((p) => p.code)).toEqual(['LOG_FILE_REMOVAL_UNRECORDED']);
  });

  it('a LogPruned that is a recovered torn fragment vouches for nothing (a fragment is never an event)', async () => {
    // The oldest kept file starts at seq 100; its only LogPruned is a whole line whose "\n" a dying
    // writer never wrote, recovered by the next writer (TornLineRecovered describes it).
    const dir = tempDir();
    const a = chainLines(tradingEvents(1), 100, 'ab'.repeat(32));
    const pruneEv = {
      micros: DAY1 + 8 * HOUR,
      category: 'system',
      event: 'LogPruned',
      fields: { file: 'audit-20250907.jsonl', date: '2025-09-07', size: 10, sha256: 'cd'.repeat(32) },
    };
    const before = `${a.lines.join('\n')}\n`;
    const recovered = (fragment: string) => {
      const rec = formatLine(
        recoveryEvent('audit-20250908.jsonl', Buffer.byteLength(before), fragment, DAY1 + 9 * HOUR),
        101,
        a.prev,
      );
      const after = chainLines(tradingEvents(2, DAY1 + 10 * HOUR), 102, sha256(rec));
      return `${before}${fragment}\n${rec}\n${after.lines.join('\n')}\n`;
    };
    const p = join(dir, 'audit-20250908.jsonl');
    writeFileSync(p, recovered(formatLine(pruneEv, 101, a.prev)));
    const r = await verifyLogDir(dir);
    expect(codes(r)).toEqual([
      ['LOG_TORN_LINE_RECOVERED', 'warning', 'audit-20250908.jsonl'],
      ['LOG_FILE_REMOVAL_UNRECORDED', 'error', 'audit-20250908.jsonl'],
    ]);
    expect(pythonPackCheck(dir).errors.map((x) => x.code)).toEqual(['LOG_FILE_REMOVAL_UNRECORDED']);
    // The same LogPruned as an event of the chain accounts for the start (the fragment's place taken by it).
    const chained = chainLines([pruneEv, ...tradingEvents(2, DAY1 + 10 * HOUR)], 101, a.prev);
    writeFileSync(p, `${before}${chained.lines.join('\n')}\n`);
    expect(codes(await verifyLogDir(dir))).toEqual([['LOG_CHAIN_START', 'info', 'audit-20250908.jsonl']]);
    expect(pythonPackCheck(dir).errors).toEqual([]);
  });

  it('a LogPruned last_seq counts only written as an integer (as seq is, and as the Python checker reads it)', () => {
    const hash = 'ab'.repeat(32);
    const endOf = (lastSeq: string): { last_seq: number; end_hash: string } | null | undefined => {
      const tap = new LogPrunedTap();
      tap.reading('audit-20250910.jsonl', '2025-09-10');
      const text = `{"seq":5,"category":"system","event":"LogPruned","date":"2025-09-02","last_seq":${lastSeq},"end_hash":"${hash}"}`;
      const bytes = Buffer.from(text);
      tap.push(
        { bytes, length: bytes.length, offset: 0, lineNumber: 1, terminated: true, hash: '0'.repeat(64) },
        'system',
      );
      return tap.newestBefore('2025-09-10')?.end;
    };
    expect(endOf('10')).toEqual({ last_seq: 10, end_hash: hash });
    expect(endOf('9007199254740991')).toEqual({ last_seq: 9007199254740991, end_hash: hash });
    // The same value by JSON.parse, not an integer as written: the pair is not used (the event is judged by its date).
    for (const v of ['10.0', '1e1', '10E0', '1.0e1', '0', '-10', '"10"', '9007199254740992'])
      expect(endOf(v)).toBeNull();
  });

  it('holds one LogPruned, not one per date: the greatest day before the start, the last recorded of it', () => {
    const tap = new LogPrunedTap();
    let n = 0;
    const pruned = (date: string, lastSeq: number): void => {
      const bytes = Buffer.from(
        `{"seq":${++n},"category":"system","event":"LogPruned","date":"${date}","last_seq":${lastSeq},"end_hash":"${'ab'.repeat(32)}"}`,
      );
      tap.push(
        { bytes, length: bytes.length, offset: 0, lineNumber: n, terminated: true, hash: '0'.repeat(64) },
        'system',
      );
    };
    tap.reading('audit-20250910.jsonl', '2025-09-10');
    // Every valid day from 1900 on, in a hostile order: one is held, whatever their number.
    const day0 = Date.UTC(1900, 0, 1);
    for (let d = 0; d < 46_000; d++)
      pruned(new Date(day0 + ((d * 7919) % 46_000) * 86_400_000).toISOString().slice(0, 10), d + 1);
    pruned('2025-09-09', 7);
    pruned('2025-09-09', 8); // the same day recorded again (a prune re-run): the last wins
    pruned('2025-09-08', 9); // an older day recorded later: not the newest
    tap.startsAt('2025-09-10');
    tap.reading('audit-20250911.jsonl', '2025-09-11');
    pruned('2025-09-10', 10); // the start's own day (retention records before it removes): not before it
    expect(tap.held).toBe(1);
    expect(tap.newestBefore('2025-09-10')).toMatchObject({ date: '2025-09-09', end: { last_seq: 8 } });
  });
});
