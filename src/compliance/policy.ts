/**
 * The compliance policy: a config file (`configs/compliance_policy.yaml` by default; YAML 1.2 or
 * JSON, read with the `yaml` package), validated into a frozen object. Because it lives among the
 * configs it is snapshotted like every config, so the limits in force at an event's time are those
 * of the snapshot in force then (see timeline.ts).
 */
import { createHash } from 'node:crypto';
import { isMap, isScalar, parseDocument, parse as parseYaml } from 'yaml';
import { AuditpackError } from '../errors.js';
import { RULE_IDS, RULES, SEVERITIES, type RuleId, type Severity } from './types.js';
import { nameKey } from './name-key.js';

/** Where the policy file is looked for, relative to the working directory. */
export const DEFAULT_POLICY_PATH = 'configs/compliance_policy.yaml';

/** Per-symbol limits and contract facts. */
export interface SymbolPolicy {
  /** Contract multiplier in the notional (quantity × price × multiplier); default 1. */
  readonly multiplier: number;
  readonly max_order_notional: number | null;
  readonly max_order_quantity: number | null;
  readonly price_collar_pct: number | null;
}

/** The validated policy. `null` limits are not checked. */
export interface CompliancePolicy {
  readonly require_risk_check: boolean;
  /** How long a passing risk check stays valid for the order it names (seconds). */
  readonly risk_check_validity_s: number;
  readonly max_risk_score: number | null;
  readonly max_order_notional: number | null;
  readonly max_order_quantity: number | null;
  readonly price_collar_pct: number | null;
  readonly max_messages_per_second: number | null;
  readonly max_order_to_trade_ratio: number | null;
  readonly duplicate_window_ms: number;
  readonly failed_login_burst: { readonly count: number; readonly window_s: number };
  readonly require_login: boolean;
  readonly config_snapshot_window_s: number;
  readonly restricted_symbols: readonly string[];
  readonly forbidden_decisions: readonly string[];
  /** Orders that carry a signal id need an earlier decision on that signal by one of these reviewer kinds ([] = any). */
  readonly require_review: boolean;
  readonly review_reviewer_kinds: readonly string[];
  /** Closed orders are remembered this long, to catch late fills and reused ids (bounded memory). */
  readonly closed_order_memory_s: number;
  /** At most this many findings are listed (all are counted). */
  readonly max_findings: number;
  /**
   * At most this many orders are held open (the oldest dropped first, `open_orders_over_cap`): open
   * orders are the one thing the checks hold that no horizon ends, and each costs memory and about
   * 400 bytes of the carried state, which its readers take up to MAX_STATE_BYTES.
   */
  readonly max_open_orders: number;
  /**
   * At most this many bytes of names (id, symbol, strategy, venue, time in force, counted as
   * written-cost.ts does, never under their JSON) are held among the open orders (the oldest
   * dropped first, `open_orders_over_cap`): the count cap alone let long names grow memory and
   * make a state its readers refuse (COMPLIANCE_STATE_TOO_LARGE, no pack).
   */
  readonly max_open_order_bytes: number;
  readonly symbols: Readonly<Record<string, SymbolPolicy>>;
  readonly severities: Readonly<Record<RuleId, Severity>>;
  readonly disabled_rules: readonly RuleId[];
}

/**
 * `max_open_orders` when the policy does not set it: at about 400 bytes an order (40-character
 * ids), half a million open orders are a state of about 200 MB, within the 256 MiB its readers take.
 */
export const DEFAULT_MAX_OPEN_ORDERS = 500_000;

/**
 * `max_open_order_bytes` when the policy does not set it: 96 MiB of names, above the 78 MiB of
 * 500,000 (DEFAULT_MAX_OPEN_ORDERS) orders with an id, symbol, strategy and venue of 40 plain
 * characters each, so such orders are never dropped by it. The state file's own limit is held at
 * each day's end (carry.ts fitOpenOrders), whatever this is.
 */
export const DEFAULT_MAX_OPEN_ORDER_BYTES = 96 * 1024 * 1024;

