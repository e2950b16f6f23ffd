/**
 * Secrets whose name is data, not a key: `{ config_type: 'db_password', old_value, new_value }`,
 * `{ key: 'exchange.binance.secret', value }`, HAR's `{ name: 'Authorization', value }`, and
 * `[name, value]` pairs (`Object.entries`, `Headers` tuples, Node's flat `req.rawHeaders`). The key
 * rules judge field names only; here a field that *names* a setting (or the item before a value in
 * a pair list) is judged by the same key vocabulary, and when it names a secret the values it names
 * are replaced whole. The walk of an event and the config snapshot share these rules.
 */
import { isSensitiveUnder } from './config-lines.js';
import { FIX_PASSWORD_TAGS, normalizeKey } from './keys.js';
import { looksLikeValue } from './pairs-spaced.js';
import type { Redactor } from './redactor.js';
import { isCredentialShaped } from './shapes.js';

/** Fields that name the setting or header an object describes (normalised: case and separators dropped). */
const NAME_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'key',
  'k',
  'path',
  'keypath',
  'configpath',
  'setting',
  'settingname',
  'settingkey',
  'configtype',
  'configkey',
  'configname',
  'param',
  'parameter',
  'paramname',
  'field',
  'fieldname',
  'variable',
  'option',
  'property',
  'header',
  'headername',
  'env',
  'envvar',
  // A FIX field's tag number (`{tag: 554, value}`, rules 12): see namesSecret.
  'tag',
]);

/** Fields that hold the value of the setting named beside them (normalised). */
const VALUE_FIELDS: ReadonlySet<string> = new Set([
  'value',
  'values',
  'val',
  'v',
  'configvalue',
  'settingvalue',
  'paramvalue',
  'parametervalue',
  'fieldvalue',
  'optionvalue',
  'propertyvalue',
  'variablevalue',
  'headervalue',
  'envvalue',
  'oldvalue',
  'newvalue',
  'oldval',
  'newval',
  'old',
  'new',
  'previous',
  'previousvalue',
  'current',
  'currentvalue',
  'before',
  'after',
  'from',
  'to',
  'default',
  'defaultvalue',
]);

/**
 * A name of a setting or header is a short word-like string (any script), not a sentence. It may
 * start with a digit, `/` or `#` and hold `#` and brackets (rules 13): an AWS SSM parameter's
 * `/prod/db/password`, a config path or JSON pointer from the root, a form field's
 * `user[password]`, a lodash path's `credentials[0].password`, `2fa_secret`, `db#password`.
 */
