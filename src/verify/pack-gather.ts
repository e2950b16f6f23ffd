/**
 * Pieces both pack readers (a directory, a `.tar.gz` stream) share: the trusted keys from the
 * options, the alert lines' accumulator, early peeks into manifest.json (judged properly later),
 * the counts of what was checked and the facts report.html shows.
 */
import type { KeyObject } from 'node:crypto';
import { DEFAULT_NAMESPACE, signerAllowsNamespace } from '../signing/index.js';
import type { ScannedLine } from '../chain/lines.js';
import type { PackFacts as PageFacts } from '../compliance/index.js';
import { parsePackName, type RecordedAlertFilter } from '../format/pack.js';
import { CSV_RULES, type CsvRules, RECORDED_CSV_RULES } from '../pack/csv.js';
import { pageSignerOf } from './judge-signature.js';
import type { LogFacts } from './log-facts.js';
import { readLine } from './log-line.js';
import type { CollectedFile, ManifestSummary, PackFacts, TrustedKeys } from './pack-facts.js';
import type { VerifyPackOptions } from './pack-report.js';

/** Alert lines cross-checked against the log, at most (32 bytes of hash each, kept as hex). */
const MAX_ALERT_HASHES = 1_000_000;

/** The manifest summary of a pack whose manifest.json could not be read at all. */
export const NO_MANIFEST: ManifestSummary = Object.freeze({
  exportDate: undefined,
  manifestSha256: undefined,
  previousPack: undefined,
  supersedes: undefined,
  chain: undefined,
});

/** The keys a signature must be by, from --pubkey and --allowed-signers; undefined when none were given. */
export function trustOf(o: VerifyPackOptions): TrustedKeys | undefined {
  const keys: { key: KeyObject; identity?: string }[] = [];
  for (const k of o.publicKeys ?? []) keys.push({ key: k });
  for (const s of o.allowedSigners ?? []) {
    if (signerAllowsNamespace(s, DEFAULT_NAMESPACE)) keys.push({ key: s.key, identity: s.identity });
  }
  return o.publicKeys === undefined && o.allowedSigners === undefined ? undefined : { keys };
}

/** The facts report.html shows, from manifest.json and the signature; undefined when unreadable (findings of their own). */
export function pageFactsOf(
  manifestBuf: Buffer | 'too-large' | undefined,
  manifest: ManifestSummary,
  tags: ReadonlyMap<string, Buffer | 'too-large'>,
): PageFacts | undefined {
  if (!Buffer.isBuffer(manifestBuf) || manifest.chain === undefined || manifest.exportDate === undefined)
    return undefined;
  let version: unknown;
  try {
    version = (JSON.parse(manifestBuf.toString('utf8')) as { auditpack_version?: unknown }).auditpack_version;
  } catch {
    return undefined;
  }
  const signer = pageSignerOf(tags);
  if (typeof version !== 'string' || signer === undefined) return undefined;
  const c = manifest.chain;
  return {
    export_date: manifest.exportDate,
    chain_end_hash: c.endHash,
    first_seq: c.firstSeq,
    last_seq: c.lastSeq,
    signer,
    auditpack_version: version,
  };
}

/** What a pack check covered. */
export function checkedOf(
  files: Map<string, CollectedFile>,
  log: LogFacts | undefined,
  alerts: PackFacts['alerts'],
  signed: boolean,
): Record<string, number> {
  return {
    /** 1 when the pack carries a signature file (whether it verifies is a finding). */
    signed: signed ? 1 : 0,
    files: files.size,
    bytes: [...files.values()].reduce((s, x) => s + x.size, 0),
    log_lines: log?.lines ?? 0,
    events: log?.events ?? 0,
    alert_lines: alerts?.lines ?? 0,
  };
}

/**
 * Counts alerts.jsonl's lines and keeps their hashes (up to a bound); with `seqsFor` (the log's
 * date) also each line's seq as the log check would read it, for the second thread's alert filter.
 * With `countOnly`, nothing is kept per line (the caller reads the hashes again as the log check
 * needs them: alert-stream.ts).
 */
export function alertAccumulator(
  seqsFor?: { date: string | undefined },
  countOnly = false,
): {
  onLine: (l: ScannedLine) => void;
  result: () => NonNullable<PackFacts['alerts']>;
  seqs: () => (number | undefined)[] | undefined;
} {
  let lines = 0;
  let hashes: string[] | undefined = countOnly ? undefined : [];
  let unterminated = false;
  const seqs: (number | undefined)[] | undefined = seqsFor === undefined ? undefined : [];
  const date = seqsFor?.date;
  const dateBytes = date === undefined ? undefined : Buffer.from(date, 'latin1');
  return {
    onLine: (l) => {
      lines++;
      if (!l.terminated) unterminated = true;
      if (hashes !== undefined && hashes.length >= MAX_ALERT_HASHES) hashes = undefined;
      const keep = countOnly || hashes !== undefined;
      hashes?.push(l.hash);
      if (keep && seqs !== undefined) {
        const r = l.bytes === undefined ? undefined : readLine(l.bytes, date, false, dateBytes);
        seqs.push(r?.ok === true ? r.facts.seq : undefined);
      }
    },
    result: () => ({ lines, hashes, unterminated }),
    seqs: () => (countOnly || hashes !== undefined ? seqs : undefined),
  };
}

/**
 * The CSV cell rules a pack was made under, from manifest.json bytes: its `csv_rules` (2 or 3),
 * else 1 (packs made before it existed have none; any other value is judged a malformed manifest
 * later).
 */
export function peekCsvRules(buf: Buffer | 'too-large' | undefined): CsvRules {
  if (!Buffer.isBuffer(buf)) return CSV_RULES;
  try {
    const v = (JSON.parse(buf.toString('utf8')) as { csv_rules?: unknown } | null)?.csv_rules;
    return RECORDED_CSV_RULES.find((r) => r === v) ?? 1;
  } catch {
    return CSV_RULES;
  }
}

/** alert_filter from manifest.json bytes, when well formed; judged properly later. */
export function peekAlertFilter(buf: Buffer | 'too-large' | undefined): RecordedAlertFilter | undefined {
  if (!Buffer.isBuffer(buf)) return undefined;
  try {
    const a = (JSON.parse(buf.toString('utf8')) as { alert_filter?: Record<string, unknown> } | null)?.alert_filter;
    const list = (v: unknown): v is string[] =>
      Array.isArray(v) && v.length <= 10_000 && v.every((x) => typeof x === 'string');
    if (a === null || typeof a !== 'object' || !list(a.categories) || !list(a.events) || !list(a.severities))
      return undefined;
    return { categories: a.categories, events: a.events, severities: a.severities };
  } catch {
    return undefined;
  }
}

/** export_date from manifest.json bytes, if it parses; judged properly later. */
export function peekExportDate(buf: Buffer | 'too-large' | undefined): string | undefined {
  if (!Buffer.isBuffer(buf)) return undefined;
  try {
    const m = JSON.parse(buf.toString('utf8')) as { export_date?: unknown };
    return typeof m?.export_date === 'string' && parsePackName(m.export_date) !== undefined ? m.export_date : undefined;
  } catch {
    return undefined;
  }
}
