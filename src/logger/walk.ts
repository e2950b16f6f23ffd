/**
 * The walk over one event's fields: every value becomes the JSON text JSON.stringify would give for
 * its sanitised form, redacted on the way, with what JSON cannot say converted and what would be
 * unbounded cut (each with a `validation` note), so that nothing a caller passes can throw.
 */
import {
  genericMembers,
  flagNamesSecret,
  isDerKeyByteArray,
  isPairList,
  isWeakName,
  KEY_ARRAY_MIN,
  keyObjectNamesSecret,
  namedHide,
  namedPlan,
  namesSecret,
  weakNameHides,
  type Redactor,
  withGeneric,
} from '../redaction/index.js';
import { DEFER_MIN_CHARS, type DeferredText, deferMark } from './deferred.js';
import { BINARY_NOTE, binaryText, Members, orderOf, quote, Text } from './json-text.js';
import {
  type Caches,
  CLEAN_TEXT_LIMIT,
  CLEAN_TEXT_MAX_CHARS,
  cachedShape,
  rememberShape,
  SECRET_HASH_LIMIT,
  type Shape,
  type Slot,
  textHash,
} from './shapes.js';

/** Bounds on one event. Documented in docs/FORMAT.md. */
export const LIMITS = Object.freeze({
  maxDepth: 16,
  maxStringChars: 65_536,
  maxArrayItems: 10_000,
  maxObjectKeys: 1_000,
  /** A serialised body above this is shrunk with tighter bounds. */
  maxBodyChars: 1_048_576,
});

/** The bounds a walk keeps to. */
export interface Limits {
  readonly maxDepth: number;
  readonly maxStringChars: number;
  readonly maxArrayItems: number;
  readonly maxObjectKeys: number;
}

/** The tighter bounds of a second walk over an event too large with LIMITS. */
export const TIGHT: Limits = Object.freeze({
  maxDepth: 8,
  maxStringChars: 4_096,
  maxArrayItems: 256,
  maxObjectKeys: 256,
});

/**
 * One walk over an event's fields. Every method returns the JSON text of the sanitised value (what
 * JSON.stringify would give for it), or undefined for a value JSON omits (`undefined`).
 */
export class Walk {
  redacted: string[] | undefined;
  validation: string[] | undefined;
  private ancestors: unknown[] | undefined;
  /** Set by leafString when the string held a secret (or was left for the writer to scan). */
  hit = false;
  /** Long strings left for the writer to scan (deferred.ts), when `defer` is on. */
  deferred: DeferredText | undefined;
  /** The `hit` is a deferred string's: its path goes with it, not into `redacted`. */
  private deferHit = false;
  /** Length of the fields' JSON text the walk gave (set by its caller, serialize.ts). */
  length = 0;
  /** The last deferred string's first unit: read to flatten it, and stored so that the read stays (deferString). */
  lastDeferredUnit = 0;

  constructor(
    private redactor: Redactor,
    private limits: Limits,
    private caches: Caches,
    private defer = false,
  ) {}

  /**
   * The walk made new for another event (one Walk serves every event of a thread: serialize.ts
   * takes it, and gives it back when done; an event walked from inside a walk, by a getter, gets
   * its own).
   */
  reset(redactor: Redactor, limits: Limits, caches: Caches, defer: boolean): this {
    this.redactor = redactor;
    this.limits = limits;
    this.caches = caches;
    this.defer = defer;
    this.redacted = undefined;
    this.validation = undefined;
    if (this.ancestors !== undefined) this.ancestors.length = 0;
    this.hit = false;
    this.deferred = undefined;
    this.deferHit = false;
    this.length = 0;
    return this;
  }

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
   * `hit` was set: records the path as redacted (or, for a deferred string, as the path its scan
   * reports) and clears it.
   */
  hitAt(path: string): void {
    this.hit = false;
    if (!this.deferHit) this.redact(path);
    else {
      this.deferHit = false;
      (this.deferred as DeferredText).paths.push(path);
    }
  }

  /**
   * The JSON text of a string short enough to need no truncation (the caller checks the length);
   * sets `hit` when a secret was replaced or the string was deferred (the caller calls hitAt).
   */
  leafString(s: string, trade: boolean): string {
    if (trade) return quote(s);
    if (this.defer && s.length >= DEFER_MIN_CHARS) return this.deferString(s);
    const caches = this.caches;
    const clean = caches.clean;
    let text = clean.get(s);
    if (text !== undefined) return text;
    // A short string that held a secret before (the same reason text with a token, call after
    // call) is never cached as clean: with a writer thread, its scan is the writer's.
    const secrets = caches.secretHashes;
    if (this.defer && secrets.size > 0 && s.length <= CLEAN_TEXT_MAX_CHARS && secrets.has(textHash(s)))
      return this.deferString(s);
    const redactor = this.redactor;
    const r = redactor.redactString(s);
    if (r !== s) {
      this.hit = true;
      if (this.defer && s.length <= CLEAN_TEXT_MAX_CHARS) {
        if (secrets.size >= SECRET_HASH_LIMIT) secrets.clear();
        secrets.add(textHash(s));
      }
      return quote(r);
    }
    // The redactor's scan already looked at every character: no second pass for the escape test.
    text = redactor.lastJsonPlain === true ? `"${s}"` : quote(s);
    if (s.length <= CLEAN_TEXT_MAX_CHARS) {
      if (clean.size >= CLEAN_TEXT_LIMIT) this.caches.clean = new Map();
      this.caches.clean.set(s, text);
    }
    return text;
  }

