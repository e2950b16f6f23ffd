/**
 * verify on review records: each pack's state is reported, the countersignature checked, and the
 * record held against the chained review events, so an edited record, a cut record, a forged
 * approval (by another key, or re-linked by someone who cannot write the chain) are findings.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { type ReviewLine, renderReviewLine } from '../../src/format/review.js';
import { recordDispositions, reviewStatus, reviewTransition } from '../../src/review-flow/index.js';
import { parseAllowedSigners, signSshsig } from '../../src/signing/index.js';
import { verifyPath } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { asActor, DATE, type Fixture, findingIds, makeFixture } from './helpers.js';

async function approved(): Promise<{ f: Fixture; record: string; sha: string }> {
  const f = await makeFixture(tempDir());
  const ids = findingIds(f.pack);
  await recordDispositions(asActor(f, 'alice@desk'), DATE, [
    ...[...ids.critical, ...ids.warning].map((id) => ({ findingId: id, disposition: 'escalated' as const })),
  ]);
  await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
  await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'approve', key: f.bob });
  const sha = (await reviewStatus(f.artifacts, DATE))[0]?.versions[0]?.manifestSha256 as string;
  return { f, record: join(f.artifacts, 'reviews', DATE, `${sha}.jsonl`), sha };
}

function lines(path: string): ReviewLine[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ReviewLine);
}

/** Rewrites a record the way a careful forger would: every line canonical, every link recomputed. */
function relink(path: string, ls: ReviewLine[]): void {
  let prev = '0'.repeat(64);
  const out = ls.map((l, i) => {
    const full = { ...l, seq: i + 1, prev } as ReviewLine;
    prev = hashLine(renderReviewLine(full));
    return renderReviewLine(full);
  });
  writeFileSync(path, `${out.join('\n')}\n`);
}

function codes(r: { problems: readonly { code: string; severity: string }[] }, severity = 'error'): string[] {
  return r.problems.filter((p) => p.severity === severity).map((p) => p.code);
}

