/**
 * Four eyes by keys, not names: the submission is signed by the submitter's own key (namespace
 * auditpack-review-submit) and the approval must be by another key. The attacks: one person
 * submitting under an invented name and approving as themselves, the same key listed under two
 * names, a submitter listed as an approver, a signature from the wrong namespace, a record
 * replayed onto another pack version. Both signatures are checked by the real `ssh-keygen -Y verify`.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { isAuditpackError } from '../../src/errors.js';
import { type ReviewLine, renderReviewLine } from '../../src/format/review.js';
import { recordDispositions, reviewStatus, reviewTransition } from '../../src/review-flow/index.js';
import { fingerprint, formatAllowedSignersLine, parseAllowedSigners, signSshsig } from '../../src/signing/index.js';
import { verifyPath } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { asActor, DATE, exportDay, type Fixture, findingIds, makeFixture, sshKeygenVerify } from './helpers.js';

async function dispose(f: Fixture): Promise<void> {
  const ids = findingIds(f.pack);
  await recordDispositions(
    asActor(f, 'alice@desk'),
    DATE,
    [...ids.critical, ...ids.warning].map((id) => ({ findingId: id, disposition: 'escalated' as const })),
  );
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; reason: unknown; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isAuditpackError(err))
      return {
        code: err.code,
        reason: (err.details as { reason?: unknown } | undefined)?.reason,
        message: err.message,
      };
    throw err;
  }
  throw new Error('expected an AuditpackError');
}

function codes(r: { problems: readonly { code: string; severity: string }[] }, severity = 'error'): string[] {
  return r.problems.filter((p) => p.severity === severity).map((p) => p.code);
}

function recordPath(f: Fixture, sha: string): string {
  return join(f.artifacts, 'reviews', DATE, `${sha}.jsonl`);
}

function lines(path: string): ReviewLine[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ReviewLine);
}

/** Rewrites a record as a careful forger would: canonical lines, every link recomputed. */
function relink(path: string, ls: ReviewLine[]): void {
  let prev = '0'.repeat(64);
  const out = ls.map((l, i) => {
    const full = { ...l, seq: i + 1, prev } as ReviewLine;
    prev = hashLine(renderReviewLine(full));
    return renderReviewLine(full);
  });
  writeFileSync(path, `${out.join('\n')}\n`);
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function currentSha(f: Fixture): Promise<string> {
  return (await reviewStatus(f.artifacts, DATE))[0]?.versions[0]?.manifestSha256 as string;
}

describe('four eyes compares keys', () => {
  it('one person cannot submit under an invented name and approve as themselves (no signers configured)', async () => {
    const f = await makeFixture(tempDir());
    const mallory = generateKeyPairSync('ed25519').privateKey;
    await dispose(f);
    await reviewTransition(asActor(f, 'ghost@desk'), { date: DATE, action: 'submit', key: mallory });
    const e = await codeOf(
      reviewTransition(asActor(f, 'mallory@desk'), { date: DATE, action: 'approve', key: mallory }),
    );
    expect(e.code).toBe('REVIEW_NOT_PERMITTED');
    expect(e.reason).toBe('same-key-as-submitter');
    expect(e.message).toContain(fingerprint(mallory));
    // Another person's key approves.
    const t = await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'approve', key: f.bob });
    expect(t.to).toBe('APPROVED');
    // Without configured signers both signatures are consistent but unchecked: warnings, one each.
    const r = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(codes(r)).toEqual([]);
    expect(codes(r, 'warning').filter((c) => c === 'REVIEW_SIGNER_NOT_CHECKED')).toHaveLength(2);
  });

  it('the submitter cannot approve under another case of her name (names compared folded: at32 F3)', async () => {
    const f = await makeFixture(tempDir());
    await dispose(f);
    await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
    const second = generateKeyPairSync('ed25519').privateKey; // a second key of hers
    for (const actor of ['ALICE@desk', 'Alice@Desk']) {
      const e = await codeOf(reviewTransition(asActor(f, actor), { date: DATE, action: 'approve', key: second }));
      expect(e.code, actor).toBe('REVIEW_NOT_PERMITTED');
      expect(e.reason, actor).toBe('same-as-submitter');
      expect(e.message).toContain(`${actor} submitted this pack (as alice@desk)`);
    }
    const t = await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'approve', key: f.bob });
    expect(t.to).toBe('APPROVED');
  });

  it('submitting needs a key; with signers, a key listed for the submitter in the submission namespace', async () => {
    const f = await makeFixture(tempDir());
    await dispose(f);
    const signers = parseAllowedSigners(readFileSync(f.signersFile, 'utf8'));
    expect((await codeOf(reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit' }))).code).toBe(
      'USAGE',
    );
    // bob is listed, but as an approver only: his key cannot sign a submission, under either name.
    for (const actor of ['bob@desk', 'alice@desk']) {
      const e = await codeOf(
        reviewTransition(asActor(f, actor, { signers }), { date: DATE, action: 'submit', key: f.bob }),
      );
      expect(e.code, actor).toBe('REVIEW_NOT_PERMITTED');
    }
    await reviewTransition(asActor(f, 'alice@desk', { signers }), { date: DATE, action: 'submit', key: f.alice });
    // alice is a submitter, not an approver: her key is refused for an approval under any name.
    const e = await codeOf(
      reviewTransition(asActor(f, 'bob@desk', { signers }), { date: DATE, action: 'approve', key: f.alice }),
    );
    expect(e.code).toBe('REVIEW_NOT_PERMITTED');
    const t = await reviewTransition(asActor(f, 'bob@desk', { signers }), {
      date: DATE,
      action: 'approve',
      key: f.bob,
    });
    expect(t.to).toBe('APPROVED');
    const r = await verifyPath(f.artifacts, { logDir: f.logs, reviewSigners: signers });
    expect(codes(r)).toEqual([]);
    expect(codes(r, 'warning')).not.toContain('REVIEW_SIGNER_NOT_CHECKED');
  });

  it('a submitter listed as approver too still cannot approve their own submission (same key)', async () => {
    const f = await makeFixture(tempDir());
    const file = join(f.cwd, 'both_roles');
    writeFileSync(
      file,
      `${formatAllowedSignersLine('alice@desk', f.alice, 'auditpack-review-submit,auditpack-review')}\n`,
    );
    const signers = parseAllowedSigners(readFileSync(file, 'utf8'));
    await dispose(f);
    await reviewTransition(asActor(f, 'alice@desk', { signers }), { date: DATE, action: 'submit', key: f.alice });
    const e = await codeOf(
      reviewTransition(asActor(f, 'alice@desk', { signers }), { date: DATE, action: 'approve', key: f.alice }),
    );
    expect(e.code).toBe('REVIEW_NOT_PERMITTED');
  });

  it('the same key under two names in the signers file is refused, and verify reports it', async () => {
    const f = await makeFixture(tempDir());
    const file = join(f.cwd, 'two_names');
    writeFileSync(
      file,
      `${formatAllowedSignersLine('alice@desk', f.alice, 'auditpack-review-submit')}\n${formatAllowedSignersLine('al@desk', f.alice, 'auditpack-review')}\n`,
    );
    const signers = parseAllowedSigners(readFileSync(file, 'utf8'));
    await dispose(f);
    const e = await codeOf(
      reviewTransition(asActor(f, 'alice@desk', { signers }), { date: DATE, action: 'submit', key: f.alice }),
    );
    expect(e.code).toBe('REVIEW_NOT_PERMITTED');
    expect(e.reason).toBe('signers-ambiguous');
    await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
    const r = await verifyPath(f.artifacts, { logDir: f.logs, reviewSigners: signers });
    expect(codes(r)).toContain('REVIEW_SIGNERS_AMBIGUOUS');
  });

  it('both signatures verify with ssh-keygen -Y verify, each only in its own namespace', async () => {
    const f = await makeFixture(tempDir());
    await dispose(f);
    const s = await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
    const a = await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'approve', key: f.bob });
    const sub = join(f.artifacts, s.submission?.message as string);
    const app = join(f.artifacts, a.approval?.message as string);
    const ok = sshKeygenVerify(f.signersFile, 'alice@desk', sub, `${sub}.sig`, 'auditpack-review-submit');
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('Good "auditpack-review-submit" signature for alice@desk');
    expect(sshKeygenVerify(f.signersFile, 'bob@desk', app, `${app}.sig`).code).toBe(0);
    // A signature never passes in the other role's namespace.
    expect(sshKeygenVerify(f.signersFile, 'alice@desk', sub, `${sub}.sig`, 'auditpack-review').code).not.toBe(0);
    expect(sshKeygenVerify(f.signersFile, 'bob@desk', app, `${app}.sig`, 'auditpack-review-submit').code).not.toBe(0);
    const text = readFileSync(sub, 'utf8');
    expect(text.split('\n')[0]).toBe('auditpack-review/2 submission');
    expect(text).toContain(`tagmanifest_sha256: ${sha256(readFileSync(join(f.pack, 'tagmanifest-sha256.txt')))}\n`);
    expect(text).toContain('"disposition":"escalated"');
    expect(readFileSync(app, 'utf8')).toContain(`submitter_key: ${fingerprint(f.alice)}\n`);
  });
});

