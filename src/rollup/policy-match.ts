/**
 * The policies the host packs' own compliance reports recorded. Without --policy the merged report
 * runs under the policies the verified hosts recorded in common (each text hash-checked against
 * the sha256 its report names), not the roll-up machine's (which may be weaker than a host's: a
 * finding of the host's own report would then be absent from the firm-wide one, silently). Each
 * verified host whose recorded policies differ from the ones the merged report ran under is named.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type ComplianceReport, type PolicyTimeline, timelineOfReport } from '../compliance/index.js';
import { PACK_PATH } from '../format/pack.js';
import { readRegularFile } from '../fsx/read-bounded.js';
import type { HostPack, RollupFinding } from './hosts.js';

/** Bound on a host pack's compliance report read for its policies. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** A host pack's own report's policies (as recorded), or undefined when it has none to read. */
function recordedPolicies(packDir: string): ComplianceReport['policies'] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(readRegularFile(join(packDir, PACK_PATH.complianceReport), MAX_REPORT_BYTES).toString('utf8'));
  } catch {
    return undefined; // a pack without a compliance report (made before it had one), or too large
  }
  const policies = (doc as { policies?: unknown } | null)?.policies;
  return Array.isArray(policies) ? (policies as ComplianceReport['policies']) : undefined;
}

/** The sha256 of each policy a host pack's own report recorded; undefined when it has none to read. */
function hostPolicies(packDir: string): string[] | undefined {
  return recordedPolicies(packDir)?.map((p) => String((p as { sha256?: unknown } | null)?.sha256));
}

/** Whether every recorded policy's text is the one its sha256 names (the report binds them). */
function hashChecked(policies: ComplianceReport['policies']): boolean {
  return policies.every(
    (p) =>
      typeof p?.text === 'string' &&
      typeof p.sha256 === 'string' &&
      createHash('sha256').update(p.text, 'utf8').digest('hex') === p.sha256,
  );
}

/**
 * The policy timeline every verified host with a compliance report recorded, when they all recorded
 * the same one (the same policies from the same times, each text matching its hash); undefined when
 * none recorded one, they differ, or a text does not parse. ROLLUP_POLICY_MISMATCH then names them.
 */
export function hostsCommonTimeline(packs: readonly HostPack[]): PolicyTimeline | undefined {
  let common: ComplianceReport['policies'] | undefined;
  let key: string | undefined;
  for (const p of packs) {
    if (p.verdict !== 'ok') continue;
    const own = recordedPolicies(p.packDir);
    if (own === undefined) continue;
    if (own.length === 0 || !hashChecked(own)) return undefined;
    const k = JSON.stringify(own.map((x) => [x.sha256, x.from]));
    if (key !== undefined && k !== key) return undefined;
    key = k;
    common ??= own;
  }
  if (common === undefined) return undefined;
  try {
    return timelineOfReport({ policies: common });
  } catch {
    return undefined; // a recorded text that does not parse: the fallback policy, and the hosts named
  }
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
