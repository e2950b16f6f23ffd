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
 * serialize-equivalence.test.ts holds this file to a straightforward reference implementation
 * byte for byte. What makes it cheap (the per-call cost of every `logger.log`):
 * - a *shape* per object key list (the same dozen keys arrive millions of times), cached: the
 *   member names with their quotes, the notes a name earns, whether it is sensitive or a trade
 *   field, and whether the members can be written in key order at all (they cannot when two keys
 *   become one name, or array-index names need moving to the front: those objects take the
 *   `Members` path, which reorders as JSON.stringify does);
 * - at the top level, the member texts of the values a field keeps seeing (`"side":"BUY"`,
 *   `"venue":"LMAX"`), cached per shape slot: one lookup per field; the members go into one reused
 *   array, joined once (one flat string: a tree of `+=` pieces would survive, and be copied by the
 *   scavenger, while the event waits in the logger's buffer for the end of the turn);
 * - nested objects and arrays appended to one string (`+=`) instead of a text per member joined
 *   at the end of each;
 * - the JSON text of short strings that scanned clean, cached (a lookup replaces the secret scan,
 *   the escape check and the quoting);
 * - paths (`route.venue`, `legs[2]`) built only when a note or a redaction needs one, and
 *   `redacted`/`validation` arrays made only when there is something to put in them.
 */
import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  ACTOR_MEMBER,
  OVERSIZE_FIELD,
  REDACTED_MEMBER,
  RESERVED_FIELDS,
  RESERVED_PREFIX,
  VALIDATION_MEMBER,
} from '../format/log-line.js';
import type { Redactor } from '../redaction/index.js';

/** Bounds on one event. Documented in docs/FORMAT.md. */
export const LIMITS = Object.freeze({
  maxDepth: 16,
  maxStringChars: 65_536,
  maxArrayItems: 10_000,
  maxObjectKeys: 1_000,
  /** A serialised body above this is shrunk with tighter bounds. */
  maxBodyChars: 1_048_576,
});

interface Limits {
  readonly maxDepth: number;
  readonly maxStringChars: number;
  readonly maxArrayItems: number;
  readonly maxObjectKeys: number;
}

const TIGHT: Limits = Object.freeze({ maxDepth: 8, maxStringChars: 4_096, maxArrayItems: 256, maxObjectKeys: 256 });

/**
 * The longest string V8 can make. Text that would exceed it makes the walk throw RangeError at
 * exactly the points where joining the members would have (see `Text`): a nested object or array
 * becomes `"[Unreadable]"`, an event too large as a whole gets prepare()'s fallback body.
 */
const MAX_STRING_LENGTH: number = constants.MAX_STRING_LENGTH;

/** The validation note of a Buffer, typed array or DataView. */
export const BINARY_NOTE = 'binary data recorded as its length and SHA-256, not its bytes';

/** What a Buffer, typed array or DataView is written as: `"[binary: N bytes, sha256 <hex>]"`. */
export function binaryText(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return `"[binary: ${view.byteLength} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}]"`;
}

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

// Object.create(null): keys are user input, so "__proto__" must stay an ordinary key.
let snakeCache: Record<string, string> = Object.create(null);
let snakeCacheSize = 0;

/** `orderId` → `order_id`, `sourceIP` → `source_ip`; already snake_case keys are unchanged. Cached. */
export function toSnakeCase(key: string): string {
  let v = snakeCache[key];
  if (v !== undefined) return v;
  v = /[A-Z]/.test(key)
    ? key
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
        .toLowerCase()
    : key;
  if (snakeCacheSize >= 10_000) {
    snakeCache = Object.create(null);
    snakeCacheSize = 0;
  }
  snakeCache[key] = v;
  snakeCacheSize++;
  return v;
}

/**
 * True for a canonical array index ("0" … "4294967294"). JSON.stringify of an object lists such
 * keys first, in ascending order, then the other keys in insertion order; the members written
 * here keep that order so the text is what JSON.stringify of the same object would give.
 */
function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57 || key.length > 10) return false;
  return (key === '0' || (c !== 48 && /^[0-9]+$/.test(key))) && Number(key) < 4_294_967_295;
}

/**
 * True when members written in the order of `names` are in JSON.stringify's order for a plain
 * object filled by assignment: no name twice, and array-index names (if any) first, ascending.
 */
function inWrittenOrder(names: readonly string[]): boolean {
  let lastIndex = -1;
  let named = false;
  let seen: Set<string> | undefined;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (isArrayIndex(name)) {
      const n = Number(name);
      if (named || n <= lastIndex) return false;
      lastIndex = n;
    } else {
      named = true;
    }
    if (names.length > 8) {
      seen ??= new Set();
      if (seen.has(name)) return false;
      seen.add(name);
    } else {
      for (let j = 0; j < i; j++) if (names[j] === name) return false;
    }
  }
  return true;
}

