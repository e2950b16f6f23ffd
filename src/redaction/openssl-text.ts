/**
 * A private key as `openssl pkey -text -noout` (`openssl ec -text`, `openssl rsa -text`) prints it
 * (rules 20): each component a label on its own line and its bytes as colon-separated hex on the
 * indented lines after it, 15 bytes a line:
 *
 * ```
 * Private-Key: (256 bit)
 * priv:
 *     87:3a:3c:17:d7:61:23:4f:a5:9e:04:77:56:cb:4e:
 *     6b:f8:29:f1:2d:72:12:f9:da:25:da:82:d9:de:f4:
 *     d1:fb
 * pub:
 *     04:04:17:ef:…
 * ```
 *
 * The private components lose their bytes: `priv` (EC, Ed25519, X25519, DSA, DH) and RSA's
 * `privateExponent`, `prime1`, `prime2`, `exponent1`, `exponent2`, `coefficient` (and a multi-prime
 * key's `prime3`, `exponent3`, `coefficient3`, …). The public ones (`pub`, `modulus`, a
 * certificate's dump) and the curve's name stay. There is no DER header to check here: the label
 * is the evidence, and a label is read only where a line `label:` is followed by an indented line
 * of colon-hex (`hh:`), so the search is one short string (`:\n`) and a few reads per hit.
 *
 * Rules 20, part 3: the same dump with a prefix on every line (syslog's or journald's `Dec 05
 * 17:00:00 host app[42]: `: a continuation line is read after as many characters as the label's
 * line had before its label), flattened to one line (`priv: bc:46:… pub: 04:…`, `' '.join(lines)`)
 * and inside a JSON string (`priv:\\n    bc:…`). The last two have no line break to search for;
 * their cue is `priv` (`priv:` and RSA's `privateExponent:`), and RSA's other private members are
 * read on from there, label after label, as long as each is a private one.
 */
import { includesBy, isHexDigit } from './chars.js';

/** Where a block's bytes may start: the label's line break, then up to this many blanks. */
const INDENT_MAX = 48;
/** A block shorter than this many bytes is no key component (the smallest, a 112-bit scalar, has 14). */
const BLOCK_MIN_BYTES = 12;
/** The longest label read back from its `:` (`privateExponent`, `coefficient12`). */
const LABEL_MAX = 16;
/** The shortest text such a block fits in: `priv:\n`, an indent and 12 bytes. */
export const OPENSSL_TEXT_MIN = 48;

const PRIVATE_LABEL = /^(?:priv|privateExponent|prime\d{1,2}|exponent\d{1,2}|coefficient\d{0,2})$/;

function isLabelCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** The longest line prefix before a label (a syslog or journald line's time, host and tag). */
const PREFIX_MAX = 96;
/** The label's line's prefix length when that prefix is not blanks (each dump line carries it), else 0. */
let PREFIX_LEN = 0;

/** After `i`, up to INDENT_MAX blanks (at least one): the next character's index, or -1. */
function afterBlanks(s: string, i: number): number {
  let j = i;
  while (j - i < INDENT_MAX && (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9)) j++;
  return j > i ? j : -1;
}

/**
 * After a line break at `i` (`\n` or `\r\n`, or JSON's escaped `\\n` / `\\r\\n`) and its indent:
 * the next character's index, or -1. With PREFIX_LEN set, a line whose indent is not blank is read
 * after that many characters (the line's own syslog prefix), then its indent.
 */
function afterBreak(s: string, i: number): number {
  let j = i;
  if (s.charCodeAt(j) === 92) {
    if (s.charCodeAt(j + 1) === 114 && s.charCodeAt(j + 2) === 92) j += 2;
    return s.charCodeAt(j + 1) === 110 ? afterBlanks(s, j + 2) : -1;
  }
  if (s.charCodeAt(j) === 13) j++;
  if (s.charCodeAt(j) !== 10) return -1;
  j++;
  // Rules 20, part 6: the prefix first when it leads to a byte (a line number `   3: ` starts with blanks).
  if (PREFIX_LEN > 0) {
    let whole = true;
    for (let k = j; k < j + PREFIX_LEN && whole; k++) {
      const c = s.charCodeAt(k);
      whole = !(c === 10 || c === 13 || Number.isNaN(c));
    }
    const p = whole ? afterBlanks(s, j + PREFIX_LEN) : -1;
    if (p !== -1 && isHexDigit(s.charCodeAt(p)) && isHexDigit(s.charCodeAt(p + 1))) return p;
  }
  return afterBlanks(s, j);
}

/** The next byte after a `hh:` whose `:` ends at `i`: at `i`, after blanks (a flattened dump) or a line break. */
function nextByte(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 32 || c === 9) {
    // Blanks at a line's end (rules 20, part 6), then the line break.
    const j = afterBlanks(s, i);
    const d = s.charCodeAt(j);
    return d === 10 || d === 13 ? afterBreak(s, j) : j;
  }
  if (c === 10 || c === 13 || c === 92) return afterBreak(s, i);
  return i;
}