  /** Leaves `s` for the writer to scan: its marker now, the string and its place with the event. */
  private deferString(s: string): string {
    let d = this.deferred;
    if (d === undefined) this.deferred = d = { texts: [], paths: [], at: [], redacted: undefined, chars: 0 };
    d.at.push(this.redacted === undefined ? 0 : this.redacted.length);
    // Reading a unit makes V8 flatten a string built by concatenation, in place: the logger holds a
    // deferred string until the writer thread has written its event, and such a string's tree of
    // pieces is many times its text (a 1.3 KB note of 200 words: 11 KB of objects), which every
    // young-generation collection in that time copies. The hand-over flattens it anyway.
    this.lastDeferredUnit = s.charCodeAt(0);
    d.texts.push(s);
    d.chars += s.length;
    this.hit = true;
    this.deferHit = true;
    return deferMark(d.texts.length - 1);
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
        return this.quotedString(v, path, trade);
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
    if (this.hit) this.hitAt(parent + suffix);
    return text;
  }

  /**
   * `s` redacted, then cut to `maxStringChars`. Redacted whole before the cut (attack6 #5): a secret
   * the cut would split (a URL's password before its '@', a token's tail) is recognised only in the
   * whole text, and a prefix of redacted text holds no secret. Strings within the bound (the hot
   * path, leafString) never come here with a cut to make.
   */
  string(s: string, path: string, trade: boolean): string {
    let out = s;
    if (!trade) {
      out = this.redactor.redactString(s);
      if (out !== s) this.redact(path);
    }
    const max = this.limits.maxStringChars;
    if (out.length > max) {
      out = `${out.slice(0, max)}…[truncated ${out.length - max} chars]`;
      this.note(path, `string of ${s.length} chars cut to ${max}`);
    }
    return out;
  }

  /** The JSON text of a string value, redacted and cut as `string()` does. */
  quotedString(s: string, path: string, trade: boolean): string {
    const out = this.string(s, path, trade);
    // The redactor's answer is about `s`: it holds for `out` only when string() returned `s` itself
    // (not a trade field, nothing replaced, nothing cut).
    return !trade && out === s && this.redactor.lastJsonPlain === true ? `"${out}"` : quote(out);
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
        let text = `{"name":${this.quotedString(String(o.name), `${path}.name`, trade)}`;
        text += `,"message":${this.quotedString(String(o.message), `${path}.message`, trade)}`;
        const code = (o as { code?: unknown }).code;
        // The code is caller text like the message: scanned for secrets too.
        if (typeof code === 'string') text += `,"code":${this.quotedString(code, `${path}.code`, trade)}`;
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
    // A DER private key as a number array (`Array.from(der)`, rules 20): only an array of 40 or
    // more whose first item is 48 is looked at, so ordinary arrays cost two reads.
    if (a.length >= KEY_ARRAY_MIN && a[0] === 48 && this.redactor.enabled && isDerKeyByteArray(a)) {
      this.redact(path);
      return this.caches.censor;
    }
    const n = Math.min(a.length, this.limits.maxArrayItems);
    const out = new Text('[');
    // [name, value] pairs and argv flags: the item after one that names a secret goes (see named-values).
    const pairs = isPairList(this.redactor, a.length);
    let hideNext = false;
    let weakNext = false;
    for (let i = 0; i < n; i++) {
      let hide = hideNext;
      const weak = weakNext;
      hideNext = false;
      weakNext = false;
      let item: unknown;
      try {
        item = a[i];
      } catch {
        this.note(`${path}[${i}]`, 'value could not be read');
        out.add('', '"[Unreadable]"');
        continue;
      }
      // After a weak name alone (`['pass', 'reject']`) only a value that reads as a secret goes.
      if (hide && weak && !weakNameHides(item)) hide = false;
      if (hide) {
        if (item !== undefined) this.redact(`${path}[${i}]`);
        out.add('', item === undefined ? 'null' : this.caches.censor);
        continue;
      }
      // An argv flag naming a secret (`'--password', X`) hides the next item in a list of any length.
      const flag = flagNamesSecret(this.redactor, item);
      hideNext = flag || (pairs && (i & 1) === 0 && namesSecret(this.redactor, item));
      weakNext = hideNext && !flag && isWeakName(item);
      // valueAt() inlined: the item's path is made only if needed.
      let text = this.leaf(item, false);
      if (text === undefined) text = this.value(item, `${path}[${i}]`, depth + 1, false) ?? 'null';
      else if (this.hit) this.hitAt(`${path}[${i}]`);
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
        commaMember: `,${quote(name)}:`,
        commaMemberQ: `,${quote(name)}:"`,
        keyRedacted,
        sensitive: this.redactor.isSensitiveKey(name),
        trade: this.redactor.isProtectedKey(name),
        note: `.${name}`,
        reservedNote: undefined,
        texts: undefined,
      };
    }
    return { slots, ...orderOf(names), named: namedPlan(names), generic: genericMembers(names, this.redactor) };
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
    // `{ name: 'Authorization', value: … }`, `{ key: 'db.password', old_value: … }`: the value goes.
    const named = shape.named;
    let hide = named === undefined ? undefined : namedHide(this.redactor, named, (j) => source[(slots[j] as Slot).raw]);
    // `binance: { key: … }`: a generic name under a parent that makes it a credential.
    if (shape.generic !== undefined) hide = withGeneric(hide, shape.generic, path, n, this.redactor);
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
      if (slot.sensitive || hide?.[i] === true) {
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

  /** Map entries (keys already strings; the third item: an object key that names a secret). */
  entries(list: [string, unknown, boolean][], path: string, depth: number): string {
    const out = new Members();
    const n = Math.min(list.length, this.limits.maxObjectKeys);
    for (let i = 0; i < n; i++) {
      const entry = list[i] as [string, unknown, boolean];
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
      if (entry[2] || this.redactor.isSensitiveKey(key)) {
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
