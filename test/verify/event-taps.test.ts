/**
 * The PackPruned and review taps are given the category the log check read a line as: an event of
 * another category is skipped without a search, and a line the check could not read as an event
 * (a repeated key, say) is still looked into as before, so what the taps collect is unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { ScannedLine } from '../../src/chain/lines.js';
import { ReviewEventTap } from '../../src/review/index.js';
import { PruneEventTap } from '../../src/verify/chain-events.js';
import { LogChecker } from '../../src/verify/log-check.js';
import { Findings } from '../../src/verify/report.js';
import { chainLines, DAY1, HOUR, sha256 } from './helpers/log-fixture.js';

const PRUNE = { date: '2025-09-01', path: 'artifacts/2025-09-01', manifest_sha256: 'ab'.repeat(32) };
const REVIEW = {
  date: '2025-09-01',
  manifest_sha256: 'cd'.repeat(32),
  record_seq: 1,
  record_sha256: 'ef'.repeat(32),
};

function scanned(text: string, lineNumber: number): ScannedLine {
  const bytes = Buffer.from(text);
  return { bytes, hash: sha256(text), length: bytes.length, lineNumber, offset: 0, terminated: true } as ScannedLine;
}

describe('event taps fed the checker category', () => {
  it('collect the same events with the category as without it', () => {
    const { lines } = chainLines([
      { micros: DAY1 + HOUR, category: 'system', event: 'PackPruned', fields: PRUNE },
      { micros: DAY1 + HOUR + 1, category: 'order', event: 'PackPruned', fields: PRUNE },
      { micros: DAY1 + HOUR + 2, category: 'review', event: 'FindingDisposed', fields: REVIEW },
      { micros: DAY1 + HOUR + 3, category: 'fill', event: 'Filled', fields: { note: '"category":"review"' } },
    ]);
    // A repeated key: not an event for the check (no category given), looked into by JSON.parse.
    const dup = (lines[0] as string).replace('"event":"PackPruned"', '"event":"PackPruned","event":"PackPruned"');
    const all = [...lines, dup];
    const withCat = { prune: new PruneEventTap('log'), review: new ReviewEventTap('log') };
    const without = { prune: new PruneEventTap('log'), review: new ReviewEventTap('log') };
    const checker = new LogChecker({ file: 'log', findings: new Findings(), emptyOk: true });
    const seen: (string | undefined)[] = [];
    all.forEach((text, i) => {
      const l = scanned(text, i + 1);
      checker.push(l);
      seen.push(checker.lastCategory);
      withCat.prune.push(l, checker.lastCategory);
      withCat.review.push(l, checker.lastCategory);
      without.prune.push(l);
      without.review.push(l);
    });
    expect(seen).toEqual(['system', 'order', 'review', 'fill', undefined]);
    expect(withCat.prune.events).toEqual(without.prune.events);
    expect(withCat.review.events).toEqual(without.review.events);
    expect(withCat.prune.events.map((e) => e.seq)).toEqual([1, 1]);
    expect(withCat.review.events.map((e) => e.seq)).toEqual([3]);
  });
});
