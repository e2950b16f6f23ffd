/**
 * JSON text as JSON.stringify writes it, built in pieces: quoting, member order (array-index keys
 * first, a repeated key in its first place), appending within V8's string limit, and the
 * stand-in for binary data. The serialiser (serialize.ts, walk.ts) writes every value through
 * these, so its text is byte for byte what JSON.stringify would give.
 */
import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';

/**
 * The longest string V8 can make. Text that would exceed it makes the walk throw RangeError at
 * exactly the points where joining the members would have (see `Text`): a nested object or array
 * becomes `"[Unreadable]"`, an event too large as a whole gets prepare()'s fallback body.
 */
export const MAX_STRING_LENGTH: number = constants.MAX_STRING_LENGTH;

/** The validation note of a Buffer, typed array or DataView. */
export const BINARY_NOTE = 'binary data recorded as its length and SHA-256, not its bytes';

/** What a Buffer, typed array or DataView is written as: `"[binary: N bytes, sha256 <hex>]"`. */
export function binaryText(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return `"[binary: ${view.byteLength} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}]"`;
}

/**
 * True for a canonical array index ("0" … "4294967294"). JSON.stringify of an object lists such
 * keys first, in ascending order, then the other keys in insertion order; the members written
 * here keep that order so the text is what JSON.stringify of the same object would give.
 */
export function isArrayIndex(key: string): boolean {
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
export function orderOf(names: readonly string[]): { inOrder: boolean; chars: number } {
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
export class Members {
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
export class Text {
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
export const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s), exactly. Most strings in an event need no escaping, and testing for that is
 * about twice as fast as calling JSON.stringify; anything that might need it goes to JSON.stringify.
 */
export function quote(s: string): string {
  return needsEscape(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Up to this length a string is tested by a loop (a regular expression's call costs more than it). */
const SHORT_ESCAPE_TEST = 32;

/** `NEEDS_ESCAPE.test(s)`, by a loop over the code units of a short string (ids, names, codes). */
export function needsEscape(s: string): boolean {
  const n = s.length;
  if (n > SHORT_ESCAPE_TEST) return NEEDS_ESCAPE.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}