/** The bytes on each line of openssl's dump (its `print_labeled_buf`). */
const LINE_BYTES = 15;

/** The number of bytes the last blockEnd walked over. */
let BLOCK_BYTES = 0;

/**
 * The end of the colon-hex block whose first byte is at `at` (after its last byte's digits), its
 * byte count in BLOCK_BYTES. A `hh:` at a line's end goes on to the next line's first byte (after its
 * indent); a byte with no `:` after it ends the block (openssl's last line has none). With
 * `wrapped` (a dump with no line breaks left), a block that runs past 15 bytes with no gap is none.
 */
function blockEnd(s: string, at: number, wrapped = false): number {
  let i = at;
  let got = 0;
  let end = at;
  for (;;) {
    if (!isHexDigit(s.charCodeAt(i)) || !isHexDigit(s.charCodeAt(i + 1))) break;
    got++;
    end = i + 2;
    if (s.charCodeAt(end) !== 58) break;
    const j = nextByte(s, end + 1);
    if (j === -1) break;
    // With `wrapped`, openssl's lines must show: a gap after every LINE_BYTES bytes and nowhere else.
    if (wrapped && (j === end + 1) === (got % LINE_BYTES === 0)) {
      if (j === end + 1) got = 0;
      break;
    }
    i = j;
  }
  BLOCK_BYTES = got;
  return end;
}

/**
 * The label before the `:` at `q`, when it starts a line (after blanks or a `#`), else ''. With
 * `prefixed`, a label after a blank with its line's start at most PREFIX_MAX characters back counts
 * too (a syslog line's), and PREFIX_LEN is set to that line's length before the label.
 */
