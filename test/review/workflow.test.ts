/**
 * The review workflow on a real exported pack: every transition from every state (each invalid one
 * refused with nothing written), the hard rules, four eyes, the countersignature checked by the real
 * `ssh-keygen -Y verify`, and a re-export leaving the old approval on the old version only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAuditpackError } from '../../src/errors.js';
import type { ReviewAction, ReviewState } from '../../src/format/review.js';
import { recordDispositions, reviewStatus, reviewTransition, type ReviewOptions } from '../../src/review-flow/index.js';
import { parseAllowedSigners } from '../../src/signing/index.js';
import { tempDir } from '../helpers/tmp.js';
import {
  asActor,
  DATE,
  exportDay,
  type Fixture,
  findingIds,
  makeFixture,
  sshKeygenVerify,
  writtenState,
} from './helpers.js';

async function dispose(f: Fixture, actor = 'alice@desk'): Promise<void> {
  const ids = findingIds(f.pack);
  await recordDispositions(asActor(f, actor), DATE, [
    ...ids.critical.map((id) => ({ findingId: id, disposition: 'escalated' as const })),
    ...ids.warning.map((id) => ({ findingId: id, disposition: 'accepted' as const, reason: 'collar widened for NFP' })),
  ]);
}

/** Brings a fresh fixture's pack to `state` the only legal way. */
async function reach(f: Fixture, state: ReviewState): Promise<void> {
  if (state === 'DRAFT') return;
  await dispose(f);
  await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
  if (state === 'APPROVED')
    await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'approve', key: f.bob });
  if (state === 'REJECTED')
    await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'reject', reason: 'escalation missing' });
}

const LEGAL: Readonly<Record<ReviewState, ReviewAction | undefined>> = {
  DRAFT: 'submit',
  PENDING_REVIEW: 'approve',
  REJECTED: 'reopen',
  APPROVED: undefined,
};
const ACTIONS: readonly ReviewAction[] = ['submit', 'approve', 'reject', 'reopen'];

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; exitCode: number }> {
  try {
    await p;
  } catch (err) {
    if (isAuditpackError(err)) return { code: err.code, message: err.message, exitCode: err.exitCode };
    throw err;
  }
  throw new Error('expected an AuditpackError');
}

describe('review transitions', () => {
  for (const state of ['DRAFT', 'PENDING_REVIEW', 'REJECTED', 'APPROVED'] as const) {
    it(`from ${state}: every action but the legal one is refused (exit 2), and nothing is written`, async () => {
      const f = await makeFixture(tempDir());
      await reach(f, state);
      expect((await reviewStatus(f.artifacts, DATE))[0]?.versions[0]?.state).toBe(state);
      for (const action of ACTIONS) {
        const legal = action === LEGAL[state] || (state === 'PENDING_REVIEW' && action === 'reject');
        if (legal) continue;
        const before = writtenState(f);
        const e = await errorOf(
          reviewTransition(asActor(f, 'carol@desk'), { date: DATE, action, reason: 'why not', key: f.bob }),
        );
        expect(e.code, `${state} --${action}`).toBe('REVIEW_TRANSITION_INVALID');
        expect(e.exitCode).toBe(2);
        expect(e.message).toContain(`it is ${state}`);
        expect(writtenState(f)).toBe(before);
      }
      const legal = LEGAL[state];
      if (legal === undefined) return;
      if (state === 'DRAFT') await dispose(f);
      const actor = state === 'PENDING_REVIEW' ? 'bob@desk' : 'alice@desk';
      const key = actor === 'bob@desk' ? f.bob : f.alice;
      const t = await reviewTransition(asActor(f, actor), { date: DATE, action: legal, reason: 'ok', key });
      expect(t.from).toBe(state);
    });
  }

  it('PENDING_REVIEW → REJECTED needs a reason; REJECTED → DRAFT → PENDING_REVIEW again', async () => {
    const f = await makeFixture(tempDir());
    await reach(f, 'PENDING_REVIEW');
    const e = await errorOf(reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'reject' }));
    expect(e.code).toBe('USAGE');
    await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'reject', reason: 'say why W-1 was fine' });
    const d = await errorOf(
      recordDispositions(asActor(f, 'alice@desk'), DATE, [{ findingId: 'x', disposition: 'escalated' }]),
    );
    expect(d.code).toBe('REVIEW_TRANSITION_INVALID');
    await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'reopen' });
    await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
    const s = (await reviewStatus(f.artifacts, DATE))[0]?.versions[0];
    expect(s?.state).toBe('PENDING_REVIEW');
    expect(s?.history.map((l) => (l.kind === 'transition' ? l.action : 'disposition'))).toEqual([
      'disposition',
      'disposition',
      'submit',
      'reject',
      'reopen',
      'submit',
    ]);
  });
});

