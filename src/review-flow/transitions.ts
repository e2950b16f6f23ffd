/**
 * Review transitions (docs/FORMAT.md, "Review records"): DRAFT → PENDING_REVIEW → APPROVED
 * (terminal), PENDING_REVIEW → REJECTED → DRAFT. Anything else is refused before anything is
 * written. Submitting and approving need the hard rules met; approving needs a second person
 * (four eyes) and their countersignature.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import {
  approvalMessagePath,
  approvalSignaturePath,
  type ApprovalFacts,
  REVIEW_NAMESPACE,
  type ReviewAction,
  type ReviewState,
  TRANSITIONS,
  type TransitionLine,
} from '../format/review.js';
import { fingerprint, publicKeyBlob, signSshsig } from '../signing/index.js';
import { expectedApprovalMessage, signerMatches, type ReviewRecord } from '../review/index.js';
import { cleanReason, type Locked, linkLines, nextHead, type ReviewOptions, withPack } from './context.js';
import { checkHardRules } from './rules.js';
import { appendLines, writeFileDurably } from './write.js';

/** A transition asked for. */
export interface TransitionRequest {
  /** The pack's day (its current pack is the one reviewed). */
  readonly date: string;
  readonly action: ReviewAction;
  /** Why (required to reject). Redacted before it is recorded. */
  readonly reason?: string | undefined;
  /** approve: the approver's Ed25519 private key, for the countersignature. */
  readonly key?: KeyObject | undefined;
}

/** What a transition did. */
export interface TransitionResult {
  readonly date: string;
  readonly pack: string;
  readonly manifestSha256: string;
  readonly from: ReviewState;
  readonly to: ReviewState;
  readonly actor: string;
  /** Softer findings: reported, not blocking. */
  readonly warnings: readonly string[];
  /** approve: the countersignature's files (relative to the artifacts directory) and key. */
  readonly approval?: { readonly message: string; readonly signature: string; readonly keyFingerprint: string };
}

/**
 * Moves the day's current pack from one review state to the next. Throws (nothing written):
 * REVIEW_TRANSITION_INVALID (not a transition from the current state), REVIEW_BLOCKED (hard rules),
 * REVIEW_NOT_PERMITTED (four eyes, approvers, key), USAGE (no reason to reject, no key to approve).
 */
export async function reviewTransition(o: ReviewOptions, req: TransitionRequest): Promise<TransitionResult> {
  const t = TRANSITIONS[req.action];
  if (t === undefined) throw new AuditpackError('USAGE', `unknown review action ${JSON.stringify(req.action)}`);
  const reason = cleanReason(req.reason);
  if (req.action === 'reject' && reason === null)
    throw new AuditpackError('USAGE', 'a rejection needs --reason: say what must change');
  if (req.action === 'approve' && req.key === undefined)
    throw new AuditpackError('USAGE', "approving needs the approver's own key (--key FILE) for the countersignature");
  return withPack(o, req.date, async (l) => {
    if (l.record.state !== t.from) throw invalidTransition(req.action, l, t.from);
    let warnings: readonly string[] = [];
    if (req.action === 'submit' || req.action === 'approve') {
      const rules = await checkHardRules(l.pack, l.record, o.blockingSeverity ?? 'warning');
      if (rules.blockers.length > 0)
        throw new AuditpackError(
          'REVIEW_BLOCKED',
          `cannot ${req.action} ${l.pack.name}: ${rules.blockers.join('; ')}`,
          {
            details: { blockers: rules.blockers },
          },
        );
      warnings = rules.warnings;
    }
    let approval: ApprovalFacts | null = null;
    let files: TransitionResult['approval'];
    if (req.action === 'approve') {
      checkFourEyes(o, l.record, req.key as KeyObject);
      ({ approval, files } = countersign(o, l, req.key as KeyObject));
    }
    const draft: TransitionLine = {
      ...nextHead(l, o.actor),
      kind: 'transition',
      action: req.action,
      from: t.from,
      to: t.to,
      reason,
      approval,
      prev: '',
    };
    await appendLines(o, l.record, linkLines(l.record.head, [draft]));
    const base = { date: l.pack.date, pack: l.pack.name, manifestSha256: l.pack.manifestSha256, actor: o.actor };
    return { ...base, from: t.from, to: t.to, warnings, ...(files ? { approval: files } : {}) };
  });
}

function invalidTransition(action: ReviewAction, l: Locked, from: ReviewState): AuditpackError {
  const state = l.record.state;
  const hint =
    state === 'APPROVED'
      ? 'an approved pack is final: re-export the day (export --force) for a new version to review'
      : `${action} takes a ${from} pack`;
  return new AuditpackError(
    'REVIEW_TRANSITION_INVALID',
    `cannot ${action} ${l.pack.name}: it is ${state}; ${hint}. Nothing was written`,
    { details: { date: l.pack.date, state, action } },
  );
}

/** Four eyes: the approver is not the submitter, is an approver, and signs with a key listed for them. */
function checkFourEyes(o: ReviewOptions, record: ReviewRecord, key: KeyObject): void {
  const deny = (reason: string, message: string): AuditpackError =>
    new AuditpackError('REVIEW_NOT_PERMITTED', message, { details: { reason, actor: o.actor } });
  if (record.submitter === o.actor)
    throw deny('same-as-submitter', `${o.actor} submitted this pack and cannot approve it too (four eyes)`);
  if (o.approvers !== undefined && !o.approvers.includes(o.actor))
    throw deny('not-an-approver', `${o.actor} is not among the configured approvers (${o.approvers.join(', ')})`);
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519')
    throw new AuditpackError('KEY_INVALID', 'the approval key must be an Ed25519 private key');
  if (o.signers !== undefined) {
    const blob = publicKeyBlob(createPublicKey(key));
    const listed = o.signers.some((s) => signerMatches(s, o.actor) && publicKeyBlob(s.key).equals(blob));
    if (!listed)
      throw deny(
        'key-not-listed',
        `the key ${fingerprint(key)} is not listed for ${o.actor} in the review signers (namespace ${REVIEW_NAMESPACE})`,
      );
  }
}

/** Writes the approval message and its SSHSIG beside the record; returns what the approval line records. */
function countersign(o: ReviewOptions, l: Locked, key: KeyObject) {
  const line: TransitionLine = {
    ...nextHead(l, o.actor),
    kind: 'transition',
    action: 'approve',
    from: 'PENDING_REVIEW',
    to: 'APPROVED',
    reason: null,
    approval: null,
    prev: l.record.head,
  };
  const probe: ReviewRecord = { ...l.record, approval: line };
  const message = expectedApprovalMessage(probe, l.pack.tagmanifestSha256) as string;
  const signature = signSshsig(Buffer.from(message, 'utf8'), key, REVIEW_NAMESPACE);
  const msgRel = approvalMessagePath(l.pack.date, l.pack.manifestSha256);
  const sigRel = approvalSignaturePath(l.pack.date, l.pack.manifestSha256);
  writeFileDurably(join(o.artifactsDir, msgRel), message);
  writeFileDurably(join(o.artifactsDir, sigRel), signature);
  const keyFingerprint = fingerprint(key);
  const approval: ApprovalFacts = {
    message_sha256: sha256(message),
    signature_sha256: sha256(signature),
    key_fingerprint: keyFingerprint,
  };
  return { approval, files: { message: msgRel, signature: sigRel, keyFingerprint } };
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
