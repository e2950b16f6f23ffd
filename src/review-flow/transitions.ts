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
  SUBMIT_NAMESPACE,
  sameActor,
  submissionMessagePath,
  submissionSignaturePath,
  TRANSITIONS,
  type TransitionLine,
} from '../format/review.js';
import { fingerprint, publicKeyBlob, signSshsig } from '../signing/index.js';
import {
  expectedApprovalMessage,
  expectedSubmissionMessage,
  keysUnderTwoNames,
  signerMatches,
  type ReviewRecord,
} from '../review/index.js';
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
  /** submit and approve: the actor's own Ed25519 private key, for the submission's signature or the countersignature. */
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
  /** submit and approve: the signed message's files (relative to the artifacts directory) and key. */
  readonly approval?: SignedFiles;
  readonly submission?: SignedFiles;
}

/** A signed message beside the record, and the key that signed it. */
export interface SignedFiles {
  readonly message: string;
  readonly signature: string;
  readonly keyFingerprint: string;
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
  const signs = req.action === 'submit' || req.action === 'approve';
  if (signs && req.key === undefined)
    throw new AuditpackError(
      'USAGE',
      `${req.action === 'submit' ? 'submitting' : 'approving'} needs the actor's own key (--key FILE): the signature makes the identity real (four eyes compares keys)`,
    );
  return withPack(o, req.date, async (l) => {
    if (l.record.state !== t.from) throw invalidTransition(req.action, l, t.from);
    let warnings: readonly string[] = [];
    if (signs) {
      warnings = await hardRules(o, l, req.action);
      checkKey(o, req.action, l.record, req.key as KeyObject);
    }
    const draft: TransitionLine = {
      ...nextHead(l, o.actor),
      kind: 'transition',
      action: req.action,
      from: t.from,
      to: t.to,
      reason,
      submission: null,
      approval: null,
      prev: l.record.head,
    };
    const signed = signs ? sign(o, l, draft, req.key as KeyObject) : undefined;
    const line =
      signed === undefined ? draft : { ...draft, [req.action === 'submit' ? 'submission' : 'approval']: signed.facts };
    await appendLines(o, l.record, linkLines(l.record.head, [line]));
    const base = { date: l.pack.date, pack: l.pack.name, manifestSha256: l.pack.manifestSha256, actor: o.actor };
    const files = signed === undefined ? {} : { [req.action === 'submit' ? 'submission' : 'approval']: signed.files };
    return { ...base, from: t.from, to: t.to, warnings, ...files };
  });
}

async function hardRules(o: ReviewOptions, l: Locked, action: ReviewAction): Promise<readonly string[]> {
  const rules = await checkHardRules(l.pack, l.record, o.blockingSeverity ?? 'warning');
  if (rules.blockers.length > 0)
    throw new AuditpackError('REVIEW_BLOCKED', `cannot ${action} ${l.pack.name}: ${rules.blockers.join('; ')}`, {
      details: { blockers: rules.blockers },
    });
  return rules.warnings;
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

/**
 * Who may sign: an Ed25519 key; with review signers, a file that gives no key two names and lists
 * this key for the actor in the action's namespace. Approving also needs four eyes: neither the
 * submitter's name nor the submitter's key, and the actor among the approvers when they are named.
 */
function checkKey(o: ReviewOptions, action: ReviewAction, record: ReviewRecord, key: KeyObject): void {
  const deny = (reason: string, message: string): AuditpackError =>
    new AuditpackError('REVIEW_NOT_PERMITTED', message, { details: { reason, actor: o.actor } });
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519')
    throw new AuditpackError('KEY_INVALID', `the ${action} key must be an Ed25519 private key`);
  const fp = fingerprint(key);
  if (action === 'approve') {
    if (sameActor(record.submitter, o.actor))
      throw deny(
        'same-as-submitter',
        `${o.actor} submitted this pack${record.submitter === o.actor ? '' : ` (as ${record.submitter})`} and cannot approve it too (four eyes)`,
      );
    if (record.submission?.submission?.key_fingerprint === fp)
      throw deny(
        'same-key-as-submitter',
        `the key ${fp} signed this pack's submission: the approval needs another person's key (four eyes)`,
      );
    if (o.approvers !== undefined && !o.approvers.includes(o.actor))
      throw deny('not-an-approver', `${o.actor} is not among the configured approvers (${o.approvers.join(', ')})`);
  }
  if (o.signers === undefined) return;
  const twice = keysUnderTwoNames(o.signers);
  if (twice.length > 0)
    throw deny('signers-ambiguous', `the review signers list one key under two names: ${twice.join('; ')}`);
  const ns = action === 'submit' ? SUBMIT_NAMESPACE : REVIEW_NAMESPACE;
  const blob = publicKeyBlob(createPublicKey(key));
  if (!o.signers.some((s) => signerMatches(s, o.actor, ns) && publicKeyBlob(s.key).equals(blob)))
    throw deny(
      action === 'submit' ? 'not-a-submitter' : 'key-not-listed',
      `the key ${fp} is not listed for ${o.actor} in the review signers (namespace ${ns})`,
    );
}

/** Writes the signed message and its SSHSIG beside the record; returns what the line records. */
function sign(o: ReviewOptions, l: Locked, line: TransitionLine, key: KeyObject) {
  const submit = line.action === 'submit';
  const { date, manifestSha256: sha, tagmanifestSha256: tag } = l.pack;
  let message: string;
  if (submit) message = expectedSubmissionMessage(l.record, line, tag);
  else {
    const probe: ReviewRecord = { ...l.record, approval: line };
    message = expectedApprovalMessage(probe, tag) as string;
  }
  const signature = signSshsig(Buffer.from(message, 'utf8'), key, submit ? SUBMIT_NAMESPACE : REVIEW_NAMESPACE);
  const msgRel = submit ? submissionMessagePath(date, sha, line.seq) : approvalMessagePath(date, sha);
  const sigRel = submit ? submissionSignaturePath(date, sha, line.seq) : approvalSignaturePath(date, sha);
  writeFileDurably(join(o.artifactsDir, msgRel), message);
  writeFileDurably(join(o.artifactsDir, sigRel), signature);
  const keyFingerprint = fingerprint(key);
  const facts: ApprovalFacts = {
    message_sha256: sha256(message),
    signature_sha256: sha256(signature),
    key_fingerprint: keyFingerprint,
  };
  return { facts, files: { message: msgRel, signature: sigRel, keyFingerprint } };
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