describe('hard rules', () => {
  it('submit is blocked until every warning-or-worse finding has a disposition; nothing written while blocked', async () => {
    const f = await makeFixture(tempDir());
    const ids = findingIds(f.pack);
    expect(ids.critical.length).toBeGreaterThan(0);
    expect(ids.warning.length).toBeGreaterThan(0);
    const before = writtenState(f);
    const e = await errorOf(reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice }));
    expect(e.code).toBe('REVIEW_BLOCKED');
    expect(e.exitCode).toBe(1);
    for (const id of [...ids.critical, ...ids.warning]) expect(e.message).toContain(id);
    expect(writtenState(f)).toBe(before);
    // Only the critical ones: still blocked by the warnings at the default severity …
    await recordDispositions(
      asActor(f, 'alice@desk'),
      DATE,
      ids.critical.map((id) => ({ findingId: id, disposition: 'false_positive' as const })),
    );
    expect(
      (await errorOf(reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice }))).code,
    ).toBe('REVIEW_BLOCKED');
    // … but not when only critical findings block: the warnings then only warn.
    const t = await reviewTransition(asActor(f, 'alice@desk', { blockingSeverity: 'critical' }), {
      date: DATE,
      action: 'submit',
      key: f.alice,
    });
    expect(t.warnings.join(' ')).toContain(ids.warning[0] as string);
  });

  it('accepted needs a reason; an unknown finding id is refused; nothing written', async () => {
    const f = await makeFixture(tempDir());
    const id = findingIds(f.pack).critical[0] as string;
    const before = writtenState(f);
    const a = await errorOf(
      recordDispositions(asActor(f, 'alice@desk'), DATE, [{ findingId: id, disposition: 'accepted' }]),
    );
    expect(a.code).toBe('REVIEW_DISPOSITION_INVALID');
    const b = await errorOf(
      recordDispositions(asActor(f, 'alice@desk'), DATE, [
        { findingId: id, disposition: 'escalated' },
        { findingId: 'missing_risk_check:999999', disposition: 'escalated' },
      ]),
    );
    expect(b.code).toBe('REVIEW_DISPOSITION_INVALID');
    expect(b.message).toContain('missing_risk_check:999999');
    expect(writtenState(f)).toBe(before);
  });

  it('a day that is not a date (a path) is refused before anything is read or written', async () => {
    const f = await makeFixture(tempDir());
    for (const date of ['../2025-09-08', '2025-09-08/../..', '2025-13-01', '']) {
      const e = await errorOf(reviewTransition(asActor(f, 'alice@desk'), { date, action: 'submit', key: f.alice }));
      expect(e.code, date).toBe('USAGE');
    }
    expect((await errorOf(reviewStatus(f.artifacts, '../etc'))).code).toBe('USAGE');
  });

  it('a pack that no longer verifies cannot be approved', async () => {
    const f = await makeFixture(tempDir());
    await reach(f, 'PENDING_REVIEW');
    const { chmodSync, appendFileSync } = await import('node:fs');
    const orders = join(f.pack, 'data/orders.csv');
    chmodSync(join(f.pack, 'data'), 0o755);
    chmodSync(orders, 0o644);
    appendFileSync(orders, 'x\r\n');
    const e = await errorOf(reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'approve', key: f.bob }));
    expect(e.code).toBe('REVIEW_BLOCKED');
    expect(e.message).toContain('does not verify');
  });
});