/** Whether names can be written in order, and their total length. */
function orderOf(names: readonly string[]): { inOrder: boolean; chars: number } {
  let chars = 0;
  for (let i = 0; i < names.length; i++) chars += (names[i] as string).length;
  return { inOrder: inWrittenOrder(names), chars };
}

/**
 * The members of one JSON object as text, with JSON.stringify's semantics for a plain object
 * filled by assignment: a repeated key keeps its first position and takes the last value, and
 * array-index keys come first in numeric order. Used only for objects whose members cannot be
 * written in key order (see `inWrittenOrder`).
 */
class Members {
  private readonly keys: string[] = [];
  private readonly texts: string[] = [];
  /** Lookup for objects with many keys (a linear search is cheaper for a handful). */
  private index: Map<string, number> | undefined;
  private unusual = false;

  /** `quoted` is JSON.stringify(key) + ':' when the caller has it at hand. */
  set(key: string, json: string, quoted?: string): void {
    const keys = this.keys;
    const n = keys.length;
    let at = -1;
    if (this.index !== undefined) at = this.index.get(key) ?? -1;
    else if (n < 24) {
      for (let j = 0; j < n; j++) {
        if (keys[j] === key) {
          at = j;
          break;
        }
      }
    } else {
      this.index = new Map();
      for (let j = 0; j < n; j++) this.index.set(keys[j] as string, j);
      at = this.index.get(key) ?? -1;
    }
    const member = (quoted ?? `${quote(key)}:`) + json;
    if (at !== -1) {
      this.texts[at] = member;
      this.unusual = true;
      return;
    }
    keys.push(key);
    this.texts.push(member);
    this.index?.set(key, n);
    if (!this.unusual && isArrayIndex(key)) this.unusual = true;
  }

  /** `"a":1,"b":2` in JSON.stringify's order. */
  text(): string {
    if (!this.unusual) return this.texts.join(',');
    const order = this.keys.map((_, j) => j);
    const idx = order
      .filter((j) => isArrayIndex(this.keys[j] as string))
      .sort((a, b) => Number(this.keys[a]) - Number(this.keys[b]));
    const named = order.filter((j) => !isArrayIndex(this.keys[j] as string));
    return [...idx, ...named].map((j) => this.texts[j]).join(',');
  }
}

/**
 * Comma-separated JSON text built by appending. Throws RangeError("Invalid string length") where
 * the reference (a text per member, joined at the end) did: a single member too long to make
 * throws at once; members that are together too long throw at `end()`, after the walk has visited
 * (and noted) all of them. Below V8's string limit, which is always in practice, it is `s += …`.
 */
class Text {
  s: string;
  /** Length the text would have: may pass MAX_STRING_LENGTH, when `s` stops growing. */
  private length: number;
  private first = true;

  constructor(open: string) {
    this.s = open;
    this.length = open.length;
  }

  /** Appends `sep` (unless first) + `member` + `json`; `member + json` is one member's text. */
  add(member: string, json: string): void {
    const m = member.length + json.length;
    if (m > MAX_STRING_LENGTH) throw new RangeError('Invalid string length');
    const sep = this.first ? 0 : 1;
    this.length += sep + m;
    if (this.length <= MAX_STRING_LENGTH) this.s += sep === 0 ? member + json : `,${member}${json}`;
    this.first = false;
  }

  /** The text with `close` appended. */
  end(close: string): string {
    if (this.length + close.length > MAX_STRING_LENGTH) throw new RangeError('Invalid string length');
    return close === '' ? this.s : this.s + close;
  }
}

/** Code units JSON.stringify escapes: `"`, `\`, controls, and surrogates (only lone ones, in fact). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s), exactly. Most strings in an event need no escaping, and testing for that is
 * about twice as fast as calling JSON.stringify; anything that might need it goes to JSON.stringify.
 */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Strings up to this length whose JSON text is cached once they scanned clean. */
const CLEAN_TEXT_MAX_CHARS = 128;
/** Bound on cached clean texts (at most about 1 MiB). */
const CLEAN_TEXT_LIMIT = 4096;
/** Objects with more keys than this get a shape per event, not a cached one. */
const SHAPE_MAX_KEYS = 64;
/** Shapes whose names add up to more than this are not cached (hostile key names stay out of memory). */
const SHAPE_MAX_CHARS = 2048;
/** Bound on cached shapes (top-level and nested, each). */
const SHAPE_LIMIT = 1024;
/** Shapes kept per first key (orders with and without optional fields share the first key). */
const SHAPES_PER_FIRST_KEY = 8;

