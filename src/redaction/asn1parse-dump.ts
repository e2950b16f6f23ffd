/**
 * A private key as `openssl asn1parse` prints it (rules 20, part 5), with or without `-dump` and
 * `-i`: one label line per element (`  5:d=1  hl=2 l=  32 prim: OCTET STRING`), an INTEGER's value
 * as hex after it (`prim: INTEGER :A06B…`), an OCTET STRING's bytes as `[HEX DUMP]:0420…` or, with
 * `-dump`, on the lines after it (`      0000 - bc 46 92 b7 fa 32 eb 20-fd 1b …   .F...2. ..`).
 * As with openssl's `-text` (openssl-text.ts), the labels are the evidence: the depths (`d=`) give
 * each SEQUENCE's members, and a key is a SEQUENCE whose first member is a small version INTEGER
 * (`:00`, `:01`, `:02`) followed by
 *
 * - SEC1's OCTET STRING of an EC scalar's size (version 1): the scalar;
 * - PKCS#8's algorithm SEQUENCE starting with an OBJECT, then an OCTET STRING: the key inside it;
 * - PKCS#1's INTEGERs (version 0, at least five more): from the third on (the private exponent,
 *   the primes, exponents and coefficient; also DSA's `g`, `y`, `x`, the public ones among them
 *   censored with the secret).
 *
 * The secret's hex on its label line and its dump lines lose their bytes (the ASCII column with
 * them); the labels and offsets stay. Found from one search (`hl=`); the text's lines are read once.
 */
import { includesBy, isHexDigit } from './chars.js';
import { backslashesBefore } from './json-string-level.js';
/** EC scalar sizes in bytes (der-headless.ts). */
const EC_SCALAR = new Set([24, 28, 32, 48, 64, 65, 66]);

/** A label line: its offset, depth, header and content lengths, `prim`/`cons`, type and value (bounded repeats: linear on any line). */
const LABEL =
  /(?:^|\D)\d{1,9}:d=(\d{1,3}) {1,8}hl= {0,3}\d{1,3} {1,8}l= {0,9}(\d{1,9}) {1,8}(prim|cons): {0,64}([A-Za-z][^:]*)(?::(.*))?$/;
/** A `-dump` line of bytes: an offset, ` - ` and hex (after blanks, or a log line's prefix the labels have too). */
const DUMP_LINE = /(?:^|\s)[0-9a-f]{4} - [0-9a-f]{2}[ -]/;

/** An OCTET STRING's value label (asn1parse without `-dump`). */
const HEX_DUMP = '[HEX DUMP]';

/** The label's type without its blanks and `[HEX DUMP]` (no regular expression: linear on any run of blanks). */
function typeName(raw: string): string {
  const t = raw.trim();
  return t.endsWith(HEX_DUMP) ? t.slice(0, -HEX_DUMP.length).trim() : t;
}

/** The cue: a label's header length. */
export const ASN1PARSE_CUE = 'hl=';

/** Whether `s` holds the cue (found by its `=`, rarer in text than `h`: see includesBy). */
export function hasAsn1parseCue(s: string): boolean {
  return includesBy(s, ASN1PARSE_CUE, 2);
}

interface Element {
  depth: number;
  length: number;
  cons: boolean;
  type: string;
  /** Where the value after `:` starts and ends in the text, or -1 when the label has none. */
  valueAt: number;
  valueEnd: number;
  /** The dump lines under the label: from the first one's hex to the last one's end, or -1; the last one's hex. */
  dumpAt: number;
  dumpEnd: number;
  lastDumpHex: number;
}

function isSmallVersion(s: string, e: Element): boolean {
  if (e.cons || e.type !== 'INTEGER' || e.valueAt === -1) return false;
  const v = s.slice(e.valueAt, e.valueEnd).trim();
  return v === '00' || v === '01' || v === '02';
}

/**
 * The end of the line [at, end), or of the JSON record it is when it ends with the record's closing quote
 * and only `}`, `]`, `,` and blanks after it (each syslog line of a listing its own record,
 * `{"msg":"… app[42]:     2:d=1  hl=2 l=   1 prim: INTEGER           :00"}`): before that quote, so the
 * label's type and value are the listing's.
 */
function recordEnd(s: string, at: number, end: number): number {
  let k = end;
  while (k > at) {
    const c = s.charCodeAt(k - 1);
    if (c !== 125 && c !== 93 && c !== 44 && c !== 32) break;
    k--;
  }
  if (k === end || k === at || s.charCodeAt(k - 1) !== 34) return end;
  return backslashesBefore(s, k - 1, at) % 2 === 0 ? k - 1 : end;
}

