/**
 * The log line, written once (docs/FORMAT.md, "A line"): the bytes the logger and its writer
 * thread produce, and the names every reader looks for. The reading side, what counts as an
 * event, is ./event-line.ts; both import the names from here, so writer and readers cannot drift.
 *
 * Field order: ts, iso_ts, seq, [late], category, event, fields…, [actor], [redacted],
 * [validation], host, pid, prev. `prev` is always last, so a checker finds it at a fixed offset
 * from the end (TAIL_LENGTH bytes); the head `{"ts":` is always first, so a torn fragment can be
 * told from foreign bytes.
 */

/** Envelope field names, in the order a line carries them (the caller's fields go after `event`). */
export const FIELD = Object.freeze({
  ts: 'ts',
  isoTs: 'iso_ts',
  seq: 'seq',
  late: 'late',
  category: 'category',
  event: 'event',
  actor: 'actor',
  redacted: 'redacted',
  validation: 'validation',
  host: 'host',
  pid: 'pid',
  prev: 'prev',
} as const);

/**
 * Envelope field names a caller's field may not take; such a field is written as `field_<name>`.
 * The configured actor (or the CLI's) is provenance like host and pid: a field may not replace it.
 */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  FIELD.ts,
  FIELD.isoTs,
  FIELD.seq,
  FIELD.category,
  FIELD.event,
  FIELD.host,
  FIELD.pid,
  FIELD.prev,
  FIELD.late,
  FIELD.redacted,
  FIELD.validation,
  FIELD.actor,
]);

/** What a renamed reserved field is prefixed with. */
export const RESERVED_PREFIX = 'field_';

/** Holds, as a cut JSON string, the fields of an event too large even with tighter bounds. */
export const OVERSIZE_FIELD = 'field_oversize';

/** `^[a-z][a-z0-9_]{0,63}$`: what a category is (the logger writes nothing else). */
export const CATEGORY_RE = /^[a-z][a-z0-9_]{0,63}$/;

/** The first bytes of every line. */
export const LINE_HEAD = '{"ts":';

/** `,"prev":"` + 64 hex digits + `"}`: the last bytes of every line. */
export const TAIL_LENGTH = 75;
/** The tail of a line, capturing `prev`. */
export const TAIL_RE = /^,"prev":"([0-9a-f]{64})"\}$/;

/** `"seq":N` near the start of a line, for salvaging a damaged line's place in the chain. */
export const SEQ_SALVAGE_RE = /"seq":([1-9]\d{0,14})[,}]/;

/**
 * How far an event's time may lead the writer's wall clock: further ahead, the writer dates it by
 * the wall clock, and a verifier reports a day file dated after its own today plus this
 * (docs/FORMAT.md, "Timestamps ahead of the wall clock").
 */
export const CLOCK_AHEAD_TOLERANCE_US = 5 * 60 * 1_000_000;

/** The event the writer appends after terminating a torn write (docs/FORMAT.md, "Torn lines"). */
export const RECOVERY = Object.freeze({ category: 'system', event: 'TornLineRecovered' } as const);

/**
 * The event the writer appends when the chain head it last wrote (cached in the lock file) is no
 * longer on disk: the day file was cut short, emptied or removed by hand (docs/FORMAT.md, "Lost
 * heads"). The events after the cached head's predecessor that are not on disk were lost.
 */
export const DISCONTINUITY = Object.freeze({ category: 'system', event: 'LogDiscontinuity' } as const);

/**
 * Whether an event is dated when its writer writes it, after events it had already stamped and
 * queued behind it: a recovery, a discontinuity. Every per-process clock check leaves such an event
 * out (docs/FORMAT.md, "Torn lines and recovery" and "Lost heads"), or an honest history would show
 * time going back.
 */
export function isDatedWhenWritten(category: unknown, event: unknown): boolean {
  return category === RECOVERY.category && (event === RECOVERY.event || event === DISCONTINUITY.event);
}

/** The head the writer last wrote (from its lock file) and what it found instead. */
export interface DiscontinuityHeads {
  /** The cached head: its day file, that file's size after it, its seq and line hash. */
  readonly cached: { file: string; size: number; seq: number; sha256: string };
  /** The cached file's size now (null: the file is gone), and the head rebuilt from the files. */
  readonly found: { size: number | null; file: string | null; seq: number; sha256: string };
}

/** The fields of a LogDiscontinuity event, in the order they are written. */
export function discontinuityFields(h: DiscontinuityHeads): Record<string, unknown> {
  return {
    cached_file: h.cached.file,
    cached_size: h.cached.size,
    cached_seq: h.cached.seq,
    cached_sha256: h.cached.sha256,
    found_size: h.found.size,
    found_file: h.found.file,
    found_seq: h.found.seq,
    found_sha256: h.found.sha256,
  };
}

/** The fields of a TornLineRecovered event, in the order they are written. */
export function recoveryFields(
  file: string,
  fragmentOffset: number,
  fragmentBytes: number,
  fragmentSha256: string,
  notTorn?: string,
): Record<string, unknown> {
  return {
    file,
    fragment_offset: fragmentOffset,
    fragment_bytes: fragmentBytes,
    fragment_sha256: fragmentSha256,
    // Bytes that cannot be a torn write (src/format/torn-write.ts) are recovered all the same, so
    // that the writer goes on; the event says why they were no crash, and every checker says so too.
    ...(notTorn === undefined ? {} : { fragment_not_torn: notTorn }),
  };
}

