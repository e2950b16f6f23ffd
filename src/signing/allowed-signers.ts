/**
 * OpenSSH `allowed_signers` files (ssh-keygen(1), ALLOWED SIGNERS), read as `ssh-keygen -Y verify`
 * reads them: principals and namespaces as pattern lists, `valid-after` / `valid-before` checked at
 * the time of checking, lines it would not apply left out (and why, for the message when none is left).
 */
import type { KeyObject } from 'node:crypto';
import { AuditpackError } from '../errors.js';
import { ED25519_KEY_TYPE, keyFromBase64Blob } from './keys.js';

/** One principal entry of an allowed_signers file. */
export interface AllowedSigner {
  /** The principals field as written (comma-separated patterns allowed by OpenSSH). */
  readonly identity: string;
  /** The public key. */
  readonly key: KeyObject;
  /** The `namespaces="…"` option, split on commas; undefined when absent (any namespace). */
  readonly namespaces: readonly string[] | undefined;
  /** 1-based line number in the file. */
  readonly line: number;
}

/**
 * Parses an `allowed_signers` file (ssh-keygen(1), ALLOWED SIGNERS): per line, principals, optional
 * comma-separated options (`namespaces="…"`, `cert-authority`, `valid-after=…`), key type, base64
 * key, optional comment. Blank lines and `#` comments are skipped; lines with key types other than
 * ssh-ed25519 are skipped (a shared file may hold other people's RSA keys). A malformed line throws
 * KEY_INVALID naming its number. `leftOut`, when given, gets a reason for each ssh-ed25519 line
 * that allows nothing (for a message when no signer is left: see noSignerMessage).
 */
