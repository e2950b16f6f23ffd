/**
 * An exact JSON validator over a line's bytes that also records where each top-level entry of
 * an object lies, so the export can copy values byte for byte without building objects.
 *
 * Why not JSON.parse: on a 1,000,000-event day `toString` + `JSON.parse` alone cost about
 * 2.2 µs a line, most of the time budget (export must stay within 3× of `sha256sum`), and the numbers it
 * returns are no longer the log's text (`1.10050` becomes 1.1005). This scanner accepts exactly
 * what JSON.parse accepts (RFC 8259; property-tested against JSON.parse in
 * test/json/line-scanner.test.ts) and allocates nothing per line. The input must already be valid
 * UTF-8 (the caller checks with `isUtf8`), so bytes ≥ 0x80 inside strings need no look.
 */

import { hasEscapeOrControl } from './plain-bytes.js';

/** Kinds of values (plain numbers: const enums do not survive per-file transpilers such as tsx). */
export const Kind = Object.freeze({ String: 1, Number: 2, Object: 3, Array: 4, True: 5, False: 6, Null: 7 } as const);
export type Kind = (typeof Kind)[keyof typeof Kind];

/** Ints an entry takes in EntryTable.writeTo's array: four offsets, then kind and escape flags. */
const ENTRY_INTS = 5;

/** Where the top-level entries of the last scanned object line lie. Reused across lines. */
export class EntryTable {
  count = 0;
  /** Offset of the key's opening quote. */
  keyStart: Int32Array = new Int32Array(64);
  /** Offset just past the key's closing quote. */
  keyEnd: Int32Array = new Int32Array(64);
  valueStart: Int32Array = new Int32Array(64);
  valueEnd: Int32Array = new Int32Array(64);
  kind: Uint8Array = new Uint8Array(64);
  /** 1 when the key or value (a string) holds a backslash escape. */
  keyEscaped: Uint8Array = new Uint8Array(64);
  valueEscaped: Uint8Array = new Uint8Array(64);

  push(ks: number, ke: number, kesc: number, vs: number, ve: number, kind: Kind, vesc: number): void {
    const i = this.count;
    if (i === this.keyStart.length) this.grow();
    this.keyStart[i] = ks;
    this.keyEnd[i] = ke;
    this.keyEscaped[i] = kesc;
    this.valueStart[i] = vs;
    this.valueEnd[i] = ve;
    this.kind[i] = kind;
    this.valueEscaped[i] = vesc;
    this.count = i + 1;
  }

  /** Ints that `count` entries take in an array written by writeTo (a count, then ENTRY_INTS each). */
  static intsFor(count: number): number {
    return 1 + ENTRY_INTS * count;
  }

  /**
   * Writes the entries into `to` at `at`, every offset moved by `shift` (the line copied elsewhere),
   * so that another table (another thread's) can take them with readFrom instead of scanning the
   * line again. Returns the index just past them.
   */
  writeTo(to: Int32Array, at: number, shift: number): number {
    const n = this.count;
    to[at++] = n;
    for (let i = 0; i < n; i++) {
      to[at] = (this.keyStart[i] as number) + shift;
      to[at + 1] = (this.keyEnd[i] as number) + shift;
      to[at + 2] = (this.valueStart[i] as number) + shift;
      to[at + 3] = (this.valueEnd[i] as number) + shift;
      to[at + 4] =
        (this.kind[i] as number) | ((this.keyEscaped[i] as number) << 4) | ((this.valueEscaped[i] as number) << 5);
      at += ENTRY_INTS;
    }
    return at;
  }

  /** Takes the entries writeTo wrote at `at`, in place of this table's. */
  readFrom(from: Int32Array, at: number): void {
    const n = from[at++] as number;
    while (this.keyStart.length < n) this.grow();
    for (let i = 0; i < n; i++) {
      this.keyStart[i] = from[at] as number;
      this.keyEnd[i] = from[at + 1] as number;
      this.valueStart[i] = from[at + 2] as number;
      this.valueEnd[i] = from[at + 3] as number;
      const flags = from[at + 4] as number;
      this.kind[i] = flags & 0xf;
      this.keyEscaped[i] = (flags >>> 4) & 1;
      this.valueEscaped[i] = (flags >>> 5) & 1;
      at += ENTRY_INTS;
    }
    this.count = n;
  }