/** What one key position of an object's shape decides, worked out once per key list. */
interface Slot {
  /** The caller's key. */
  readonly raw: string;
  /** The member name written. */
  readonly name: string;
  /** `"<name>":` */
  readonly member: string;
  /** `"<name>":"`: a member text is this, a string that needs no escaping, and `"`. */
  readonly memberQ: string;
  /** The caller's key held a secret: its redaction is recorded before anything else of the slot. */
  readonly keyRedacted: boolean;
  readonly sensitive: boolean;
  /** A trade field: never altered. */
  readonly trade: boolean;
  /** Top level: `<name>: value could not be read`. Nested: `.<name>`, appended to the parent's path. */
  readonly note: string;
  /** Top level: the note a reserved name earns. */
  readonly reservedNote: string | undefined;
  /**
   * Top level: member texts (`"side":"BUY"`) by value, for the values this slot keeps seeing:
   * short strings that needed no redaction (or are trade fields) and finite numbers. Undefined
   * once the slot has seen too many distinct values (ids) to be worth it.
   */
  texts: Map<string | number, string> | undefined;
}

/** The slots of one key list, and whether members can be written in key order. */
interface Shape {
  readonly slots: readonly Slot[];
  readonly inOrder: boolean;
  /** Total length of the names. */
  readonly chars: number;
}

interface ShapeCache {
  map: Map<string, Shape[]>;
  size: number;
}

/** Per-redactor caches: key decisions depend on the redactor's rules, clean texts on its patterns. */
interface Caches {
  readonly top: ShapeCache;
  readonly nested: ShapeCache;
  topKeys: Map<string, TopKey>;
  clean: Map<string, string>;
  readonly censor: string;
  /** Member texts cached in the slots of top-level shapes (see rememberMember). */
  memberTexts: number;
}

const cachesByRedactor = new WeakMap<Redactor, Caches>();
let lastRedactor: Redactor | undefined;
let lastCaches: Caches | undefined;

function cachesOf(redactor: Redactor): Caches {
  if (redactor === lastRedactor) return lastCaches as Caches;
  let c = cachesByRedactor.get(redactor);
  if (c === undefined) {
    c = {
      top: { map: new Map(), size: 0 },
      nested: { map: new Map(), size: 0 },
      topKeys: new Map(),
      clean: new Map(),
      censor: quote(redactor.censor),
      memberTexts: 0,
    };
    cachesByRedactor.set(redactor, c);
  }
  lastRedactor = redactor;
  lastCaches = c;
  return c;
}

/** The cached shape of `keys[0..n)`, or undefined. */
function cachedShape(cache: ShapeCache, keys: readonly string[], n: number): Shape | undefined {
  if (n === 0 || n > SHAPE_MAX_KEYS) return undefined;
  const list = cache.map.get(keys[0] as string);
  if (list === undefined) return undefined;
  for (let s = 0; s < list.length; s++) {
    const shape = list[s] as Shape;
    const slots = shape.slots;
    if (slots.length !== n) continue;
    let j = 1;
    while (j < n && (slots[j] as Slot).raw === keys[j]) j++;
    if (j === n) return shape;
  }
  return undefined;
}

function rememberShape(cache: ShapeCache, shape: Shape): void {
  const n = shape.slots.length;
  if (n === 0 || n > SHAPE_MAX_KEYS || shape.chars > SHAPE_MAX_CHARS) return;
  if (cache.size >= SHAPE_LIMIT) {
    cache.map = new Map();
    cache.size = 0;
  }
  const first = (shape.slots[0] as Slot).raw;
  let list = cache.map.get(first);
  if (list === undefined) cache.map.set(first, (list = []));
  if (list.length >= SHAPES_PER_FIRST_KEY) list.shift();
  else cache.size++;
  list.push(shape);
}

/**
 * One walk over an event's fields. Every method returns the JSON text of the sanitised value (what
 * JSON.stringify would give for it), or undefined for a value JSON omits (`undefined`).
 */
class Walk {
  redacted: string[] | undefined;
  validation: string[] | undefined;
  private ancestors: unknown[] | undefined;
  /** Set by leafString when the string held a secret. */
  hit = false;

  constructor(
    private readonly redactor: Redactor,
    private readonly limits: Limits,
    private readonly caches: Caches,
  ) {}

  note(path: string, what: string): void {
    this.noted(`${path}: ${what}`);
  }

  /** Adds a note in its final form. (`[x]`, not `[]` and push: a pushed-to array gets room for 16.) */
  noted(note: string): void {
    if (this.validation === undefined) this.validation = [note];
    else this.validation.push(note);
  }

  redact(path: string): void {
    if (this.redacted === undefined) this.redacted = [path];
    else this.redacted.push(path);
  }

  /**
   * The JSON text of a string short enough to need no truncation (the caller checks the length);
   * sets `hit` when a secret was replaced (the caller records the path).
   */
  leafString(s: string, trade: boolean): string {
    if (trade) return quote(s);
    const clean = this.caches.clean;
    let text = clean.get(s);
    if (text !== undefined) return text;
    const r = this.redactor.redactString(s);
    if (r !== s) {
      this.hit = true;
      return quote(r);
    }
    text = quote(s);
    if (s.length <= CLEAN_TEXT_MAX_CHARS) {
      if (clean.size >= CLEAN_TEXT_LIMIT) this.caches.clean = new Map();
      this.caches.clean.set(s, text);
    }
    return text;
  }