export function parseAllowedSigners(text: string, now: number = Date.now(), leftOut?: string[]): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const tokens = tokenizeAllowedSignersLine(raw);
    if (tokens === undefined || tokens.length < 3) {
      throw new AuditpackError(
        'KEY_INVALID',
        `allowed_signers line ${i + 1}: expected "<principals> [options] <key type> <base64 key>"`,
      );
    }
    const identity = tokens[0] as string;
    let idx = 1;
    let options: string | undefined;
    if (!isKeyType(tokens[1] as string)) {
      options = tokens[1];
      idx = 2;
    }
    const type = tokens[idx];
    const b64 = tokens[idx + 1];
    if (type === undefined || !isKeyType(type) || b64 === undefined) {
      throw new AuditpackError('KEY_INVALID', `allowed_signers line ${i + 1}: no key type and key found`);
    }
    if (type !== ED25519_KEY_TYPE) continue;
    const opts = parseSignerOptions(options ?? '', i + 1);
    // Like ssh-keygen -Y verify: a line marked for certificates (not supported here), with an option
    // it does not know, or outside its validity at the time of checking never allows a signature.
    if (opts.unusable || !validAt(opts, now)) {
      leftOut?.push(`line ${i + 1} ${whyLeftOut(opts, now)}`);
      continue;
    }
    let key: KeyObject;
    try {
      key = keyFromBase64Blob(b64);
    } catch (err) {
      throw new AuditpackError('KEY_INVALID', `allowed_signers line ${i + 1}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const ns = opts.namespaces;
    out.push(
      Object.freeze({
        identity,
        key,
        namespaces: ns === undefined ? undefined : Object.freeze(ns.split(',')),
        line: i + 1,
      }),
    );
  }
  return out;
}

/**
 * OpenSSH's pattern lists (match.c, `match_pattern_list`), as ssh-keygen -Y verify reads an
 * allowed_signers line's principals and its `namespaces="…"`: a comma list of patterns where `*`
 * stands for any run of characters and `?` for one, and a pattern written `!p` denies what it
 * matches. 1 when `s` matches a pattern and no denied one, -1 when a denied one matches, else 0.
 * Case matters. `list` as written, or already split on its commas.
 */
export function matchPatternList(s: string, list: string | readonly string[]): -1 | 0 | 1 {
  let positive = false;
  for (const raw of typeof list === 'string' ? list.split(',') : list) {
    const negated = raw.startsWith('!');
    if (!matchPattern(s, negated ? raw.slice(1) : raw)) continue;
    if (negated) return -1;
    positive = true;
  }
  return positive ? 1 : 0;
}

/** One pattern (`*`, `?`, everything else literal) against the whole of `s`. */
function matchPattern(s: string, pattern: string): boolean {
  const re = `^${pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]')}$`;
  return new RegExp(re, 'u').test(s);
}

/**
 * True when an allowed_signers entry may sign in `namespace`, as ssh-keygen -Y verify decides: no
 * `namespaces` option allows every namespace; else the namespace must match its pattern list.
 */
export function signerAllowsNamespace(
  signer: { readonly namespaces?: readonly string[] | undefined },
  namespace: string,
): boolean {
  return signer.namespaces === undefined || matchPatternList(namespace, signer.namespaces) === 1;
}

/** The options of one allowed_signers line (ssh-keygen(1), ALLOWED SIGNERS). */
interface SignerOptions {
  namespaces: string | undefined;
  validAfter: number | undefined;
  validBefore: number | undefined;
  /** cert-authority (certificates are not supported) or an option ssh-keygen does not know. */
  unusable: boolean;
}

/** Splits `a,b="x,y",c` on commas outside quotes, reading each option; throws on a bad time. */
function parseSignerOptions(options: string, line: number): SignerOptions {
  const out: SignerOptions = { namespaces: undefined, validAfter: undefined, validBefore: undefined, unusable: false };
  for (const opt of options.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
    const eq = opt.indexOf('=');
    const name = (eq === -1 ? opt : opt.slice(0, eq)).toLowerCase();
    // ssh-keygen takes these values only in double quotes: an unquoted one makes the line unusable.
    const quoted = eq === -1 ? undefined : /^"(.*)"$/.exec(opt.slice(eq + 1))?.[1];
    const value = eq !== -1 && quoted === undefined ? undefined : quoted;
    if (name === 'namespaces' && value !== undefined) out.namespaces = value;
    else if ((name === 'valid-after' || name === 'valid-before') && value !== undefined) {
      const t = parseSshTime(value);
      if (t === undefined) {
        throw new AuditpackError('KEY_INVALID', `allowed_signers line ${line}: ${name}="${value}" is not a time`);
      }
      if (name === 'valid-after') out.validAfter = t;
      else out.validBefore = t;
    } else out.unusable = true;
  }
  return out;
}

/** Why a line allows no signature, in words (after "line N"). */
function whyLeftOut(o: SignerOptions, now: number): string {
  if (o.unusable)
    return 'has an option ssh-keygen -Y verify does not apply here (cert-authority, or one it does not know)';
  return `is ${validityOf(o)}, and it is now ${new Date(now).toISOString()}`;
}

/** The line's validity window in words (ssh-keygen -Y verify checks it at the time of checking). */
function validityOf(o: SignerOptions): string {
  const at = (t: number): string => new Date(t).toISOString();
  if (o.validAfter !== undefined && o.validBefore !== undefined)
    return `valid from ${at(o.validAfter)} to ${at(o.validBefore)} (valid-after, valid-before)`;
  return o.validAfter !== undefined
    ? `valid from ${at(o.validAfter)} (valid-after)`
    : `valid until ${at(o.validBefore as number)} (valid-before)`;
}

/**
 * The KEY_INVALID message for an allowed_signers file that gives no ssh-ed25519 signer: `what` says
 * what is missing, and the lines left out say why (an expired sole signer is not "no signer").
 */
export function noSignerMessage(file: string, what: string, leftOut: readonly string[]): string {
  if (leftOut.length === 0) return `${file} holds no ${what}`;
  const shown = leftOut.slice(0, 3).join('; ');
  const more = leftOut.length > 3 ? `; and ${leftOut.length - 3} more` : '';
  return `${file} holds no ${what} usable now, as ssh-keygen -Y verify reads it (${shown}${more})`;
}

/** Whether `now` (ms) is within the line's validity, as ssh-keygen checks it. */
function validAt(o: SignerOptions, now: number): boolean {
  return (o.validAfter === undefined || now >= o.validAfter) && (o.validBefore === undefined || now <= o.validBefore);
}

/**
 * ssh-keygen's time: YYYYMMDD or YYYYMMDDHHMM[SS], in the local time zone unless it ends in Z
 * (ssh-keygen(1), ALLOWED SIGNERS). Milliseconds since the epoch; undefined when malformed.
 */
export function parseSshTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/i.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h = '0', mi = '0', sec = '0'] = m.slice(1, 7).map((v) => v ?? undefined) as string[];
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)] as const;
  const date = m[7] !== '' ? new Date(Date.UTC(...parts)) : new Date(...parts);
  const back = m[7] !== '' ? [date.getUTCMonth(), date.getUTCDate()] : [date.getMonth(), date.getDate()];
  if (back[0] !== parts[1] || back[1] !== parts[2] || parts[3] > 23 || parts[4] > 59 || parts[5] > 59) return undefined;
  return date.getTime();
}

function isKeyType(token: string): boolean {
  return /^(ssh-|ecdsa-sha2-|sk-)/.test(token);
}

/** Splits on whitespace outside double quotes; undefined on an unterminated quote. */
function tokenizeAllowedSignersLine(line: string): string[] | undefined {
  const tokens: string[] = [];
  let cur = '';
  let inQuote = false;
  for (const ch of line) {
    if (ch === '"') inQuote = !inQuote;
    if (!inQuote && (ch === ' ' || ch === '\t')) {
      if (cur !== '') tokens.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (inQuote) return undefined;
  if (cur !== '') tokens.push(cur);
  return tokens;
}
