/**
 * The review events a later pack's log holds count the same whether that pack is a directory or a
 * `.tar.gz`: once the live log is gone, they are the only evidence of the reviews, so a disposition
 * changed after approval (the record re-linked by a careful forger) is caught in both forms.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarPackDir } from '../../src/archive/bundle.js';
import { hashLine } from '../../src/chain/index.js';
import { type ReviewLine, renderReviewLine } from '../../src/format/review.js';
import { removeTree } from '../../src/fsx/dirs.js';
import { verifyPath } from '../../src/verify/index.js';
import { approvedFixture, DATE, exportReviewDay, type Fixture, REVIEW_DAY } from './helpers.js';

/** DATE's pack approved on REVIEW_DAY, and REVIEW_DAY's pack (whose log holds the review events) exported after. */
async function reviewedThenExported(): Promise<{ f: Fixture; record: string; later: string }> {
  const { f, record } = await approvedFixture();
  return { f, record, later: await exportReviewDay(f) };
}

/** The record with every disposition changed, re-linked the way a careful forger would. */
function forgeDispositions(record: string): void {
  let prev = '0'.repeat(64);
  const out = readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .map((t) => {
      const l = JSON.parse(t) as ReviewLine;
      const edited = (l.kind === 'disposition' ? { ...l, disposition: 'false_positive' } : l) as ReviewLine;
      const text = renderReviewLine({ ...edited, prev } as ReviewLine);
      prev = hashLine(text);
      return text;
    });
  writeFileSync(record, `${out.join('\n')}\n`);
}

function errors(r: { problems: readonly { code: string; severity: string }[] }): string[] {
  return r.problems.filter((p) => p.severity === 'error').map((p) => p.code);
}

describe('review events of a pack kept as .tar.gz', () => {
  it('hold the record as the directory form does: honest verifies, a forged disposition is caught', async () => {
    const { f, record, later } = await reviewedThenExported();
    // The live log is not given: the packs' logs are the evidence.
    const dir = await verifyPath(f.artifacts, {});
    expect(errors(dir)).toEqual([]);
    expect(dir.problems.some((p) => p.code === 'REVIEW_AWAITING_EVIDENCE')).toBe(false);

    for (const [path, date] of [
      [f.pack, DATE],
      [later, REVIEW_DAY],
    ] as const) {
      await tarPackDir(path, date, join(f.artifacts, `${date}.tar.gz`));
      removeTree(path);
    }
    const tar = await verifyPath(f.artifacts, {});
    expect(errors(tar)).toEqual([]);
    expect(tar.problems.some((p) => p.code === 'REVIEW_AWAITING_EVIDENCE')).toBe(false);

    forgeDispositions(record);
    const forged = await verifyPath(f.artifacts, {});
    expect(errors(forged)).toContain('REVIEW_EVENT_MISMATCH');
  });
});
