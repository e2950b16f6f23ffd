/**
 * Whether the merged compliance report ran under the policies the host packs' own reports recorded.
 * A roll-up run without --policy uses the roll-up machine's policy (or the built-in one), which may
 * be weaker than a host's: a finding in the host's own report would then be absent from the
 * firm-wide one, silently. Each verified host whose recorded policies differ is named.
 */
import { join } from 'node:path';
import type { ComplianceReport } from '../compliance/index.js';
import { PACK_PATH } from '../format/pack.js';
import { readRegularFile } from '../fsx/read-bounded.js';
import type { HostPack, RollupFinding } from './hosts.js';

/** Bound on a host pack's compliance report read for its policies. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** The sha256 of each policy a host pack's own report recorded; undefined when it has none to read. */
function hostPolicies(packDir: string): string[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(readRegularFile(join(packDir, PACK_PATH.complianceReport), MAX_REPORT_BYTES).toString('utf8'));
  } catch {
    return undefined; // a pack without a compliance report (made before it had one), or too large
  }
  const policies = (doc as { policies?: unknown } | null)?.policies;
  if (!Array.isArray(policies)) return undefined;
  return policies.map((p) => String((p as { sha256?: unknown } | null)?.sha256));
}

const short = (shas: readonly string[]): string => shas.map((s) => s.slice(0, 12)).join(', ');

export function policyMismatches(packs: readonly HostPack[], merged: ComplianceReport): RollupFinding[] {
  const used = [...new Set(merged.policies.map((p) => p.sha256))].sort();
  const out: RollupFinding[] = [];
  for (const p of packs) {
    if (p.verdict !== 'ok') continue;
    const own = hostPolicies(p.packDir);
    if (own === undefined) continue;
    const mine = [...new Set(own)].sort();
    if (mine.length === used.length && mine.every((s, i) => s === used[i])) continue;
    out.push({
      code: 'ROLLUP_POLICY_MISMATCH',
      severity: 'warning',
      host: p.host,
      detail: `${p.host}'s own compliance report ran under policy ${short(mine)}, the merged report under ${short(used)} (${merged.policy.source}): findings of ${p.host}'s policy may be absent from the firm-wide report (--policy to choose the firm's)`,
    });
  }
  return out;
}
