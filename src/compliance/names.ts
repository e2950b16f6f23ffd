/**
 * How the checks compare names a person chose: restricted symbols, the policy's per-symbol limits,
 * kill switch scopes and forbidden or approving decisions. A log is written by many systems, so
 * "USD/RUB", "usdrub" and "USDRUB" with an invisible character are the same symbol, and
 * "Override-Limits" the same decision as "override_limits" (docs/compliance.md, "Matching names").
 */
import { cachedNameKey, nameKey } from './name-key.js';
import type { CompliancePolicy, SymbolPolicy } from './policy.js';

export { nameKey } from './name-key.js';

/** Decisions that approve a signal; any other decision (reject, declined, hold, …) does not. */
const APPROVING = new Set(['approve', 'approved', 'accept', 'accepted', 'allow', 'allowed', 'pass', 'passed', 'ok']);

/** Whether a decision explicitly approves (compared as `nameKey`). */
export function isApproving(decision: string): boolean {
  return APPROVING.has(nameKey(decision));
}

/** The policy's restricted symbols and forbidden decisions as keys, computed once per policy. */
interface PolicyKeys {
  readonly restricted: ReadonlySet<string>;
  readonly forbidden: ReadonlySet<string>;
  /** The `symbols:` table by key (the policy refuses two entries with one key). */
  readonly symbols: ReadonlyMap<string, SymbolPolicy>;
}
const keysOf = new WeakMap<CompliancePolicy, PolicyKeys>();

function policyKeys(p: CompliancePolicy): PolicyKeys {
  let k = keysOf.get(p);
  if (k === undefined) {
    k = {
      restricted: new Set(p.restricted_symbols.map(nameKey)),
      forbidden: new Set(p.forbidden_decisions.map(nameKey)),
      symbols: new Map(Object.entries(p.symbols).map(([sym, v]) => [nameKey(sym), v])),
    };
    keysOf.set(p, k);
  }
  return k;
}

/** Whether `symbol` is one of the policy's restricted symbols. */
export function isRestricted(p: CompliancePolicy, symbol: string | null): boolean {
  if (symbol === null || p.restricted_symbols.length === 0) return false;
  return policyKeys(p).restricted.has(cachedNameKey(symbol));
}

/** Whether `decision` is one of the policy's forbidden decisions. */
export function isForbidden(p: CompliancePolicy, decision: string): boolean {
  return p.forbidden_decisions.length > 0 && policyKeys(p).forbidden.has(nameKey(decision));
}

/** The policy's `symbols:` entry for `symbol` (matched by key), if it has one. */
export function symbolPolicy(p: CompliancePolicy, symbol: string | null): SymbolPolicy | undefined {
  if (symbol === null) return undefined;
  const t = policyKeys(p).symbols;
  return t.size === 0 ? undefined : t.get(cachedNameKey(symbol));
}

/** Prefix of a kill switch held under a scope the checks do not know (treated as `all`). */
export const UNKNOWN_SCOPE = '?';

/** The kill switch scopes the checks know: everything, or one strategy, venue or symbol. */
const KNOWN_SCOPE = /^(strategy|venue|symbol):(\S(?:.*\S)?)$/;

/**
 * The key a kill switch scope is held under: `all`, or the kind and the name's key
 * (`symbol:EUR/USD` is `symbol:eurusd`); null for a scope the checks do not know, or one whose name
 * is nothing but separators (it would match every order whose name is such).
 */
export function scopeKey(raw: string): string | null {
  if (raw === 'all') return 'all';
  const m = KNOWN_SCOPE.exec(raw);
  if (m === null) return null;
  const k = nameKey(m[2] as string);
  return k === '' ? null : `${m[1]}:${k}`;
}

/** The key an order's strategy, venue or symbol is looked up under among the kill switches. */
export function scopeKeyOf(kind: 'strategy' | 'venue' | 'symbol', name: string): string {
  return `${kind}:${cachedNameKey(name)}`;
}