const NAME_SHAPE = /^[\p{L}\p{N}_$/#[][\p{L}\p{N}_$.:/#[\] -]{0,127}$/u;

/**
 * A cheap first look before the key vocabulary is consulted: only strings holding one of its
 * stems (in English or another language, key-foreign.ts), or a letter outside ASCII, can name a
 * secret (the full rules then decide, cached per name).
 */
const STEM =
  /pass|pwd|secret|key|token|auth|cookie|session|sessid|cred|sig|sid|jwt|otp|pin|cvv|cvc|ssn|psk|bearer|phrase|contrase|code|wort|woord|senha|haslo|heslo|geslo|losenord|salasana|jelszo|slaptazodis|lozinka|kodeord|geheim|segredo|segreto|sekret|cle|clave|chave|sleutel|klucz|chiave|nyckel|nogle|avain|kulcs|[^\x00-\x7f]/i;

/**
 * Key words that are sensitive only as a key's last word (`db_pass`, `basic_auth`, `api_sig`) and
 * are everyday words alone: as data they are mostly a status or a mode (`"result": "pass"`, a
 * risk check's `{ name: 'auth', passed, value, limit }`, `['pass', 'reject']`), and the value beside
 * them a status too. Named by one of them alone, a value goes only when it reads as a secret.
 */
const WEAK_NAMES: ReadonlySet<string> = new Set(['pass', 'auth', 'pw', 'sig', 'sign', 'bearer']);

/** True if `v` is one of WEAK_NAMES alone (any case): see weakNameHides. */
export function isWeakName(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 6 && WEAK_NAMES.has(v.toLowerCase());
}

/**
 * Whether a value named by a weak name alone goes: a string that does not read as a word
 * (`hunter2`, `S3cr3t!`: the spaced-pair rule's test) or is credential-shaped; a status word
 * (`pass`, `reject`, `ok`), a number or a boolean stays.
 */
export function weakNameHides(v: unknown): boolean {
  return typeof v === 'string' && (looksLikeValue(v) || isCredentialShaped(v));
}

/** True for a field that names a setting (`name`, `key`, `configType`, `setting`, …). */
export function isNameField(field: string): boolean {
  return NAME_FIELDS.has(normalizeKey(field));
}

/** True for a field that holds the named setting's value (`value`, `oldValue`, `new_value`, …). */
export function isValueField(field: string): boolean {
  return VALUE_FIELDS.has(normalizeKey(field));
}

/** True if `v` is a string naming a secret by the key rules (`db_password`, `X-Api-Key`, `exchange.binance.secret`). */
export function namesSecret(redactor: Redactor, v: unknown): boolean {
  if (!redactor.enabled) return false;
  // A FIX logon password's tag, as a number or a string (`{tag: 554, value}`): keys.ts FIX_PASSWORD_TAGS.
  if (typeof v === 'number') return FIX_PASSWORD_TAGS.has(String(v));
  return (
    typeof v === 'string' &&
    (FIX_PASSWORD_TAGS.has(v) || (NAME_SHAPE.test(v) && STEM.test(v) && redactor.isSensitiveKey(v)))
  );
}

/**
 * Config files' form of planNamesSecret: how the name entries' texts name a secret, `all`, `weak`
 * (only by a weak name alone: `{name: auth, value: ok}`) or undefined.
 */
export function namingOf(redactor: Redactor, names: readonly unknown[]): 'all' | 'weak' | undefined {
  let found: 'weak' | undefined;
  for (const v of names) {
    if (!namesSecret(redactor, v)) continue;
    if (!isWeakName(v)) return 'all';
    found = 'weak';
  }
  return found;
}

/** Whether a value entry goes under that naming: always under `all`; under `weak` when weakNameHides its text. */
export function namedValueGoes(naming: 'all' | 'weak' | undefined, value: unknown): boolean {
  return naming === 'all' || (naming === 'weak' && weakNameHides(value));
}

/** A command-line flag's name: one or two dashes, then a word (`--password`, `-api-key`), no `=value`. */
const FLAG_SHAPE = /^--?([A-Za-z][\w.-]{1,63})$/;

/**
 * True if `v` is a command-line flag naming a secret (`--password`, `--api-key`): in an argv list
 * (`['db-tool', '--password', X]`, any length, any position) the item after it is its value.
 * A flag written `--password=X` is one string; the free-text rules redact it.
 */
export function flagNamesSecret(redactor: Redactor, v: unknown): boolean {
  if (!redactor.enabled || typeof v !== 'string' || v.charCodeAt(0) !== 45 /* - */) return false;
  const m = FLAG_SHAPE.exec(v);
  return m !== null && STEM.test(m[1] as string) && redactor.isSensitiveKey(m[1] as string);
}

/** Where an object's name fields and value fields are, by member position; undefined without both. */
export interface NamedPlan {
  readonly names: readonly number[];
  readonly values: readonly boolean[];
  /** A JSON Web Key's private members (see JWK_PRIVATE), by position; `kty`'s position. */
  readonly jwk?: { readonly kty: number; readonly members: readonly boolean[] };
  /** A websocket login's `op` and `args` positions (see wsAuthPlan). */
  readonly wsAuth?: { readonly op: number; readonly args: readonly boolean[] };
}

/**
 * A websocket login frame as an object (rules 18): Bybit's `{ op: 'auth', args: [apiKey, expires,
 * signature] }` (its v5 API's "Authentication"). `args` names nothing a key rule could call
 * sensitive: an object whose `op` is `auth` loses its `args` whole.
 */
function wsAuthPlan(fields: readonly string[]): NamedPlan['wsAuth'] {
  const op = fields.indexOf('op');
  const args = fields.indexOf('args');
  if (op === -1 || args === -1) return undefined;
  return { op, args: fields.map((_f, i) => i === args) };
}

/**
 * The private members of a JSON Web Key (RFC 7517; RFC 7518 §6.3.2, §6.4.1): an RSA/EC/OKP key's
 * `d`, RSA's `p`, `q`, `dp`, `dq`, `qi` and `oth`, a symmetric key's `k`. Names no key rule could
 * call sensitive: an object with a string `kty` member is a JWK and loses their values whole
 * (`kid`, `alg`, `crv` and the public `n`, `e`, `x`, `y` stay), as jwk.ts does for JWK text.
 */
const JWK_PRIVATE: ReadonlySet<string> = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

/** The JWK part of a plan: `kty` and at least one private member among the fields. */
function jwkPlan(fields: readonly string[]): NamedPlan['jwk'] {
  const kty = fields.indexOf('kty');
  if (kty === -1) return undefined;
  const members = fields.map((f) => JWK_PRIVATE.has(f));
  return members.includes(true) ? { kty, members } : undefined;
}

/** The plan for an object's member names (worked out once per shape). */
export function namedPlan(fields: readonly string[]): NamedPlan | undefined {
  let names: number[] | undefined;
  let values: boolean[] | undefined;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as string;
    if (isNameField(f)) (names ??= []).push(i);
    else if (isValueField(f)) (values ??= new Array<boolean>(fields.length).fill(false))[i] = true;
  }
  const jwk = jwkPlan(fields);
  const wsAuth = wsAuthPlan(fields);
  const extra = { ...(jwk === undefined ? {} : { jwk }), ...(wsAuth === undefined ? {} : { wsAuth }) };
  if (names !== undefined && values !== undefined) return { names, values, ...extra };
  return jwk === undefined && wsAuth === undefined
    ? undefined
    : { names: [], values: new Array<boolean>(fields.length).fill(false), ...extra };
}

