/**
 * Character classes of the text scanners (`pairs.ts`, `pairs-spaced.ts`, `command-flags.ts`,
 * `sql-identified.ts`): one definition, so the scanners agree on what a blank and a key letter are.
 *
 * A blank is a space, a tab, or any other Unicode space separator (`\p{Zs}`: no-break space
 * U+00A0, the U+2000-U+200A spaces, narrow no-break U+202F, U+205F, ideographic U+3000, U+1680):
 * text copied from mail, chat or an office document carries them between a key and its value
 * (`password<NBSP>=<NBSP>X`), and a reader sees a space.
 */

/** Unicode space separators other than U+0020 (`\p{Zs}`, Unicode 15). */
export function isWideBlank(c: number): boolean {
  return c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x1680;
}

/** A space, a tab or another Unicode space separator. */
export function isBlank(c: number): boolean {
  return c === 32 || c === 9 || (c >= 0xa0 && isWideBlank(c));
}
/** The value (0-15) of the hex digit at `s[i]`, either case, or -1 when it is none (or `i` is past the end). */
export function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

export function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
export function isAlnum(c: number): boolean {
  return isLetter(c) || (c >= 48 && c <= 57);
}

const WIDE_LETTER = /^[\p{L}\p{M}]$/u;
/**
 * A letter (or combining mark) outside ASCII: key words in other scripts and with accents
 * (`contraseña`, `hasło`, `пароль`, `パスワード`, `密码`). Asked only for units past U+007F.
 */
export function isWideLetter(c: number): boolean {
  // The common blocks first, without the regular expression: Latin-1 and Latin Extended letters,
  // Greek and Cyrillic, kana, CJK ideographs, Hangul syllables (the few symbols and unassigned
  // points inside these blocks count as letters too: a key is then read one character further).
  if (c >= 0xc0 && c <= 0x24f) return c !== 0xd7 && c !== 0xf7;
  if ((c >= 0x370 && c <= 0x52f && c !== 0x37e && c !== 0x387) || (c >= 0x3041 && c <= 0x30ff && c !== 0x30fb))
    return true;
  if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7a3)) return true;
  return c >= 0xaa && !(c >= 0xd800 && c <= 0xdfff) && WIDE_LETTER.test(String.fromCharCode(c));
}

/** End of a bare value: white space (a Unicode blank too), a delimiter, a quote or a closing bracket. */
export function isBareEnd(c: number): boolean {
  return (
    c <= 32 ||
    (c >= 0xa0 && isWideBlank(c)) ||
    c === 44 ||
    c === 59 ||
    c === 38 ||
    c === 124 ||
    c === 41 ||
    c === 93 ||
    c === 125 ||
    c === 34 ||
    c === 39 ||
    c === 0x01
  );
}

/** Key characters: `[A-Za-z0-9_.$@-]`. */
const KEY_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_.$@-]/.test(ch)) KEY_CHAR[c] = 1;
}
/** A key character: `[A-Za-z0-9_.$@-]`, or a letter outside ASCII (`contraseña`, `пароль`, `密码`). */
export function isPairKeyChar(d: number): boolean {
  return d < 128 ? KEY_CHAR[d] === 1 : isWideLetter(d);
}

/** Linking words inside a key name in Romance languages: "mot de passe", "clave de acceso". */
const LINKS: ReadonlySet<string> = new Set(['de', 'da', 'do', 'di', 'du', 'del']);
const MAX_PREV = 32;

/** A letter or digit, in any script. */
function isWordChar(c: number): boolean {
  return c < 128 ? isAlnum(c) : isWideLetter(c);
}

/** Start of the word that ends one blank before `at`, or -1 (at most 32 characters, starting with a letter). */
function wordStartBefore(s: string, at: number): number {
  if (at < 2 || !isBlank(s.charCodeAt(at - 1))) return -1;
  const end = at - 1;
  let w = end;
  while (w > 0 && end - w < MAX_PREV && isWordChar(s.charCodeAt(w - 1))) w--;
  if (w === end || isWordChar(s.charCodeAt(w - 1))) return -1;
  const c = s.charCodeAt(w);
  return isLetter(c) || (c >= 128 && isWideLetter(c)) ? w : -1;
}

/**
 * The word directly before the key starting at `at` (one blank between: "api" in "api key: X"),
 * reaching through a linking word to the one before it ("mot_de" in "mot de passe: X");
 * undefined if none.
 */
export function keyWordsBefore(s: string, at: number): string | undefined {
  const w = wordStartBefore(s, at);
  if (w === -1) return undefined;
  const word = s.slice(w, at - 1);
  if (LINKS.has(word.toLowerCase())) {
    const w2 = wordStartBefore(s, w);
    if (w2 !== -1) return `${s.slice(w2, w - 1)}_${word}`;
  }
  return word;
}

/**
 * The inside of the quoted string (`"…"` or `'…'`) opening at `i`, closed on its line:
 * [start, end, past the closing quote]; undefined when `i` holds no quote, or the string is empty,
 * unclosed or crosses a line end (the scan stops at the next quote of its kind: linear).
 */
export function quotedOnLine(s: string, i: number): [number, number, number] | undefined {
  const q = s.charCodeAt(i);
  if (q !== 34 && q !== 39) return undefined;
  let close = i + 1;
  while (close < s.length && s.charCodeAt(close) !== q) {
    const c = s.charCodeAt(close);
    if (c === 10 || c === 13) return undefined;
    close++;
  }
  if (close >= s.length || close === i + 1) return undefined;
  return [i + 1, close, close + 1];
}

/** A space or a tab only: the blank between a logged command's words (protocol-auth, protocol-forms). */
export function isSpaceOrTab(c: number): boolean {
  return c === 32 || c === 9;
}

/** The first character at or after `i` that is no space or tab. */
export function pastSpacesAndTabs(s: string, i: number): number {
  let k = i;
  while (k < s.length && isSpaceOrTab(s.charCodeAt(k))) k++;
  return k;
}

/** A character of a command word: ASCII letter, digit, `_` or `-`. */
export function isCommandWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

/** A character of standard base64 (`A-Z a-z 0-9 + / =`). */
export function isBase64Char(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61;
}

/**
 * `s.includes(needle)`, found by its character at `key` instead of its first. V8 finds a short
 * needle by searching for its first character and comparing at every hit, so a needle that starts
 * with a letter common in prose stops dozens of times in a line of text (`priv` at every `p`);
 * a rarer character of the needle (`v`) stops a few times. Same answer for every `s`
 * (test/redaction/text-cues.test.ts).
 */
export function includesBy(s: string, needle: string, key: number): boolean {
  const c = needle.charAt(key);
  for (let e = s.indexOf(c, key); e !== -1; e = s.indexOf(c, e + 1)) if (s.startsWith(needle, e - key)) return true;
  return false;
}

/** A hex digit, either case. */
export function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);
}
