/**
 * Turns a caller's fields into the JSON body of a line, in one walk that also redacts.
 *
 * The walk builds a new object (the caller's is never mutated), converts what JSON cannot say
 * (bigint, Date, Error, Map, Set, typed arrays, circular references) and bounds what would be
 * unbounded (depth, string length, array length, key count). It never throws: whatever goes wrong
 * with a value becomes a `validation` note on the line. Redaction happens here, before the line is
 * serialised, written or hashed.
 */
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

/** Envelope field names a caller's field may not take; such a field is written as `field_<name>`. */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set([
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
]);

interface Limits {
  readonly maxDepth: number;
  readonly maxStringChars: number;
  readonly maxArrayItems: number;
  readonly maxObjectKeys: number;
}

const TIGHT: Limits = Object.freeze({ maxDepth: 8, maxStringChars: 4_096, maxArrayItems: 256, maxObjectKeys: 256 });

/** Result of preparing fields. */
export interface PreparedFields {
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

class Walk {
  redacted: string[] | undefined;
  validation: string[] | undefined;
  private ancestors: unknown[] = [];

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

  /** Sanitises one value at `path`. `trade` means a protected trade field: never altered. */
  value(v: unknown, path: string, depth: number, trade: boolean): unknown {
    switch (typeof v) {
      case 'string':
        return this.string(v, path, trade);
      case 'number':
        if (Number.isFinite(v)) return v;
        this.note(path, `non-finite number ${String(v)} written as a string`);
        return String(v);
      case 'boolean':
        return v;
      case 'bigint':
        return v.toString();
      case 'undefined':
        return undefined;
      case 'symbol':
        this.note(path, 'symbol written as a string');
        return this.string(v.toString(), path, trade);
      case 'function':
        this.note(path, 'function omitted');
        return '[Function]';
      default:
        return v === null ? null : this.object(v as object, path, depth, trade);
    }
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

  object(o: object, path: string, depth: number, trade: boolean): unknown {
    if (depth >= this.limits.maxDepth) {
      this.note(path, `nesting deeper than ${this.limits.maxDepth} cut`);
      return '[Depth limit]';
    }
    if (this.ancestors.includes(o)) {
      this.note(path, 'circular reference');
      return '[Circular]';
    }
    try {
      if (o instanceof Date) {
        const t = o.getTime();
        if (Number.isNaN(t)) {
          this.note(path, 'invalid Date');
          return 'Invalid Date';
        }
        return o.toISOString();
      }
      if (o instanceof Error) {
        const out: Record<string, unknown> = { name: this.string(String(o.name), `${path}.name`, trade), message: this.string(String(o.message), `${path}.message`, trade) };
        const code = (o as { code?: unknown }).code;
        if (typeof code === 'string' || typeof code === 'number') out.code = code;
        return out;
      }
      if (ArrayBuffer.isView(o)) {
        this.note(path, 'binary data written as base64');
        const bytes = Buffer.from(o.buffer, o.byteOffset, Math.min(o.byteLength, this.limits.maxStringChars));
        return this.string(bytes.toString('base64'), path, trade);
      }
      this.ancestors.push(o);
      try {
        if (Array.isArray(o)) return this.array(o, path, depth);
        if (o instanceof Map) return this.entries([...o.entries()].map(([k, val]) => [String(k), val]), path, depth);
        if (o instanceof Set) return this.array([...o], path, depth);
        const toJSON = (o as { toJSON?: unknown }).toJSON;
        if (typeof toJSON === 'function') {
          // Decimal libraries and the like: their JSON form is what the caller means.
          return this.value((toJSON as () => unknown).call(o), path, depth + 1, trade);
        }
        return this.entries(Object.keys(o).map((k) => [k, undefined] as [string, unknown]), path, depth, o);
      } finally {
        this.ancestors.pop();
      }
    } catch {
      this.note(path, 'value could not be read');
      return '[Unreadable]';
    }
  }

  array(a: readonly unknown[], path: string, depth: number): unknown[] {
    const n = Math.min(a.length, this.limits.maxArrayItems);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      let item: unknown;
      try {
        item = a[i];
      } catch {
        this.note(`${path}[${i}]`, 'value could not be read');
        out[i] = '[Unreadable]';
        continue;
      }
      const v = this.value(item, `${path}[${i}]`, depth + 1, false);
      out[i] = v === undefined ? null : v;
    }
    if (a.length > n) this.note(path, `array of ${a.length} items cut to ${n}`);
    return out;
  }

