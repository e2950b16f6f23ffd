/**
 * The call-time half of logging: an event is dated, redacted and serialised at once (so later
 * mutation of the caller's object cannot change the record), into the two pieces of its line
 * known before its place in the chain (src/format/log-line.ts). Never throws.
 */
import {
  CATEGORY_RE,
  CLOCK_AHEAD_TOLERANCE_US,
  categoryEventText,
  createHeadFormatter,
  isoMicros,
  unserialisableBody,
} from '../format/log-line.js';
import { CALLER_EVENT_PREFIX, isWriterEvent } from '../format/writer-events.js';
import type { Redactor } from '../redaction/index.js';
import { type DeferredText, finishEvents } from './deferred.js';
import { dayNumberOf } from '../rotation/index.js';
import { WRITER, type WriterMark } from './child.js';
import { prepareBody, takeDeferred } from './serialize.js';
import { KNOWN_EVENTS, type PreparedEvent } from './types.js';

const KNOWN: Readonly<Record<string, readonly string[] | undefined>> = Object.assign(
  Object.create(null) as object,
  KNOWN_EVENTS,
);

/** Bound on cached category/event pairs: names are caller input. */
const CATEGORY_EVENT_CACHE_LIMIT = 1000;

/** `Not A Category` → `not_a_category`: a name CATEGORY_RE accepts, `other` when nothing is left. */
function lowercaseName(s: string): string {
  const n = s
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .slice(0, 64);
  return n === '' ? 'other' : n;
}

/** The validation note of an event whose clock reading could not be used. */
function clockNote(micros: number, now: number): string {
  if (!(Number.isSafeInteger(micros) && micros >= 0))
    return 'ts: the clock gave no usable time; dated by the wall clock';
  const ahead = Math.round((micros - now) / 1_000_000);
  return `ts: the clock read ${isoMicros(micros)}, ${ahead} s ahead of the wall clock; dated by the wall clock`;
}

/** One of auditpack's own events: its reserved name as it is (the names are constants). */
function writerCategoryEvent(category: string, event: string): CategoryEvent {
  return { json: categoryEventText(category, event), notes: undefined };
}

/** `f()`, or a placeholder when it throws (a name whose toString throws, a revoked Proxy). */
function safeText(f: () => string): string {
  try {
    return f();
  } catch {
    return 'unprintable';
  }
}

/** A category and event name, serialised, with the notes they earn. */
interface CategoryEvent {
  readonly json: string;
  readonly notes: string[] | undefined;
}

/** One formatter for every logger's lazy heads: a pure function of the instant, with caches. */
const lazyHead = createHeadFormatter();

/**
 * A prepared event whose head is formatted only when read (PreparedEvent.micros): the writer
 * thread formats its own from the instant, so on the caller's thread the text is made only when
 * this thread writes the event itself (before the thread runs, at exit, after it is lost). The
 * held event is smaller, and the call does not format it.
 */
class TimedEvent implements PreparedEvent {
  constructor(
    readonly day: number,
    readonly body: string,
    readonly deferred: DeferredText | undefined,
    readonly micros: number,
  ) {}

  get head(): string {
    return lazyHead(this.micros);
  }
}

/** What an EventPreparer needs: the logger's clock, redactor and provenance. */
export interface PreparerOptions {
  readonly clock: () => number;
  readonly redactor: Redactor;
  /** `,"host":…,"pid":N` (provenanceText). */
  readonly provenance: string;
  readonly defaultActor: string | undefined;
  /**
   * Leave long free text for the writer thread to scan (deferred.ts): only when every event
   * reaches its sink through finishEvents or the writer thread.
   */
  readonly defer?: boolean;
  /** Keep each event's instant (PreparedEvent.micros): only when the writer thread may write it. */
  readonly keepMicros?: boolean;
}

/** Turns logging calls into prepared events. One per logger. */
export class EventPreparer {
  private readonly head = createHeadFormatter();
  // Category → event → serialised pair. Two levels, so the lookup hashes the caller's (usually
  // constant, already hashed) strings instead of building and hashing a combined key per event.
  private catEvCache = new Map<string, Map<string, CategoryEvent>>();
  private catEvCacheSize = 0;
  private actorIn: string | undefined;
  private actorOut: string | undefined;
  /** Readings up to this instant are not ahead of the wall clock (checked again once passed). */
  private aheadLimit = 0;

  constructor(private readonly o: PreparerOptions) {}

