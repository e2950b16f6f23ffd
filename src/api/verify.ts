/**
 * `auditpack/verify`: the auditor's side of auditpack: only what checks. Checking logs, packs and
 * archives (each returns a report and keeps going after the first problem), and the building blocks
 * a re-implementation of the checks needs: the chain's hash, OpenSSH signatures (PROTOCOL.sshsig)
 * and RFC 3161 time-stamp tokens. docs/FORMAT.md specifies what each checks.
 *
 * Re-exports only. Every name here is public API, pinned by test/package.test.ts.
 */

export { AuditpackError, type AuditpackErrorCode, isAuditpackError } from '../errors.js';
export { GENESIS_HASH, hashLine } from '../chain/index.js';
export {
  type ArchiveEvidence,
  type ChainSummary,
  detectPathKind,
  type LogReport,
  MAX_FINDINGS_PER_CODE,
  type ManifestSummary,
  type PackReport,
  type PathKind,
  type Problem,
  type RollupReport,
  type ProblemCode,
  type Severity,
  type TimestampCheckOptions,
  type VerifyArchiveOptions,
  type VerifyKind,
  type VerifyLogOptions,
  type VerifyPackOptions,
  type VerifyReport,
  type VerifyRollupOptions,
  verifyArchive,
  verifyLog,
  verifyLogDir,
  verifyPack,
  verifyPath,
  verifyRollup,
} from '../verify/index.js';
export { type SshsigVerification, verifySshsig } from '../signing/sshsig.js';
export { type AllowedSigner, parseAllowedSigners } from '../signing/allowed-signers.js';
export { fingerprint, parseOpenSshPublicKey } from '../signing/keys.js';
export {
  loadTsaCa,
  type TimestampFacts,
  type TimestampProblem,
  type TimestampProblemCode,
  type TimestampVerification,
  type VerifyTimestampOptions,
  verifyTimestamp,
} from '../anchor/token.js';