  /**
   * A value's text when it is a string within bounds, a finite number, a boolean or null (no note,
   * no path needed unless a secret was replaced: then `hit` is set); else undefined.
   */
  private leaf(v: unknown, trade: boolean): string | undefined {
    switch (typeof v) {
      case 'string':
        return v.length <= this.limits.maxStringChars ? this.leafString(v, trade) : undefined;
      case 'number':
        return Number.isFinite(v) ? `${v}` : undefined;
      case 'boolean':
        return v ? 'true' : 'false';
      default:
        return v === null ? 'null' : undefined;
    }
  }

  /** Sanitises one value at `path` into JSON text. `trade` means a protected trade field: never altered. */
  value(v: unknown, path: string, depth: number, trade: boolean): string | undefined {
    switch (typeof v) {
      case 'string':
        return quote(this.string(v, path, trade));
      case 'number':
        if (Number.isFinite(v)) return `${v}`;
        this.note(path, `non-finite number ${String(v)} written as a string`);
        return `"${String(v)}"`;
      case 'boolean':
        return v ? 'true' : 'false';
      case 'bigint':
        return `"${v.toString()}"`;
      case 'undefined':
        return undefined;
      case 'symbol':
        this.note(path, 'symbol written as a string');
        return quote(this.string(v.toString(), path, trade));
      case 'function':
        this.note(path, 'function omitted');
        return '"[Function]"';
      default:
        return v === null ? 'null' : this.object(v as object, path, depth, trade);
    }
  }

  /** `value()` with the path made only if needed: `parent + suffix`. */
  valueAt(v: unknown, parent: string, suffix: string, depth: number, trade: boolean): string | undefined {
    const text = this.leaf(v, trade);
    if (text === undefined) return this.value(v, parent + suffix, depth, trade);
    if (this.hit) {
      this.hit = false;
      this.redact(parent + suffix);
    }
    return text;
  }

  string(s: string, path: string, trade: boolean): string {
    let out = s;
    if (out.length > this.limits.maxStringChars) {
      const cut = out.length - this.limits.maxStringChars;
      out = `${out.slice(0, this.limits.maxStringChars)}…[truncated ${cut} chars]`;
      this.note(path, `string of ${s.length} chars cut to ${this.limits.maxStringChars}`);
    }
    if (trade) return out;
    const r = this.redactor.redactString(out);
    if (r !== out) this.redact(path);
    return r;
  }

  object(o: object, path: string, depth: number, trade: boolean): string | undefined {
    if (depth >= this.limits.maxDepth) {
      this.note(path, `nesting deeper than ${this.limits.maxDepth} cut`);
      return '"[Depth limit]"';
    }
    const ancestors = (this.ancestors ??= []);
    if (ancestors.includes(o)) {
      this.note(path, 'circular reference');
      return '"[Circular]"';
    }
    try {
      if (o instanceof Date) {
        const t = o.getTime();
        if (Number.isNaN(t)) {
          this.note(path, 'invalid Date');
          return '"Invalid Date"';
        }
        return quote(o.toISOString());
      }
      if (o instanceof Error) {
        let text = `{"name":${quote(this.string(String(o.name), `${path}.name`, trade))}`;
        text += `,"message":${quote(this.string(String(o.message), `${path}.message`, trade))}`;
        const code = (o as { code?: unknown }).code;
        // The code is caller text like the message: scanned for secrets too.
        if (typeof code === 'string') text += `,"code":${quote(this.string(code, `${path}.code`, trade))}`;
        else if (typeof code === 'number' && Number.isFinite(code)) text += `,"code":${code}`;
        return `${text}}`;
      }
      if (ArrayBuffer.isView(o)) {
        // Never the bytes: a Buffer can hold a key, a FIX logon or a whole request, and base64
        // would carry it past every text rule. Its length and SHA-256 let an auditor match it
        // with a copy kept elsewhere.
        this.note(path, BINARY_NOTE);
        return binaryText(o);
      }
      ancestors.push(o);
      try {
        if (Array.isArray(o)) return this.array(o, path, depth);
        if (o instanceof Map)
          return this.entries(
            [...o.entries()].map(([k, val]) => [String(k), val]),
            path,
            depth,
          );
        if (o instanceof Set) return this.array([...o], path, depth);
        const toJSON = (o as { toJSON?: unknown }).toJSON;
        if (typeof toJSON === 'function') {
          // Decimal libraries and the like: their JSON form is what the caller means.
          return this.value((toJSON as () => unknown).call(o), path, depth + 1, trade);
        }
        return this.members(o as Record<string, unknown>, Object.keys(o), path, depth);
      } finally {
        ancestors.pop();
      }
    } catch {
      this.note(path, 'value could not be read');
      return '"[Unreadable]"';
    }
  }