  private grow(): void {
    const n = this.keyStart.length * 2;
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const g8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    this.keyStart = g32(this.keyStart);
    this.keyEnd = g32(this.keyEnd);
    this.valueStart = g32(this.valueStart);
    this.valueEnd = g32(this.valueEnd);
    this.kind = g8(this.kind);
    this.keyEscaped = g8(this.keyEscaped);
    this.valueEscaped = g8(this.valueEscaped);
  }
}

/**
 * Result of scanning one line: `Invalid` (not JSON), `NotObject` (valid JSON, not an object),
 * `Object` (a valid object; its entries are in the table), `TooDeep` (objects and arrays nested
 * deeper than MAX_LINE_DEPTH before the scan found anything invalid; see lineDepthExceeds).
 */
export const LineShape = Object.freeze({ Invalid: 0, NotObject: 1, Object: 2, TooDeep: 3 } as const);
export type LineShape = (typeof LineShape)[keyof typeof LineShape];

// The scanner keeps its position in local variables (functions take and return offsets): V8 keeps
// locals in registers, while module-level state would be a memory load and store per byte.

/** Set by str() when the string it scanned holds an escape (rare; read right after the call). */
let escaped = 0;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function ws(b: Uint8Array, p: number, n: number): number {
  while (p < n) {
    const c = b[p] as number;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
    else break;
  }
  return p;
}

/** Bytes that end a run of plain string content: `"`, `\\` and the control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[0x22] = 1;
STRING_STOP[0x5c] = 1;

/**
 * 1 while scanning a line that holds no backslash and no control byte (hasEscapeOrControl): its
 * strings end at the next quote, found natively past a short first stretch.
 */
let plain = 0;

/**
 * True when the line last given to scanJsonLine holds no backslash and no byte below 0x20 (so no
 * TAB or CR between its tokens either): its caller can skip its own search for those bytes.
 */
export function lastLinePlain(): boolean {
  return plain === 1;
}

/** Bytes of a string looked at one by one before a native search (a call costs more than a short loop). */
const SHORT_STRING = 16;

/** `p` at an opening quote: the offset just past the closing quote, or -1. Sets `escaped`. */
function str(b: Uint8Array, p: number, n: number): number {
  escaped = 0;
  p++;
  if (plain === 1) {
    const stop = p + SHORT_STRING < n ? p + SHORT_STRING : n;
    while (p < stop && b[p] !== 0x22) p++;
    if (p < stop) return p + 1;
    if (p >= n) return -1;
    const q = b.indexOf(0x22, p);
    return q === -1 || q >= n ? -1 : q + 1;
  }
  return strChecked(b, p, n);
}

/** str() past the opening quote, every byte looked at: escapes checked, control bytes rejected. */
function strChecked(b: Uint8Array, p: number, n: number): number {
  for (;;) {
    // The common case, plain content: one table load per byte.
    while (p < n && STRING_STOP[b[p] as number] === 0) p++;
    if (p >= n) return -1;
    const c = b[p] as number;
    if (c === 0x22) return p + 1;
    if (c !== 0x5c) return -1; // a raw control character
    escaped = 1;
    const e = b[p + 1];
    if (e === 0x75 /* u */) {
      if (
        p + 5 >= n ||
        !isHex(b[p + 2] as number) ||
        !isHex(b[p + 3] as number) ||
        !isHex(b[p + 4] as number) ||
        !isHex(b[p + 5] as number)
      )
        return -1;
      p += 6;
    } else if (
      e === 0x22 ||
      e === 0x5c ||
      e === 0x2f ||
      e === 0x62 ||
      e === 0x66 ||
      e === 0x6e ||
      e === 0x72 ||
      e === 0x74
    ) {
      p += 2;
    } else return -1;
  }
}