/**
 * Whether the object's name fields name a secret, so its value fields are replaced: `all` (every
 * value field goes), `weak` (named only by a weak name alone: a value field goes when
 * weakNameHides says so), or undefined. `read(i)` reads member i (it may throw: the caller's
 * getters; an unreadable name names nothing).
 */
export function planNamesSecret(
  redactor: Redactor,
  plan: NamedPlan,
  read: (i: number) => unknown,
): 'all' | 'weak' | undefined {
  let found: 'weak' | undefined;
  for (const i of plan.names) {
    let v: unknown;
    try {
      v = read(i);
    } catch {
      continue;
    }
    if (namesSecret(redactor, v)) {
      if (!isWeakName(v)) return 'all';
      found = 'weak';
    }
  }
  return found;
}

/**
 * The value fields to replace in an object with this plan: all of them when a name field names a
 * secret, those whose value reads as a secret when only a weak name alone does (weakNameHides),
 * else undefined. `read(i)` reads member i (it may throw; an unreadable value is not looked at).
 */
export function namedHide(
  redactor: Redactor,
  plan: NamedPlan,
  read: (i: number) => unknown,
): readonly boolean[] | undefined {
  const hide = withWsAuth(namedValuesHide(redactor, plan, read), plan, redactor, read);
  const jwk = plan.jwk;
  if (jwk === undefined || !redactor.enabled) return hide;
  let kty: unknown;
  try {
    kty = read(jwk.kty);
  } catch {
    return hide;
  }
  if (typeof kty !== 'string') return hide;
  return hide === undefined ? jwk.members : jwk.members.map((m, i) => m || hide[i] === true);
}