  array(a: readonly unknown[], path: string, depth: number): string {
    const n = Math.min(a.length, this.limits.maxArrayItems);
    const out = new Text('[');
    for (let i = 0; i < n; i++) {
      let item: unknown;
      try {
        item = a[i];
      } catch {
        this.note(`${path}[${i}]`, 'value could not be read');
        out.add('', '"[Unreadable]"');
        continue;
      }
      // valueAt() inlined: the item's path is made only if needed.
      let text = this.leaf(item, false);
      if (text === undefined) text = this.value(item, `${path}[${i}]`, depth + 1, false) ?? 'null';
      else if (this.hit) {
        this.hit = false;
        this.redact(`${path}[${i}]`);
      }
      out.add('', text);
    }
    if (a.length > n) this.note(path, `array of ${a.length} items cut to ${n}`);
    return out.end(']');
  }

  /** The slots of a nested object's keys (the shape without the caching). */
  private nestedShape(keys: readonly string[], n: number): Shape {
    const slots: Slot[] = new Array(n);
    const names: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const raw = keys[i] as string;
      const safeKey = this.redactor.redactKey(raw);
      const keyRedacted = safeKey !== raw;
      // A secret used as a key: the key itself is redacted (and never used in a path).
      const name = keyRedacted ? `${safeKey}#${i}` : raw;
      names[i] = name;
      slots[i] = {
        raw,
        name,
        member: `${quote(name)}:`,
        memberQ: `${quote(name)}:"`,
        keyRedacted,
        sensitive: this.redactor.isSensitiveKey(name),
        trade: this.redactor.isProtectedKey(name),
        note: `.${name}`,
        reservedNote: undefined,
        texts: undefined,
      };
    }
    return { slots, ...orderOf(names) };
  }

  /** A nested plain object's members; values are read lazily (getters may throw). */
  members(source: Record<string, unknown>, keys: readonly string[], path: string, depth: number): string {
    const n = Math.min(keys.length, this.limits.maxObjectKeys);
    const cache = this.caches.nested;
    let shape = cachedShape(cache, keys, n);
    if (shape === undefined) {
      shape = this.nestedShape(keys, n);
      rememberShape(cache, shape);
    }
    const slots = shape.slots;
    const text = shape.inOrder ? new Text('{') : undefined;
    const out = text === undefined ? new Members() : undefined;
    for (let i = 0; i < n; i++) {
      const slot = slots[i] as Slot;
      if (slot.keyRedacted) this.redact(`${path}.<key>`);
      let v: unknown;
      try {
        v = source[slot.raw];
      } catch {
        this.note(path + slot.note, 'value could not be read');
        if (text !== undefined) text.add(slot.member, '"[Unreadable]"');
        else out?.set(slot.name, '"[Unreadable]"');
        continue;
      }
      let sv: string | undefined;
      if (slot.sensitive) {
        if (v === undefined) continue;
        sv = this.caches.censor;
        this.redact(path + slot.note);
      } else {
        sv = this.valueAt(v, path, slot.note, depth + 1, slot.trade);
        if (sv === undefined) continue;
      }
      if (text !== undefined) text.add(slot.member, sv);
      else out?.set(slot.name, sv);
    }
    if (keys.length > n) this.note(path, `object with ${keys.length} keys cut to ${n}`);
    return text !== undefined ? text.end('}') : `{${(out as Members).text()}}`;
  }

  /** Map entries (keys already strings). */
  entries(list: [string, unknown][], path: string, depth: number): string {
    const out = new Members();
    const n = Math.min(list.length, this.limits.maxObjectKeys);
    for (let i = 0; i < n; i++) {
      const entry = list[i] as [string, unknown];
      const rawKey = entry[0];
      let key = rawKey;
      const safeKey = this.redactor.redactKey(rawKey);
      if (safeKey !== rawKey) {
        // A secret used as a key: the key itself is redacted (and never used in a path).
        this.redact(`${path}.<key>`);
        key = `${safeKey}#${i}`;
      }
      const childPath = `${path}.${key}`;
      const v = entry[1];
      if (this.redactor.isSensitiveKey(key)) {
        if (v !== undefined) {
          out.set(key, this.caches.censor);
          this.redact(childPath);
        }
        continue;
      }
      const sv = this.value(v, childPath, depth + 1, this.redactor.isProtectedKey(key));
      if (sv !== undefined) out.set(key, sv);
    }
    if (list.length > n) this.note(path, `object with ${list.length} keys cut to ${n}`);
    return `{${out.text()}}`;
  }
}

/**
 * Prepares top-level fields: snake_case keys, reserved names renamed, values sanitised and redacted.
 * `fields` is anything the caller passed; a non-object is recorded under `value` with a note.
 */
