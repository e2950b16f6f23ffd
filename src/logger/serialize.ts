/**
 * Turns a caller's fields into the JSON body of a line, in one walk that also redacts.
 *
 * The walk writes JSON text as it goes (the caller's object is never mutated; no intermediate
 * copy is built and stringified: that copy, a dictionary-mode object per event, cost a third of
 * the logger's time), converts what JSON cannot say
 * (bigint, Date, Error, Map, Set, typed arrays, circular references) and bounds what would be
 * unbounded (depth, string length, array length, key count). It never throws: whatever goes wrong
 * with a value becomes a `validation` note on the line. Redaction happens here, before the line is
 * serialised, written or hashed.
 *
 * The text is what JSON.stringify would give for the sanitised value; test/logger/
 * serialize-equivalence.test.ts holds it (with json-text.ts, shapes.ts and walk.ts) to a reference implementation
 * byte for byte. What makes it cheap (the per-call cost of every `logger.log`):
 * - a *shape* per object key list (the same dozen keys arrive millions of times), cached: the
 *   member names with their quotes, the notes a name earns, whether it is sensitive or a trade
 *   field, and whether the members can be written in key order at all (they cannot when two keys
 *   become one name, or array-index names need moving to the front: those objects take the
 *   `Members` path, which reorders as JSON.stringify does);
 * - at the top level, the member texts of the values a field keeps seeing (`"side":"BUY"`,
 *   `"venue":"LMAX"`), cached per shape slot: one lookup per field; the members go into one reused
 *   array, each after its comma and in pieces where a string would have to be made of them (a
 *   trade id: `,"order_id":"`, the id, `"`), joined once (one flat string: a tree of `+=` pieces
 *   would survive, and be copied by the scavenger, while the event waits in the logger's buffer for
 *   the end of the turn);
 * - one Walk for every event (taken and given back; a walk inside a walk, by a getter, gets its own),
 *   and the members a logger repeats (its actor, `"redacted":["api_key"]`, an event name's notes) kept;
 * - nested objects and arrays appended to one string (`+=`) instead of a text per member joined
 *   at the end of each;
 * - the JSON text of short strings that scanned clean, cached (a lookup replaces the secret scan,
 *   the escape check and the quoting);
 * - paths (`route.venue`, `legs[2]`) built only when a note or a redaction needs one, and
 *   `redacted`/`validation` arrays made only when there is something to put in them.
 */
import { ACTOR_MEMBER, OVERSIZE_FIELD, REDACTED_MEMBER, VALIDATION_MEMBER } from '../format/log-line.js';
import { namedHide, type Redactor } from '../redaction/index.js';
import { type DeferredText, finishedBound, REDACTED_MARK } from './deferred.js';
import { MAX_STRING_LENGTH, Members, needsEscape, quote } from './json-text.js';
import {
  type Caches,
  CLEAN_TEXT_MAX_CHARS,
  cachedShape,
  cachesOf,
  rememberMember,
  rememberShape,
  type Slot,
  topShape,
} from './shapes.js';
import { LIMITS, type Limits, TIGHT, Walk } from './walk.js';

/** Result of preparing fields. */
export interface PreparedFields {
  /** Serialised fields without braces: `"a":1,"b":"x"` (empty string when none). */
  readonly json: string;
  /** Always undefined: a field named `actor` is written as `field_actor` (the actor is provenance). */
  readonly actor: string | undefined;
  /** Paths redacted. */
  readonly redacted: string[] | undefined;
  /** Notes on values that could not be written as given. */
  readonly validation: string[] | undefined;
}

/** The deferred strings of the last prepareBody call that returned (see takeDeferred). */
let lastDeferred: DeferredText | undefined;

/**
 * The strings the last prepareBody call with `defer` left for the writer to scan (deferred.ts),
 * or undefined; cleared by reading. Read right after the call.
 */
export function takeDeferred(): DeferredText | undefined {
  const d = lastDeferred;
  lastDeferred = undefined;
  return d;
}

/**
 * Prepares top-level fields: snake_case keys, reserved names renamed, values sanitised and redacted.
 * `fields` is anything the caller passed; a non-object is recorded under `value` with a note.
 */
export function prepareFields(fields: unknown, redactor: Redactor): PreparedFields {
  const parts = takeParts();
  const f = prepareInto(parts, fields, redactor);
  // Each member went in after its comma: the first one's is not part of the text.
  const json = joinParts(parts).slice(1);
  const prepared = { json, actor: undefined, redacted: f.redacted, validation: f.validation };
  giveBack(f);
  return prepared;
}

