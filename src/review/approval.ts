/**
 * The approver's countersignature (docs/FORMAT.md, "The approval"): an SSHSIG by the approver's
 * own key, namespace `auditpack-review`, over a message naming the pack's tag manifest, the
 * submitter and the key that signed the submission, the record so far and every disposition in
 * force. Four eyes is two keys: the approval's key is never the submission's. Checked here the way
 * `ssh-keygen -Y verify` checks it, and against what the record and the pack say the message must be.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { readRegular } from '../fsx/regular.js';
import { join } from 'node:path';
import {
  approvalMessagePath,
  approvalSignaturePath,
  type ApprovalMessage,
  type ApprovalFacts,
  REVIEW_NAMESPACE,
  renderApprovalMessage,
  sameActor,
} from '../format/review.js';
import {
  fingerprint,
  keyInsideSshsig,
  matchPatternList,
  signerAllowsNamespace,
  verifySshsig,
} from '../signing/index.js';
import type { ReviewProblem } from './problems.js';
import type { ReviewRecord } from './record.js';

const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const MAX_SIGNATURE_BYTES = 64 * 1024;

/** A trusted approver: an allowed_signers entry (namespaces must allow `auditpack-review`). */
export interface ReviewSigner {
  readonly identity: string;
  readonly key: KeyObject;
  readonly namespaces?: readonly string[] | undefined;
}

/** The message an approval of `record` must have signed, given the pack's tag manifest hash. */
export function expectedApprovalMessage(record: ReviewRecord, tagmanifestSha256: string): string | undefined {
  const a = record.approval;
  const s = record.submission;
  if (a === undefined || s === undefined || s.submission === null) return undefined;
  const m: ApprovalMessage = {
    packDate: record.packDate,
    manifestSha256: record.manifestSha256,
    tagmanifestSha256,
    approver: a.actor,
    submitter: s.actor,
    submitterKey: s.submission.key_fingerprint,
    recordSeq: a.seq,
    recordPrev: a.prev,
    dispositions: [...record.dispositions.values()],
  };
  return renderApprovalMessage(m);
}

/**
 * True when `signer` may sign as `identity` in `namespace` (allowed_signers semantics: principals a
 * comma list with `*` and `?` patterns and `!` denials, as OpenSSH reads it; no `namespaces` option
 * allows every namespace).
 */
export function signerMatches(signer: ReviewSigner, identity: string, namespace = REVIEW_NAMESPACE): boolean {
  return signerAllowsNamespace(signer, namespace) && matchPatternList(identity, signer.identity) === 1;
}

/**
 * Checks an approved record's countersignature: the message file is exactly what the record and
 * the pack give, its hash and the signature's are those the approval line (and so the chain)
 * recorded, the approver is neither the submitter nor signs with the submitter's key, and the
 * SSHSIG verifies with the recorded key — with `signers`, a key listed for the approver's identity.
 */
export async function checkApproval(
  artifactsDir: string,
  record: ReviewRecord,
  tagmanifestSha256: string | undefined,
  signers: readonly ReviewSigner[] | undefined,
): Promise<ReviewProblem[]> {
  const a = record.approval;
  if (a === undefined || a.approval === null) return [];
  const out: ReviewProblem[] = [];
  const submitterKey = record.submission?.submission?.key_fingerprint;
  if (sameActor(record.submitter, a.actor))
    out.push(
      invalid(
        APPROVAL_ROLE,
        record.file,
        `approved by its own submitter ${a.actor}${record.submitter === a.actor ? '' : ` (submitted as ${record.submitter})`}: four eyes broken`,
      ),
    );
  if (submitterKey === a.approval.key_fingerprint)
    out.push(
      invalid(
        APPROVAL_ROLE,
        record.file,
        `approved with the key that signed the submission (${submitterKey}): one person under two names, four eyes broken`,
      ),
    );
  const expected = tagmanifestSha256 === undefined ? undefined : expectedApprovalMessage(record, tagmanifestSha256);
  const files = {
    message: approvalMessagePath(record.packDate, record.manifestSha256),
    signature: approvalSignaturePath(record.packDate, record.manifestSha256),
  };
  out.push(...(await checkSignedFiles(artifactsDir, APPROVAL_ROLE, files, a.approval, expected, a.actor, signers)));
  return out;
}