export function prepareFields(fields: unknown, redactor: Redactor): PreparedFields {
  const parts = takeParts();
  const f = prepareInto(parts, fields, redactor);
  return { json: joinParts(parts), actor: f.actor, redacted: f.redacted, validation: f.validation };
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
 */
export function prepareBody(
  prefix: string,
  prefixNotes: readonly string[] | undefined,
  fields: unknown,
  redactor: Redactor,
  defaultActor: string | undefined,
  suffix: string,
): string {
  const parts = takeParts();
  parts.push(prefix);
  const f = prepareInto(parts, fields, redactor);
  const actor = f.actor ?? defaultActor;
  if (actor !== undefined)
    parts.push(`${ACTOR_MEMBER}${typeof actor === 'string' ? quote(actor) : JSON.stringify(actor)}`);
  if (f.redacted !== undefined) parts.push(`${REDACTED_MEMBER}${JSON.stringify(f.redacted)}`);
  const notes = prefixNotes ? [...prefixNotes, ...(f.validation ?? [])] : f.validation;
  if (notes !== undefined) parts.push(`${VALIDATION_MEMBER}${JSON.stringify(notes)}`);
  if (suffix.charCodeAt(0) === 44 /* , */) {
    parts.push(withoutComma(suffix));
    return joinParts(parts);
  }
  return joinParts(parts) + suffix;
}

let lastSuffix = '';
let lastSuffixCut = '';

/** `suffix` without its leading comma (the logger passes the same provenance every time). */
function withoutComma(suffix: string): string {
  if (suffix !== lastSuffix) {
    lastSuffixCut = suffix.slice(1);
    lastSuffix = suffix;
  }
  return lastSuffixCut;
}

/**
 * Pushes the fields' members onto `parts` (to be joined with commas), bounded as prepareFields
 * promises: a text over maxBodyChars is walked again with tighter bounds, and if still too large
 * kept as a cut JSON string.
 */
function prepareInto(parts: string[], fields: unknown, redactor: Redactor): Walked {
  const mark = parts.length;
  const one = walkInto(parts, fields, redactor, LIMITS);
  if (one.length <= LIMITS.maxBodyChars) return one;
  // The reference joined this text before looking at its length: beyond V8's limit, that threw.
  if (one.length > MAX_STRING_LENGTH) throw new RangeError('Invalid string length');
  parts.length = mark;
  const two = walkInto(parts, fields, redactor, TIGHT);
  const validation = [...(two.validation ?? []), `event: ${one.length} chars serialised; shrunk with tighter bounds`];
  if (two.length <= LIMITS.maxBodyChars) return { ...two, validation };
  // Still too large (e.g. very many top-level keys): keep a bounded prefix of the JSON as a string.
  const cut = parts.slice(mark).join(',').slice(0, 65_536);
  parts.length = mark;
  const member = `${JSON.stringify(OVERSIZE_FIELD)}:${JSON.stringify(cut)}`;
  parts.push(member);
  return {
    length: member.length,
    actor: two.actor,
    redacted: two.redacted,
    validation: [...validation, `event: still ${two.length} chars; fields kept as a cut JSON string`],
  };
}

/** What walking the fields gave, besides the member texts. */
interface Walked {
  /** Length of the fields' JSON text: the members and the commas between them. */
  readonly length: number;
  readonly actor: string | undefined;
  readonly redacted: string[] | undefined;
  readonly validation: string[] | undefined;
}

/** What a top-level key name decides, worked out once per name (and per redactor). */
interface TopKey {
  /** The snake_case name, after redaction of a secret-shaped name (then `#i` is appended per event). */
  readonly key: string;
  /** The name held a secret: written as `${key}#${i}`, with `<key>` recorded as redacted. */
  readonly keyRedacted: boolean;
  /** Decisions below are for names that did not hold a secret. */
  readonly reserved: boolean;
  /** The name written: `field_<key>` when reserved. */
  readonly name: string;
  readonly sensitive: boolean;
  readonly protectedKey: boolean;
}

const TOP_KEY_CACHE_LIMIT = 10_000;

function isReserved(key: string): boolean {
  return (
    RESERVED_FIELDS.has(key) ||
    (key.startsWith(RESERVED_PREFIX) && RESERVED_FIELDS.has(key.slice(RESERVED_PREFIX.length)))
  );
}

function topKey(raw: string, redactor: Redactor, caches: Caches): TopKey {
  let d = caches.topKeys.get(raw);
  if (d !== undefined) return d;
  const snake = toSnakeCase(raw);
  let safeKey = redactor.redactKey(snake);
  // A secret that snake_case would disguise: lower-cased (`SK…` → `sk…`) it no longer has its
  // shape, but its characters are still the secret. The key as given decides too.
  if (safeKey === snake && redactor.redactKey(raw) !== raw) safeKey = redactor.censor;
  const keyRedacted = safeKey !== snake;
  const reserved = !keyRedacted && isReserved(snake);
  const name = reserved ? RESERVED_PREFIX + snake : snake;
  d = {
    key: keyRedacted ? safeKey : snake,
    keyRedacted,
    reserved,
    name,
    sensitive: !keyRedacted && redactor.isSensitiveKey(name),
    protectedKey: !keyRedacted && redactor.isProtectedKey(name),
  };
  if (caches.topKeys.size >= TOP_KEY_CACHE_LIMIT) caches.topKeys = new Map();
  caches.topKeys.set(raw, d);
  return d;
}

/** The slots of a top-level key list: snake_case, reserved names, secrets in key names. */
function topShape(keys: readonly string[], n: number, redactor: Redactor, caches: Caches): Shape {
  const slots: Slot[] = new Array(n);
  const names: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const raw = keys[i] as string;
    const k = topKey(raw, redactor, caches);
    let slot: Slot;
    if (k.keyRedacted) {
      // A secret used as a key: the key itself is redacted (and never used in a path); decided
      // for this position's `${key}#${i}` name.
      const key = `${k.key}#${i}`;
      const reserved = isReserved(key);
      const name = reserved ? RESERVED_PREFIX + key : key;
      slot = {
        raw,
        name,
        member: `${quote(name)}:`,
        memberQ: `${quote(name)}:"`,
        keyRedacted: true,
        sensitive: redactor.isSensitiveKey(name),
        trade: redactor.isProtectedKey(name),
        note: `${name}: value could not be read`,
        reservedNote: reserved ? `${key}: reserved name; written as ${RESERVED_PREFIX}${key}` : undefined,
        texts: name.length <= SLOT_NAME_MAX_CHARS ? new Map() : undefined,
      };
    } else {
      slot = {
        raw,
        name: k.name,
        member: `${quote(k.name)}:`,
        memberQ: `${quote(k.name)}:"`,
        keyRedacted: false,
        sensitive: k.sensitive,
        trade: k.protectedKey,
        note: `${k.name}: value could not be read`,
        reservedNote: k.reserved ? `${k.key}: reserved name; written as ${RESERVED_PREFIX}${k.key}` : undefined,
        texts: k.name.length <= SLOT_NAME_MAX_CHARS ? new Map() : undefined,
      };
    }
    slots[i] = slot;
    names[i] = slot.name;
  }
  renameCollisions(slots, names);
  return { slots, ...orderOf(names) };
}