/**
 * The body of a line, `"category":…` up to `"pid":…`, as one flat string: exactly what
 *
 *     prefix + (json ? `,${json}` : '') + (actor !== undefined ? `,"actor":${JSON.stringify(actor)}` : '')
 *       + (redacted ? `,"redacted":${JSON.stringify(redacted)}` : '')
 *       + (notes ? `,"validation":${JSON.stringify(notes)}` : '') + suffix
 *
 * gives, where `{ json, actor, redacted, validation } = prepareFields(fields, redactor)`, `actor`
 * falls back to `defaultActor`, and `notes` are `prefixNotes` followed by the validation notes —
 * but made by one join, without the fields' text as a string of its own and the pieces of the
 * concatenation. Throws where that expression would (beyond V8's string limit).
 *
 * `defer`: non-trade strings of DEFER_MIN_CHARS or more are left as markers for finishBody, and
 * the `redacted` member too when there are any (takeDeferred gives them); the finished body is
 * the same text.
 */
export function prepareBody(
  prefix: string,
  prefixNotes: readonly string[] | undefined,
  fields: unknown,
  redactor: Redactor,
  defaultActor: string | undefined,
  suffix: string,
  defer = false,
): string {
  const parts = takeParts();
  parts.push(prefix);
  const f = prepareInto(parts, fields, redactor, defer);
  // A field never sets the actor (a field named `actor` is written as `field_actor`).
  const actor = defaultActor;
  if (actor !== undefined) parts.push(actorMember(actor));
  const d = f.deferred;
  if (d !== undefined) {
    d.redacted = f.redacted;
    parts.push(COMMA_REDACTED_MARK);
  } else if (f.redacted !== undefined) parts.push(redactedMember(f.redacted));
  const validation = f.validation;
  giveBack(f);
  if (validation === undefined) {
    if (prefixNotes !== undefined) parts.push(prefixNotesMember(prefixNotes));
  } else {
    const notes = prefixNotes ? [...prefixNotes, ...validation] : validation;
    parts.push(`,${VALIDATION_MEMBER}${JSON.stringify(notes)}`);
  }
  let body: string;
  if (suffix.charCodeAt(0) === 44 /* , */) {
    parts.push(suffix);
    body = joinParts(parts);
  } else body = joinParts(parts) + suffix;
  lastDeferred = d;
  return body;
}

const COMMA_REDACTED_MARK = `,${REDACTED_MARK}`;

/** Small maps of member texts the logger repeats (its actors, a field's path): cleared when full. */
const REPEATED_LIMIT = 256;
const actorMembers = new Map<string, string>();

/** `,"actor":"…"`: a logger (or child) passes the same actor every time; made once and kept. */
function actorMember(actor: string): string {
  if (typeof actor !== 'string') return `,${ACTOR_MEMBER}${JSON.stringify(actor)}`;
  let member = actorMembers.get(actor);
  if (member === undefined) {
    member = `,${ACTOR_MEMBER}${quote(actor)}`;
    if (actorMembers.size >= REPEATED_LIMIT) actorMembers.clear();
    if (actor.length <= CLEAN_TEXT_MAX_CHARS) actorMembers.set(actor, member);
  }
  return member;
}

let lastPrefixNotes: readonly string[] | undefined;
let lastPrefixNotesMember = '';

/**
 * `,"validation":[…]` of the notes the category and event earn alone (the logger passes the same
 * array for an event name each time: remembered by identity).
 */
function prefixNotesMember(notes: readonly string[]): string {
  if (notes !== lastPrefixNotes) {
    lastPrefixNotesMember = `,${VALIDATION_MEMBER}${JSON.stringify(notes)}`;
    lastPrefixNotes = notes;
  }
  return lastPrefixNotesMember;
}

/** `,"redacted":[…]`; for one path (`api_key`, most events that have any) made once and kept. */
function redactedMember(redacted: readonly string[]): string {
  if (redacted.length !== 1) return `,${REDACTED_MEMBER}${JSON.stringify(redacted)}`;
  const path = redacted[0] as string;
  let member = oneRedacted.get(path);
  if (member === undefined) {
    member = `,${REDACTED_MEMBER}${JSON.stringify(redacted)}`;
    // Paths are field names mostly, but can be any key: the map is bounded.
    if (oneRedacted.size >= REPEATED_LIMIT) oneRedacted.clear();
    if (path.length <= CLEAN_TEXT_MAX_CHARS) oneRedacted.set(path, member);
  }
  return member;
}

