/**
 * The independent Python checker (tools/auditpack_check.py, written from docs/FORMAT.md) on review
 * records: it reports each pack version's state, checks the record's lines and links, the signed
 * messages against the pack's tag manifest, four eyes by key, and both signatures with ssh-keygen
 * (with --review-signers: by the listed key for the actor). It shares no code with auditpack.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { type ReviewLine, renderReviewLine } from '../../src/format/review.js';
import { fingerprint, parseAllowedSigners, signSshsig } from '../../src/signing/index.js';
import { verifyPath } from '../../src/verify/index.js';
import { approvedFixture, DATE } from './helpers.js';
import { PYTHON } from '../helpers/python.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));

interface Finding {
  severity: string;
  code: string;
  file: string;
  detail: string;
}

function check(path: string, ...extra: string[]): { status: number | null; findings: Finding[] } {
  const r = spawnSync(PYTHON, [CHECKER, path, '--json', ...extra], { encoding: 'utf8' });
  return { status: r.status, findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings };
}

const errors = (c: { findings: Finding[] }): string[] =>
  c.findings.filter((f) => f.severity === 'error').map((f) => `${f.code} ${f.detail}`);

const approved = approvedFixture;

function relink(path: string, edit: (l: ReviewLine) => ReviewLine): void {
  let prev = '0'.repeat(64);
  const out = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((s) => {
      const l = { ...edit(JSON.parse(s) as ReviewLine), prev } as ReviewLine;
      const text = renderReviewLine(l);
      prev = hashLine(text);
      return text;
    });
  writeFileSync(path, `${out.join('\n')}\n`);
}

/** The record's submit or approve line made to name a re-signed message (its facts updated), re-linked. */
function resign(record: string, action: 'submit' | 'approve', msg: string, sig: string | Buffer, key: string): void {
  const facts = {
    message_sha256: createHash('sha256').update(readFileSync(msg)).digest('hex'),
    signature_sha256: createHash('sha256').update(sig).digest('hex'),
    key_fingerprint: key,
  };
  const field = action === 'submit' ? 'submission' : 'approval';
  relink(record, (l) => (l.kind === 'transition' && l.action === action ? { ...l, [field]: facts } : l));
}

describe('tools/auditpack_check.py on review records', () => {
  it('an honest approved record: its state, no error; trusted with --review-signers, else a warning per signature', async () => {
    const { f } = await approved();
    const plain = check(f.artifacts);
    expect(errors(plain)).toEqual([]);
    expect(plain.status).toBe(0);
    const state = plain.findings.find((x) => x.code === 'REVIEW_STATE');
    expect(state).toMatchObject({
      severity: 'info',
      file: DATE,
      detail: 'APPROVED by bob@desk (submitted by alice@desk)',
    });
    expect(plain.findings.filter((x) => x.code === 'REVIEW_SIGNER_NOT_CHECKED')).toHaveLength(2);
    const trusted = check(f.artifacts, '--review-signers', f.signersFile);
    expect(errors(trusted)).toEqual([]);
    expect(trusted.findings.some((x) => x.code === 'REVIEW_SIGNER_NOT_CHECKED')).toBe(false);
  });

  it('an edited line, an edited approval message, a replaced signature and the wrong signer are errors', async () => {
    const { f, sha, record } = await approved();
    const original = readFileSync(record, 'utf8');
    writeFileSync(record, original.replace('"escalated"', '"false_positive"'));
    expect(errors(check(f.artifacts)).join('\n')).toMatch(/REVIEW_RECORD_INVALID/);
    writeFileSync(record, original);

    const msg = join(f.artifacts, 'reviews', DATE, `${sha}.approval.txt`);
    const m = readFileSync(msg);
    writeFileSync(msg, m.toString('utf8').replace('approver: bob@desk', 'approver: eve@desk'));
    expect(errors(check(f.artifacts)).join('\n')).toMatch(/REVIEW_APPROVAL_INVALID .*approval.txt: not the files/);
    writeFileSync(msg, m);

    // The submission re-signed by bob in the approval namespace, its facts updated, re-linked:
    // consistent hashes, but the wrong namespace (ssh-keygen refuses) and not alice's key.
    const sub = join(f.artifacts, 'reviews', DATE, `${sha}.submit-3.txt`);
    const sig = signSshsig(readFileSync(sub), f.bob, 'auditpack-review');
    writeFileSync(`${sub}.sig`, sig);
    resign(record, 'submit', sub, sig, fingerprint(f.bob));
    const forged = errors(check(f.artifacts, '--review-signers', f.signersFile)).join('\n');
    expect(forged).toMatch(/REVIEW_SUBMISSION_INVALID .*does not verify/);
    // The approval now names another record_prev and submitter key: its message no longer fits,
    // and the submission's key is the approver's (four eyes).
    expect(forged).toMatch(/REVIEW_APPROVAL_INVALID .*four eyes/);
    expect(forged).toMatch(/REVIEW_APPROVAL_INVALID .*not what the record and the pack/);
  });

  it('an approval signed by an RSA or ECDSA key listed for bob is an error to both checkers (at62 F6)', async () => {
    for (const type of ['rsa', 'ecdsa']) {
      const { f, sha, record } = await approved();
      // bob's key of another type, listed for him; the approval re-signed with it and recorded so.
      const key = join(f.cwd, `bob_${type}`);
      execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'bob', '-f', key]);
      const msg = join(f.artifacts, 'reviews', DATE, `${sha}.approval.txt`);
      rmSync(`${msg}.sig`);
      execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', key, '-n', 'auditpack-review', msg]);
      const sig = readFileSync(`${msg}.sig`);
      const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`], { encoding: 'utf8' }).split(
        ' ',
      )[1];
      resign(record, 'approve', msg, sig, fp as string);
      const signers = readFileSync(f.signersFile, 'utf8').replace(/^bob@desk .*$/m, '');
      writeFileSync(
        f.signersFile,
        `${signers}bob@desk namespaces="auditpack-review" ${readFileSync(`${key}.pub`, 'utf8')}`,
      );
      // ssh-keygen alone accepts it; the format says Ed25519, and both checkers hold to that.
      expect(errors(check(f.artifacts, '--review-signers', f.signersFile)).join('\n'), type).toMatch(
        /REVIEW_APPROVAL_INVALID .*approval\.txt\.sig: not an Ed25519 signature/,
      );
      const reviewSigners = parseAllowedSigners(readFileSync(f.signersFile, 'utf8'));
      const v = await verifyPath(f.artifacts, { logDir: f.logs, reviewSigners });
      expect(
        v.problems.filter((p) => p.severity === 'error').map((p) => p.code),
        type,
      ).toContain('REVIEW_APPROVAL_INVALID');
    }
  }, 120_000);

  it('four eyes compares names folded: the submitter approving as ALICE@desk is an error (at32 F3)', async () => {
    const { f, sha } = await approved();
    const record = join(f.artifacts, 'reviews', DATE, `${sha}.jsonl`);
    relink(record, (l) => (l.kind === 'transition' && l.action === 'approve' ? { ...l, actor: 'ALICE@desk' } : l));
    expect(errors(check(f.artifacts)).join('\n')).toMatch(/REVIEW_APPROVAL_INVALID .*four eyes/);
  });
});