/** `"seq":N`: how a line carries its place in the chain (a byte search for one seq looks for this). */
export function seqText(seq: number): string {
  return `"seq":${seq}`;
}

/** `"category":<c>`: how a line names its category (a byte search for one category looks for this). */
export function categoryText(category: string): string {
  return `"category":${JSON.stringify(category)}`;
}

/** `"category":<c>,"event":<e>`: the start of a body. */
export function categoryEventText(category: string, event: string): string {
  return `${categoryText(category)},"event":${JSON.stringify(event)}`;
}

/** `"host":<host>`: how a line names its host (a byte search for one host's lines looks for this). */
export function hostText(host: string): string {
  return `"host":${JSON.stringify(host)}`;
}

/** `,"host":<host>,"pid":<pid>`: the provenance that ends every body. */
export function provenanceText(host: string, pid: number): string {
  return `,"host":${JSON.stringify(host)},"pid":${JSON.stringify(pid)}`;
}

/** Member prefixes of the optional fields after the caller's fields. */
export const ACTOR_MEMBER = '"actor":';
export const REDACTED_MEMBER = '"redacted":';
export const VALIDATION_MEMBER = '"validation":';

/**
 * The body of a TornLineRecovered event written by the writer thread: the recovery name, the
 * serialised fields (`"file":…`, from recoveryFields) and the provenance.
 */
export function recoveryBody(fieldsJson: string, provenance: string, event: string = RECOVERY.event): string {
  return `${categoryEventText(RECOVERY.category, event)},${fieldsJson}${provenance}`;
}

/**
 * The body when the caller's fields could not be serialised at all: the names, one validation
 * note, the provenance.
 */
export function unserialisableBody(categoryEvent: string, why: string, provenance: string): string {
  return `${categoryEvent},${VALIDATION_MEMBER}${JSON.stringify([`event: could not be serialised (${why})`])}${provenance}`;
}

/** The two parts of a line known before its place in the chain. */
export interface LinePieces {
  /** `{"ts":…,"iso_ts":"…"` — no trailing comma, no closing brace (createHeadFormatter). */
  readonly head: string;
  /** `"category":…` up to `"pid":N`, without the closing brace. */
  readonly body: string;
}

/** The line's text without "\n", once its place in the chain is known. */
export function assembleLine(ev: LinePieces, seq: number, prev: string, late: boolean): string {
  return `${ev.head},"seq":${seq}${late ? ',"late":true' : ''},${ev.body},"prev":"${prev}"}`;
}

/** `000` … `999`: the microsecond digits of a head. */
const MICRO_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** `000Z"` … `999Z"`. */
const MICRO_DIGITS_Z: readonly string[] = MICRO_DIGITS.map((d) => `${d}Z"`);

/**
 * Formats the start of a line, `{"ts":<sec>.<µs>,"iso_ts":"<ISO with µs>Z"`. Everything up to
 * the millisecond is cached (the date-time part per second, the two prefixes per millisecond) and
 * the last three digits come from a table, so a call is four string concatenations and allocates
 * nothing else.
 */
export function createHeadFormatter(): (micros: number) => string {
  let cachedSecond = Number.NaN;
  let cachedIso = '';
  let cachedMilli = Number.NaN;
  /** `{"ts":<sec>.<ms>` and `,"iso_ts":"<ISO>.<ms>` of cachedMilli. */
  let ts = '';
  let iso = '';
  return (micros: number): string => {
    const sec = Math.floor(micros / 1_000_000);
    const frac = micros - sec * 1_000_000;
    if (sec !== cachedSecond) {
      cachedSecond = sec;
      cachedIso = new Date(sec * 1000).toISOString().slice(0, 19);
      cachedMilli = Number.NaN;
    }
    if (!(frac >= 0 && frac < 1_000_000)) {
      // Not seen for any safe integer (test/logger/clock.test.ts); kept so that the text cannot differ.
      const f = frac < 100_000 ? String(frac).padStart(6, '0') : String(frac);
      return `${LINE_HEAD}${sec}.${f},"iso_ts":"${cachedIso}.${f}Z"`;
    }
    const ms = Math.floor(frac / 1000);
    if (ms !== cachedMilli) {
      cachedMilli = ms;
      const m = MICRO_DIGITS[ms] as string;
      ts = `${LINE_HEAD}${sec}.${m}`;
      iso = `,"iso_ts":"${cachedIso}.${m}`;
    }
    const us = frac - ms * 1000;
    return ts + (MICRO_DIGITS[us] as string) + iso + (MICRO_DIGITS_Z[us] as string);
  };
}

/** ISO-8601 UTC with microseconds for an epoch-microsecond instant: the form of `iso_ts`. */
export function isoMicros(micros: number): string {
  const sec = Math.floor(micros / 1_000_000);
  const frac = String(micros - sec * 1_000_000).padStart(6, '0');
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}
