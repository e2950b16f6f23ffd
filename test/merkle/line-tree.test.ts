/**
 * The fast line-tree accumulator (latin1 strings between hashes) against the plain one over
 * lineLeafHash leaves, and against the independent RFC 6962 transcription in the tests.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineTreeAccumulator, lineLeafHash, MerkleAccumulator } from '../../src/merkle/index.js';
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
