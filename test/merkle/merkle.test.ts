/**
 * The streaming Merkle code against an independent, literal transcription of RFC 6962 §2.1
 * (recursive MTH and PATH over an in-memory list), plus hostile proofs.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  MerkleAccumulator,
  MerkleProver,
  leafHash,
  merkleRoot,
  proofRanges,
  verifyInclusion,
} from '../../src/merkle/index.js';

const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
/** RFC 6962: MTH({}) = SHA-256(); MTH({d}) = SHA-256(0x00 ‖ d); else split at the largest power of two < n. */
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.from([0]), d[0]!);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
/** RFC 6962 PATH(m, D[n]). */
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
const leaves = (n: number): Buffer[] =>
  Array.from({ length: n }, (_, i) => Buffer.from(`line ${i} ${'x'.repeat(i % 7)}`));

describe('RFC 6962 tree hashes', () => {
  it('match the RFC transcription for every size up to 70', () => {
    expect(EMPTY_ROOT.equals(mth([]))).toBe(true);
    for (let n = 0; n <= 70; n++) {
      const d = leaves(n);
      expect(merkleRoot(d).toString('hex'), `n=${n}`).toBe(mth(d).toString('hex'));
    }
  });

  it('the accumulator gives every prefix root along the way', () => {
    const d = leaves(33);
    const acc = new MerkleAccumulator();
    d.forEach((x, i) => {
      acc.addLeaf(x);
      expect(acc.root().equals(mth(d.slice(0, i + 1)))).toBe(true);
    });
  });

  it('proofs equal PATH(m, D[n]) and verify, for every leaf of every size up to 40', () => {
    for (let n = 1; n <= 40; n++) {
      const d = leaves(n);
      const root = mth(d);
      const prover = new MerkleProver(
        n,
        d.map((_, i) => i),
      );
      for (const x of d) prover.addLeafHash(leafHash(x));
      const out = prover.finish();
      expect(out.root.equals(root)).toBe(true);
      for (const p of out.proofs) {
        expect(p.path.map((h) => h.toString('hex'))).toEqual(path(p.index, d).map((h) => h.toString('hex')));
        expect(verifyInclusion(p.leafHash, p.index, n, p.path, root)).toBe(true);
      }
    }
  });

  it('property: any change to leaf, index, size, path or root makes a proof fail', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 4 }),
        (n, mRaw, pick, what) => {
          const m = mRaw % n;
          const d = leaves(n);
          const root = mth(d);
          const pth = path(m, d);
          const leaf = leafHash(d[m]!);
          expect(verifyInclusion(leaf, m, n, pth, root)).toBe(true);
          const flip = (b: Buffer): Buffer => {
            const c = Buffer.from(b);
            c[pick % 32]! ^= 1 << (pick % 8);
            return c;
          };
          if (what === 0) expect(verifyInclusion(flip(leaf), m, n, pth, root)).toBe(false);
          if (what === 1 && n > 1)
            expect(verifyInclusion(leaf, (m + 1 + (pick % (n - 1))) % n, n, pth, root)).toBe(false);
          if (what === 2 && pth.length > 0) {
            const bad = [...pth];
            bad[pick % bad.length] = flip(bad[pick % bad.length]!);
            expect(verifyInclusion(leaf, m, n, bad, root)).toBe(false);
          }
          if (what === 3) expect(verifyInclusion(leaf, m, n, pth, flip(root))).toBe(false);
          if (what === 4) expect(verifyInclusion(leaf, m, n, [...pth, root], root)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hostile inputs give false, never an exception', () => {
    const d = leaves(5);
    const root = mth(d);
    const leaf = leafHash(d[0]!);
    const p = path(0, d);
    expect(verifyInclusion(leaf, -1, 5, p, root)).toBe(false);
    expect(verifyInclusion(leaf, 5, 5, p, root)).toBe(false);
    expect(verifyInclusion(leaf, 0, 0, p, root)).toBe(false);
    expect(verifyInclusion(leaf, 0.5, 5, p, root)).toBe(false);
    expect(verifyInclusion(leaf, 0, Number.MAX_SAFE_INTEGER + 2, p, root)).toBe(false);
    expect(verifyInclusion(leaf.subarray(0, 31), 0, 5, p, root)).toBe(false);
    expect(verifyInclusion(leaf, 0, 5, [...p.slice(0, 1), Buffer.alloc(3)], root)).toBe(false);
    expect(verifyInclusion(leaf, 0, 5, [], root)).toBe(false);
    expect(() => proofRanges(3, 3)).toThrow(RangeError);
  });

  it('proves a leaf of a large tree holding only a few hashes', () => {
    const n = 100_003;
    const prover = new MerkleProver(n, [0, 4_097, n - 1]);
    const acc = new MerkleAccumulator();
    for (let i = 0; i < n; i++) {
      const h = leafHash(`l${i}`);
      prover.addLeafHash(h);
      acc.addLeafHash(h);
    }
    const out = prover.finish();
    expect(out.root.equals(acc.root())).toBe(true);
    for (const p of out.proofs) {
      expect(p.path.length).toBeLessThanOrEqual(17);
      expect(verifyInclusion(leafHash(`l${p.index}`), p.index, n, p.path, out.root)).toBe(true);
    }
  });
});