/** The policy used when there is no policy file. */
export const DEFAULT_POLICY_SOURCE = `# auditpack compliance policy (built-in defaults)
require_risk_check: true
risk_check_validity_s: 300
max_risk_score: 0.8
max_order_notional: 1000000
max_order_quantity: 1000000
price_collar_pct: 2.0
max_messages_per_second: 20
max_order_to_trade_ratio: 100
duplicate_window_ms: 1000
failed_login_burst: { count: 3, window_s: 300 }
require_login: true
config_snapshot_window_s: 300
restricted_symbols: []
forbidden_decisions: [override_limits, proceed_despite_reject]
require_review: true
review_reviewer_kinds: []
closed_order_memory_s: 3600
max_findings: 10000
symbols: {}
severities: {}
disabled_rules: []
`;

const KEYS = new Set([
  'require_risk_check',
  'risk_check_validity_s',
  'max_risk_score',
  'max_order_notional',
  'max_order_quantity',
  'price_collar_pct',
  'max_messages_per_second',
  'max_order_to_trade_ratio',
  'duplicate_window_ms',
  'failed_login_burst',
  'require_login',
  'config_snapshot_window_s',
  'restricted_symbols',
  'forbidden_decisions',
  'require_review',
  'review_reviewer_kinds',
  'closed_order_memory_s',
  'max_findings',
  'max_open_orders',
  'max_open_order_bytes',
  'symbols',
  'severities',
  'disabled_rules',
  'version',
  'description',
]);

/** A parsed policy with where it came from. */
export interface LoadedPolicy {
  readonly policy: CompliancePolicy;
  /** The file's text as read (for a snapshot: the stored copy). */
  readonly text: string;
  /** SHA-256 of the text's bytes. */
  readonly sha256: string;
  /** Where: a path, or `built-in`. */
  readonly path: string;
}

/** The largest policy file accepted, in bytes (UTF-8): 1 MiB. */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** CONFIG_INVALID for a policy of `size` bytes, above MAX_POLICY_BYTES. */
export function policyTooLarge(where: string, size: number): AuditpackError {
  return new AuditpackError(
    'CONFIG_INVALID',
    `${where}: the policy is ${size} bytes, above the limit of ${MAX_POLICY_BYTES} bytes (1 MiB)`,
    { details: { path: where, size, max: MAX_POLICY_BYTES } },
  );
}

/** ` at line L, column C` for a YAML error's start (as the parser's prettyErrors said), or ''. */
function errorPlace(text: string, err: unknown): string {
  const pos = (err as { pos?: unknown }).pos;
  const at = Array.isArray(pos) && typeof pos[0] === 'number' ? pos[0] : -1;
  if (at < 0 || at > text.length) return '';
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return ` at line ${line}, column ${at - start + 1}`;
}

