/**
 * The live log's events within one budget (src/verify/live-events.ts): a repeated event costs nothing,
 * distinct events past the budget are counted, and what is kept gives the export checks the findings
 * every event read would give.
 */
import { describe, expect, it } from 'vitest';
import type { PackInfo } from '../../src/verify/archive-ledger.js';
import { checkCurrentRecorded, checkExportEvents, type LiveLog } from '../../src/verify/archive-live.js';
import type { ExportEvent, PruneEvent } from '../../src/verify/chain-events.js';
import { LiveEvents } from '../../src/verify/live-events.js';
import { Findings } from '../../src/verify/report.js';

const ev = (date: string, sha: string, seq: number, logDay = '2026-11-21', where = 'audit-20261121.jsonl') =>
  ({ date, manifestSha256: sha, lastSeq: undefined, endHash: undefined, where, seq, logDay }) as ExportEvent;
const prune = (date: string, path: string, where: string, seq: number): PruneEvent => ({
  date,
  path,
  manifestSha256: 'f'.repeat(64),
  where,
  seq,
});

describe('the live events, one budget for every file', () => {
  it('distinct events past the budget, across files under it each, are counted and not kept', () => {
    const live = new LiveEvents(100);
    for (const file of ['audit-20261121.jsonl', 'audit-20261122.jsonl', 'audit-20261123.jsonl'])
      for (let i = 0; i < 40; i++) {
        live.addExport(ev('2026-11-20', `${file}-${i}`, i, '2026-11-21', file));
        if (i < 5) live.addPrune(prune('2026-10-01', `${file}-${i}`, file, i));
      }
    expect(live.exportEvents().length + live.pruneEvents().length).toBe(100);
    expect(live.dropped).toBe(3 * 45 - 100);
    expect(live.droppedFrom).toBe('audit-20261123.jsonl');
  });

  it('a repeated event costs nothing: the first and the newest stand for all of them', () => {
    const live = new LiveEvents(10);
    for (let i = 0; i < 10_000; i++) {
      live.addExport(ev('2026-11-20', 'a', 100 + i));
      live.addPrune(prune('2026-10-01', '2026-10-01', 'audit-20261121.jsonl', 7));
    }
    const kept = live.exportEvents();
    expect(kept.map((e) => [e.seq, e.count])).toEqual([
      [100, undefined],
      [10_099, 9_999],
    ]);
    expect(live.pruneEvents()).toHaveLength(1);
    expect(live.dropped).toBe(0);
  });
});

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAYS = ['2026-11-18', '2026-11-19', '2026-11-20'];
const SHAS = ['a', 'b', 'c', 'd'];
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

function pack(date: string, sha: string, version?: number): PackInfo {
  const name = version === undefined ? date : `${date}.v${version}`;
  const manifest = { manifestSha256: sha, createdAt: `${date}T23:59:00Z`, chain: { endHash: 'e'.repeat(64) } };
  return { name, date, version, report: { manifest, checked: {} } } as unknown as PackInfo;
}

function findingsOf(packs: PackInfo[], recorded: ExportEvent[], events: ExportEvent[]) {
  const live = {
    files: 2,
    exportEvents: events,
    stampEvents: [],
    pruneEvents: [],
    atLast: [],
    afterLast: [],
    end: undefined,
  };
  const f = new Findings(1000);
  checkExportEvents(packs, [], recorded, live as LiveLog, f);
  const current = packs.filter((p) => p.version === undefined).sort((a, b) => (a.date < b.date ? -1 : 1));
  checkCurrentRecorded(current, [...recorded, ...events], true, f);
  return f.toArray();
}

describe('what is kept against every event', () => {
  it('the export checks find the same, ties in chain order and repeats included', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const packs = DAYS.filter(() => r() < 0.8).map((d) => pack(d, pick(r, SHAS)));
      if (r() < 0.5) packs.push(pack(pick(r, DAYS), pick(r, SHAS), 1));
      const recorded = Array.from({ length: Math.floor(r() * 4) }, () =>
        ev(pick(r, DAYS), pick(r, SHAS), Math.floor(r() * 5), pick(r, DAYS), '2026-11-20/data/audit.jsonl'),
      );
      const all: ExportEvent[] = [];
      const live = new LiveEvents();
      for (const file of ['audit-20261120.jsonl', 'audit-20261121.jsonl', 'audit-20261121.1.jsonl']) {
        const logDay = file.includes('1121') ? '2026-11-21' : '2026-11-20';
        for (let i = Math.floor(r() * 8); i > 0; i--) {
          const e = ev(pick(r, DAYS), pick(r, SHAS), Math.floor(r() * 5), logDay, file);
          all.push(e);
          live.addExport(e);
        }
      }
      expect(findingsOf(packs, recorded, live.exportEvents()), `seed ${seed}`).toEqual(
        findingsOf(packs, recorded, all),
      );
    }
  });
});