describe('verify: forged identities', () => {
  async function approved(): Promise<{ f: Fixture; sha: string }> {
    const f = await makeFixture(tempDir());
    await dispose(f);
    await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
    await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'approve', key: f.bob });
    return { f, sha: await currentSha(f) };
  }

  it('an approval re-signed with the submission key (re-linked record) is a four-eyes finding', async () => {
    const { f, sha } = await approved();
    const record = recordPath(f, sha);
    const msg = join(f.artifacts, 'reviews', DATE, `${sha}.approval.txt`);
    const sig = signSshsig(readFileSync(msg), f.alice, 'auditpack-review');
    writeFileSync(`${msg}.sig`, sig);
    const ls = lines(record);
    const last = ls[ls.length - 1] as Extract<ReviewLine, { kind: 'transition' }>;
    const approval = {
      message_sha256: sha256(readFileSync(msg)),
      signature_sha256: sha256(sig),
      key_fingerprint: fingerprint(f.alice),
    };
    relink(record, [...ls.slice(0, -1), { ...last, approval }]);
    const r = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(
      r.problems.some((p) => p.code === 'REVIEW_APPROVAL_INVALID' && p.detail.includes('signed the submission')),
    ).toBe(true);
  });

  it('a submission signed in the wrong namespace, or by a key not listed for the submitter, is a finding', async () => {
    const { f, sha } = await approved();
    const signers = parseAllowedSigners(readFileSync(f.signersFile, 'utf8'));
    const subLine = lines(recordPath(f, sha)).find((l) => l.kind === 'transition' && l.action === 'submit');
    const msg = join(f.artifacts, 'reviews', DATE, `${sha}.submit-${subLine?.seq}.txt`);
    const original = readFileSync(`${msg}.sig`);
    writeFileSync(`${msg}.sig`, signSshsig(readFileSync(msg), f.alice, 'auditpack-review'));
    const wrongNs = await verifyPath(f.artifacts, { logDir: f.logs, reviewSigners: signers });
    expect(codes(wrongNs)).toContain('REVIEW_SUBMISSION_INVALID');
    writeFileSync(`${msg}.sig`, original);
    expect(codes(await verifyPath(f.artifacts, { logDir: f.logs, reviewSigners: signers }))).toEqual([]);
    // The same record against a signers file that lists another key for alice.
    const other = join(f.cwd, 'other_signers');
    const carol = generateKeyPairSync('ed25519').privateKey;
    writeFileSync(
      other,
      `${formatAllowedSignersLine('alice@desk', carol, 'auditpack-review-submit')}\n${formatAllowedSignersLine('bob@desk', f.bob, 'auditpack-review')}\n`,
    );
    const r = await verifyPath(f.artifacts, {
      logDir: f.logs,
      reviewSigners: parseAllowedSigners(readFileSync(other, 'utf8')),
    });
    expect(codes(r)).toContain('REVIEW_SUBMITTER_UNTRUSTED');
    // An edited submission message is caught by its recorded hash.
    writeFileSync(msg, readFileSync(msg, 'utf8').replace('"escalated"', '"false_positive"'));
    expect(codes(await verifyPath(f.artifacts, { logDir: f.logs }))).toContain('REVIEW_SUBMISSION_INVALID');
  });

  it('a record replayed onto another pack version (renamed, or rewritten and re-linked) is caught', async () => {
    const { f, sha } = await approved();
    await exportDay(f.cwd, true);
    const newSha = await currentSha(f);
    expect(newSha).not.toBe(sha);
    const dir = join(f.artifacts, 'reviews', DATE);
    // Renamed: its lines name the old version.
    copyFileSync(recordPath(f, sha), recordPath(f, newSha));
    const renamed = await verifyPath(f.artifacts, { logDir: f.logs });
    expect(renamed.problems.some((p) => p.code === 'REVIEW_RECORD_INVALID' && p.file.includes(newSha))).toBe(true);
    // Rewritten for the new version, re-linked, with the signed files copied: no chained events,
    // and the signed messages name the old pack.
    relink(
      recordPath(f, newSha),
      lines(recordPath(f, sha)).map((l) => ({ ...l, manifest_sha256: newSha })),
    );
    for (const n of readdirSync(dir).filter((x) => x.startsWith(sha) && /\.(txt|sig)$/.test(x)))
      copyFileSync(join(dir, n), join(dir, n.replace(sha, newSha)));
    const r = await verifyPath(f.artifacts, { logDir: f.logs });
    const mine = r.problems.filter((p) => p.severity === 'error' && p.file.includes(newSha)).map((p) => p.code);
    expect(mine).toContain('REVIEW_EVENT_MISMATCH');
    expect(mine).toContain('REVIEW_SUBMISSION_INVALID');
    expect(mine).toContain('REVIEW_APPROVAL_INVALID');
    const status = (await reviewStatus(f.artifacts, DATE))[0]?.versions;
    expect(status?.[1]?.state).toBe('APPROVED'); // the old version keeps its approval
  });

  it('a record replayed under another day is caught at its first line', async () => {
    const { f, sha } = await approved();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(f.artifacts, 'reviews', '2025-09-07'));
    copyFileSync(recordPath(f, sha), join(f.artifacts, 'reviews', '2025-09-07', `${sha}.jsonl`));
    const r = await verifyPath(f.artifacts, { logDir: f.logs });
    const bad = r.problems.find((p) => p.code === 'REVIEW_RECORD_INVALID' && p.file.startsWith('reviews/2025-09-07/'));
    expect(bad?.detail).toContain('pack_date is not 2025-09-07');
  });
});