function digits(b: Uint8Array, p: number, n: number): number {
  while (p < n) {
    const c = b[p] as number;
    if (c < 0x30 || c > 0x39) break;
    p++;
  }
  return p;
}

/** `p` at a number: the offset just past it, or -1. */
function num(b: Uint8Array, p: number, n: number): number {
  if (b[p] === 0x2d) p++;
  if (p >= n) return -1;
  if (b[p] === 0x30) p++;
  else {
    const q = digits(b, p, n);
    if (q === p) return -1;
    p = q;
  }
  if (b[p] === 0x2e) {
    const q = digits(b, p + 1, n);
    if (q === p + 1) return -1;
    p = q;
  }
  const e = b[p];
  if (e === 0x65 || e === 0x45) {
    p++;
    if (b[p] === 0x2b || b[p] === 0x2d) p++;
    const q = digits(b, p, n);
    if (q === p) return -1;
    p = q;
  }
  return p;
}

/** Kind of the scalar starting with byte `c` (string, number, literal), or FAIL for anything else. */
function scalarKind(c: number | undefined): number {
  if (c === 0x22) return Kind.String;
  if (c === 0x74) return Kind.True;
  if (c === 0x66) return Kind.False;
  if (c === 0x6e) return Kind.Null;
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return Kind.Number;
  return FAIL;
}

/** `p` at a scalar of `kind`: the offset just past it, or -1. */
function scalar(b: Uint8Array, p: number, n: number, kind: number): number {
  switch (kind) {
    case Kind.String:
      return str(b, p, n);
    case Kind.Number:
      return num(b, p, n);
    case Kind.True:
      return p + 4 <= n && b[p + 1] === 0x72 && b[p + 2] === 0x75 && b[p + 3] === 0x65 ? p + 4 : -1;
    case Kind.False:
      return p + 5 <= n && b[p + 1] === 0x61 && b[p + 2] === 0x6c && b[p + 3] === 0x73 && b[p + 4] === 0x65
        ? p + 5
        : -1;
    case Kind.Null:
      return p + 4 <= n && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c ? p + 4 : -1;
    default:
      return -1;
  }
}

/** After an object's `{`/`,` and whitespace: `"key"`, `:`, whitespace; the offset of the value, or -1. */
function keyColon(b: Uint8Array, p: number, n: number): number {
  if (b[p] !== 0x22) return -1;
  p = str(b, p, n);
  if (p < 0) return -1;
  p = ws(b, p, n);
  if (b[p] !== 0x3a) return -1;
  return ws(b, p + 1, n);
}

/**
 * The deepest a log line may nest objects and arrays, the line's own object being level 1
 * (docs/FORMAT.md, "What makes a line an event"). The logger writes at most 17 (it cuts nesting
 * deeper than 16). JSON parsers an auditor may use stop far below what V8
 * accepts (Python's json at about 1,000 levels, by its recursion limit), so a deeper line is
 * malformed by rule, with a code of its own, instead of passing one checker and failing another.
 */
export const MAX_LINE_DEPTH = 64;

/** Open containers inside a top-level value, at most: MAX_LINE_DEPTH less the line's own object. */
const stack = new Uint8Array(MAX_LINE_DEPTH);

/** Set when anyValue() failed because a container would open past MAX_LINE_DEPTH. */
let deep = 0;

/**
 * `p` at any value, inside `outer` open containers: the offset just past it, or -1 (with `deep`
 * set when the nesting passed MAX_LINE_DEPTH). Iterative with an explicit stack, like V8's JSON.parse.
 */