/** What differs between checking a submission and an approval: the namespace and the codes. */
export interface SignedRole {
  readonly namespace: string;
  readonly what: string;
  readonly invalid: 'REVIEW_APPROVAL_INVALID' | 'REVIEW_SUBMISSION_INVALID';
  readonly untrusted: 'REVIEW_APPROVER_UNTRUSTED' | 'REVIEW_SUBMITTER_UNTRUSTED';
}

const APPROVAL_ROLE: SignedRole = {
  namespace: REVIEW_NAMESPACE,
  what: 'approval',
  invalid: 'REVIEW_APPROVAL_INVALID',
  untrusted: 'REVIEW_APPROVER_UNTRUSTED',
};

function invalid(role: SignedRole, file: string, detail: string): ReviewProblem {
  return { code: role.invalid, severity: 'error', file, detail };
}

/**
 * Checks a signed message and its SSHSIG beside a record against the facts its line recorded and,
 * when known, the message the record and pack say it must be.
 */
export async function checkSignedFiles(
  artifactsDir: string,
  role: SignedRole,
  files: { readonly message: string; readonly signature: string },
  facts: ApprovalFacts,
  expected: string | undefined,
  actor: string,
  signers: readonly ReviewSigner[] | undefined,
): Promise<ReviewProblem[]> {
  const out: ReviewProblem[] = [];
  const msg = await readSmall(join(artifactsDir, files.message), MAX_MESSAGE_BYTES);
  const sig = await readSmall(join(artifactsDir, files.signature), MAX_SIGNATURE_BYTES);
  if (typeof msg === 'string') out.push(invalid(role, files.message, msg));
  if (typeof sig === 'string') out.push(invalid(role, files.signature, sig));
  if (typeof msg === 'string' || typeof sig === 'string') return out;
  if (sha256(msg) !== facts.message_sha256)
    out.push(invalid(role, files.message, `not the message the ${role.what} line recorded (edited)`));
  if (sha256(sig) !== facts.signature_sha256)
    out.push(invalid(role, files.signature, `not the signature the ${role.what} line recorded (replaced)`));
  if (expected !== undefined && msg.toString('utf8') !== expected)
    out.push(
      invalid(
        role,
        files.message,
        `not what the record and the pack's tag manifest say the ${role.what} covered (dispositions, pack or record differ)`,
      ),
    );
  const who = { actor, recordedFp: facts.key_fingerprint, file: files.signature };
  out.push(...checkSignature(role, msg, sig.toString('utf8'), who, signers));
  return out;
}

function checkSignature(
  role: SignedRole,
  msg: Buffer,
  armored: string,
  who: { readonly actor: string; readonly recordedFp: string; readonly file: string },
  signers: readonly ReviewSigner[] | undefined,
): ReviewProblem[] {
  const own = keyInsideSshsig(armored);
  if (own === undefined) return [invalid(role, who.file, 'not an SSHSIG signature')];
  const ownFp = fingerprint(own);
  // The namespace is checked here: a submission's signature can never pass as an approval.
  const v = verifySshsig(msg, armored, [own], role.namespace);
  if (!v.ok) return [invalid(role, who.file, v.reason ?? 'invalid')];
  if (ownFp !== who.recordedFp)
    return [invalid(role, who.file, `signed by ${ownFp}, the ${role.what} line recorded ${who.recordedFp}`)];
  if (signers === undefined)
    return [
      {
        code: 'REVIEW_SIGNER_NOT_CHECKED',
        // A warning, never a silent pass: any key makes a signature that holds for itself.
        severity: 'warning',
        file: who.file,
        detail: `the ${role.what} signature holds for the key inside it (${ownFp}); no review signers were given, so whether that is ${who.actor}'s key was not checked`,
      },
    ];
  const trusted = signers.filter((s) => signerMatches(s, who.actor, role.namespace)).map((s) => s.key);
  const t = verifySshsig(msg, armored, trusted, role.namespace);
  if (t.ok) return [];
  return [
    {
      code: role.untrusted,
      severity: 'error',
      file: who.file,
      detail: `signed by ${ownFp}, which the review signers do not list for ${who.actor} (namespace ${role.namespace})`,
    },
  ];
}

async function readSmall(path: string, max: number): Promise<Buffer | string> {
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined) return 'missing';
  if (!st.isFile()) return 'not a regular file; never followed';
  if (st.size > max) return `larger than ${max} bytes; not read`;
  return readRegular(path).catch((err: Error) => `unreadable: ${err.message}`); // never waits on a FIFO
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
