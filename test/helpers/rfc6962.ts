/**
 * An independent RFC 6962 §2.1 transcription for tests (recursive MTH and a recursive inclusion
 * check from the top split down), written without src/merkle so a shared bug cannot hide.
 */
import { createHash } from 'node:crypto';

export const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf data: {} → SHA-256(); {d} → SHA-256(0x00 ‖ d); else node of the split. */
export function mth(d: readonly Uint8Array[]): Buffer {
  if (d.length === 0) return sha256();
  if (d.length === 1) return sha256(Buffer.from([0]), d[0] as Uint8Array);
  const k = split(d.length);
  return sha256(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}

/** The root a leaf hash and its audit path (leaf first) give, or undefined if the path has the wrong length. */
function rootFrom(leaf: Buffer, m: number, n: number, path: readonly Buffer[]): Buffer | undefined {
  if (n === 1) return path.length === 0 ? leaf : undefined;
  if (path.length === 0) return undefined;
  const k = split(n);
  const top = path[path.length - 1] as Buffer;
  const rest = path.slice(0, -1);
  if (m < k) {
    const l = rootFrom(leaf, m, k, rest);
    return l && sha256(Buffer.from([1]), l, top);
  }
  const r = rootFrom(leaf, m - k, n - k, rest);
  return r && sha256(Buffer.from([1]), top, r);
}

/** True when leaf data `d` is leaf `m` of a tree of `n` leaves with root `root` (hex everywhere). */
export function includes(d: Uint8Array, m: number, n: number, pathHex: readonly string[], rootHex: string): boolean {
  if (!(m >= 0 && m < n)) return false;
  const r = rootFrom(
    sha256(Buffer.from([0]), d),
    m,
    n,
    pathHex.map((h) => Buffer.from(h, 'hex')),
  );
  return r !== undefined && r.toString('hex') === rootHex;
}

/** RFC 6962 §2.1.1 PATH(m, D[n]) over leaf data, leaf first, hex: what a forger would compute. */
export function auditPath(d: readonly Uint8Array[], m: number): string[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k
    ? [...auditPath(d.slice(0, k), m), mth(d.slice(k)).toString('hex')]
    : [...auditPath(d.slice(k), m - k), mth(d.slice(0, k)).toString('hex')];
}