function anyValue(b: Uint8Array, p: number, n: number, outer: number): number {
  let depth = 0;
  for (;;) {
    const c = b[p];
    if (c === 0x7b || c === 0x5b) {
      // An empty `{}` or `[]` is a level too (docs/FORMAT.md counts every opening bracket).
      if (outer + depth >= MAX_LINE_DEPTH) {
        deep = 1;
        return -1;
      }
      p = ws(b, p + 1, n);
      if (b[p] === (c === 0x7b ? 0x7d : 0x5d)) {
        p++;
      } else {
        stack[depth++] = c;
        if (c === 0x7b) {
          p = keyColon(b, p, n);
          if (p < 0) return -1;
        }
        continue;
      }
    } else {
      p = scalar(b, p, n, scalarKind(c));
      if (p < 0) return -1;
    }
    // After a value: close containers or move on to the next element.
    for (;;) {
      if (depth === 0) return p;
      p = ws(b, p, n);
      const d = b[p];
      const top = stack[depth - 1];
      if (d === 0x2c) {
        p = ws(b, p + 1, n);
        if (top === 0x7b) {
          p = keyColon(b, p, n);
          if (p < 0) return -1;
        }
        break;
      }
      if ((top === 0x7b && d === 0x7d) || (top === 0x5b && d === 0x5d)) {
        p++;
        depth--;
        continue;
      }
      return -1;
    }
  }
}

const FAIL = -1;

/**
 * Validates `b[start, n)` as one JSON text. For an object, `table` receives its top-level
 * entries (duplicates included, in order), as offsets into `b`. Never throws on any input.
 */
export function scanJsonLine(b: Uint8Array, n: number, table: EntryTable, start = 0): LineShape {
  table.count = 0;
  plain = hasEscapeOrControl(b, start, n) ? 0 : 1;
  deep = 0;
  let p = ws(b, start, n);
  if (b[p] !== 0x7b) {
    p = anyValue(b, p, n, 0);
    if (p < 0) return deep === 1 ? LineShape.TooDeep : LineShape.Invalid;
    if (ws(b, p, n) !== n) return LineShape.Invalid;
    return LineShape.NotObject;
  }
  p = ws(b, p + 1, n);
  if (b[p] === 0x7d) return ws(b, p + 1, n) === n ? LineShape.Object : LineShape.Invalid;
  for (;;) {
    if (b[p] !== 0x22) return LineShape.Invalid;
    const ks = p;
    p = str(b, p, n);
    if (p < 0) return LineShape.Invalid;
    const ke = p;
    const kesc = escaped;
    p = ws(b, p, n);
    if (b[p] !== 0x3a) return LineShape.Invalid;
    p = ws(b, p + 1, n);
    const vs = p;
    const c = b[p];
    let kind: number;
    let vesc = 0;
    if (c === 0x7b || c === 0x5b) {
      kind = c === 0x7b ? Kind.Object : Kind.Array;
      p = anyValue(b, p, n, 1);
      if (p < 0 && deep === 1) return LineShape.TooDeep;
    } else {
      kind = scalarKind(c);
      p = scalar(b, p, n, kind);
      if (kind === Kind.String) vesc = escaped;
    }
    if (p < 0) return LineShape.Invalid;
    table.push(ks, ke, kesc, vs, p, kind as Kind, vesc);
    p = ws(b, p, n);
    const d = b[p];
    if (d === 0x2c) {
      p = ws(b, p + 1, n);
      continue;
    }
    if (d === 0x7d) return ws(b, p + 1, n) === n ? LineShape.Object : LineShape.Invalid;
    return LineShape.Invalid;
  }
}

/**
 * Whether `b[start, end)` opens more than `max` (MAX_LINE_DEPTH) objects and arrays at once, read lexically:
 * every `{` and `[` outside a string opens a level, every `}` and `]` closes one, a string runs from
 * a `"` to the next `"` not escaped by a backslash. It does not ask whether the bytes are JSON, so a
 * checker in any language gets the same answer (docs/FORMAT.md). On valid JSON it agrees with
 * scanJsonLine's TooDeep; for bytes that scanJsonLine calls Invalid, it says which are too deep too.
 */
export function lineDepthExceeds(b: Uint8Array, start: number, end: number, max = MAX_LINE_DEPTH): boolean {
  let depth = 0;
  for (let p = start; p < end; p++) {
    const c = b[p] as number;
    if (c === 0x22) {
      for (p++; p < end; p++) {
        const d = b[p] as number;
        if (d === 0x5c) p++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth > 0) depth--;
    }
  }
  return false;
}
