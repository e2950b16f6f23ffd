/**
 * The review workflow's chained events are reserved for its writer (at19 F6): a caller's event of
 * such a name, through the library or a child logger, is written as `Caller<Name>` with a note, and
 * verify's review checks (live logs, a later pack's log, its `.tar.gz` form) ignore it, so nobody who
 * can merely log can make an honest record look cut.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarPackDir } from '../../src/archive/bundle.js';
import { removeTree } from '../../src/fsx/dirs.js';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { verifyPath } from '../../src/verify/index.js';
import { approvedFixture, DATE, exportReviewDay, REVIEW_DAY } from './helpers.js';

const REVIEW_NAMES = ['ReviewSubmitted', 'ReviewApproved', 'ReviewRejected', 'ReviewReopened', 'FindingDisposed'];

function errors(r: { problems: readonly { code: string; severity: string }[] }): string[] {
  return r.problems.filter((p) => p.severity === 'error').map((p) => `${p.code}`);
}

describe('review events reserved for the workflow', () => {
  it.each(REVIEW_NAMES)("a caller's review/%s is written as Caller<Name>, noted (logger and child)", async (name) => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    a.log('review', name, { date: '2026-12-03', recordSeq: 33 });
    a.child({ desk: 'x' }).log('review', name, {});
    await a.close();
    const lines = sink.allLines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.event).toBe(`Caller${name}`);
      expect(line.validation).toEqual([
        `event: "${name}" is reserved for auditpack's writer; written as "Caller${name}"`,
      ]);
    }
  });

  it("an honest approved record stays clean beside a caller's forged ReviewRejected (live log, pack log, .tar.gz)", async () => {
    const { f, sha } = await approvedFixture();
    // What at19's repro did: a rejection for the approved pack version, with a record line it lacks.
    const caller = createAuditLogger({ logDir: f.logs, handleExit: false, durability: 'durable', actor: 'mallory' });
    const forged = {
      date: DATE,
      manifestSha256: sha,
      recordSeq: 33,
      recordSha256: createHash('sha256').update('x').digest('hex'),
      from: 'PENDING_REVIEW',
      to: 'REJECTED',
      reason: 'forged',
    };
    await caller.log('review', 'ReviewRejected', forged);
    await caller.child({ desk: 'x' }).log('review', 'FindingDisposed', { ...forged, recordSeq: 34 });
    await caller.close();
    const written = readdirSync(f.logs)
      .flatMap((n) => readFileSync(join(f.logs, n), 'utf8').trim().split('\n'))
      .map((l) => JSON.parse(l) as { category: string; event: string })
      .filter((e) => e.category === 'review')
      .map((e) => e.event);
    expect(written).toContain('CallerReviewRejected');
    expect(written).toContain('CallerFindingDisposed');
    expect(written.filter((e) => e === 'ReviewRejected')).toEqual([]);

    const live = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(errors(live)).toEqual([]);
    expect(live.problems.filter((p) => p.code === 'REVIEW_EVENT_MISMATCH')).toEqual([]);

    // The day's pack whose log holds the workflow's events and the caller's: the packs' logs are the evidence.
    const later = await exportReviewDay(f);
    const dir = await verifyPath(f.artifacts, {});
    expect(errors(dir)).toEqual([]);
    expect(
      dir.problems.filter((p) => p.code.startsWith('REVIEW_EVENT') || p.code === 'REVIEW_AWAITING_EVIDENCE'),
    ).toEqual([]);
    await tarPackDir(later, REVIEW_DAY, join(f.artifacts, `${REVIEW_DAY}.tar.gz`));
    removeTree(later);
    const tar = await verifyPath(f.artifacts, {});
    expect(errors(tar)).toEqual([]);
    expect(tar.problems.filter((p) => p.code === 'REVIEW_EVENT_MISMATCH')).toEqual([]);
  });
});
