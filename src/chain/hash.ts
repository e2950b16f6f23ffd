/**
 * The hash chain that makes a log tamper-evident (docs/FORMAT.md, "The chain").
 *
 * Every line carries `prev`: the lowercase hex SHA-256 of the previous line's bytes, excluding its
 * terminating "\n". Hashing raw bytes rather than a canonical form means an auditor needs no JSON
 * canonicalisation to re-check it: `sha256(previous line) == this line's prev`, nothing more.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';

/** `prev` of the very first line of a log: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

const hasOneShot = typeof oneShotHash === 'function';

/** SHA-256 (lowercase hex) of one line's bytes, without its "\n". Accepts text (UTF-8) or bytes. */
export function hashLine(line: string | Uint8Array): string {
  // crypto.hash (Node ≥ 20.12) is about twice as fast as createHash for short inputs.
  return hasOneShot ? oneShotHash('sha256', line, 'hex') : createHash('sha256').update(line).digest('hex');
}

/** True for a 64-character lowercase hex string. */
export function isHashHex(s: unknown): s is string {
  return typeof s === 'string' && s.length === 64 && /^[0-9a-f]{64}$/.test(s);
}

/** Where a chain stands after a line: what the next line must carry. */
export interface ChainHead {
  /** seq of the last line (0 before the first). */
  readonly seq: number;
  /** Hash of the last line (GENESIS_HASH before the first). */
  readonly hash: string;
}

/** The head of an empty chain. */
export const EMPTY_HEAD: ChainHead = Object.freeze({ seq: 0, hash: GENESIS_HASH });
