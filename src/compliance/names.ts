/**
 * How the checks compare names a person chose: restricted symbols and forbidden or approving
 * decisions. A log is written by many systems, so "USD/RUB", "usdrub" and "USDRUB" with an invisible
 * character are the same symbol, and "Override-Limits" the same decision as "override_limits"
 * (docs/compliance.md, "Matching names").
 */
import type { CompliancePolicy } from './policy.js';

// Format characters (zero-width, bidi controls, soft hyphen: Unicode category Cf) and separators.
const IGNORED = /[\p{Cf}\p{Z}\s/\\\-_.:|]+/gu;

/** A name as compared: Unicode NFKC, lower case, without format characters and separators. */
export function nameKey(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(IGNORED, '');
}

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
}
const keysOf = new WeakMap<CompliancePolicy, PolicyKeys>();

function policyKeys(p: CompliancePolicy): PolicyKeys {
  let k = keysOf.get(p);
  if (k === undefined) {
    k = {
      restricted: new Set(p.restricted_symbols.map(nameKey)),
      forbidden: new Set(p.forbidden_decisions.map(nameKey)),
    };
    keysOf.set(p, k);
  }
  return k;
}

/** Whether `symbol` is one of the policy's restricted symbols. */
export function isRestricted(p: CompliancePolicy, symbol: string | null): boolean {
  if (symbol === null || p.restricted_symbols.length === 0) return false;
  return policyKeys(p).restricted.has(nameKey(symbol));
}

/** Whether `decision` is one of the policy's forbidden decisions. */
export function isForbidden(p: CompliancePolicy, decision: string): boolean {
  return p.forbidden_decisions.length > 0 && policyKeys(p).forbidden.has(nameKey(decision));
}
