/**
 * The kept-pack records of a pack's log, found in the pass that checks it (KeptEventTap), are the
 * records a search of the file finds (keptNotesInFile, the reference): the same packs, the same
 * newest day and record, over hostile lines (a torn tail, a repeated pack, a forged category, a
 * malformed set, a mark inside another event's value).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanLines } from '../../src/chain/lines.js';
import { KeptEventTap, keptNotesInFile } from '../../src/verify/kept-events.js';
import { tempDir } from '../helpers/tmp.js';

const line = (o: Record<string, unknown>): string => JSON.stringify(o);
const kept = (iso: string, date: string, path: string): string =>
  line({ seq: 1, iso_ts: `${iso}T00:10:00Z`, category: 'system', event: 'PackKept', date, path });
const pruned = (date: string, set: unknown): string =>
  line({ seq: 2, category: 'system', event: 'LogPruned', date, kept_unverified: set });

const LINES = [
  kept('2026-11-03', '2026-11-01', '2026-11-01'),
  pruned('2026-11-02', [{ date: '2026-11-01', path: '2026-11-01' }]),
  // the same day twice: the first record of the newest day stands
  kept('2026-11-05', '2026-11-01', '2026-11-01'),
  pruned('2026-11-05', [
    { date: '2026-11-01', path: '2026-11-01' },
    { date: '2026-11-02', path: '2026-11-02.v2' },
    { date: '2026-11-02', path: 'x/../y' },
  ]),
  kept('2026-11-04', '2026-11-01', '2026-11-01'),
  // not the chain's word: another category, a malformed set or date, a mark in a value, not JSON
  line({ seq: 3, category: 'order', event: 'PackKept', date: '2026-10-01', path: '2026-10-01', iso_ts: '2026-11-09' }),
  pruned('2026-11-06', [{ date: 'nope', path: 1 }]),
  pruned('11/06/2026', [{ date: '2026-10-02', path: '2026-10-02' }]),
  line({ seq: 4, category: 'system', event: 'Note', text: '"PackKept" "LogPruned"' }),
  '{"category":"system","event":"PackKept",',
  kept('bad-date!!', '2026-10-03', '2026-10-03'),
  // a torn tail is not a line of the log
];
const TORN = kept('2026-11-20', '2026-11-07', '2026-11-07');

describe('KeptEventTap', () => {
  it("finds in a log's pass what a search of the file finds", async () => {
    const file = join(tempDir(), 'audit.jsonl');
    writeFileSync(file, `${LINES.join('\n')}\n${TORN}`);
    const tap = new KeptEventTap();
    await scanLines(file, (l) => tap.push(l), { view: true, noFollow: true });
    const reference = await keptNotesInFile(file);
    expect(tap.list()).toEqual(reference);
    expect(reference).toEqual([
      { date: '2026-11-01', path: '2026-11-01', day: '2026-11-05' },
      { date: '2026-11-02', path: '2026-11-02.v2', day: '2026-11-05', logPruned: '2026-11-05' },
    ]);
  });

  it('does not look into a line the log check read as an event of another category', () => {
    const tap = new KeptEventTap();
    const bytes = Buffer.from(kept('2026-11-03', '2026-11-01', '2026-11-01'));
    const l = { bytes, length: bytes.length, offset: 0, lineNumber: 1, terminated: true, hash: '' };
    tap.push(l, 'order');
    expect(tap.list()).toEqual([]);
    tap.push(l, 'system');
    expect(tap.list()).toHaveLength(1);
  });
});