function labelBefore(s: string, q: number, prefixed: boolean): string {
  PREFIX_LEN = 0;
  let k = q;
  while (k > 0 && q - k < LABEL_MAX && isLabelCode(s.charCodeAt(k - 1))) k--;
  if (k === q || (k > 0 && isLabelCode(s.charCodeAt(k - 1)))) return '';
  let b = k;
  while (b > 0 && k - b < INDENT_MAX && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  const c = b > 0 ? s.charCodeAt(b - 1) : 10;
  if (c === 10 || c === 13 || c === 35) return s.slice(k, q);
  if (!prefixed || b === k) return '';
  for (let l = b - 1; l >= 0 && k - l <= PREFIX_MAX; l--) {
    const d = s.charCodeAt(l);
    if (d === 10 || d === 13) {
      PREFIX_LEN = k - l - 1;
      return s.slice(k, q);
    }
  }
  if (k <= PREFIX_MAX) PREFIX_LEN = k;
  return PREFIX_LEN > 0 ? s.slice(k, q) : '';
}

/**
 * The private components' bytes in `s` as [start, end) pairs in order: from the first byte to
 * after the last, across the lines between. Linear: a `:\n` costs a few reads unless an indented
 * `hh:` follows it; a block walked (private or not) is passed over, so no byte is walked twice.
 */
export function opensslTextKeySpans(s: string): number[] {
  const spans: number[] = [];
  if (hasTrailingBlanks(s)) {
    // Rules 20, part 6: a label's line may end in blanks (`priv:   `): every line break, read back over them.
    for (let e = s.indexOf('\n'); e !== -1; e = s.indexOf('\n', e + 1)) {
      let b = e;
      if (b > 0 && s.charCodeAt(b - 1) === 13) b--;
      const brk = b;
      while (b > 0 && brk - b < INDENT_MAX && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
      if (b > 0 && s.charCodeAt(b - 1) === 58) spansAt(s, b - 1, spans, brk);
    }
    return spans;
  }
  const crlf = s.includes(':\r\n');
  let lf = s.indexOf(':\n');
  let cr = crlf ? s.indexOf(':\r\n') : -1;
  while (lf !== -1 || cr !== -1) {
    const q = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
    if (q === lf) lf = s.indexOf(':\n', q + 1);
    else cr = s.indexOf(':\r\n', q + 1);
    spansAt(s, q, spans, q + 1);
  }
  return spans;
}

/** Whether a line of `s` ends in blanks (then the openssl-text pass reads every line break). */
export function hasTrailingBlanks(s: string): boolean {
  return lineEndsIn(s, false);
}

/** Whether `s` may hold a `-text` dump: `:` at a line's end, or a line ending in blanks (rules 20, part 6). */
export function hasOpensslTextCue(s: string): boolean {
  return lineEndsIn(s, true);
}

/**
 * Whether a line of `s` ends (before its "\n" or "\r\n") in a space or a tab, or with `colon` in
 * `:`: the answer of `s.includes(' \n') || s.includes('\t\n') || s.includes(' \r\n') || …`. Those
 * searches went by each needle's first character, and a space stops at every word of prose
 * (2.4 µs for 1.3 KB of it); this pass stops only at line breaks, which free text seldom has.
 */
function lineEndsIn(s: string, colon: boolean): boolean {
  for (let e = s.indexOf('\n'); e !== -1; e = s.indexOf('\n', e + 1)) {
    let c = e > 0 ? s.charCodeAt(e - 1) : -1;
    if (c === 13) c = e > 1 ? s.charCodeAt(e - 2) : -1;
    if (c === 32 || c === 9 || (colon && c === 58)) return true;
  }
  return false;
}

/** Whether `s` holds the inline cue `priv` (found by its `v`: see includesBy). */
export function hasOpensslInlineCue(s: string): boolean {
  return includesBy(s, OPENSSL_INLINE_CUE, 3);
}

/** Whether a block's first byte is at `at`: `hh:` (a lone last byte makes a 1-byte block, no component anyway). */
function isByteAt(s: string, at: number): boolean {
  return at !== -1 && isHexDigit(s.charCodeAt(at)) && isHexDigit(s.charCodeAt(at + 1)) && s.charCodeAt(at + 2) === 58;
}

/** The block after the label's `:` at `q` (its line break at `brk`), pushed when the label is a private one. */
function spansAt(s: string, q: number, spans: number[], brk: number): void {
  PREFIX_LEN = 0;
  let at = afterBreak(s, brk);
  // A line with no blank indent, no byte after it, or a label after a prefix: a syslog prefix or a
  // line number (`  13: ` reads as a byte), taken only after a private label (a few reads more).
  if (!isByteAt(s, at) || !PRIVATE_LABEL.test(labelBefore(s, q, false))) {
    const label = labelBefore(s, q, true);
    if (PREFIX_LEN === 0 || !PRIVATE_LABEL.test(label)) return;
    at = afterBreak(s, brk);
    if (!isByteAt(s, at)) return;
  }
  if (spans.length > 0 && at < (spans[spans.length - 1] as number)) return;
  const end = blockEnd(s, at);
  if (BLOCK_BYTES >= BLOCK_MIN_BYTES) spans.push(at, end);
}

/** The cue of a dump with no line break to search for (flattened, JSON-escaped): `priv:`, `privateExponent:`. */
export const OPENSSL_INLINE_CUE = 'priv';

/** After a block's end at `i`: blanks, or a line break (real or JSON's escaped) and an indent; the next label's start or -1. */
function nextLabel(s: string, i: number): number {
  let j = i;
  const c = s.charCodeAt(j);
  if (c === 92) j += s.charCodeAt(j + 1) === 114 && s.charCodeAt(j + 2) === 92 ? 4 : 2;
  else if (c === 13 || c === 10) j += c === 13 && s.charCodeAt(j + 1) === 10 ? 2 : 1;
  else if (c !== 32) return -1;
  if (c === 92 && s.charCodeAt(j - 1) !== 110) return -1;
  while (j - i < INDENT_MAX && (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9)) j++;
  return j;
}

/** A private label at `k` (a whole word): the index of its `:`, or -1. */
function privateLabelEnd(s: string, k: number): number {
  // A word's start: after a non-label character or JSON's escaped line break (`\\npriv:`).
  if (k > 0 && isLabelCode(s.charCodeAt(k - 1)) && !(s.charCodeAt(k - 1) === 110 && s.charCodeAt(k - 2) === 92))
    return -1;
  let e = k;
  while (e - k < LABEL_MAX && isLabelCode(s.charCodeAt(e))) e++;
  return s.charCodeAt(e) === 58 && PRIVATE_LABEL.test(s.slice(k, e)) ? e : -1;
}

/**
 * The private components of dumps flattened to one line or inside a JSON string, from the cue
 * `priv`, as [start, end) pairs in order; RSA's later private members read on label by label.
 * Linear: a cue costs a label's reads; a block walked is passed over.
 */
export function opensslInlineKeySpans(s: string): number[] {
  const spans: number[] = [];
  PREFIX_LEN = 0;
  for (let q = s.indexOf(OPENSSL_INLINE_CUE); q !== -1; q = s.indexOf(OPENSSL_INLINE_CUE, q + 1)) {
    let colon = privateLabelEnd(s, q);
    while (colon !== -1) {
      const at = nextByte(s, colon + 1);
      if (at === -1 || at === colon + 1 || !isHexDigit(s.charCodeAt(at)) || !isHexDigit(s.charCodeAt(at + 1))) break;
      if (s.charCodeAt(at + 2) !== 58) break;
      // No line breaks to go by: the block must show openssl's 15-byte lines (`note: priv: 11:11:…` on one line stays).
      const end = blockEnd(s, at, true);
      if (BLOCK_BYTES < BLOCK_MIN_BYTES) break;
      spans.push(at, end);
      q = end - 1;
      // The next member: after blanks or a line break, a private label, else the dump's private part ended.
      const next = nextLabel(s, end);
      colon = next === -1 ? -1 : privateLabelEnd(s, next);
    }
  }
  return spans;
}
