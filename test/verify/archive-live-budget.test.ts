/**
 * The live files read against the archive (src/verify/archive-live.ts readLiveLog) share one bound:
 * every file from the newest pack's day on is read, future days included, so a bound per file is
 * none (a reviewer's 12 flooded files took 1.2 GB, and V8 died of it under a smaller heap). A
 * repeated event or tail line costs nothing; distinct events past the budget are counted and said
 * (ARCHIVE_LIVE_LOG_UNCHECKED), never kept.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { readLiveLog } from '../../src/verify/archive-live.js';
import { verifyArchive } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { days } from './helpers/archive-days.js';

const exported = (seq: number, sha: string): string =>
  `{"seq":${seq},"category":"system","event":"PackExported","date":"2026-11-20","manifest_sha256":"${sha}"}\n`;
const pruned = (seq: number, path: string): string =>
  `{"seq":${seq},"category":"system","event":"PackPruned","date":"2026-10-01","path":"${path}","manifest_sha256":null}\n`;
const hex = (n: number): string => n.toString(16).padStart(64, '0');

/** `lines(k)` for the files audit-20261121.jsonl … (one a day, `files` of them). */
function liveDir(files: number, lines: (file: number) => string): string {
  const dir = join(tempDir(), 'logs');
  mkdirSync(dir);
  for (let k = 0; k < files; k++) writeFileSync(join(dir, `audit-202611${21 + k}.jsonl`), lines(k));
  return dir;
}

describe('the live files share one budget', () => {
  it('distinct events over it across files, each under it: counted from the file where it ran out', async () => {
    const dir = liveDir(3, (k) => {
      let s = '';
      for (let i = 0; i < 40; i++) s += exported(k * 100 + i, hex(k * 100 + i));
      for (let i = 0; i < 5; i++) s += pruned(k * 100 + 50 + i, `p${k}.${i}`);
      return s;
    });
    const live = await readLiveLog(dir, '2026-11-20', undefined, 100);
    expect(live.files).toBe(3);
    expect(live.exportEvents.length + live.pruneEvents.length).toBe(100);
    expect(live.unchecked).toEqual({ events: 35, from: 'audit-20261123.jsonl', budget: 100 });
    // The first read are the ones kept.
    expect(live.exportEvents[0]).toMatchObject({ seq: 0, where: 'audit-20261121.jsonl', logDay: '2026-11-21' });
  });

  it('what is kept does not grow with the files when they repeat one event and the tail lines', async () => {
    const tail = { name: '2026-11-20', date: '2026-11-20', lastSeq: 5, endHash: hex(1) };
    const file = (k: number): string => {
      let s = '';
      for (let i = 0; i < 500; i++) s += exported(1000 * k + 100 + i, hex(7)) + pruned(1000 * k + 100 + i, 'p');
      // Lines at the tail's seqs, again and again (none holds its hash): the first says so.
      for (let i = 0; i < 200; i++) s += `{"ts":1,"iso_ts":"x","seq":5,"category":"system","n":${i}}\n`;
      return s;
    };
    const one = await readLiveLog(liveDir(1, file), '2026-11-20', tail);
    const six = await readLiveLog(liveDir(6, file), '2026-11-20', tail);
    expect(six.files).toBe(6);
    for (const live of [one, six]) {
      expect(live.exportEvents).toHaveLength(2);
      expect(live.pruneEvents).toHaveLength(1);
      expect(live.atLast).toHaveLength(1);
      expect(live.unchecked).toBeUndefined();
    }
    // The newest stands for the rest: the count of the day's exports is kept.
    expect(six.exportEvents.reduce((n, e) => n + (e.count ?? 1), 0)).toBe(3000);
    expect(six.exportEvents[1]).toMatchObject({ seq: 5599, where: 'audit-20261126.jsonl' });
    expect(six.atLast[0]).toMatchObject({ file: 'audit-20261121.jsonl', line: 1001 });
  });

  it('verify says what it did not check: an archive whose live files hold more than 100,000 events', async () => {
    const { logDir, artifactsDir, opts } = await days();
    await exportPack(opts('2026-11-29'));
    await exportPack(opts('2026-11-30'));
    const honest = await verifyArchive(artifactsDir, { logDir });
    expect(honest.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    // 100,001 distinct events over three files dated after the live day, none over the old bound of
    // 100,000 a file.
    for (let k = 0; k < 3; k++) {
      let s = '';
      for (let i = 0; i < 33_334; i++) s += exported(10_000_000 + k * 100_000 + i, hex(k * 100_000 + i));
      appendFileSync(join(logDir, `audit-2026120${2 + k}.jsonl`), s);
    }
    const r = await verifyArchive(artifactsDir, { logDir });
    const unchecked = r.problems.filter((p) => p.code === 'ARCHIVE_LIVE_LOG_UNCHECKED');
    expect(unchecked).toHaveLength(1);
    expect(unchecked[0]).toMatchObject({ severity: 'warning', file: 'audit-20261204.jsonl' });
    expect(unchecked[0]?.detail).toMatch(/than the 100,000 verify keeps .*: \d+ more/);
  });
});
