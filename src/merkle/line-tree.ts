/**
 * The line tree's fast accumulator (docs/FORMAT.md, "The line tree"): the same tree as
 * MerkleAccumulator over lineLeafHash leaves, on the export's and verify's per-line path.
 */
import { hash } from 'node:crypto';
import { EMPTY_ROOT } from './tree.js';

// Reused inputs of the one-shot hashes: 0x01 ‖ left ‖ right, and 0x00 ‖ the line's hash.
const nodeScratch = Buffer.alloc(65);
const lineScratch = Buffer.alloc(33);
nodeScratch[0] = 1;
lineScratch[0] = 0;

/**
 * The root of a pack's line tree, fed each line's SHA-256 (hex) in order: the same tree as
 * MerkleAccumulator over {@link lineLeafHash} leaves (the tests hold them equal), kept fast for the
 * export's and verify's per-line path. Hashes stay latin1 strings between steps: Node's one-shot
 * hash allocates a string far more cheaply than a Buffer, which made a day's tree cost more than
 * its chain hashes.
 */
export class LineTreeAccumulator {
  private readonly sizes: number[] = [];
  private readonly hashes: string[] = [];
  private count = 0;

  /** Number of lines added so far. */
  get size(): number {
    return this.count;
  }

  /** Adds the next line by its SHA-256 in hex (64 digits). */
  addLineHash(lineSha256Hex: string): void {
    if (lineScratch.write(lineSha256Hex, 1, 'hex') !== 32) throw new RangeError('a line hash is 64 hex digits');
    let h = hash('sha256', lineScratch, 'binary');
    let size = 1;
    const sizes = this.sizes;
    const hashes = this.hashes;
    while (sizes.length > 0 && sizes[sizes.length - 1] === size) {
      sizes.pop();
      nodeScratch.write(hashes.pop() as string, 1, 'latin1');
      nodeScratch.write(h, 33, 'latin1');
      h = hash('sha256', nodeScratch, 'binary');
      size *= 2;
    }
    sizes.push(size);
    hashes.push(h);
    this.count++;
  }

  /** MTH of the lines added so far (the accumulator stays usable). */
  root(): Buffer {
    const hashes = this.hashes;
    if (hashes.length === 0) return EMPTY_ROOT;
    let h = hashes[hashes.length - 1] as string;
    for (let i = hashes.length - 2; i >= 0; i--) {
      nodeScratch.write(hashes[i] as string, 1, 'latin1');
      nodeScratch.write(h, 33, 'latin1');
      h = hash('sha256', nodeScratch, 'binary');
    }
    return Buffer.from(h, 'latin1');
  }
}
