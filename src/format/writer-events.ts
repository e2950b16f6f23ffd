/**
 * Events only auditpack's own writers may write (docs/FORMAT.md, "Events reserved for the writer").
 * Readers give them meaning: a TornLineRecovered event turns the line before it into evidence, a
 * PackPruned event vouches for a pruned pack, a PackTimestamped event holds a pack to its token, a
 * Heartbeat declares how long silence may be, an Anchored event pins the chain to a token. The rest
 * are auditpack's own account of what it did (an anchor that failed, a pack archived under a lock).
 * A caller's event of such a name is written under another name, so it cannot buy that meaning, nor
 * make an honest log fail verify (a caller's Anchored line is no anchor at all).
 */
import { ANCHOR_EVENT, ANCHOR_FAILED_EVENT } from './anchor.js';
import { HEARTBEAT_EVENT } from './heartbeat.js';
import { DISCONTINUITY, RECOVERY } from './log-line.js';
import { DAY_CLOSED_EVENT, EXPORT_EVENT, KEEP_EVENT, PRUNE_EVENT, STAMP_EVENT } from './pack.js';
import { DISPOSITION_EVENT, REVIEW_CATEGORY, TRANSITIONS } from './review.js';

/**
 * The event retention writes for each log file it removes (fields `file`, `date`, `size`,
 * `sha256`): what accounts for a logs directory whose oldest file does not start the chain.
 */
export const LOG_PRUNED_EVENT = 'LogPruned';

/** The event the default logger writes when its config could not be read (it logs on with defaults). */
export const CONFIG_INVALID_EVENT = 'LoggerConfigInvalid';

/**
 * The `system` events the archive commands write (src/archive): the record of who pushed, locked,
 * held and verified which pack (SEC 17a-4(f)(3)(iii)). No verify check reads them, but a caller's
 * `PackArchived` would claim a locked copy that was never made.
 */
export const ARCHIVE_EVENT_NAMES = [
  'ArchiveInitialised',
  'PackArchived',
  'ArchiveRetentionExtended',
  'ReviewRecordsArchived',
  'ArchiveLegalHoldSet',
  'ArchiveLegalHoldReleased',
  'ArchiveVerified',
] as const;

/** {@link ARCHIVE_EVENT_NAMES} as a set. */
export const ARCHIVE_EVENTS: ReadonlySet<string> = new Set(ARCHIVE_EVENT_NAMES);

/** The category of every reserved event. */
export const WRITER_EVENT_CATEGORY = 'system';

/** The reserved event names (category `system`). */
export const WRITER_EVENTS: ReadonlySet<string> = new Set([
  RECOVERY.event,
  DISCONTINUITY.event,
  'EventsRefused',
  CONFIG_INVALID_EVENT,
  HEARTBEAT_EVENT,
  EXPORT_EVENT.event,
  DAY_CLOSED_EVENT.event,
  STAMP_EVENT.event,
  PRUNE_EVENT.event,
  KEEP_EVENT.event,
  LOG_PRUNED_EVENT,
  ANCHOR_EVENT,
  ANCHOR_FAILED_EVENT,
  ...ARCHIVE_EVENTS,
]);

/**
 * The review workflow's events (`review`/`ReviewSubmitted`, … `FindingDisposed`): verify holds every
 * review record line to its event and every event to its line, so a caller's event of such a name
 * would make an honest record look cut (at19 F6). Only the workflow's writer (review-flow) writes them.
 */
export const REVIEW_WRITER_EVENTS: ReadonlySet<string> = new Set([
  ...Object.values(TRANSITIONS).map((t) => t.event),
  DISPOSITION_EVENT,
]);

/**
 * Reserved events outside `system`, as `category/event`: a `config`/`ConfigSnapshot` says a config
 * snapshot was taken and stored (the snapshot command writes it with the record's SHA-256), and the
 * compliance checks take it as a config change's record; a caller's could claim one never taken.
 * The review workflow's events are reserved too (REVIEW_WRITER_EVENTS).
 */
export const OTHER_WRITER_EVENTS: ReadonlySet<string> = new Set([
  'config/ConfigSnapshot',
  ...[...REVIEW_WRITER_EVENTS].map((e) => `${REVIEW_CATEGORY}/${e}`),
]);

/** The name a caller's event of a reserved name is written under. */
export const CALLER_EVENT_PREFIX = 'Caller';

/** Whether `category`/`event` is reserved for auditpack's own writers. */
export function isWriterEvent(category: string, event: string): boolean {
  if (category === WRITER_EVENT_CATEGORY) return WRITER_EVENTS.has(event);
  return OTHER_WRITER_EVENTS.has(`${category}/${event}`);
}
