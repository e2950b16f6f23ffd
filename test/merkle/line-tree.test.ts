/**
 * The fast line-tree accumulator (latin1 strings between hashes) against the plain one over
 * lineLeafHash leaves, and against the independent RFC 6962 transcription in the tests.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineTreeAccumulator, lineLeafHash, lineSubtrees, MerkleAccumulator } from '../../src/merkle/index.js';
import { mth } from '../helpers/rfc6962.js';

const lineHash = (i: number): string => createHash('sha256').update(`line ${i}`).digest('hex');

describe('LineTreeAccumulator', () => {
  it('gives the same root as MerkleAccumulator and as RFC 6962 for every size up to 300', () => {
    const fast = new LineTreeAccumulator();
    const plain = new MerkleAccumulator();
    const data: Buffer[] = [];
    expect(fast.root()).toEqual(mth([]));
    for (let i = 0; i < 300; i++) {
      const h = lineHash(i);
      fast.addLineHash(h);
      plain.addLeafHash(lineLeafHash(h));
      data.push(Buffer.from(h, 'hex'));
      expect(fast.size).toBe(i + 1);
      expect(fast.root().toString('hex'), String(i + 1)).toBe(plain.root().toString('hex'));
      if (i % 37 === 0) expect(fast.root()).toEqual(mth(data));
    }
  });

  it('property: any hash bytes (all 256 values) give the plain root', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 70 }), (hs) => {
        const fast = new LineTreeAccumulator();
        const plain = new MerkleAccumulator();
        for (const h of hs) {
          const hex = Buffer.from(h).toString('hex');
          fast.addLineHash(hex);
          plain.addLeafHash(lineLeafHash(hex));
        }
        expect(fast.root()).toEqual(plain.root());
      }),
    );
  });

  it('refuses a hash that is not 64 hex digits', () => {
    expect(() => new LineTreeAccumulator().addLineHash('zz')).toThrow(RangeError);
  });
});

describe('lineSubtrees (a batch of lines hashed into the tree on another thread)', () => {
  const digestsOf = (hexes: string[]): Buffer => Buffer.concat(hexes.map((h) => Buffer.from(h, 'hex')));

  it('property: any cut of the lines into batches, each added by its subtrees, gives the root of adding each line', () => {
    fc.assert(
      fc.property(fc.nat(600), fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 12 }), (n, cuts) => {
        const hexes = Array.from({ length: n }, (_, i) => lineHash(i));
        const each = new LineTreeAccumulator();
        for (const h of hexes) each.addLineHash(h);
        const batched = new LineTreeAccumulator();
        let p = 0;
        for (let k = 0; p < n; k++) {
          const len = Math.min(n - p, cuts.length === 0 ? n : (cuts[k % cuts.length] as number));
          const t = lineSubtrees(digestsOf(hexes.slice(p, p + len)), p, len);
          expect(t.sizes.reduce((a, b) => a + b, 0)).toBe(len);
          for (let i = 0; i < t.sizes.length; i++) batched.addSubtree(t.roots[i] as string, t.sizes[i] as number);
          p += len;
        }
        expect(batched.size).toBe(n);
        expect(batched.root()).toEqual(each.root());
      }),
      { numRuns: 60 },
    );
  });

  it('splits a range into the largest aligned subtrees: the 13 lines from index 5 are 1, 2, 8 and 2 lines', () => {
    const hexes = Array.from({ length: 13 }, (_, i) => lineHash(i));
    expect(lineSubtrees(digestsOf(hexes), 5, 13).sizes).toEqual([1, 2, 8, 2]);
  });

  it('refuses a subtree that is not a power of two or not aligned, and a short digest', () => {
    const acc = new LineTreeAccumulator();
    acc.addLineHash(lineHash(0));
    const root = 'x'.repeat(32);
    expect(() => acc.addSubtree(root, 2)).toThrow(RangeError);
    expect(() => new LineTreeAccumulator().addSubtree(root, 3)).toThrow(RangeError);
    expect(() => new LineTreeAccumulator().addSubtree('short', 1)).toThrow(RangeError);
    expect(() => new LineTreeAccumulator().addLineDigest(Buffer.alloc(31), 0)).toThrow(RangeError);
    expect(() => lineSubtrees(Buffer.alloc(32), 0, 2)).toThrow(RangeError);
  });
});
