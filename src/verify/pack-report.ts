/** What verifying a pack takes (its options) and gives (its report). */
import type { KeyObject } from 'node:crypto';
import type { EventRoom, ReviewEvent, ReviewSigner } from '../review/index.js';
import type { ExportEvent, PruneEvent } from './chain-events.js';
import type { ManifestSummary } from './pack-facts.js';
import type { PackToken, StampEvent } from './stamp-record.js';
import type { ReportPolicies } from './provenance.js';
import type { VerifyReport } from './report.js';
import type { TimestampCheckOptions } from './timestamps.js';

/** Options of verifyPack and verifyArchive. */
export interface VerifyPackOptions {
  /** Trusted public keys (e.g. from `--pubkey`): the signature must be by one of them. */
  publicKeys?: readonly KeyObject[];
  /** Trusted signers (e.g. parsed from `--allowed-signers`): keys whose namespaces allow `auditpack`. */
  allowedSigners?: readonly { identity: string; key: KeyObject; namespaces?: readonly string[] | undefined }[];
  /** Read every log line with JSON.parse. */
  full?: boolean;
  /**
   * @internal Where data/audit.jsonl is cut between the two threads (the first line start at or
   * after this offset), or 'none' (the default: the second core runs the payload derivation).
   * Findings never depend on it; tests use it to check exactly that.
   */
  logSplit?: number | 'none';
  /**
   * @internal Whether the pack's hashing and payload derivation run on threads of their own; default:
   * only for a pack of THREADS_FROM_BYTES or more (a thread's start costs more than it saves on a small
   * pack). Findings never depend on it; tests use it to check exactly that.
   */
  threads?: boolean;
  /** Time-stamp tokens: trust anchors, whether a token is required, the anchor rhythm. */
  timestamps?: TimestampCheckOptions;
  /**
   * @internal Keep the bytes of the files the standalone notes read (PROVENANCE_FILES) in the
   * report's `provenance`: a `.tar.gz` is then read once for its check and its notes.
   */
  keepProvenance?: boolean;
  /**
   * @internal The room for review events the packs' logs share (verifyArchive gives one to all its
   * packs); default: MAX_PACK_REVIEW_EVENTS for the pack.
   */
  reviewEventRoom?: EventRoom;
  /** @internal Likewise for the PackPruned and PackExported events (default: MAX_PACK_CHAIN_EVENTS each). */
  chainEventRoom?: EventRoom;
  /**
   * @internal Set by verifyArchive: what a pack's own log leaves unbound in its
   * data/config_in_force.json is held to the other logs at hand, and what stays unbound is said
   * once for the directory, not in every pack (CONFIG_IN_FORCE_UNBOUND).
   */
  inArchive?: boolean;
  /** Trusted approvers (allowed_signers entries for namespace `auditpack-review`): review countersignatures must be by them. */
  reviewSigners?: readonly ReviewSigner[];
  /** The file `reviewSigners` was read from when nobody named it (found by default): reported as unpinned. */
  reviewSignersUnpinned?: string;
}

/** A pack's report, with what an archive check needs from its manifest. */
export interface PackReport extends VerifyReport {
  readonly manifest: ManifestSummary;
  /** The PackPruned events of the pack's log (the archive holds them against pruned.jsonl). */
  readonly pruneEvents: readonly PruneEvent[];
  /**
   * The PackExported events of the pack's log: the archive holds each day's current version to the
   * exports its packs' logs recorded (archive-live.ts checkCurrentRecorded). Absent: none looked for.
   */
  readonly exportEvents?: readonly ExportEvent[];
  /** The PackTimestamped events of the pack's log (the archive holds each pack's token to them). */
  readonly stampEvents?: readonly StampEvent[];
  /** The token the pack holds, as read (absent: none, or not parsed). */
  readonly token?: PackToken;
  /** The review events of the pack's log (the archive holds them against the review records). */
  readonly reviewEvents: readonly ReviewEvent[];
  /** Review events of the pack's log past the room (REVIEW_PACK_LOG_UNCHECKED): counted, not kept. */
  readonly reviewEventsDropped?: number;
  /** @internal With `keepProvenance`: the bounded bytes of the files the standalone notes read, by path. */
  readonly provenance?: ReadonlyMap<string, Buffer>;
  /**
   * @internal With `keepProvenance`, a pack directory's: the policies of compliance_report.json as
   * the check read them (null: none of the shape the re-check requires), so the notes need not read
   * the report again (megabytes on a day of many findings).
   */
  readonly reportPolicies?: ReportPolicies | null;
}
