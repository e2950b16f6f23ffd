/**
 * Values from the log as text, without calling anything on them. A parsed value is data, but
 * `String(v)`, a template literal or `+ ''` still look up and call its `toString`/`valueOf`: an
 * object with a `"toString"` key (`{"toString":1}`, JSON.parse makes it an own property) has no
 * callable one and makes them throw, which crashed export, check and verify. These functions only
 * read `typeof`, prototypes and own properties, and never throw on a value JSON.parse can give.
 */

/**
 * The value as `String(v)` writes it, computed by type (identical where String can convert it, so
 * findings and carried state keep their text); a value String cannot convert (an object with its
 * own `toString` key, also inside a list, or one of no plain prototype) is written as bounded JSON
 * ({@link jsonShown}, at most `max` characters).
 */
export function textOf(v: unknown, max = 200): string {
  return stringLike(v) ?? jsonShown(v, max);
}

/** `String(x)` of a value that is no list, or undefined when String would throw. */
function scalarText(x: unknown): string | undefined {
  switch (typeof x) {
    case 'string':
      return x;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(x); // a primitive: nothing of the log's is called
    case 'object':
      if (x === null) return 'null';
      // Object.prototype.toString, unless an own "toString" (never callable from JSON) shadows it.
      return Object.getPrototypeOf(x) === Object.prototype && !Object.hasOwn(x, 'toString') && !hasSymbols(x)
        ? '[object Object]'
        : undefined;
    default:
      return undefined; // a symbol or a function: never from JSON
  }
}

function hasSymbols(x: object): boolean {
  return Object.getOwnPropertySymbols(x).length > 0;
}

/** A list String converts with Array.prototype.join: a plain array without own `join` or `toString`. */
function plainArray(x: unknown): x is readonly unknown[] {
  return (
    Array.isArray(x) &&
    Object.getPrototypeOf(x) === Array.prototype &&
    !Object.hasOwn(x, 'join') &&
    !Object.hasOwn(x, 'toString') &&
    !hasSymbols(x)
  );
}

/**
 * String(v) for what JSON.parse gives: a list is its items joined by "," (null and undefined as
 * nothing, a list inside flattened), iteratively. Undefined when String would throw.
 */
function stringLike(v: unknown): string | undefined {
  if (!Array.isArray(v)) return scalarText(v);
  if (!plainArray(v)) return undefined;
  const parts: string[] = [];
  const frames: [readonly unknown[], number][] = [[v, 0]];
  while (frames.length > 0) {
    const f = frames[frames.length - 1] as [readonly unknown[], number];
    const i = f[1];
    if (i >= f[0].length) {
      frames.pop();
      continue;
    }
    f[1] = i + 1;
    if (i > 0) parts.push(',');
    const x = f[0][i];
    if (x === null || x === undefined) continue;
    if (Array.isArray(x)) {
      if (!plainArray(x)) return undefined;
      frames.push([x, 0]);
      continue;
    }
    const t = scalarText(x);
    if (t === undefined) return undefined;
    parts.push(t);
  }
  return parts.join('');
}

/**
 * The value as JSON (`JSON.stringify(v)`, "undefined" for undefined), cut to `max` characters with
 * "…" after: the same text as `JSON.stringify(v).slice(0, max)`, but written iteratively and only
 * as far as needed (a line's megabyte of JSON is not written out for 40 characters of it).
 */
export function jsonShown(v: unknown, max = 40): string {
  const w = new BoundedJson(max);
  w.value(v, true);
  return w.text();
}

/** Writes JSON text up to one character past `max` (enough to know it is longer). */
class BoundedJson {
  private readonly parts: string[] = [];
  private length = 0;
  /** Containers being written: a list's items, or an object's keys, and the next index. */
  private readonly frames: { items: readonly unknown[]; keys: readonly string[] | null; obj: object; i: number }[] = [];

  constructor(private readonly max: number) {}

  private full(): boolean {
    return this.length > this.max;
  }

  private put(s: string): void {
    this.parts.push(s);
    this.length += s.length;
  }

  /** Writes `v` (`top`: undefined as "undefined", as `JSON.stringify(v) ?? String(v)` did). */
  value(v: unknown, top: boolean): void {
    this.one(v, top ? 'undefined' : 'null');
    while (this.frames.length > 0 && !this.full()) this.step();
  }

  /** A scalar written, or a container opened; `absent`: the text of a value JSON has none for. */
  private one(x: unknown, absent: string): void {
    if (typeof x === 'string') {
      // Enough of the string for the characters wanted: each character writes at least one.
      const room = this.max - this.length + 2;
      this.put(JSON.stringify(x.length > room ? x.slice(0, room) : x));
    } else if (typeof x === 'number') this.put(Number.isFinite(x) ? String(x) : 'null');
    else if (typeof x === 'boolean') this.put(x ? 'true' : 'false');
    else if (x === null) this.put('null');
    else if (Array.isArray(x)) {
      this.put('[');
      this.frames.push({ items: x, keys: null, obj: x, i: 0 });
    } else if (typeof x === 'object') {
      this.put('{');
      const keys = Object.keys(x).filter((k) => representable((x as Record<string, unknown>)[k]));
      this.frames.push({ items: [], keys, obj: x, i: 0 });
    } else this.put(absent); // undefined, a function, a symbol, a bigint: never from JSON
  }

  /** The next item of the innermost container, or its end. */
  private step(): void {
    const f = this.frames[this.frames.length - 1] as (typeof this.frames)[number];
    const n = f.keys === null ? f.items.length : f.keys.length;
    if (f.i >= n) {
      this.frames.pop();
      this.put(f.keys === null ? ']' : '}');
      return;
    }
    const i = f.i++;
    if (i > 0) this.put(',');
    if (f.keys === null) return this.one(f.items[i], 'null');
    const k = f.keys[i] as string;
    this.put(`${JSON.stringify(k.length > this.max ? k.slice(0, this.max + 2) : k)}:`);
    this.one((f.obj as Record<string, unknown>)[k], 'null');
  }

  text(): string {
    const t = this.parts.join('');
    return t.length > this.max ? `${t.slice(0, this.max)}…` : t;
  }
}

/** Whether JSON.stringify writes an object's property of this value (it leaves out the others). */
function representable(x: unknown): boolean {
  return x !== undefined && typeof x !== 'function' && typeof x !== 'symbol';
}