const oneRedacted = new Map<string, string>();

/**
 * Pushes the fields' members onto `parts` (each member's text after a comma; a member may be
 * pushed in pieces: joined with nothing between them), bounded as prepareFields promises: a text
 * over maxBodyChars is walked again with tighter bounds, and if still too large kept as a cut JSON
 * string. Returns the walk that holds what it found (its `length`: the members' text, without
 * the first comma), to be given back (giveBack) once read.
 */
function prepareInto(parts: string[], fields: unknown, redactor: Redactor, defer = false): Walk {
  const mark = parts.length;
  const one = walkInto(parts, fields, redactor, LIMITS, defer);
  const d = one.deferred;
  if (
    d !== undefined &&
    one.length + finishedBound(d.chars, d.texts.length, redactor.censor.length) > LIMITS.maxBodyChars
  ) {
    // The finished text might be too long: this event is scanned here, bounded as always.
    parts.length = mark;
    giveBack(one);
    return prepareInto(parts, fields, redactor, false);
  }
  const oneLength = one.length;
  if (oneLength <= LIMITS.maxBodyChars) return one;
  giveBack(one);
  // The reference joined this text before looking at its length: beyond V8's limit, that threw.
  if (oneLength > MAX_STRING_LENGTH) throw new RangeError('Invalid string length');
  parts.length = mark;
  const two = walkInto(parts, fields, redactor, TIGHT);
  const validation = [...(two.validation ?? []), `event: ${oneLength} chars serialised; shrunk with tighter bounds`];
  two.validation = validation;
  if (two.length <= LIMITS.maxBodyChars) return two;
  // Still too large (e.g. very many top-level keys): keep a bounded prefix of the JSON as a string.
  const cut = parts.slice(mark).join('').slice(1, 65_537);
  parts.length = mark;
  const member = `,${JSON.stringify(OVERSIZE_FIELD)}:${JSON.stringify(cut)}`;
  parts.push(member);
  two.validation = [...validation, `event: still ${two.length} chars; fields kept as a cut JSON string`];
  two.length = member.length - 1;
  two.deferred = undefined;
  return two;
}

/** The walk not in use (one serves every event; one walked inside another's walk gets its own). */
let spareWalk: Walk | undefined;

function takeWalk(redactor: Redactor, limits: Limits, caches: Caches, defer: boolean): Walk {
  const w = spareWalk;
  if (w === undefined) return new Walk(redactor, limits, caches, defer);
  spareWalk = undefined;
  return w.reset(redactor, limits, caches, defer);
}

/** `w`'s findings are read: it may serve the next event. */
function giveBack(w: Walk): void {
  spareWalk = w;
}

/** Walks the fields, pushing each member's text, after a comma, onto `parts`. */
function walkInto(parts: string[], fields: unknown, redactor: Redactor, limits: Limits, defer = false): Walk {
  const caches = cachesOf(redactor);
  const walk = takeWalk(redactor, limits, caches, defer);
  let length = 0;
  if (fields !== undefined && fields !== null) {
    if (typeof fields !== 'object' || Array.isArray(fields)) {
      walk.note(
        'fields',
        `expected an object, got ${Array.isArray(fields) ? 'an array' : typeof fields}; kept as "value"`,
      );
      const v = walk.value(fields, 'value', 1, false);
      if (v !== undefined) {
        parts.push(',"value":', v);
        length = 8 + v.length;
      }
    } else length = walkObject(parts, fields as Record<string, unknown>, walk, caches, redactor, limits);
  }
  walk.length = length;
  return walk;
}