/** Parses and validates a policy's text. CONFIG_INVALID with the place and the problem. */
export function parsePolicy(text: string, where: string): LoadedPolicy {
  // Checked before parsing: a many-megabyte policy costs minutes and gigabytes to parse and makes
  // every order's list lookups slow, and no real policy comes near the cap.
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_POLICY_BYTES) throw policyTooLarge(where, size);
  let raw: unknown;
  try {
    // Not the parser's prettyErrors: it re-cuts the error's whole line for every error (quadratic on
    // one long line of errors); the line and column of the one error reported are found here once.
    raw = parseYaml(text, { prettyErrors: false, uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    const msg = `${(err as Error).message}${errorPlace(text, err)}`;
    throw new AuditpackError('CONFIG_INVALID', `${where}: not valid YAML or JSON: ${msg}`, {
      cause: err,
      details: { path: where },
    });
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid(where, 'the policy must be a mapping of settings');
  const base = parseYaml(DEFAULT_POLICY_SOURCE) as Record<string, unknown>;
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!KEYS.has(k)) throw invalid(where, `unknown setting ${JSON.stringify(k)}`);
  const get = (k: string): unknown => (Object.hasOwn(r, k) ? r[k] : base[k]);
  const policy: CompliancePolicy = {
    require_risk_check: bool(get('require_risk_check'), 'require_risk_check', where),
    risk_check_validity_s: num(get('risk_check_validity_s'), 'risk_check_validity_s', where),
    max_risk_score: optNum(get('max_risk_score'), 'max_risk_score', where),
    max_order_notional: optNum(get('max_order_notional'), 'max_order_notional', where),
    max_order_quantity: optNum(get('max_order_quantity'), 'max_order_quantity', where),
    price_collar_pct: optNum(get('price_collar_pct'), 'price_collar_pct', where),
    max_messages_per_second: optNum(get('max_messages_per_second'), 'max_messages_per_second', where),
    max_order_to_trade_ratio: optNum(get('max_order_to_trade_ratio'), 'max_order_to_trade_ratio', where),
    duplicate_window_ms: num(get('duplicate_window_ms'), 'duplicate_window_ms', where),
    failed_login_burst: burst(get('failed_login_burst'), where),
    require_login: bool(get('require_login'), 'require_login', where),
    config_snapshot_window_s: num(get('config_snapshot_window_s'), 'config_snapshot_window_s', where),
    restricted_symbols: strings(get('restricted_symbols'), 'restricted_symbols', where),
    forbidden_decisions: strings(get('forbidden_decisions'), 'forbidden_decisions', where),
    require_review: bool(get('require_review'), 'require_review', where),
    review_reviewer_kinds: strings(get('review_reviewer_kinds'), 'review_reviewer_kinds', where),
    closed_order_memory_s: num(get('closed_order_memory_s'), 'closed_order_memory_s', where),
    max_findings: num(get('max_findings'), 'max_findings', where),
    max_open_orders: Object.hasOwn(r, 'max_open_orders')
      ? count(r.max_open_orders, 'max_open_orders', where)
      : DEFAULT_MAX_OPEN_ORDERS,
    max_open_order_bytes: Object.hasOwn(r, 'max_open_order_bytes')
      ? count(r.max_open_order_bytes, 'max_open_order_bytes', where)
      : DEFAULT_MAX_OPEN_ORDER_BYTES,
    symbols: symbols(get('symbols'), where, Object.hasOwn(r, 'symbols') ? keysAsWritten(text) : undefined),
    severities: severities(get('severities'), where),
    disabled_rules: strings(get('disabled_rules'), 'disabled_rules', where).map((id) =>
      ruleId(id, 'disabled_rules', where),
    ),
  };
  return Object.freeze({
    policy: deepFreeze(policy),
    text,
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    path: where,
  });
}

/** The built-in policy. */
export function defaultPolicy(): LoadedPolicy {
  return parsePolicy(DEFAULT_POLICY_SOURCE, 'built-in');
}

function invalid(where: string, what: string): AuditpackError {
  return new AuditpackError('CONFIG_INVALID', `${where}: ${what}`, { details: { path: where } });
}
function bool(v: unknown, k: string, where: string): boolean {
  if (typeof v !== 'boolean') throw invalid(where, `${k} must be true or false`);
  return v;
}
function num(v: unknown, k: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(where, `${k} must be a number ≥ 0`);
  return v;
}
/** A whole number ≥ 1. */
function count(v: unknown, k: string, where: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw invalid(where, `${k} must be a whole number ≥ 1`);
  return v as number;
}
function optNum(v: unknown, k: string, where: string): number | null {
  return v === null ? null : num(v, k, where);
}
function strings(v: unknown, k: string, where: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw invalid(where, `${k} must be a list of strings`);
  return [...(v as string[])];
}
function ruleId(id: string, k: string, where: string): RuleId {
  if (!(RULE_IDS as readonly string[]).includes(id))
    throw invalid(where, `${k}: unknown rule ${JSON.stringify(id)} (rules: ${RULE_IDS.join(', ')})`);
  return id as RuleId;
}
function burst(v: unknown, where: string): { count: number; window_s: number } {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalid(where, 'failed_login_burst must be { count, window_s }');
  const o = v as Record<string, unknown>;
  return {
    count: num(o.count, 'failed_login_burst.count', where),
    window_s: num(o.window_s, 'failed_login_burst.window_s', where),
  };
}
/**
 * The `symbols:` keys YAML reads as something else than the text written, by what it read: YAML 1.2
 * reads `0700:` (the Hong Kong ticker) as the integer 700, `0005:` as 5 and `1e3:` as 1000, so the
 * limits would bind a symbol "700" nobody trades. A key is the symbol as written (docs/compliance.md,
 * "The policy"). Only plain scalar keys are renamed; quoted and JSON keys are strings already.
 */
function keysAsWritten(text: string): { renamed: ReadonlyMap<string, string>; count: number } | undefined {
  const m = parseDocument(text, { uniqueKeys: true }).get('symbols', true);
  if (!isMap(m)) return undefined;
  const renamed = new Map<string, string>();
  for (const { key } of m.items)
    if (isScalar(key) && typeof key.value !== 'string' && typeof key.source === 'string')
      renamed.set(String(key.value), key.source);
  return { renamed, count: m.items.length };
}

function symbols(v: unknown, where: string, written?: ReturnType<typeof keysAsWritten>): Record<string, SymbolPolicy> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalid(where, 'symbols must be a mapping of symbol to limits');
  // `0700:` and `"700":` are two keys YAML reads as one ("700"): which limits apply is not known.
  if (written !== undefined && written.count !== Object.keys(v).length)
    throw invalid(where, 'symbols has two keys read as one symbol (such as 0700: and "700":)');
  const out: Record<string, SymbolPolicy> = Object.create(null) as Record<string, SymbolPolicy>;
  // Symbols are matched by their key (docs/compliance.md, "Matching names"): two entries with one
  // key (`XAUUSD` and `XAU/USD`) would leave which limits apply to the order of the file.
  const keys = new Map<string, string>();
  for (const [read, s] of Object.entries(v as Record<string, unknown>)) {
    const sym = written?.renamed.get(read) ?? read;
    const key = nameKey(sym);
    if (key === '') throw invalid(where, `symbols.${sym} names no symbol (nothing but separators)`);
    const other = keys.get(key);
    if (other !== undefined)
      throw invalid(where, `symbols.${sym} and symbols.${other} name the same symbol (matched as ${key})`);
    keys.set(key, sym);
    if (typeof s !== 'object' || s === null || Array.isArray(s))
      throw invalid(where, `symbols.${sym} must be a mapping`);
    const o = s as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!['multiplier', 'max_order_notional', 'max_order_quantity', 'price_collar_pct'].includes(k))
        throw invalid(where, `symbols.${sym}: unknown setting ${JSON.stringify(k)}`);
    const m = o.multiplier === undefined ? 1 : num(o.multiplier, `symbols.${sym}.multiplier`, where);
    out[sym] = {
      multiplier: m,
      max_order_notional:
        o.max_order_notional === undefined
          ? null
          : optNum(o.max_order_notional, `symbols.${sym}.max_order_notional`, where),
      max_order_quantity:
        o.max_order_quantity === undefined
          ? null
          : optNum(o.max_order_quantity, `symbols.${sym}.max_order_quantity`, where),
      price_collar_pct:
        o.price_collar_pct === undefined ? null : optNum(o.price_collar_pct, `symbols.${sym}.price_collar_pct`, where),
    };
  }
  return out;
}
function severities(v: unknown, where: string): Record<RuleId, Severity> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalid(where, 'severities must be a mapping of rule to severity');
  const out = Object.create(null) as Record<RuleId, Severity>;
  for (const id of RULE_IDS) out[id] = RULES[id].severity;
  for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
    if (typeof s !== 'string' || !(SEVERITIES as readonly string[]).includes(s))
      throw invalid(where, `severities.${k} must be one of ${SEVERITIES.join(', ')}`);
    out[ruleId(k, 'severities', where)] = s as Severity;
  }
  return out;
}
function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
