/**
 * The submitter's signature (docs/FORMAT.md, "The submission"): an SSHSIG by the submitter's own
 * key, namespace `auditpack-review-submit`, over the pack version's tag manifest, the record so far
 * and the dispositions in force at submit time. It turns the submitter from a claimed name into a
 * key, so four eyes compares keys: one person cannot submit under an invented name and approve.
 */
import {
  REVIEW_NAMESPACE,
  renderSubmissionMessage,
  SUBMIT_NAMESPACE,
  submissionMessagePath,
  submissionSignaturePath,
  type TransitionLine,
} from '../format/review.js';
import { fingerprint, signerAllowsNamespace } from '../signing/index.js';
import { checkSignedFiles, type ReviewSigner, type SignedRole } from './approval.js';
import type { ReviewProblem } from './problems.js';
import { dispositionsBefore, type ReviewRecord } from './record.js';

const SUBMISSION_ROLE: SignedRole = {
  namespace: SUBMIT_NAMESPACE,
  what: 'submission',
  invalid: 'REVIEW_SUBMISSION_INVALID',
  untrusted: 'REVIEW_SUBMITTER_UNTRUSTED',
};

/** The message the submit line `line` of `record` must have signed, given the pack's tag manifest hash. */
export function expectedSubmissionMessage(
  record: ReviewRecord,
  line: TransitionLine,
  tagmanifestSha256: string,
): string {
  return renderSubmissionMessage({
    packDate: record.packDate,
    manifestSha256: record.manifestSha256,
    tagmanifestSha256,
    submitter: line.actor,
    recordSeq: line.seq,
    recordPrev: line.prev,
    dispositions: dispositionsBefore(record, line.seq),
  });
}

/**
 * Checks every submission of a record (a pack rejected and submitted again has several): each
 * message and signature as its line recorded, the message as the record and pack give it, the
 * SSHSIG in the submission namespace, and with `signers` a key listed for the submitter there.
 */
export async function checkSubmissions(
  artifactsDir: string,
  record: ReviewRecord,
  tagmanifestSha256: string | undefined,
  signers: readonly ReviewSigner[] | undefined,
): Promise<ReviewProblem[]> {
  const out: ReviewProblem[] = [];
  for (const l of record.lines) {
    if (l.kind !== 'transition' || l.action !== 'submit' || l.submission === null) continue;
    const files = {
      message: submissionMessagePath(record.packDate, record.manifestSha256, l.seq),
      signature: submissionSignaturePath(record.packDate, record.manifestSha256, l.seq),
    };
    const expected =
      tagmanifestSha256 === undefined ? undefined : expectedSubmissionMessage(record, l, tagmanifestSha256);
    out.push(
      ...(await checkSignedFiles(artifactsDir, SUBMISSION_ROLE, files, l.submission, expected, l.actor, signers)),
    );
  }
  return out;
}

/**
 * Identities a review signers file gives one key to: a key listed under two names lets one person
 * act as two, so the workflow refuses such a file and verify reports it.
 */
export function keysUnderTwoNames(signers: readonly ReviewSigner[]): string[] {
  const names = new Map<string, Set<string>>();
  for (const s of signers) {
    if (!signerAllowsNamespace(s, REVIEW_NAMESPACE) && !signerAllowsNamespace(s, SUBMIT_NAMESPACE)) continue;
    const fp = fingerprint(s.key);
    const set = names.get(fp) ?? new Set<string>();
    for (const p of s.identity.split(',')) set.add(p);
    names.set(fp, set);
  }
  return [...names].filter(([, n]) => n.size > 1).map(([fp, n]) => `${fp} (${[...n].sort().join(', ')})`);
}
