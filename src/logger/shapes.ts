/**
 * What a key list decides, worked out once and cached (the same dozen keys arrive millions of
 * times): per key position the member name with its quotes, the notes it earns, whether it is
 * sensitive or a trade field, and whether the members can be written in key order at all
 * (docs/FORMAT.md: snake_case names, reserved names as `field_<name>`, secrets in key names,
 * names that collide). The caches are per redactor, since the decisions depend on its rules.
 */
import { RESERVED_FIELDS, RESERVED_PREFIX } from '../format/log-line.js';
import { type NamedPlan, namedPlan, type Redactor } from '../redaction/index.js';
import { orderOf, quote } from './json-text.js';

/** Strings up to this length whose JSON text is cached once they scanned clean. */
export const CLEAN_TEXT_MAX_CHARS = 128;
/** Bound on cached clean texts (at most about 1 MiB). */
export const CLEAN_TEXT_LIMIT = 4096;
/** Bound on remembered hashes of strings that held a secret (Caches.secretHashes). */
export const SECRET_HASH_LIMIT = 4096;
/** Objects with more keys than this get a shape per event, not a cached one. */
export const SHAPE_MAX_KEYS = 64;
/** Shapes whose names add up to more than this are not cached (hostile key names stay out of memory). */
const SHAPE_MAX_CHARS = 2048;
/** Bound on cached shapes (top-level and nested, each). */
const SHAPE_LIMIT = 1024;
/**
 * Shapes kept per first key (orders with and without optional fields share the first key). An
 * app's events often start with the same key (`orderId`: the bench's varied mix has nine such key
 * lists); with 8 kept, the oldest was dropped and rebuilt on about 4% of its calls, each rebuild
 * starting its member texts afresh. A lookup compares the slot count first, so a longer list costs
 * little; SHAPE_LIMIT still bounds the total.
 */
const SHAPES_PER_FIRST_KEY = 32;

/** What one key position of an object's shape decides, worked out once per key list. */
export interface Slot {
  /** The caller's key. */
  readonly raw: string;
  /** The member name written. */
  readonly name: string;
  /** `"<name>":` */
  readonly member: string;
  /** `,"<name>":`: the member after another (serialize.ts pushes each top-level member after a comma). */
  readonly commaMember: string;
  /** `,"<name>":"`: a trade id's member after another is this, the id (no escaping needed) and `"`. */
  readonly commaMemberQ: string;
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
   * Top level: member texts after their comma (`,"side":"BUY"`) by value, for the values this slot keeps seeing:
   * short strings that needed no redaction (or are trade fields) and finite numbers. Undefined
   * once the slot has seen too many distinct values (ids) to be worth it.
   */
  texts: Map<string | number, string> | undefined;
}

/** The slots of one key list, and whether members can be written in key order. */
export interface Shape {
  readonly slots: readonly Slot[];
  readonly inOrder: boolean;
  /** Total length of the names. */
  readonly chars: number;
  /** Members that name a setting and members holding its value (`{ key, old_value }`): see named-values. */
  readonly named: NamedPlan | undefined;
  /** Nested objects: members named `key`/`keys` whose parent's name can make them a credential. */
  readonly generic?: readonly number[] | undefined;
}

export interface ShapeCache {
  map: Map<string, Shape[]>;
  size: number;
}

/** Per-redactor caches: key decisions depend on the redactor's rules, clean texts on its patterns. */
export interface Caches {
  readonly top: ShapeCache;
  readonly nested: ShapeCache;
  topKeys: Map<string, TopKey>;
  clean: Map<string, string>;
  /**
   * Hashes (textHash) of short strings whose scan replaced something: a deferring walk leaves
   * such a string to the writer without scanning it again (walk.ts leafString). Hashes, not the
   * strings: no secret is kept alive here. A collision only defers a clean string, which the
   * writer's scan finishes to the same text.
   */
  secretHashes: Set<number>;
  readonly censor: string;
  /** Member texts cached in the slots of top-level shapes (see rememberMember). */
  memberTexts: number;
}

const cachesByRedactor = new WeakMap<Redactor, Caches>();
let lastRedactor: Redactor | undefined;
let lastCaches: Caches | undefined;

export function cachesOf(redactor: Redactor): Caches {
  if (redactor === lastRedactor) return lastCaches as Caches;
  let c = cachesByRedactor.get(redactor);
  if (c === undefined) {
    c = {
      top: { map: new Map(), size: 0 },
      nested: { map: new Map(), size: 0 },
      topKeys: new Map(),
      clean: new Map(),
      secretHashes: new Set(),
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
export function cachedShape(cache: ShapeCache, keys: readonly string[], n: number): Shape | undefined {
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

export function rememberShape(cache: ShapeCache, shape: Shape): void {
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
export function topShape(keys: readonly string[], n: number, redactor: Redactor, caches: Caches): Shape {
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
        commaMember: `,${quote(name)}:`,
        commaMemberQ: `,${quote(name)}:"`,
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
        commaMember: `,${quote(k.name)}:`,
        commaMemberQ: `,${quote(k.name)}:"`,
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
  return { slots, ...orderOf(names), named: namedPlan(names) };
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
      commaMember: `,${quote(alt)}:`,
      commaMemberQ: `,${quote(alt)}:"`,
      note: `${alt}: value could not be read`,
      reservedNote: s.reservedNote === undefined ? why : `${s.reservedNote}; ${why}`,
      texts: alt.length <= SLOT_NAME_MAX_CHARS ? new Map() : undefined,
    };
    names[i] = alt;
  }
}

/** Member texts are cached only for names up to this long (a text holds its name). */
const SLOT_NAME_MAX_CHARS = 64;
/** Distinct values a slot caches member texts for; a slot that sees more (ids) stops caching. */
const SLOT_TEXTS_LIMIT = 256;
/** Bound on cached member texts over all slots (each at most ~200 chars): dropped together when reached. */
const MEMBER_TEXTS_LIMIT = 16_384;

export function rememberMember(caches: Caches, slot: Slot, v: string | number, member: string): void {
  const texts = slot.texts as Map<string | number, string>;
  if (texts.size >= SLOT_TEXTS_LIMIT) {
    // Its texts go with the map: they no longer count against MEMBER_TEXTS_LIMIT. (Counted, each
    // slot of ids added 256 for good, and the limit then dropped every shape every few thousand
    // events, to learn the same texts again.)
    caches.memberTexts = Math.max(0, caches.memberTexts - texts.size);
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

/** A 32-bit hash of `s` (FNV-1a over its UTF-16 code units). */
export function textHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