  /** Nested object (or Map) entries; `source` set means read values from it lazily (getters may throw). */
  entries(list: [string, unknown][], path: string, depth: number, source?: object): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null);
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
      let v: unknown;
      try {
        v = source === undefined ? entry[1] : (source as Record<string, unknown>)[rawKey];
      } catch {
        this.note(childPath, 'value could not be read');
        out[key] = '[Unreadable]';
        continue;
      }
      if (this.redactor.isSensitiveKey(key)) {
        if (v !== undefined) {
          out[key] = this.redactor.censor;
          this.redact(childPath);
        }
        continue;
      }
      const sv = this.value(v, childPath, depth + 1, this.redactor.isProtectedKey(key));
      if (sv !== undefined) out[key] = sv;
    }
    if (list.length > n) this.note(path, `object with ${list.length} keys cut to ${n}`);
    return out;
  }
}

/**
 * Prepares top-level fields: snake_case keys, reserved names renamed, values sanitised and redacted.
 * `fields` is anything the caller passed; a non-object is recorded under `value` with a note.
 */
export function prepareFields(fields: unknown, redactor: Redactor): PreparedFields {
  const first = walkFields(fields, redactor, LIMITS);
  if (first.json.length <= LIMITS.maxBodyChars) return first;
  const second = walkFields(fields, redactor, TIGHT);
  const validation = [...(second.validation ?? []), `event: ${first.json.length} chars serialised; shrunk with tighter bounds`];
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

function walkFields(fields: unknown, redactor: Redactor, limits: Limits): PreparedFields {
  const walk = new Walk(redactor, limits);
  const out: Record<string, unknown> = Object.create(null);
  let actor: string | undefined;
  if (fields !== undefined && fields !== null) {
    if (typeof fields !== 'object' || Array.isArray(fields)) {
      walk.note('fields', `expected an object, got ${Array.isArray(fields) ? 'an array' : typeof fields}; kept as "value"`);
      const v = walk.value(fields, 'value', 1, false);
      if (v !== undefined) out.value = v;
    } else {
      let keys: string[];
      try {
        keys = Object.keys(fields);
      } catch {
        keys = [];
        walk.note('fields', 'fields could not be read');
      }
      const n = Math.min(keys.length, limits.maxObjectKeys);
      for (let i = 0; i < n; i++) {
        const raw = keys[i] as string;
        let key = toSnakeCase(raw);
        const safeKey = redactor.redactKey(key);
        if (safeKey !== key) {
          // A secret used as a key: the key itself is redacted (and never used in a path).
          walk.redact('<key>');
          key = `${safeKey}#${i}`;
        }
        let v: unknown;
        try {
          v = (fields as Record<string, unknown>)[raw];
        } catch {
          walk.note(key, 'value could not be read');
          out[key] = '[Unreadable]';
          continue;
        }
        if (v === undefined) continue;
        if (key === 'actor' && typeof v === 'string') {
          actor = walk.string(v, 'actor', false);
          continue;
        }
        if (RESERVED_FIELDS.has(key) || key.startsWith('field_') && RESERVED_FIELDS.has(key.slice(6))) {
          walk.note(key, `reserved name; written as field_${key}`);
          key = `field_${key}`;
        }
        if (redactor.isSensitiveKey(key)) {
          out[key] = redactor.censor;
          walk.redact(key);
          continue;
        }
        const sv = walk.value(v, key, 1, redactor.isProtectedKey(key));
        if (sv !== undefined) out[key] = sv;
      }
      if (keys.length > n) walk.note('fields', `${keys.length} fields cut to ${n}`);
    }
  }
  const s = JSON.stringify(out);
  return { json: s.length > 2 ? s.slice(1, -1) : '', actor, redacted: walk.redacted, validation: walk.validation };
}
