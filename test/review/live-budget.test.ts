/**
 * The review events of the live files (src/review/events.ts liveReviewEvents) share one bound:
 * every file from the newest pack's day on is read, future days included, so a bound per file is
 * none (a million events a file, and the spread of one file's events into the list overflowed the
 * stack past about 120,000: an INTERNAL crash, exit 70). Events past the budget are counted and
 * said (REVIEW_LIVE_LOG_UNCHECKED), never kept, and a record line whose event may be among them
 * awaits evidence instead of being called forged.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordDispositions } from '../../src/review-flow/index.js';
import { liveReviewEvents, MAX_LIVE_REVIEW_EVENTS } from '../../src/review/index.js';
import { verifyPath } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { asActor, DATE, findingIds, makeFixture } from './helpers.js';

const hex = (n: number): string => n.toString(16).padStart(64, '0');
/** A review event of DATE's pack version `hex(7)` (none: its record is missing), record line `n`. */
const reviewed = (n: number): string =>
  `{"seq":${n},"category":"review","event":"ReviewSubmitted","date":"${DATE}","manifest_sha256":"${hex(7)}","record_seq":${n},"record_sha256":"${hex(n)}","actor":"x@y"}\n`;

/** Live files audit-20251001.jsonl … in `dir`, file `k` holding `per` review events. */
function flood(dir: string, files: number, per: number): void {
  for (let k = 0; k < files; k++) {
    let s = '';
    for (let i = 0; i < per; i++) s += reviewed(k * 1_000_000 + i);
    appendFileSync(join(dir, `audit-202510${String(k + 1).padStart(2, '0')}.jsonl`), s);
  }
}

describe('the live files share one budget of review events', () => {
  it('events over it across files, each under it: counted from the file where it ran out', async () => {
    const dir = join(tempDir(), 'logs');
    mkdirSync(dir);
    flood(dir, 3, 40);
    writeFileSync(join(dir, 'audit-20250901.jsonl'), reviewed(5)); // before `from`: not read
    const live = await liveReviewEvents(dir, DATE, 100);
    expect(live.events).toHaveLength(100);
    expect(live.unchecked).toEqual({ events: 20, from: 'audit-20251003.jsonl', budget: 100 });
    // The first read are the ones kept.
    expect(live.events[0]).toMatchObject({ seq: 0, where: 'audit-20251001.jsonl' });
    expect(live.events[99]).toMatchObject({ seq: 2_000_019, where: 'audit-20251003.jsonl' });
    const under = await liveReviewEvents(dir, DATE, 120);
    expect(under.events).toHaveLength(120);
    expect(under.unchecked).toBeUndefined();
  });

  it('what is kept does not grow with the files', async () => {
    const kept: number[] = [];
    for (const files of [1, 6]) {
      const dir = join(tempDir(), 'logs');
      mkdirSync(dir);
      flood(dir, files, 500);
      const live = await liveReviewEvents(dir, DATE, 300);
      kept.push(live.events.length);
      expect(live.unchecked?.events).toBe(files * 500 - 300);
    }
    expect(kept).toEqual([300, 300]);
  });

  it('verify says what it did not check, and the honest record past the budget awaits evidence', async () => {
    const f = await makeFixture(tempDir());
    const ids = findingIds(f.pack);
    await recordDispositions(
      asActor(f, 'alice@desk'),
      DATE,
      ids.critical.map((id) => ({ findingId: id, disposition: 'escalated' as const })),
    );
    expect((await verifyPath(f.artifacts, { logDir: f.logs })).problems.filter((p) => p.severity === 'error')).toEqual(
      [],
    );
    // More events than the budget in live files dated before the one holding the record's event:
    // 130,000 in one of them (its spread crashed verify before).
    flood(f.logs, 1, 130_000);
    expect(130_000).toBeGreaterThan(MAX_LIVE_REVIEW_EVENTS);
    for (const target of [f.artifacts, f.pack]) {
      const r = await verifyPath(target, { logDir: f.logs });
      const unchecked = r.problems.filter((p) => p.code === 'REVIEW_LIVE_LOG_UNCHECKED');
      expect(unchecked).toHaveLength(1);
      expect(unchecked[0]).toMatchObject({ severity: 'warning', file: 'audit-20251001.jsonl' });
      expect(unchecked[0]?.detail).toMatch(/than the 100,000 verify keeps .*: 30,001 more, from this file on/);
      // The record's lines have their events in the file read after the budget ran out: not "forged".
      const lines = r.problems.filter((p) => p.line !== undefined && p.file.includes('reviews/'));
      expect(lines.length).toBeGreaterThan(0);
      for (const p of lines) {
        expect([p.code, p.severity]).toEqual(['REVIEW_AWAITING_EVIDENCE', 'warning']);
        expect(p.detail).toMatch(/among those not checked/);
      }
    }
  }, 60_000);
});
