/**
 * The reference serialiser for test/logger/serialize-equivalence.test.ts: src/logger/serialize.ts
 * as of commit a974b86 (`git show a974b86:src/logger/serialize.ts`), the straightforward
 * walk-and-join version, kept verbatim apart from this header, the import path and the export
 * names. The optimised serialiser must produce exactly what this produces, for every input.
 * Do not "fix" or optimise this file: it is the oracle. Changes of the redaction rules are the
 * exception, made here in the plainest form: values named by a name field (named-values.ts
 * `namedPlan`), [name, value] pair lists, and Map keys that are objects naming a secret.
 */
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
 */
import { createHash } from 'node:crypto';
import {
  genericMembers,
  flagNamesSecret,
  isPairList,
  keyObjectNamesSecret,
  namedPlan,
  namesSecret,
  namedHide,
  weakNameHides,
  isWeakName,
  type Redactor,
  withGeneric,
} from '../../src/redaction/index.js';

/** Bounds on one event. Documented in docs/FORMAT.md. */
const LIMITS = Object.freeze({
  maxDepth: 16,
  maxStringChars: 65_536,
  maxArrayItems: 10_000,
  maxObjectKeys: 1_000,
  /** A serialised body above this is shrunk with tighter bounds. */
  maxBodyChars: 1_048_576,
});

/** Envelope field names a caller's field may not take; such a field is written as `field_<name>`. */
const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  'ts',
  'iso_ts',
  'seq',
  'category',
  'event',
  'host',
  'pid',
  'prev',
  'late',
  'redacted',
  'validation',
  'actor',
]);

interface Limits {
  readonly maxDepth: number;
  readonly maxStringChars: number;
  readonly maxArrayItems: number;
  readonly maxObjectKeys: number;
}

const TIGHT: Limits = Object.freeze({ maxDepth: 8, maxStringChars: 4_096, maxArrayItems: 256, maxObjectKeys: 256 });

/** Result of preparing fields. */
export interface PreparedFieldsReference {
  /** Serialised fields without braces: `"a":1,"b":"x"` (empty string when none). */
  readonly json: string;
  /** The actor given in the fields (`actor`), if any. */
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
export function toSnakeCaseReference(key: string): string {
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
 * The members of one JSON object as text, with JSON.stringify's semantics for a plain object
 * filled by assignment: a repeated key keeps its first position and takes the last value, and
 * array-index keys come first in numeric order. Usually neither happens, and the text is simply
 * the members in order.
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

  /**
   * `"a":1,"b":2` in JSON.stringify's order. join() gives one flat string, where `+=` would leave a
   * tree of dozens of rope nodes per event for the garbage collector to copy while it waits in the
   * buffer, and to flatten when it is written.
   */
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

/** Code units JSON.stringify escapes: `"`, `\`, controls, and surrogates (only lone ones, in fact). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s), exactly. Most strings in an event need no escaping, and testing for that is
 * about twice as fast as calling JSON.stringify; anything that might need it goes to JSON.stringify.
 */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * One walk over an event's fields. Every method returns the JSON text of the sanitised value (what
 * JSON.stringify would give for it), or undefined for a value JSON omits (`undefined`).
 */
class Walk {
  redacted: string[] | undefined;
  validation: string[] | undefined;
  private ancestors: unknown[] | undefined;

  constructor(
    private readonly redactor: Redactor,
    private readonly limits: Limits,
  ) {}

  note(path: string, what: string): void {
    (this.validation ??= []).push(`${path}: ${what}`);
  }