describe('where the review signers live', () => {
  it('configs/review_signers.conf is the default, and a config snapshot records it byte for byte', async () => {
    const { mkdirSync } = await import('node:fs');
    const { resolveConfig } = await import('../../src/config.js');
    const { createConfigSnapshot } = await import('../../src/snapshot/index.js');
    const cwd = tempDir();
    expect(resolveConfig({ cwd, env: {}, flags: {} }).review.signers).toBeUndefined();
    mkdirSync(join(cwd, 'configs'));
    const alice = generateKeyPairSync('ed25519').privateKey;
    const text = `${formatAllowedSignersLine('alice@desk', alice, 'auditpack-review-submit')}\n`;
    writeFileSync(join(cwd, 'configs/review_signers.conf'), text);
    expect(resolveConfig({ cwd, env: {}, flags: {} }).review.signers).toBe(join(cwd, 'configs/review_signers.conf'));
    const other = join(cwd, 'elsewhere');
    expect(resolveConfig({ cwd, env: { AUDITPACK_REVIEW_SIGNERS: other }, flags: {} }).review.signers).toBe(other);
    const s = await createConfigSnapshot({
      cwd,
      snapshotDir: join(cwd, 'snap'),
      logDir: join(cwd, 'logs'),
      reason: 'signers',
    });
    const entry = s.files['configs/review_signers.conf'];
    expect(entry?.hash).toBe(sha256(text));
    const obj = entry?.object as string;
    expect(readFileSync(join(cwd, 'snap/objects', obj.slice(0, 2), obj.slice(2)), 'utf8')).toBe(text);
  });
});