/** The members of a top-level object onto `parts`; returns the length of their text with commas. */
function walkObject(
  parts: string[],
  source: Record<string, unknown>,
  walk: Walk,
  caches: Caches,
  redactor: Redactor,
  limits: Limits,
): number {
  let keys: string[];
  try {
    keys = Object.keys(source);
  } catch {
    keys = [];
    walk.note('fields', 'fields could not be read');
  }
  const n = Math.min(keys.length, limits.maxObjectKeys);
  let shape = cachedShape(caches.top, keys, n);
  if (shape === undefined) {
    shape = topShape(keys, n, redactor, caches);
    rememberShape(caches.top, shape);
  }
  const slots = shape.slots;
  // Members in key order go straight to `parts`; the rest to Members, which reorders them.
  const mark = parts.length;
  const out = shape.inOrder ? undefined : new Members();
  // `audit.config('db_password', { oldValue, newValue })`: the setting's name decides its values.
  const named = shape.named;
  const hide = named === undefined ? undefined : namedHide(redactor, named, (j) => source[(slots[j] as Slot).raw]);
  for (let i = 0; i < n; i++) {
    const slot = slots[i] as Slot;
    if (slot.keyRedacted) walk.redact('<key>');
    let v: unknown;
    try {
      v = source[slot.raw];
    } catch {
      // Written under its final name: a reserved name is renamed even when unreadable.
      walk.noted(slot.note);
      if (out === undefined) parts.push(slot.commaMember, '"[Unreadable]"');
      else out.set(slot.name, '"[Unreadable]"', slot.member);
      continue;
    }
    if (v === undefined) continue;
    if (slot.reservedNote !== undefined) walk.noted(slot.reservedNote);
    if (hide?.[i] === true) {
      if (out === undefined) parts.push(slot.commaMember, censored(slot, walk, caches));
      else out.set(slot.name, censored(slot, walk, caches), slot.member);
    } else if (out === undefined) orderedMember(parts, slot, v, walk, caches, limits);
    else {
      const sv = slot.sensitive ? censored(slot, walk, caches) : walk.valueAt(v, slot.name, '', 1, slot.trade);
      if (sv !== undefined) out.set(slot.name, sv, slot.member);
    }
  }
  if (keys.length > n) walk.note('fields', `${keys.length} fields cut to ${n}`);
  if (out !== undefined) {
    const json = out.text();
    if (json === '') return 0;
    parts.push(',', json);
    return json.length;
  }
  // Every member's pieces start with its comma: the text is theirs without the first.
  let length = 0;
  for (let j = mark; j < parts.length; j++) length += (parts[j] as string).length;
  return parts.length > mark ? length - 1 : 0;
}

/** A sensitive field's value: the censor, its name recorded as redacted. */
function censored(slot: Slot, walk: Walk, caches: Caches): string {
  walk.redact(slot.name);
  return caches.censor;
}

/**
 * `,"name":value` of a top-level field written in key order onto `parts`, in pieces where that
 * saves making a string; nothing for a value JSON omits.
 */
function orderedMember(parts: string[], slot: Slot, v: unknown, walk: Walk, caches: Caches, limits: Limits): void {
  if (slot.sensitive) parts.push(slot.commaMember, censored(slot, walk, caches));
  else if (
    slot.texts !== undefined &&
    (typeof v === 'number' || (typeof v === 'string' && v.length <= CLEAN_TEXT_MAX_CHARS))
  )
    parts.push(cachedMember(slot, v, walk, caches));
  else if (slot.trade && typeof v === 'string' && v.length <= limits.maxStringChars && !needsEscape(v)) {
    // A trade field's string (an id): its pieces, so no string is made of them before the join.
    parts.push(slot.commaMemberQ, v, '"');
  } else {
    const sv = walk.valueAt(v, slot.name, '', 1, slot.trade);
    if (sv !== undefined) parts.push(slot.commaMember, sv);
  }
}

/** The values a slot keeps seeing: one lookup for `,"name":value`, made and cached on a miss. */
function cachedMember(slot: Slot, v: string | number, walk: Walk, caches: Caches): string {
  const texts = slot.texts as Map<string | number, string>;
  const known = texts.get(v);
  if (known !== undefined) return known;
  let sv: string;
  let cacheable = true;
  if (typeof v === 'string') {
    sv = walk.leafString(v, slot.trade);
    if (walk.hit) {
      walk.hitAt(slot.name);
      cacheable = false;
    }
  } else if (Number.isFinite(v)) {
    sv = `${v}`;
  } else {
    sv = walk.value(v, slot.name, 1, slot.trade) as string;
    cacheable = false;
  }
  const member = slot.commaMember + sv;
  if (cacheable) rememberMember(caches, slot, v, member);
  return member;
}

/** A reused array for the members of a top-level object (a new one when a walk is nested in a getter). */
let spareParts: string[] | undefined;

function takeParts(): string[] {
  const parts = spareParts ?? [];
  spareParts = undefined;
  return parts;
}

/**
 * The pieces joined (each member's starts with its comma): one flat string, as JSON.stringify's
 * order needs no moving here. (Appending with `+=` instead leaves a tree of pieces that survives,
 * and is copied by the scavenger, while the event waits in the logger's buffer for the end of the turn.)
 */
function joinParts(parts: string[]): string {
  const json = parts.join('');
  while (parts.length > 0) parts.pop();
  spareParts = parts;
  return json;
}