describe('verify: review records', () => {
  it('reports each pack version state; an honest approved record verifies, with its signer trusted', async () => {
    const { f } = await approved();
    const signers = parseAllowedSigners(readFileSync(f.signersFile, 'utf8'));
    const r = await verifyPath(f.artifacts, { logDir: f.logs, reviewSigners: signers });
    expect(codes(r)).toEqual([]);
    const state = r.problems.find((p) => p.code === 'REVIEW_STATE');
    expect(state?.detail).toMatch(/^APPROVED by bob@desk at .* \(submitted by alice@desk\)/);
    expect(r.problems.some((p) => p.code === 'REVIEW_SIGNER_NOT_CHECKED')).toBe(false);
    // Without trusted signers: consistent with the key inside, and said so.
    const u = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(codes(u)).toEqual([]);
    expect(codes(u, 'warning')).toContain('REVIEW_SIGNER_NOT_CHECKED');
    // Verifying the pack alone reports its state too.
    const p = await verifyPath(f.pack, { logDir: f.logs });
    expect(codes(p)).toEqual([]);
    expect(p.problems.find((x) => x.code === 'REVIEW_STATE')?.detail).toContain('APPROVED by bob@desk');
  });

  it('an edited line breaks the record; a consistently re-linked edit disagrees with the chain', async () => {
    const { f, record } = await approved();
    const ls = lines(record);
    const text = readFileSync(record, 'utf8');
    writeFileSync(record, text.replace('"escalated"', '"false_positive"'));
    expect(codes(await verifyPath(f.artifacts, { logDir: f.logs }))).toContain('REVIEW_RECORD_INVALID');
    const edited = ls.map((l) => (l.kind === 'disposition' ? { ...l, disposition: 'false_positive' as const } : l));
    relink(record, edited);
    const r = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(codes(r)).toContain('REVIEW_EVENT_MISMATCH');
    expect(codes(r)).toContain('REVIEW_APPROVAL_INVALID'); // the signed dispositions differ too
  });

  it('a rejection erased (record deleted, the workflow run again to an approval) disagrees with the chain', async () => {
    const f = await makeFixture(tempDir());
    const ids = findingIds(f.pack);
    const dispose = async (): Promise<void> => {
      await recordDispositions(asActor(f, 'alice@desk'), DATE, [
        ...[...ids.critical, ...ids.warning].map((id) => ({ findingId: id, disposition: 'escalated' as const })),
      ]);
    };
    await dispose();
    await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
    await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'reject', reason: 'limits not explained' });
    rmSync(join(f.artifacts, 'reviews', DATE), { recursive: true, force: true });
    await dispose();
    await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
    await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'approve', key: f.bob });
    const r = await verifyPath(f.artifacts, { logDir: f.logs });
    const erased = r.problems.filter((p) => p.code === 'REVIEW_EVENT_MISMATCH' && p.severity === 'error');
    expect(erased.map((p) => p.detail).join('\n')).toMatch(/ReviewRejected/);
  });

  it('a record cut back to before the approval, or removed, disagrees with the chain', async () => {
    const { f, record } = await approved();
    relink(record, lines(record).slice(0, -1));
    const r = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(codes(r)).toContain('REVIEW_EVENT_MISMATCH');
    rmSync(record);
    const gone = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(codes(gone)).toContain('REVIEW_EVENT_MISMATCH');
  });

  it('a forged approval: another key in place of the signature, or a whole approval by someone who cannot write the chain', async () => {
    const { f, record, sha } = await approved();
    const msg = join(f.artifacts, 'reviews', DATE, `${sha}.approval.txt`);
    const original = readFileSync(`${msg}.sig`, 'utf8');
    const carol = generateKeyPairSync('ed25519').privateKey;
    writeFileSync(`${msg}.sig`, signSshsig(readFileSync(msg), carol, 'auditpack-review'));
    expect(codes(await verifyPath(f.artifacts, { logDir: f.logs }))).toContain('REVIEW_APPROVAL_INVALID');
    writeFileSync(`${msg}.sig`, original);
    // Carol forges the approval line itself, with her own key and matching hashes, re-linked.
    const ls = lines(record);
    const last = ls[ls.length - 1] as Extract<ReviewLine, { kind: 'transition' }>;
    const forgedSig = signSshsig(readFileSync(msg), carol, 'auditpack-review');
    writeFileSync(`${msg}.sig`, forgedSig);
    const { createHash } = await import('node:crypto');
    const { fingerprint } = await import('../../src/signing/index.js');
    const approval = {
      message_sha256: createHash('sha256').update(readFileSync(msg)).digest('hex'),
      signature_sha256: createHash('sha256').update(forgedSig).digest('hex'),
      key_fingerprint: fingerprint(carol),
    };
    relink(record, [...ls.slice(0, -1), { ...last, approval }]);
    const signers = parseAllowedSigners(readFileSync(f.signersFile, 'utf8'));
    const r = await verifyPath(f.artifacts, { logDir: f.logs, reviewSigners: signers });
    expect(codes(r)).toContain('REVIEW_EVENT_MISMATCH');
    expect(codes(r)).toContain('REVIEW_APPROVER_UNTRUSTED');
  });

  // Names compared folded (NFKC, case, trim: at32 F3), so a change of case is no other person.
  it.each(['alice@desk', 'ALICE@desk', 'Alice@Desk'])(
    'an approval by the submitter (as %s), forged into the record, is a four-eyes finding',
    async (as) => {
      const { f, record } = await approved();
      const ls = lines(record);
      relink(
        record,
        ls.map((l) => (l.kind === 'transition' && l.action === 'approve' ? { ...l, actor: as } : l)),
      );
      const r = await verifyPath(f.artifacts, { logDir: f.logs });
      expect(r.problems.some((p) => p.code === 'REVIEW_APPROVAL_INVALID' && p.detail.includes('four eyes'))).toBe(true);
    },
  );

  it('without the live logs, the newest actions await evidence (a warning), not an error', async () => {
    const { f } = await approved();
    const r = await verifyPath(f.artifacts, {});
    expect(codes(r)).toEqual([]);
    expect(codes(r, 'warning')).toContain('REVIEW_AWAITING_EVIDENCE');
    // One warning per record file (its lines counted, their seq range), not one per line.
    const awaiting = r.problems.filter((p) => p.code === 'REVIEW_AWAITING_EVIDENCE');
    expect(new Set(awaiting.map((p) => p.file)).size).toBe(awaiting.length);
    expect(awaiting[0]?.detail).toMatch(
      /^record lines 1-(\d+) \((\d+) lines\) are newer than the newest pack: their events are in the live log/,
    );
    expect(awaiting[0]?.line).toBe(1);
  });

  it('the reviewed page shows the state, the approver and the dispositions; an edited page is a finding', async () => {
    const { f, sha } = await approved();
    const page = join(f.artifacts, 'reviews', DATE, `${sha}.report.html`);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('<h2>Review</h2>');
    expect(html).toContain('APPROVED');
    expect(html).toContain('bob@desk at ');
    for (const id of [...findingIds(f.pack).critical, ...findingIds(f.pack).warning]) expect(html).toContain(id);
    expect(codes(await verifyPath(f.artifacts, { logDir: f.logs }))).toEqual([]);
    writeFileSync(page, html.replace('APPROVED', 'REJECTED'));
    expect(codes(await verifyPath(f.artifacts, { logDir: f.logs }))).toContain('REVIEW_PAGE_MISMATCH');
    // Missing (a crash between the record and the page): a warning, not an error.
    rmSync(page);
    const r = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(codes(r)).toEqual([]);
    expect(codes(r, 'warning')).toContain('REVIEW_PAGE_MISMATCH');
  });
});