  redact(path: string): void {
    (this.redacted ??= []).push(path);
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

  // Redacted whole, then cut (attack6 #5: cut first, a secret split by the cut was not recognised).
  string(s: string, path: string, trade: boolean): string {
    let out = s;
    if (!trade) {
      out = this.redactor.redactString(s);
      if (out !== s) this.redact(path);
    }
    if (out.length > this.limits.maxStringChars) {
      const cut = out.length - this.limits.maxStringChars;
      out = `${out.slice(0, this.limits.maxStringChars)}…[truncated ${cut} chars]`;
      this.note(path, `string of ${s.length} chars cut to ${this.limits.maxStringChars}`);
    }
    return out;
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
        this.note(path, 'binary data recorded as its length and SHA-256, not its bytes');
        const bytes = Buffer.from(o.buffer, o.byteOffset, o.byteLength);
        return JSON.stringify(
          `[binary: ${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}]`,
        );
      }
      ancestors.push(o);
      try {
        if (Array.isArray(o)) return this.array(o, path, depth);
        if (o instanceof Map)
          return this.entries(
            [...o.entries()].map(([k, val]) => [String(k), val, keyObjectNamesSecret(this.redactor, k)]),
            path,
            depth,
          );
        if (o instanceof Set) return this.array([...o], path, depth);
        const toJSON = (o as { toJSON?: unknown }).toJSON;
        if (typeof toJSON === 'function') {
          // Decimal libraries and the like: their JSON form is what the caller means.
          return this.value((toJSON as () => unknown).call(o), path, depth + 1, trade);
        }
        return this.entries(
          Object.keys(o).map((k) => [k, undefined] as [string, unknown]),
          path,
          depth,
          o,
        );
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
    const out = new Array<string>(n);
    const pairs = isPairList(this.redactor, a.length);
    let hideNext = false;
    let weakNext = false;
    for (let i = 0; i < n; i++) {
      const weak = weakNext;
      let hide = hideNext;
      hideNext = false;
      weakNext = false;
      let item: unknown;
      try {
        item = a[i];
      } catch {
        this.note(`${path}[${i}]`, 'value could not be read');
        out[i] = '"[Unreadable]"';
        continue;
      }
      if (hide && weak && !weakNameHides(item)) hide = false;
      if (hide) {
        if (item !== undefined) this.redact(`${path}[${i}]`);
        out[i] = item === undefined ? 'null' : quote(this.redactor.censor);
        continue;
      }
      const flag = flagNamesSecret(this.redactor, item);
      hideNext = flag || (pairs && i % 2 === 0 && namesSecret(this.redactor, item));
      weakNext = hideNext && !flag && isWeakName(item);
      out[i] = this.value(item, `${path}[${i}]`, depth + 1, false) ?? 'null';
    }
    if (a.length > n) this.note(path, `array of ${a.length} items cut to ${n}`);
    return `[${out.join(',')}]`;
  }

  /** Nested object (or Map) entries; `source` set means read values from it lazily (getters may throw). */
  entries(list: [string, unknown, boolean?][], path: string, depth: number, source?: object): string {
    const out = new Members();
    const n = Math.min(list.length, this.limits.maxObjectKeys);
    let hide: readonly boolean[] | undefined;
    if (source !== undefined) {
      const names = list.slice(0, n).map(([raw], i) => {
        const safe = this.redactor.redactKey(raw);
        return safe === raw ? raw : `${safe}#${i}`;
      });
      const plan = namedPlan(names);
      if (plan !== undefined) {
        const read = (j: number): unknown => (source as Record<string, unknown>)[(list[j] as [string, unknown])[0]];
        hide = namedHide(this.redactor, plan, read);
      }
      hide = withGeneric(hide, genericMembers(names, this.redactor), path, n, this.redactor);
    }
    for (let i = 0; i < n; i++) {
      const entry = list[i] as [string, unknown, boolean?];
      const rawKey = entry[0];
      let key = rawKey;
      const safeKey = this.redactor.redactKey(rawKey);
      if (safeKey !== rawKey) {
        // A secret used as a key: the key itself is redacted (and never used in a path).
        this.redact(`${path}.<key>`);
        key = `${safeKey}#${i}`;
      }
      const childPath = `${path}.${key}`;
      let v: unknown;
      try {
        v = source === undefined ? entry[1] : (source as Record<string, unknown>)[rawKey];
      } catch {
        this.note(childPath, 'value could not be read');
        out.set(key, '"[Unreadable]"');
        continue;
      }
      if (entry[2] === true || hide?.[i] === true || this.redactor.isSensitiveKey(key)) {
        if (v !== undefined) {
          out.set(key, quote(this.redactor.censor));
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
export function prepareFieldsReference(fields: unknown, redactor: Redactor): PreparedFieldsReference {
  const first = walkFields(fields, redactor, LIMITS);
  if (first.json.length <= LIMITS.maxBodyChars) return first;
  const second = walkFields(fields, redactor, TIGHT);
  const validation = [
    ...(second.validation ?? []),
    `event: ${first.json.length} chars serialised; shrunk with tighter bounds`,
  ];
  if (second.json.length <= LIMITS.maxBodyChars) return { ...second, validation };
  // Still too large (e.g. very many top-level keys): keep a bounded prefix of the JSON as a string.
  const cut = second.json.slice(0, 65_536);
  return {
    json: `"field_oversize":${JSON.stringify(cut)}`,
    actor: second.actor,
    redacted: second.redacted,
    validation: [...validation, `event: still ${second.json.length} chars; fields kept as a cut JSON string`],
  };
}

/**
 * What a top-level key name decides, worked out once per name (and per redactor): the hot path
 * of an event with the usual dozen fields is then one map lookup per field.
 */
interface TopKey {
  /** The snake_case name, after redaction of a secret-shaped name (then `#i` is appended per event). */
  readonly key: string;
  /** The name held a secret: written as `${key}#${i}`, with `<key>` recorded as redacted. */
  readonly keyRedacted: boolean;
  /** Decisions below are for names that did not hold a secret. */
  readonly reserved: boolean;
  /** The name written: `field_<key>` when reserved. */
  readonly name: string;
  /** `"<name>":` */
  readonly quoted: string;
  readonly sensitive: boolean;
  readonly protectedKey: boolean;
}

const TOP_KEY_CACHE_LIMIT = 10_000;
const topKeyCaches = new WeakMap<Redactor, { map: Map<string, TopKey> }>();

function isReserved(key: string): boolean {
  return RESERVED_FIELDS.has(key) || (key.startsWith('field_') && RESERVED_FIELDS.has(key.slice(6)));
}

function topKey(raw: string, redactor: Redactor, cache: { map: Map<string, TopKey> }): TopKey {
  let d = cache.map.get(raw);
  if (d !== undefined) return d;
  const snake = toSnakeCaseReference(raw);
  let safeKey = redactor.redactKey(snake);
  // A secret that snake_case would disguise (lower-cased, it no longer matches its shape).
  if (safeKey === snake && redactor.redactKey(raw) !== raw) safeKey = redactor.censor;
  const keyRedacted = safeKey !== snake;
  const reserved = !keyRedacted && isReserved(snake);
  const name = reserved ? `field_${snake}` : snake;
  d = {
    key: keyRedacted ? safeKey : snake,
    keyRedacted,
    reserved,
    name,
    quoted: `${JSON.stringify(name)}:`,
    sensitive: !keyRedacted && redactor.isSensitiveKey(name),
    protectedKey: !keyRedacted && redactor.isProtectedKey(name),
  };
  if (cache.map.size >= TOP_KEY_CACHE_LIMIT) cache.map = new Map();
  cache.map.set(raw, d);
  return d;
}

function walkFields(fields: unknown, redactor: Redactor, limits: Limits): PreparedFieldsReference {
  const walk = new Walk(redactor, limits);
  const out = new Members();
  let actor: string | undefined;
  if (fields !== undefined && fields !== null) {
    if (typeof fields !== 'object' || Array.isArray(fields)) {
      walk.note(
        'fields',
        `expected an object, got ${Array.isArray(fields) ? 'an array' : typeof fields}; kept as "value"`,
      );
      const v = walk.value(fields, 'value', 1, false);
      if (v !== undefined) out.set('value', v);
    } else {
      let keys: string[];
      try {
        keys = Object.keys(fields);
      } catch {
        keys = [];
        walk.note('fields', 'fields could not be read');
      }
      const n = Math.min(keys.length, limits.maxObjectKeys);
      let cache = topKeyCaches.get(redactor);
      if (cache === undefined) topKeyCaches.set(redactor, (cache = { map: new Map() }));
      const c = cache;
      // The name each key is written under, then renames where two keys meet on one name.
      const finals = keys.slice(0, n).map((raw, i) => {
        const k = topKey(raw, redactor, c);
        if (!k.keyRedacted) return k.name;
        const key = `${k.key}#${i}`;
        return isReserved(key) ? `field_${key}` : key;
      });
      const claimed = new Set(finals.filter((f, i) => f === keys[i]));
      const used = new Set<string>();
      const renamed = finals.map((f, i) => {
        if (!used.has(f) && (f === keys[i] || !claimed.has(f))) {
          used.add(f);
          return undefined;
        }
        let alt = `${f}#${i}`;
        while (used.has(alt) || claimed.has(alt)) alt += '#';
        used.add(alt);
        return alt;
      });
      const plan = namedPlan(finals.map((f, i) => renamed[i] ?? f));
      const hide =
        plan === undefined
          ? undefined
          : namedHide(redactor, plan, (j) => (fields as Record<string, unknown>)[keys[j] as string]);
      for (let i = 0; i < n; i++) {
        const raw = keys[i] as string;
        const k = topKey(raw, redactor, cache);
        const alt = renamed[i];
        if (alt !== undefined) {
          // Collision: written under `alt`, decided as for its own name, with one note.
          let note = `${k.keyRedacted ? '<key>' : raw}: written as ${alt}, as ${finals[i]} is taken by another field`;
          if (k.keyRedacted) walk.redact('<key>');
          let v: unknown;
          try {
            v = (fields as Record<string, unknown>)[raw];
          } catch {
            walk.note(alt, 'value could not be read');
            out.set(alt, '"[Unreadable]"');
            continue;
          }
          if (v === undefined) continue;
          const base = finals[i] as string;
          const reservedKey = k.keyRedacted
            ? base.startsWith('field_')
              ? base.slice(6)
              : undefined
            : k.reserved
              ? k.key
              : undefined;
          if (reservedKey !== undefined)
            note = `${reservedKey}: reserved name; written as field_${reservedKey}; ${note}`;
          (walk.validation ??= []).push(note);
          if (hide?.[i] === true || redactor.isSensitiveKey(base)) {
            out.set(alt, quote(redactor.censor));
            walk.redact(alt);
            continue;
          }
          const sv = walk.value(v, alt, 1, redactor.isProtectedKey(base));
          if (sv !== undefined) out.set(alt, sv);
          continue;
        }
        let key = k.key;
        if (k.keyRedacted) {
          // A secret used as a key: the key itself is redacted (and never used in a path).
          walk.redact('<key>');
          key = `${k.key}#${i}`;
        }
        let v: unknown;
        try {
          v = (fields as Record<string, unknown>)[raw];
        } catch {
          // Written under its final name: a reserved name is renamed even when unreadable.
          const name = k.keyRedacted ? (isReserved(key) ? `field_${key}` : key) : k.name;
          walk.note(name, 'value could not be read');
          out.set(name, '"[Unreadable]"');
          continue;
        }
        if (v === undefined) continue;
        if (k.keyRedacted) {
          // Rare: decide for this event's `${key}#${i}` name.
          if (isReserved(key)) {
            walk.note(key, `reserved name; written as field_${key}`);
            key = `field_${key}`;
          }
          if (hide?.[i] === true || redactor.isSensitiveKey(key)) {
            out.set(key, quote(redactor.censor));
            walk.redact(key);
            continue;
          }
          const sv = walk.value(v, key, 1, redactor.isProtectedKey(key));
          if (sv !== undefined) out.set(key, sv);
          continue;
        }
        if (k.reserved) walk.note(key, `reserved name; written as field_${key}`);
        key = k.name;
        if (k.sensitive || hide?.[i] === true) {
          out.set(key, quote(redactor.censor), k.quoted);
          walk.redact(key);
          continue;
        }
        const sv = walk.value(v, key, 1, k.protectedKey);
        if (sv !== undefined) out.set(key, sv, k.quoted);
      }
      if (keys.length > n) walk.note('fields', `${keys.length} fields cut to ${n}`);
    }
  }
  return { json: out.text(), actor, redacted: walk.redacted, validation: walk.validation };
}