/** The elements of the asn1parse lines in `s`, in order. */
function readElements(s: string): Element[] {
  const out: Element[] = [];
  let last: Element | null = null;
  for (let at = 0; at < s.length; ) {
    let e = s.indexOf('\n', at);
    if (e === -1) e = s.length;
    const end = recordEnd(s, at, e > at && s.charCodeAt(e - 1) === 13 ? e - 1 : e);
    const line = s.slice(at, end);
    const dump = last === null ? null : DUMP_LINE.exec(line);
    if (last !== null && dump !== null) {
      const hex = at + line.indexOf(' - ', dump.index) + 3;
      if (last.dumpAt === -1) last.dumpAt = hex;
      last.dumpEnd = end;
      last.lastDumpHex = hex;
    } else if (line.includes(ASN1PARSE_CUE)) {
      const m = LABEL.exec(line);
      if (m === null) last = null;
      else {
        const value = m[5];
        const valueEnd = value === undefined ? -1 : end - (value.length - value.trimEnd().length);
        const valueAt = value === undefined ? -1 : end - value.length;
        last = {
          depth: Number(m[1]),
          length: Number(m[2]),
          cons: m[3] === 'cons',
          type: typeName(m[4] as string),
          valueAt,
          valueEnd,
          dumpAt: -1,
          dumpEnd: -1,
          lastDumpHex: -1,
        };
        out.push(last);
      }
    } else last = null;
    at = e + 1;
  }
  return out;
}

/** The members of the SEQUENCE at `i`: the indexes of the elements one level under it, in order. */
function members(els: readonly Element[], i: number): number[] {
  const d = (els[i] as Element).depth;
  const out: number[] = [];
  for (let k = i + 1; k < els.length && (els[k] as Element).depth > d; k++)
    if ((els[k] as Element).depth === d + 1) out.push(k);
  return out;
}

/** The end of the hex digits from `i` (a negative INTEGER's `-` first), at most `end`. */
function hexRunEnd(s: string, i: number, end: number): number {
  let k = s.charCodeAt(i) === 45 ? i + 1 : i;
  while (k < end && isHexDigit(s.charCodeAt(k))) k++;
  return k;
}

/**
 * The end of a `-dump` line's ASCII column: after its bytes (`bc 46 … 20-fd 1b …`), its blanks and
 * one character a byte; the line's end when it is not so shaped. A flattened dump's last line runs
 * on in the view to the text's end: the words after the dump stay.
 */
function dumpLineEnd(s: string, hex: number, end: number): number {
  let k = hex;
  let n = 0;
  while (k + 1 < end && isHexDigit(s.charCodeAt(k)) && isHexDigit(s.charCodeAt(k + 1)) && n < 16) {
    n++;
    k += 2;
    const c = s.charCodeAt(k);
    if ((c === 32 || c === 45) && isHexDigit(s.charCodeAt(k + 1))) k++;
    else break;
  }
  if (n === 0 || s.charCodeAt(k) !== 32) return end;
  while (k < end && s.charCodeAt(k) === 32) k++;
  return Math.min(end, k + n);
}

/** Whether `c` is a blank or a quote (`"`, `'`). */
function isBlankOrQuote(c: number): boolean {
  return c === 32 || c === 34 || c === 39;
}

function pushSecret(s: string, e: Element, spans: number[]): void {
  if (e.valueAt !== -1 && e.valueEnd > e.valueAt) {
    // `[HEX DUMP]:…` keeps its label; an INTEGER's hex goes (its digits only: words after a flattened listing stay).
    let end = hexRunEnd(s, e.valueAt, e.valueEnd);
    // A value censored already (no digit): its censor, to the next blank or quote (a second pass changes
    // nothing, and the quote that closes a message or a record after the listing stays).
    if (end === e.valueAt) while (end < e.valueEnd && !isBlankOrQuote(s.charCodeAt(end))) end++;
    spans.push(e.valueAt, end);
  }
  if (e.dumpAt !== -1) spans.push(e.dumpAt, dumpLineEnd(s, e.lastDumpHex, e.dumpEnd));
}

/** The private keys' secrets in the `openssl asn1parse` output in `s`, as [start, end) pairs in order. */
export function asn1parseKeySpans(s: string): number[] {
  const els = readElements(s);
  const found: Element[] = [];
  for (let i = 0; i < els.length; i++) {
    const top = els[i] as Element;
    if (!top.cons || top.type !== 'SEQUENCE') continue;
    const m = members(els, i);
    if (m.length < 2 || !isSmallVersion(s, els[m[0] as number] as Element)) continue;
    const c = m.map((k) => els[k] as Element);
    const c1 = c[1] as Element;
    const version = s.slice((c[0] as Element).valueAt, (c[0] as Element).valueEnd).trim();
    if (version === '01' && !c1.cons && c1.type === 'OCTET STRING' && EC_SCALAR.has(c1.length)) found.push(c1);
    else if (
      c1.cons &&
      c1.type === 'SEQUENCE' &&
      els[(m[1] as number) + 1]?.type === 'OBJECT' &&
      c[2] !== undefined &&
      !c[2].cons &&
      c[2].type === 'OCTET STRING'
    )
      found.push(c[2]);
    else if (version === '00' && c.length >= 6 && c.every((e) => !e.cons && e.type === 'INTEGER') && c[3]) {
      if ((c[3] as Element).length >= 64 || (c[1] as Element).length >= 64) for (const e of c.slice(3)) found.push(e);
    }
  }
  const spans: number[] = [];
  for (const e of found) pushSecret(s, e, spans);
  // In text order (a nested key's members can come before another's).
  const pairs: [number, number][] = [];
  for (let k = 0; k < spans.length; k += 2) pairs.push([spans[k] as number, spans[k + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [a, b] of pairs) {
    if (out.length > 0 && a < (out[out.length - 1] as number)) continue;
    out.push(a, b);
  }
  return out;
}