/**
 * Two keys that come out under one name (`orderId` and `order_id`, `Seq` and `seq`) would leave
 * only one value in the line. A key already written as given keeps its name; any other key whose
 * name is taken is written as `<name>#<i>` (i: its position among the fields) with a note, so no
 * value is dropped. Decided per key list, like the rest of the shape.
 */
export function collisionNames(raws: readonly string[], names: readonly string[]): (string | undefined)[] {
  const out: (string | undefined)[] = new Array(names.length).fill(undefined);
  let dup = false;
  for (let i = 0; i < names.length && !dup; i++) for (let j = 0; j < i; j++) if (names[i] === names[j]) dup = true;
  if (!dup) return out;
  const claimed = new Set<string>();
  for (let i = 0; i < names.length; i++) if (raws[i] === names[i]) claimed.add(names[i] as string);
  const used = new Set<string>();
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (used.has(name) || (raws[i] !== name && claimed.has(name))) {
      let alt = `${name}#${i}`;
      while (used.has(alt) || claimed.has(alt)) alt += '#';
      out[i] = alt;
      used.add(alt);
    } else used.add(name);
  }
  return out;
}

function renameCollisions(slots: Slot[], names: string[]): void {
  if (slots.length < 2) return;
  const alts = collisionNames(
    slots.map((s) => s.raw),
    names,
  );
  for (let i = 0; i < slots.length; i++) {
    const alt = alts[i];
    if (alt === undefined) continue;
    const s = slots[i] as Slot;
    // A secret used as a key is never echoed, here either.
    const why = `${s.keyRedacted ? '<key>' : s.raw}: written as ${alt}, as ${s.name} is taken by another field`;
    slots[i] = {
      ...s,
      name: alt,
      member: `${quote(alt)}:`,
      memberQ: `${quote(alt)}:"`,
      note: `${alt}: value could not be read`,
      reservedNote: s.reservedNote === undefined ? why : `${s.reservedNote}; ${why}`,
      texts: alt.length <= SLOT_NAME_MAX_CHARS ? new Map() : undefined,
    };
    names[i] = alt;
  }
}