/** `hide` plus a websocket login's `args` when its `op` is `auth` (see wsAuthPlan). */
function withWsAuth(
  hide: readonly boolean[] | undefined,
  plan: NamedPlan,
  redactor: Redactor,
  read: (i: number) => unknown,
): readonly boolean[] | undefined {
  const ws = plan.wsAuth;
  if (ws === undefined || !redactor.enabled) return hide;
  let op: unknown;
  try {
    op = read(ws.op);
  } catch {
    return hide;
  }
  if (op !== 'auth') return hide;
  return hide === undefined ? ws.args : ws.args.map((m, i) => m || hide[i] === true);
}

/** namedHide's name/value part (see there). */
function namedValuesHide(
  redactor: Redactor,
  plan: NamedPlan,
  read: (i: number) => unknown,
): readonly boolean[] | undefined {
  if (plan.names.length === 0) return undefined;
  const naming = planNamesSecret(redactor, plan, read);
  if (naming !== 'weak') return naming === 'all' ? plan.values : undefined;
  return plan.values.map((isValue, i) => {
    if (!isValue) return false;
    try {
      return weakNameHides(read(i));
    } catch {
      return false;
    }
  });
}

/**
 * A list of even length is read as pairs (`['Authorization', 'Bearer …', 'Host', 'x']`, each
 * `[name, value]` tuple of `Object.entries` or `Headers`): the item after an item at an even
 * position that names a secret is replaced whole.
 */
export function isPairList(redactor: Redactor, length: number): boolean {
  return redactor.enabled && length >= 2 && length % 2 === 0;
}

/**
 * True if an object used as a Map key names a secret: one of its own keys is sensitive
 * (`{ password: 1 }`) or one of its own values names a secret (`{ name: 'api_key' }`). Such a key
 * is written as its string form (`[object Object]`), which says nothing of the value beside it.
 */
export function keyObjectNamesSecret(redactor: Redactor, k: unknown): boolean {
  if (!redactor.enabled || k === null || (typeof k !== 'object' && typeof k !== 'function')) return false;
  try {
    const keys = Object.keys(k);
    for (let i = 0; i < keys.length && i < 64; i++) {
      const key = keys[i] as string;
      if (redactor.isSensitiveKey(key) || namesSecret(redactor, (k as Record<string, unknown>)[key])) return true;
    }
  } catch {
    // An unreadable key object: its string form decides, as before.
  }
  return false;
}

/**
 * Positions of members with a generic name (`key`, `keys`) that are not sensitive alone: under a
 * parent that makes them a credential (`binance: { key }` is `binance_key`) their values go.
 */
export function genericMembers(names: readonly string[], r: Redactor): readonly number[] | undefined {
  let out: number[] | undefined;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const n = normalizeKey(name);
    if ((n === 'key' || n === 'keys') && !r.isSensitiveKey(name)) (out ??= []).push(i);
  }
  return out;
}

/**
 * True if a generic member under the object at `path` names a secret: the path's last name
 * (`venues.binance` → `binance`, `keys[2]` → `keys`) with `_key` is judged by the key rules.
 */
export function genericUnderPathIsSecret(path: string, r: Redactor): boolean {
  if (!r.enabled) return false;
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 93 /* ] */) {
    const open = path.lastIndexOf('[', end - 1);
    if (open === -1) break;
    end = open;
  }
  const dot = path.lastIndexOf('.', end - 1);
  const parent = path.slice(dot + 1, end);
  return parent !== '' && isSensitiveUnder(parent, 'key', r);
}

/** The value positions to hide: the named plan's, and the generic members' under a secret parent. */
export function withGeneric(
  hide: readonly boolean[] | undefined,
  generic: readonly number[] | undefined,
  path: string,
  n: number,
  r: Redactor,
): readonly boolean[] | undefined {
  if (generic === undefined || !genericUnderPathIsSecret(path, r)) return hide;
  const out = hide === undefined ? new Array<boolean>(n).fill(false) : [...hide];
  for (const i of generic) out[i] = true;
  return out;
}