describe('four eyes', () => {
  it('the submitter cannot approve; a non-approver cannot; a key not listed for the approver cannot (exit 77)', async () => {
    const f = await makeFixture(tempDir());
    await reach(f, 'PENDING_REVIEW');
    const signers = parseAllowedSigners(readFileSync(f.signersFile, 'utf8'));
    const before = writtenState(f);
    const own = await errorOf(
      reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'approve', key: f.alice }),
    );
    expect(own.code).toBe('REVIEW_NOT_PERMITTED');
    expect(own.exitCode).toBe(77);
    const o: Partial<ReviewOptions> = { approvers: ['bob@desk'], signers };
    const carol = await errorOf(
      reviewTransition(asActor(f, 'carol@desk', o), { date: DATE, action: 'approve', key: f.bob }),
    );
    expect(carol.code).toBe('REVIEW_NOT_PERMITTED');
    const wrongKey = await errorOf(
      reviewTransition(asActor(f, 'bob@desk', o), { date: DATE, action: 'approve', key: f.alice }),
    );
    expect(wrongKey.code).toBe('REVIEW_NOT_PERMITTED');
    expect(writtenState(f)).toBe(before);
    const t = await reviewTransition(asActor(f, 'bob@desk', o), { date: DATE, action: 'approve', key: f.bob });
    expect(t.to).toBe('APPROVED');
  });

  it('the countersignature verifies with ssh-keygen -Y verify as the approver, over the tag manifest hash and the dispositions', async () => {
    const f = await makeFixture(tempDir());
    await reach(f, 'APPROVED');
    const s = (await reviewStatus(f.artifacts, DATE))[0]?.versions[0];
    const msg = join(f.artifacts, 'reviews', DATE, `${s?.manifestSha256}.approval.txt`);
    const ok = sshKeygenVerify(f.signersFile, 'bob@desk', msg, `${msg}.sig`);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('Good "auditpack-review" signature for bob@desk');
    expect(sshKeygenVerify(f.signersFile, 'alice@desk', msg, `${msg}.sig`).code).not.toBe(0);
    const text = readFileSync(msg, 'utf8');
    const { createHash } = await import('node:crypto');
    const tag = createHash('sha256')
      .update(readFileSync(join(f.pack, 'tagmanifest-sha256.txt')))
      .digest('hex');
    expect(text).toContain(`tagmanifest_sha256: ${tag}\n`);
    expect(text).toContain('submitter: alice@desk\n');
    expect(text).toContain('"disposition":"accepted","reason":"collar widened for NFP"');
  });
});

describe('versions', () => {
  it('export --force of an approved day makes a new DRAFT naming its parent; the approval stays on the old version', async () => {
    const f = await makeFixture(tempDir());
    await reach(f, 'APPROVED');
    const old = (await reviewStatus(f.artifacts, DATE))[0]?.versions[0];
    await exportDay(f.cwd, true);
    const [cur, prev] = (await reviewStatus(f.artifacts, DATE))[0]?.versions ?? [];
    expect(cur?.pack).toBe(DATE);
    expect(cur?.state).toBe('DRAFT');
    expect(cur?.parent?.manifestSha256).toBe(old?.manifestSha256);
    expect(cur?.parent?.movedTo).toBe(`${DATE}.v1`);
    expect(prev?.pack).toBe(`${DATE}.v1`);
    expect(prev?.state).toBe('APPROVED');
    expect(prev?.approver).toBe('bob@desk');
    const e = await errorOf(reviewTransition(asActor(f, 'carol@desk'), { date: DATE, action: 'approve', key: f.bob }));
    expect(e.code).toBe('REVIEW_TRANSITION_INVALID');
  });
});
