/**
 * External anchoring with RFC 3161 time-stamp tokens: a TSA's signed statement that given bytes
 * existed at a time. Packs carry a token over their tag manifest; the log carries `Anchored`
 * events with tokens over its chain head. docs/FORMAT.md ("Time-stamp tokens") has the format.
 */
export {
  ANCHOR_CATEGORY,
  ANCHOR_EVENT,
  ANCHOR_FAILED_EVENT,
  anchorStatement,
  PACK_TOKEN_COVERS,
  PACK_TOKEN_FILE,
  PACK_TSA_CERTS_FILE,
} from '../format/anchor.js';
export { loadAsn1Libs } from './token.js';
export { anchorLog, readChainHead, type AnchorLogOptions, type AnchorLogResult } from './log.js';
export {
  anchorPack,
  timestampTagManifest,
  writePackToken,
  type AnchorPackResult,
  type RecordOptions,
  type TsaOptions,
} from './pack.js';
export {
  loadTsaCa,
  MAX_TOKEN_BYTES,
  parsePemCertificates,
  parseTimestampResponse,
  verifyTimestamp,
  type TimestampFacts,
  type TimestampProblem,
  type TimestampProblemCode,
  type TimestampVerification,
  type VerifyTimestampOptions,
} from './token.js';
export {
  buildTimestampRequest,
  DEFAULT_TSA_TIMEOUT_MS,
  requestTimestamp,
  type GrantedTimestamp,
  type RequestTimestampOptions,
} from './tsa-client.js';
