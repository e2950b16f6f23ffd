/**
 * One policy of a period's timeline (PolicyInForce) and how it is made from a text or a file: the
 * pieces timeline.ts and its helpers share (moved out of timeline.ts, which is near the size cap).
 */
import { isAbsolute, relative } from 'node:path';
import { AuditpackError } from '../errors.js';
import { compileRedactor } from '../redaction/index.js';
import { configFormatOf, redactConfigText } from '../redaction/config-text.js';
import { existingSnapshotKey, type SnapshotKey } from '../snapshot/keyed-hash.js';
import { parsePolicy, type CompliancePolicy } from './policy.js';

/** One policy and from when it applied. */
export interface PolicyInForce {
  /** ISO time from which it applied (the snapshot's time), or null: from the start. */
  readonly from: string | null;
  readonly from_us: number;
  readonly source: 'snapshot' | 'file' | 'built-in';
  readonly snapshot_id: string | null;
  readonly path: string;
  /**
   * SHA-256 of the policy file (the snapshot's recorded hash, or of the file read). For a file whose
   * text was redacted: the snapshot store's keyed hash (`hmac-sha256:…`, as a snapshot records it),
   * or without a store key the SHA-256 of the redacted text: a plain hash of the file beside its
   * redacted text would let a short secret be guessed.
   */
  readonly sha256: string;
  /** The text the policy was parsed from (the snapshot's stored copy). */
  readonly text: string;
  readonly policy: CompliancePolicy;
}

/** A timeline of one policy, from its text (verify re-runs with the policies a report recorded). */
export function policyFromText(
  text: string,
  meta: {
    from: string | null;
    source: PolicyInForce['source'];
    snapshot_id: string | null;
    path: string;
    sha256?: string;
  },
): PolicyInForce {
  const p = parsePolicy(text, meta.path);
  return Object.freeze({
    ...meta,
    from_us: meta.from === null ? Number.NEGATIVE_INFINITY : isoToMicros(meta.from),
    sha256: meta.sha256 ?? p.sha256,
    text,
    policy: p.policy,
  });
}

/**
 * A policy read from a file. Its text is recorded in every report and pack, so it is redacted as a
 * snapshot's stored copy is (a webhook URL or a password in a comment must not travel with every
 * pack), and parsed from that redacted text so that verify, re-running with the recorded text, finds
 * the same. `sha256` stays the file's own hash, for matching it against the file or its snapshot.
 */
export function policyFromFile(raw: string, path: string, key: SnapshotKey | undefined): PolicyInForce {
  const red = redactConfigText(raw, configFormatOf(path), compileRedactor());
  // Redacted: never the plain hash of the file (see PolicyInForce.sha256); undefined hashes the text.
  const sha256 = red.redacted && key !== undefined ? key.hash(Buffer.from(raw, 'utf8')) : undefined;
  return policyFromText(red.text, {
    from: null,
    source: 'file',
    snapshot_id: null,
    path,
    ...(sha256 === undefined ? {} : { sha256 }),
  });
}

/** The snapshot store's key, when there is a store with one that this process can read. */
export async function storeKey(snapshotDir: string | undefined): Promise<SnapshotKey | undefined> {
  if (snapshotDir === undefined) return undefined;
  // Unreadable: the policy is then recorded by its redacted text's hash, and verify calls it unbound.
  return existingSnapshotKey(snapshotDir).catch(() => undefined);
}

export function displayPath(cwd: string, path: string): string {
  const r = relative(cwd, path);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r.split('\\').join('/') : path;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` (or with fewer digits) → epoch µs. */
export function isoToMicros(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new AuditpackError('INTERNAL', `bad timestamp ${iso}`);
  const m = /\.(\d+)Z$/.exec(iso);
  const frac = m ? (m[1] as string).padEnd(6, '0').slice(0, 6) : '000000';
  return Math.floor(ms / 1000) * 1_000_000 + Number(frac);
}
