/**
 * The recorded report's findings while verify reads the log: a digest, not the findings. A day of
 * many findings (16 writers replaying order ids: 10,000 listed) is megabytes of JSON and more of
 * objects, which the re-run's own findings and the checks' state would otherwise join at verify's
 * peak. The re-run's findings are compared with the digest when the pass ends: equal digests are
 * equal findings in the same order (SHA-256, the manifests' own assumption), and the comparison,
 * the CSV and the page are then those of the re-run's findings; when they differ the report is
 * read again for the comparison's precise findings (compliance.ts).
 */
import { createHash } from 'node:crypto';
import type { ComplianceReport } from '../compliance/index.js';

/** A list of findings as its digest. */
export interface FindingsDigest {
  readonly count: number;
  /** SHA-256 of each finding's JSON (JSON.stringify), each followed by a newline, in order. */
  readonly sha256: string;
}

/** The digest of a list of findings (a hostile report's entries may be any JSON value). */
export function findingsDigest(findings: readonly unknown[]): FindingsDigest {
  const h = createHash('sha256');
  // Newline-separated: JSON.stringify never writes one, so the list's cuts are fixed.
  for (const x of findings) h.update(`${JSON.stringify(x) ?? 'undefined'}\n`, 'utf8');
  return { count: findings.length, sha256: h.digest('hex') };
}

/** Whether `findings` are exactly the findings `d` was taken of, in the same order. */
export function sameFindings(d: FindingsDigest, findings: readonly unknown[]): boolean {
  if (findings.length !== d.count) return false;
  return findingsDigest(findings).sha256 === d.sha256;
}

/** The report without its findings (held through the log pass). */
export function withoutFindings(r: ComplianceReport): ComplianceReport {
  return { ...r, findings: [] };
}

/** The SHA-256 of a text's UTF-8 bytes, given in pieces. */
export function digestOfPieces(pieces: Iterable<string>): string {
  const h = createHash('sha256');
  for (const p of pieces) h.update(p, 'utf8');
  return h.digest('hex');
}