/** Walks the fields, pushing one text per member onto `parts`. */
function walkInto(parts: string[], fields: unknown, redactor: Redactor, limits: Limits): Walked {
  const caches = cachesOf(redactor);
  const walk = new Walk(redactor, limits, caches);
  let actor: string | undefined;
  let length = 0;
  if (fields !== undefined && fields !== null) {
    if (typeof fields !== 'object' || Array.isArray(fields)) {
      walk.note(
        'fields',
        `expected an object, got ${Array.isArray(fields) ? 'an array' : typeof fields}; kept as "value"`,
      );
      const v = walk.value(fields, 'value', 1, false);
      if (v !== undefined) {
        const member = `"value":${v}`;
        parts.push(member);
        length = member.length;
      }
    } else {
      let keys: string[];
      try {
        keys = Object.keys(fields);
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
      const source = fields as Record<string, unknown>;
      for (let i = 0; i < n; i++) {
        const slot = slots[i] as Slot;
        if (slot.keyRedacted) walk.redact('<key>');
        let v: unknown;
        try {
          v = source[slot.raw];
        } catch {
          // Written under its final name: a reserved name is renamed even when unreadable.
          walk.noted(slot.note);
          if (out === undefined) parts.push(`${slot.member}"[Unreadable]"`);
          else out?.set(slot.name, '"[Unreadable]"', slot.member);
          continue;
        }
        if (v === undefined) continue;
        if (slot.reservedNote !== undefined) walk.noted(slot.reservedNote);
        if (slot.sensitive) {
          walk.redact(slot.name);
          if (out === undefined) parts.push(slot.member + caches.censor);
          else out?.set(slot.name, caches.censor, slot.member);
          continue;
        }
        if (out === undefined) {
          const texts = slot.texts;
          if (
            texts !== undefined &&
            (typeof v === 'number' || (typeof v === 'string' && v.length <= CLEAN_TEXT_MAX_CHARS))
          ) {
            // The values a slot keeps seeing: one lookup for the member text.
            let member = texts.get(v);
            if (member === undefined) {
              let sv: string;
              let cacheable = true;
              if (typeof v === 'string') {
                sv = walk.leafString(v, slot.trade);
                if (walk.hit) {
                  walk.hit = false;
                  walk.redact(slot.name);
                  cacheable = false;
                }
              } else if (Number.isFinite(v)) {
                sv = `${v}`;
              } else {
                sv = walk.value(v, slot.name, 1, slot.trade) as string;
                cacheable = false;
              }
              member = slot.member + sv;
              if (cacheable) rememberMember(caches, slot, v, member);
            }
            parts.push(member);
            continue;
          }
        }
        if (
          out === undefined &&
          slot.trade &&
          typeof v === 'string' &&
          v.length <= limits.maxStringChars &&
          !NEEDS_ESCAPE.test(v)
        ) {
          // A trade field's string (an id): `"name":"` + it + `"`, without a quoted copy first.
          parts.push(`${slot.memberQ}${v}"`);
          continue;
        }
        const sv = walk.valueAt(v, slot.name, '', 1, slot.trade);
        if (sv === undefined) continue;
        if (out === undefined) parts.push(slot.member + sv);
        else out?.set(slot.name, sv, slot.member);
      }
      if (keys.length > n) walk.note('fields', `${keys.length} fields cut to ${n}`);
      if (out === undefined) {
        for (let j = mark; j < parts.length; j++) length += (parts[j] as string).length;
        if (parts.length > mark) length += parts.length - mark - 1;
      } else {
        const json = out.text();
        if (json !== '') {
          parts.push(json);
          length = json.length;
        }
      }
    }
  }
  return { length, actor, redacted: walk.redacted, validation: walk.validation };
}

/** Member texts are cached only for names up to this long (a text holds its name). */
const SLOT_NAME_MAX_CHARS = 64;
/** Distinct values a slot caches member texts for; a slot that sees more (ids) stops caching. */
const SLOT_TEXTS_LIMIT = 256;
/** Bound on cached member texts over all slots (each at most ~200 chars): dropped together when reached. */
const MEMBER_TEXTS_LIMIT = 16_384;

function rememberMember(caches: Caches, slot: Slot, v: string | number, member: string): void {
  const texts = slot.texts as Map<string | number, string>;
  if (texts.size >= SLOT_TEXTS_LIMIT) {
    slot.texts = undefined;
    return;
  }
  if (caches.memberTexts >= MEMBER_TEXTS_LIMIT) {
    // The texts live in the slots of cached shapes: start over with new shapes.
    caches.top.map = new Map();
    caches.top.size = 0;
    caches.memberTexts = 0;
  }
  texts.set(v, member);
  caches.memberTexts++;
}

/** A reused array for the members of a top-level object (a new one when a walk is nested in a getter). */
let spareParts: string[] | undefined;

function takeParts(): string[] {
  const parts = spareParts ?? [];
  spareParts = undefined;
  return parts;
}

/**
 * The members joined by commas: one flat string, as JSON.stringify's order needs no moving here.
 * (Appending with `+=` instead leaves a tree of pieces that survives, and is copied by the
 * scavenger, while the event waits in the logger's buffer for the end of the turn.)
 */
function joinParts(parts: string[]): string {
  const json = parts.join(',');
  while (parts.length > 0) parts.pop();
  spareParts = parts;
  return json;
}
