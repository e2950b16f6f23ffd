/**
 * The approver's countersignature (docs/FORMAT.md, "The approval"): an SSHSIG by the approver's
 * own key, namespace `auditpack-review`, over a message naming the pack's tag manifest, the
 * submitter, the record so far and every disposition in force. Checked here the way
 * `ssh-keygen -Y verify` checks it, and against what the record and the pack say the message must be.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  approvalMessagePath,
  approvalSignaturePath,
  type ApprovalMessage,
  REVIEW_NAMESPACE,
  renderApprovalMessage,
} from '../format/review.js';
import { fingerprint, keyInsideSshsig, verifySshsig } from '../signing/index.js';
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
  if (a === undefined || record.submitter === undefined) return undefined;
  const m: ApprovalMessage = {
    packDate: record.packDate,
    manifestSha256: record.manifestSha256,
    tagmanifestSha256,
    approver: a.actor,
    submitter: record.submitter,
    recordSeq: a.seq,
    recordPrev: a.prev,
    dispositions: [...record.dispositions.values()],
  };
  return renderApprovalMessage(m);
}

/** True when `signer` may approve as `identity` (allowed_signers principals: a comma list, `*` patterns). */
export function signerMatches(signer: ReviewSigner, identity: string): boolean {
  if (signer.namespaces !== undefined && !signer.namespaces.includes(REVIEW_NAMESPACE)) return false;
  return signer.identity.split(',').some((p) => globMatch(p, identity));
}

function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(s);
}

/**
 * Checks an approved record's countersignature: the message file is exactly what the record and
 * the pack give, its hash and the signature's are those the approval line (and so the chain)
 * recorded, the approver is not the submitter, and the SSHSIG verifies with the recorded key —
 * with `signers`, a key listed for the approver's identity.
 */
export async function checkApproval(
  artifactsDir: string,
  record: ReviewRecord,
  tagmanifestSha256: string | undefined,
  signers: readonly ReviewSigner[] | undefined,
): Promise<ReviewProblem[]> {
  const a = record.approval;
  if (a === undefined || a.approval === null) return [];
  const msgFile = approvalMessagePath(record.packDate, record.manifestSha256);
  const sigFile = approvalSignaturePath(record.packDate, record.manifestSha256);
  const out: ReviewProblem[] = [];
  const bad = (file: string, detail: string): void => {
    out.push({ code: 'REVIEW_APPROVAL_INVALID', severity: 'error', file, detail });
  };
  if (record.submitter === a.actor) bad(record.file, `approved by its own submitter ${a.actor}: four eyes broken`);
  const msg = await readSmall(join(artifactsDir, msgFile), MAX_MESSAGE_BYTES);
  const sig = await readSmall(join(artifactsDir, sigFile), MAX_SIGNATURE_BYTES);
  if (typeof msg === 'string') bad(msgFile, msg);
  if (typeof sig === 'string') bad(sigFile, sig);
  if (typeof msg === 'string' || typeof sig === 'string') return out;
  if (sha256(msg) !== a.approval.message_sha256) bad(msgFile, 'not the message the approval line recorded (edited)');
  if (sha256(sig) !== a.approval.signature_sha256)
    bad(sigFile, 'not the signature the approval line recorded (replaced)');
  const expected = tagmanifestSha256 === undefined ? undefined : expectedApprovalMessage(record, tagmanifestSha256);
  if (expected !== undefined && msg.toString('utf8') !== expected)
    bad(
      msgFile,
      "not what the record and the pack's tag manifest say was approved (dispositions, pack or record differ)",
    );
  out.push(...checkSignature(msg, sig.toString('utf8'), a.actor, a.approval.key_fingerprint, sigFile, signers));
  return out;
}

function checkSignature(
  msg: Buffer,
  armored: string,
  approver: string,
  recordedFp: string,
  file: string,
  signers: readonly ReviewSigner[] | undefined,
): ReviewProblem[] {
  const own = keyInsideSshsig(armored);
  if (own === undefined)
    return [{ code: 'REVIEW_APPROVAL_INVALID', severity: 'error', file, detail: 'not an SSHSIG signature' }];
  const ownFp = fingerprint(own);
  const v = verifySshsig(msg, armored, [own], REVIEW_NAMESPACE);
  if (!v.ok) return [{ code: 'REVIEW_APPROVAL_INVALID', severity: 'error', file, detail: v.reason ?? 'invalid' }];
  if (ownFp !== recordedFp)
    return [
      {
        code: 'REVIEW_APPROVAL_INVALID',
        severity: 'error',
        file,
        detail: `signed by ${ownFp}, the approval line recorded ${recordedFp}`,
      },
    ];
  if (signers === undefined)
    return [
      {
        code: 'REVIEW_SIGNER_NOT_CHECKED',
        // A warning, never a silent pass: any key makes a countersignature that holds for itself.
        severity: 'warning',
        file,
        detail: `the countersignature holds for the key inside it (${ownFp}); no review signers were given, so whether that is ${approver}'s key was not checked`,
      },
    ];
  const trusted = signers.filter((s) => signerMatches(s, approver)).map((s) => s.key);
  const t = verifySshsig(msg, armored, trusted, REVIEW_NAMESPACE);
  if (t.ok) return [];
  return [
    {
      code: 'REVIEW_APPROVER_UNTRUSTED',
      severity: 'error',
      file,
      detail: `signed by ${ownFp}, which the review signers do not list for ${approver} (namespace ${REVIEW_NAMESPACE})`,
    },
  ];
}

async function readSmall(path: string, max: number): Promise<Buffer | string> {
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined) return 'missing';
  if (!st.isFile()) return 'not a regular file; never followed';
  if (st.size > max) return `larger than ${max} bytes; not read`;
  return readFile(path).catch((err: Error) => `unreadable: ${err.message}`);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
