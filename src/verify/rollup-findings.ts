/**
 * What a roll-up claims beyond hosts.json: version 3 commits every other payload file by digest
 * (`findings_sha256`, `orders_sha256`, …) and the expected hosts, and the findings that follow from hosts.json and the
 * expected hosts are re-derived, so a removed (or invented) finding is named even when a forger
 * recomputed every manifest (docs/FORMAT.md, "Verifying a roll-up"). A version 2 roll-up commits
 * none of it: it verifies as before, with a warning that says so.
 */
import { PAYLOAD_DIR } from '../format/pack.js';
import { ROLLUP_COMMITTED_FILES, ROLLUP_FORMAT, ROLLUP_RECORD, type RollupRecord } from '../format/rollup.js';
import type { Findings } from './report.js';
import type { RollupFacts } from './rollup-gather.js';
import type { HostFacts } from './rollup-record.js';

/** A finding of findings.json as far as re-deriving needs it. */
export interface ListedFinding {
  readonly code: string;
  readonly host: string | null;
}

/**
 * The finding codes whose every occurrence follows from hosts.json and the expected hosts alone.
 * Not among them: LATE by time and CLOCK_SKEW (they depend on --grace-hours and --max-skew-ms),
 * DUPLICATE, MIXED, UNNAMED and the SOURCE_ codes (they depend on packs hosts.json does not hold).
 */
const DERIVED = [
  'ROLLUP_HOST_MISSING',
  'ROLLUP_HOST_UNEXPECTED',
  'ROLLUP_HOST_FAILED',
  'ROLLUP_HOST_SILENT',
  'ROLLUP_HOST_NO_HEARTBEAT',
  'ROLLUP_HOST_NO_LINE_TREE',
] as const;

/** `code host` pairs, the key the derived and the listed findings are compared by. */
const key = (code: string, host: string | null): string => `${code} ${host ?? ''}`;

/** The findings hosts.json and the expected hosts imply, as the roll-up's judge raises them. */
export function derivedFindings(r: RollupRecord, hosts: readonly HostFacts[]): Set<string> {
  const out = new Set<string>();
  if (r.format !== ROLLUP_FORMAT) {
    // Version 2 commits no expected hosts and no findings: only a failed host's finding is implied.
    for (const h of hosts) if (h.verdict === 'failed') out.add(key('ROLLUP_HOST_FAILED', h.host));
    return out;
  }
  const listed = new Set(hosts.map((h) => h.host));
  const expected = r.expected_hosts ?? null;
  for (const e of expected ?? []) if (!listed.has(e)) out.add(key('ROLLUP_HOST_MISSING', e));
  const want = new Set(expected ?? []);
  for (const h of hosts) {
    if (expected !== null && !want.has(h.host)) out.add(key('ROLLUP_HOST_UNEXPECTED', h.host));
    if (h.verdict === 'failed') out.add(key('ROLLUP_HOST_FAILED', h.host));
    else if (!h.lineTree) out.add(key('ROLLUP_HOST_NO_LINE_TREE', h.host));
    if (h.silent > 0) out.add(key('ROLLUP_HOST_SILENT', h.host));
    if (h.heartbeats === 0 && h.events > 0) out.add(key('ROLLUP_HOST_NO_HEARTBEAT', h.host));
  }
  return out;
}

/**
 * findings.json against what hosts.json and the expected hosts imply: each implied finding present
 * (else it was removed), and for version 3 no finding of a derived code that is not implied (added).
 */
export function judgeDerivedFindings(
  list: readonly ListedFinding[],
  r: RollupRecord,
  hosts: readonly HostFacts[] | undefined,
  rel: string,
  f: Findings,
): void {
  if (hosts === undefined) return; // hosts.json has its own finding
  const want = derivedFindings(r, hosts);
  const got = new Set(list.map((x) => key(x.code, x.host)));
  for (const k of want)
    if (!got.has(k)) {
      const [code, host] = k.split(' ');
      f.add(
        'ROLLUP_FINDINGS_INVALID',
        'error',
        rel,
        `no ${code} finding names ${host}, as hosts.json and rollup.json imply: it was removed`,
      );
    }
  if (r.format !== ROLLUP_FORMAT) return;
  const derived: readonly string[] = DERIVED;
  for (const x of list)
    if (derived.includes(x.code) && !want.has(key(x.code, x.host)))
      f.add(
        'ROLLUP_FINDINGS_INVALID',
        'error',
        rel,
        `a ${x.code} finding names ${x.host}, which hosts.json and rollup.json do not imply: it was added`,
      );
}

/**
 * Version 3: every payload file but hosts.json is the file rollup.json records for it (`findings_sha256`, …).
 * Version 2: a warning naming what it does not commit (a forger who recomputes the manifests of an
 * unsigned /2 roll-up can change those files unseen).
 */
export function judgeCommitments(facts: RollupFacts, r: RollupRecord, f: Findings): void {
  if (r.format !== ROLLUP_FORMAT) {
    f.add(
      'ROLLUP_FORMAT_OLD',
      'warning',
      ROLLUP_RECORD,
      `${r.format} commits neither findings.json, the merged CSVs and compliance report, nor the expected hosts: unless it is signed by a trusted key they could have been changed unseen; roll the day up again for ${ROLLUP_FORMAT}`,
    );
    return;
  }
  for (const c of ROLLUP_COMMITTED_FILES) {
    const rel = `${PAYLOAD_DIR}${c.file}`;
    const got = facts.files.get(rel)?.sha256;
    const want = r[c.field];
    if (got !== undefined && got !== want)
      f.add(
        'ROLLUP_PAYLOAD_MISMATCH',
        'error',
        rel,
        `SHA-256 is ${got}, rollup.json records ${want}: the file was changed`,
      );
  }
}
