/**
 * PEM (and SSH2-style) private key blocks in free text, and other armored key blocks: any
 * `-----BEGIN <label>-----` whose label names a key and not a public one (OpenVPN's `-----BEGIN
 * OpenVPN Static key V1-----`, the shared secret of `tls-auth`/`tls-crypt`; `PGP PRIVATE KEY
 * BLOCK`).
 */

const PRIVATE_KEY = 'PRIVATE KEY';

/**
 * Replaces PEM (and SSH2-style `---- BEGIN … PRIVATE KEY ----`) private key blocks, from the
 * BEGIN marker to the end of the END marker, or to the end of the text when the block is cut
 * off. Index searches only: linear in the text, whatever it holds.
 */
export function redactPem(s: string, censor: string): string {
  if (!s.includes('BEGIN')) return s;
  return redactKeyBlocks(redactPrivateKeys(s, censor), censor);
}

/** The PEM and SSH2 `PRIVATE KEY` blocks (redactPem). */
function redactPrivateKeys(s: string, censor: string): string {
  if (!s.includes(PRIVATE_KEY)) return s;
  let out = '';
  let last = 0;
  let from = 0;
  for (;;) {
    const at = s.indexOf(PRIVATE_KEY, from);
    if (at === -1) break;
    // The BEGIN marker: "BEGIN" on the same line, at most 100 characters before.
    const lineStart = Math.max(s.lastIndexOf('\n', at) + 1, at - 100, last);
    const begin = s.lastIndexOf('BEGIN', at);
    if (begin === -1 || begin < lineStart) {
      from = at + PRIVATE_KEY.length;
      continue;
    }
    let start = begin;
    while (start > lineStart && (s[start - 1] === '-' || s[start - 1] === ' ')) start--;
    // The END marker that names a private key, and the dashes that close it.
    let end = s.length;
    let search = at + PRIVATE_KEY.length;
    for (;;) {
      const e = s.indexOf('END', search);
      if (e === -1) break;
      const k = s.indexOf(PRIVATE_KEY, e);
      const nl = s.indexOf('\n', e);
      if (k !== -1 && (nl === -1 || k < nl) && k - e <= 100) {
        end = k + PRIVATE_KEY.length;
        if (s.startsWith(' BLOCK', end)) end += 6;
        while (end < s.length && (s[end] === '-' || s[end] === ' ')) end++;
        break;
      }
      search = e + 3;
    }
    out += s.slice(last, start) + censor;
    last = end;
    from = end;
    if (end >= s.length) break;
  }
  return last === 0 ? s : out + s.slice(last);
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
/** The longest label read. */
const MAX_LABEL = 80;

/**
 * Replaces each `-----BEGIN <label>-----` … `-----END <label>-----` block whose label holds `key`
 * (any case) and not `public`, from its BEGIN to its END marker, or to the end of the text when
 * the block is cut off. Index searches only.
 */
function redactKeyBlocks(s: string, censor: string): string {
  let out = '';
  let last = 0;
  for (let at = s.indexOf(BEGIN); at !== -1; at = s.indexOf(BEGIN, at + BEGIN.length)) {
    if (at < last) continue;
    const labelStart = at + BEGIN.length;
    const close = s.indexOf(DASHES, labelStart);
    if (close === -1 || close - labelStart > MAX_LABEL) continue;
    const label = s.slice(labelStart, close);
    const lower = label.toLowerCase();
    if (label.includes('\n') || !lower.includes('key') || lower.includes('public')) continue;
    const endMarker = `-----END ${label}-----`;
    const e = s.indexOf(endMarker, close);
    const end = e === -1 ? s.length : e + endMarker.length;
    out += s.slice(last, at) + censor;
    last = end;
    at = end - BEGIN.length;
    if (end >= s.length) break;
  }
  return last === 0 ? s : out + s.slice(last);
}
