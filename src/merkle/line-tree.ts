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
    this.push(hash('sha256', lineScratch, 'binary'), 1);
  }

  /** Adds the next line by its SHA-256 as bytes: `digests[at, at + 32)`. */
  addLineDigest(digests: Uint8Array, at: number): void {
    if (at < 0 || at + 32 > digests.length) throw new RangeError('a line digest is 32 bytes');
    lineScratch.set(digests.subarray(at, at + 32), 1);
    this.push(hash('sha256', lineScratch, 'binary'), 1);
  }

  /**
   * Adds `size` lines at once by the root of their subtree (32 bytes as latin1): `size` a power of
   * two, and the lines added so far a multiple of it, so the subtree is one the tree itself has
   * (RFC 6962 §2.1 splits at the largest power of two). {@link lineSubtrees} gives such roots.
   */
  addSubtree(root: string, size: number): void {
    if (root.length !== 32) throw new RangeError('a subtree root is 32 bytes');
    if (
      !(size >= 1 && Number.isSafeInteger(size) && 2 ** Math.round(Math.log2(size)) === size) ||
      this.count % size !== 0
    )
      throw new RangeError(`a subtree of ${size} lines cannot start after line ${this.count}`);
    this.push(root, size);
  }

  /** The next `size` leaves by their root `h`: joined with the complete subtrees of that size before it. */
  private push(h: string, size: number): void {
    const sizes = this.sizes;
    const hashes = this.hashes;
    const added = size;
    while (sizes.length > 0 && sizes[sizes.length - 1] === size) {
      sizes.pop();
      nodeScratch.write(hashes.pop() as string, 1, 'latin1');
      nodeScratch.write(h, 33, 'latin1');
      h = hash('sha256', nodeScratch, 'binary');
      size *= 2;
    }
    sizes.push(size);
    hashes.push(h);
    this.count += added;
  }

  /** The root of the one complete subtree held (the lines added are a power of two in number), as latin1. */
  topRoot(): string {
    if (this.hashes.length !== 1) throw new RangeError('not one complete subtree');
    return this.hashes[0] as string;
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

/** The complete subtrees lines `[first, first + n)` of a log make in its line tree, with their roots. */
export interface LineSubtrees {
  /** Each subtree's number of lines (a power of two), in line order. */
  readonly sizes: number[];
  /** Each subtree's root, 32 bytes as latin1. */
  readonly roots: string[];
}

/**
 * The roots of the complete subtrees that lines `[first, first + n)` split into (each as large as
 * its place allows: its size a power of two that divides its first line's index), from the lines'
 * SHA-256 digests (`digests`, 32 bytes a line from 0). Added in order to a LineTreeAccumulator that
 * holds exactly the `first` lines before (addSubtree), they give the tree those lines would: so the
 * lines of a batch can be hashed into the tree on whichever thread processes the batch.
 */
export function lineSubtrees(digests: Uint8Array, first: number, n: number): LineSubtrees {
  if (!Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(n) || n < 0 || digests.length < 32 * n)
    throw new RangeError('lineSubtrees: bad range');
  const sizes: number[] = [];
  const roots: string[] = [];
  let p = first;
  const end = first + n;
  while (p < end) {
    let size = 1;
    while (p % (size * 2) === 0 && p + size * 2 <= end) size *= 2;
    const acc = new LineTreeAccumulator();
    for (let i = p - first; i < p - first + size; i++) acc.addLineDigest(digests, i * 32);
    sizes.push(size);
    roots.push(acc.topRoot());
    p += size;
  }
  return { sizes, roots };
}
