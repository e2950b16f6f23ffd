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
 */

/** Where a block's bytes may start: the label's line break, then up to this many blanks. */
const INDENT_MAX = 48;
/** A block shorter than this many bytes is no key component (the smallest, a 112-bit scalar, has 14). */
const BLOCK_MIN_BYTES = 12;
/** The longest label read back from its `:` (`privateExponent`, `coefficient12`). */
const LABEL_MAX = 16;
/** The shortest text such a block fits in: `priv:\n`, an indent and 12 bytes. */
export const OPENSSL_TEXT_MIN = 48;

const PRIVATE_LABEL = /^(?:priv|privateExponent|prime\d{1,2}|exponent\d{1,2}|coefficient\d{0,2})$/;

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function isLabelCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** After a line break at `i` (`\n` or `\r\n`) and up to INDENT_MAX blanks: the next character's index, or -1. */
function afterBreak(s: string, i: number): number {
  let j = i;
  if (s.charCodeAt(j) === 13) j++;
  if (s.charCodeAt(j) !== 10) return -1;
  j++;
  const from = j;
  while (j - from < INDENT_MAX && (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9)) j++;
  return j > from ? j : -1;
}

/** The number of bytes the last blockEnd walked over. */
let BLOCK_BYTES = 0;

/**
 * The end of the colon-hex block whose first byte is at `at` (after its last byte's digits), its
 * byte count in BLOCK_BYTES. A `hh:` at a line's end goes on to the next line's first byte (after its
 * indent); a byte with no `:` after it ends the block (openssl's last line has none).
 */
function blockEnd(s: string, at: number): number {
  let i = at;
  let got = 0;
  let end = at;
  for (;;) {
    if (!isHexCode(s.charCodeAt(i)) || !isHexCode(s.charCodeAt(i + 1))) break;
    got++;
    end = i + 2;
    if (s.charCodeAt(end) !== 58) break;
    const c = s.charCodeAt(end + 1);
    if (c === 10 || c === 13) {
      const j = afterBreak(s, end + 1);
      if (j === -1) break;
      i = j;
    } else i = end + 1;
  }
  BLOCK_BYTES = got;
  return end;
}

/** The label before the `:` at `q`, when it starts a line (after blanks or a `#`), else ''. */
function labelBefore(s: string, q: number): string {
  let k = q;
  while (k > 0 && q - k < LABEL_MAX && isLabelCode(s.charCodeAt(k - 1))) k--;
  if (k === q || (k > 0 && isLabelCode(s.charCodeAt(k - 1)))) return '';
  let b = k;
  while (b > 0 && k - b < INDENT_MAX && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  const c = b > 0 ? s.charCodeAt(b - 1) : 10;
  return c === 10 || c === 13 || c === 35 ? s.slice(k, q) : '';
}

/**
 * The private components' bytes in `s` as [start, end) pairs in order: from the first byte to
 * after the last, across the lines between. Linear: a `:\n` costs a few reads unless an indented
 * `hh:` follows it; a block walked (private or not) is passed over, so no byte is walked twice.
 */
export function opensslTextKeySpans(s: string): number[] {
  const spans: number[] = [];
  const crlf = s.includes(':\r\n');
  let lf = s.indexOf(':\n');
  let cr = crlf ? s.indexOf(':\r\n') : -1;
  while (lf !== -1 || cr !== -1) {
    const q = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
    if (q === lf) lf = s.indexOf(':\n', q + 1);
    else cr = s.indexOf(':\r\n', q + 1);
    spansAt(s, q, spans);
  }
  return spans;
}

/** The block after the label's `:` at `q`, pushed when the label is a private one. */
function spansAt(s: string, q: number, spans: number[]): void {
  const at = afterBreak(s, q + 1);
  if (at === -1 || !isHexCode(s.charCodeAt(at)) || !isHexCode(s.charCodeAt(at + 1))) return;
  // The block's first byte: `hh:` or a lone last byte (a 1-byte block is no component anyway).
  if (s.charCodeAt(at + 2) !== 58) return;
  if (spans.length > 0 && at < (spans[spans.length - 1] as number)) return;
  if (!PRIVATE_LABEL.test(labelBefore(s, q))) return;
  const end = blockEnd(s, at);
  if (BLOCK_BYTES >= BLOCK_MIN_BYTES) spans.push(at, end);
}