  /**
   * Serialises an event now; never throws. `writer` (the WRITER mark, nothing else): one of auditpack's own events (recovery,
   * refusals, heartbeats, exports, prunes), written under its reserved name. `actor`: a child logger's (default: the configured one).
   */
  prepare(
    category: string,
    event: string,
    fields: unknown,
    actor = this.o.defaultActor,
    writer?: WriterMark,
  ): PreparedEvent {
    let micros = this.o.clock();
    let note: string | undefined;
    // Before 1970 the line cannot be written in the log format (ts is unsigned), so it is broken too.
    // Far ahead of the wall clock, the event would open a future day file that every later event
    // follows (docs/FORMAT.md, "Timestamps ahead of the wall clock"): it is dated now, noted.
    if (!(Number.isSafeInteger(micros) && micros >= 0) || (micros > this.aheadLimit && this.isAhead(micros))) {
      // A broken injected clock must not lose the event: fall back to the wall clock, noted.
      const now = Date.now() * 1000;
      note = clockNote(micros, now);
      fields = {
        ...(typeof fields === 'object' && fields !== null ? fields : { value: fields }),
        clock_error: String(micros),
      };
      micros = now;
    }
    const day = dayNumberOf(micros);
    let body: string;
    let deferred: DeferredText | undefined;
    try {
      const ce = writer === WRITER ? writerCategoryEvent(category, event) : this.categoryEvent(category, event);
      const notes = note === undefined ? ce.notes : [...(ce.notes ?? []), note];
      // One flat string (see prepareBody): a rope of pieces would cost again when it is flattened
      // for the write or the hand-over to the writer thread.
      const actorText = this.safeActor(actor);
      // auditpack's own events are never deferred: the sink appends its recovery events itself.
      const defer = this.o.defer === true && writer !== WRITER;
      body = prepareBody(ce.json, notes, fields, this.o.redactor, actorText, this.o.provenance, defer);
      deferred = takeDeferred();
    } catch (err) {
      takeDeferred();
      // The error's text is the caller's (a throwing getter or toString): scanned like any value.
      const why = this.o.redactor.redactString(safeText(() => String((err as Error)?.message ?? err)));
      const ce = this.categoryEvent(
        safeText(() => String(category)),
        safeText(() => String(event)),
      );
      body = unserialisableBody(ce.json, why, this.o.provenance);
    }
    if (this.o.keepMicros === true) return new TimedEvent(day, body, deferred, micros);
    return { day, head: this.head(micros), body, deferred };
  }

  /**
   * The actor (configured, or a child's binding) is caller text on every line: redacted like a
   * value. Loggers repeat one actor, so the last answer is remembered.
   */
  private safeActor(actor: string | undefined): string | undefined {
    if (typeof actor !== 'string') return actor;
    if (actor !== this.actorIn) {
      this.actorOut = this.o.redactor.redactString(actor);
      this.actorIn = actor;
    }
    return this.actorOut;
  }

  /** The events as a sink may receive them: long free text left for the writer scanned now (deferred.ts). */
  finish<E extends PreparedEvent>(events: readonly E[]): readonly E[] {
    return finishEvents(events, this.o.redactor);
  }

  /** Whether `micros` is beyond the wall clock's reach; the bound is refreshed only when passed. */
  private isAhead(micros: number): boolean {
    this.aheadLimit = Date.now() * 1000 + CLOCK_AHEAD_TOLERANCE_US;
    return micros > this.aheadLimit;
  }

  private categoryEvent(category: string, event: string): CategoryEvent {
    const names = typeof category === 'string' && typeof event === 'string';
    if (names) {
      const ce = this.catEvCache.get(category)?.get(event);
      if (ce !== undefined) return ce;
    } else {
      // A JavaScript caller's non-string names: a Symbol throws here, as it always did, and
      // prepare() records the event with its fallback body.
      void `${category}${event}`;
    }
    const ce = this.nameCategoryEvent(
      typeof category === 'string' ? category : String(category),
      typeof event === 'string' ? event : String(event),
    );
    if (names) this.remember(category, event, ce);
    return ce;
  }

  /**
   * The line must still be one the verifier accepts (docs/FORMAT.md, "A line"): a bad name is
   * recorded in a note and written in a form the format allows.
   */
  private nameCategoryEvent(cat: string, ev: string): CategoryEvent {
    const notes: string[] = [];
    const redactor = this.o.redactor;
    // The notes quote the names as given: redacted first, or the note would carry the secret the
    // name lost. A category holding a secret is written as `redacted` (lower-casing would disguise
    // the secret's shape, `AKIA…` → `akia…`, while keeping its characters).
    // Each name is redacted whole, then cut to 256 (attack6 #5: a secret the cut splits is no longer
    // recognised, and a prefix of redacted text holds none).
    const givenCat = redactor.redactString(cat);
    if (givenCat !== cat) {
      notes.push(`category: ${JSON.stringify(givenCat.slice(0, 64))} holds a secret; written as "redacted"`);
      cat = 'redacted';
    } else if (!CATEGORY_RE.test(cat)) {
      const given = cat;
      cat = lowercaseName(cat);
      notes.push(
        `category: ${JSON.stringify(given.slice(0, 64))} is not a lowercase name; written as ${JSON.stringify(cat)}`,
      );
    }
    // A lower-cased name is scanned again (its shape can differ from the given one's).
    if (redactor.redactString(cat) !== cat) cat = 'redacted';
    const unknown = ev.length > 0 && KNOWN[cat]?.includes(ev) === false;
    ev = redactor.redactString(ev).slice(0, 256);
    if (ev.length === 0) {
      ev = 'Unnamed';
      notes.push('event: empty event name; written as "Unnamed"');
    } else if (isWriterEvent(cat, ev)) {
      const given = ev;
      ev = `${CALLER_EVENT_PREFIX}${ev}`;
      notes.push(
        `event: ${JSON.stringify(given)} is reserved for auditpack's writer; written as ${JSON.stringify(ev)}`,
      );
    } else if (unknown) notes.push(`event: ${JSON.stringify(ev.slice(0, 64))} is not a known ${cat} event`);
    return { json: categoryEventText(cat, ev), notes: notes.length ? notes : undefined };
  }

  private remember(category: string, event: string, ce: CategoryEvent): void {
    if (this.catEvCacheSize >= CATEGORY_EVENT_CACHE_LIMIT) {
      this.catEvCache.clear();
      this.catEvCacheSize = 0;
    }
    let byEvent = this.catEvCache.get(category);
    if (byEvent === undefined) this.catEvCache.set(category, (byEvent = new Map()));
    byEvent.set(event, ce);
    this.catEvCacheSize++;
  }
}
