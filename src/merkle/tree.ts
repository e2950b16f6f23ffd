/**
 * RFC 6962 (§2.1) Merkle tree hashes and inclusion proofs, computed over a stream of leaves with
 * memory that grows with log2 of the tree, never with its size: a day of ten million lines is hashed
 * and proven in one pass holding a few dozen hashes.
 *
 * Hashing is exactly the RFC's, so any RFC 6962 / RFC 9162 implementation checks our proofs:
 *   leaf hash  = SHA-256(0x00 ‖ leaf data)
 *   node hash  = SHA-256(0x01 ‖ left ‖ right)
 *   MTH({})    = SHA-256("")
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n.
 * An inclusion proof is the RFC's PATH(m, D[n]): sibling subtree hashes from the leaf upward.
 */
import { createHash, hash } from 'node:crypto';

const LEAF_PREFIX = Buffer.from([0]);

/** SHA-256(0x00 ‖ data): the hash of one leaf. */
export function leafHash(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

// One-shot hashing of a reused buffer: about twice as fast as createHash() for these short inputs,
// and a day's line tree hashes two of them per line.
const nodeScratch = Buffer.alloc(65);
const lineScratch = Buffer.alloc(33);
nodeScratch[0] = 1;
lineScratch[0] = 0;

/** SHA-256(0x01 ‖ left ‖ right): the hash of an interior node (32-byte children). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== 32 || right.length !== 32)
    return createHash('sha256')
      .update(Buffer.from([1]))
      .update(left)
      .update(right)
      .digest();
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 33);
  return hash('sha256', nodeScratch, 'buffer');
}

/**
 * The leaf hash of a log line in a pack's line tree (docs/FORMAT.md, "The line tree"): the leaf's
 * data is the line's 32-byte SHA-256 (the hash the next line's `prev` holds), given here as hex.
 */
export function lineLeafHash(lineSha256Hex: string): Buffer {
  if (lineScratch.write(lineSha256Hex, 1, 'hex') !== 32) throw new RangeError('a line hash is 64 hex digits');
  return hash('sha256', lineScratch, 'buffer');
}

/** MTH of the empty tree: SHA-256 of no bytes. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** The largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The root of a tree fed one leaf hash at a time. Holds one hash per set bit of the count: the
 * perfect subtrees of the RFC's left-to-right decomposition, merged as they complete.
 */
export class MerkleAccumulator {
  /** Perfect subtrees, left to right, strictly decreasing sizes. */
  private readonly stack: { size: number; hash: Buffer }[] = [];
  private count = 0;

  /** Number of leaves added so far. */
  get size(): number {
    return this.count;
  }

  /** Adds a leaf by its leaf hash (see {@link leafHash}). */
  addLeafHash(hash: Buffer): void {
    let node = { size: 1, hash };
    const stack = this.stack;
    while (stack.length > 0 && stack[stack.length - 1]!.size === node.size) {
      const left = stack.pop()!;
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    stack.push(node);
    this.count++;
  }

  /** Adds a leaf by its data. */
  addLeaf(data: Uint8Array | string): void {
    this.addLeafHash(leafHash(data));
  }

  /** MTH of the leaves added so far (the accumulator stays usable). */
  root(): Buffer {
    const stack = this.stack;
    if (stack.length === 0) return EMPTY_ROOT;
    // RFC 6962 splits at the largest power of two, so the tree of an uneven count is the
    // decomposition's subtrees joined from the right: node(s0, node(s1, … node(s_{k-1}, s_k))).
    let h = stack[stack.length - 1]!.hash;
    for (let i = stack.length - 2; i >= 0; i--) h = nodeHash(stack[i]!.hash, h);
    return h;
  }
}

/** MTH of a list of leaf data (or leaf hashes with `hashed: true`). */
export function merkleRoot(leaves: Iterable<Uint8Array | string>, opts: { hashed?: boolean } = {}): Buffer {
  const acc = new MerkleAccumulator();
  for (const leaf of leaves) {
    if (opts.hashed) acc.addLeafHash(Buffer.from(leaf as Uint8Array));
    else acc.addLeaf(leaf);
  }
  return acc.root();
}

/** A half-open range of leaf indexes [start, end) whose subtree hash is one step of a proof. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The leaf ranges whose subtree hashes make up PATH(m, D[n]), bottom-up (RFC 6962 §2.1.1).
 * Each range is a subtree of the RFC's tree, so its hash is the MTH of its leaves.
 */
export function proofRanges(index: number, size: number): LeafRange[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  }
  const out: LeafRange[] = [];
  let m = index;
  let start = 0;
  let n = size;
  // Walk down from the root, noting the sibling of each step; the RFC lists them leaf first.
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      out.push({ start: start + k, end: start + n });
      n = k;
    } else {
      out.push({ start, end: start + k });
      m -= k;
      start += k;
      n -= k;
    }
  }
  return out.reverse();
}

/**
 * Builds inclusion proofs for chosen leaves and the tree's root in one pass over the leaves, with
 * memory proportional to (number of chosen leaves) × log2(size). The size must be known up front
 * (a pack's manifest records its line count).
 */
export class MerkleProver {
  private readonly all = new MerkleAccumulator();
  /** For each wanted leaf: its ranges, each with an accumulator while the range is being read. */
  private readonly wanted: { index: number; leaf?: Buffer; ranges: LeafRange[]; hashes: (Buffer | undefined)[] }[];
  /** Every (proof, range) pair ordered by range start, and a cursor over it. */
  private readonly events: { w: number; r: number; start: number; end: number }[];
  private readonly open: { w: number; r: number; end: number; acc: MerkleAccumulator }[] = [];
  private next = 0;

  constructor(
    readonly size: number,
    indexes: readonly number[],
  ) {
    this.wanted = indexes.map((index) => {
      const ranges = proofRanges(index, size);
      return { index, ranges, hashes: ranges.map(() => undefined) };
    });
    this.events = this.wanted
      .flatMap((w, wi) => w.ranges.map((r, ri) => ({ w: wi, r: ri, start: r.start, end: r.end })))
      .sort((a, b) => a.start - b.start);
  }

  /** Feeds the next leaf's hash, in order. */
  addLeafHash(hash: Buffer): void {
    const i = this.all.size;
    if (i >= this.size) throw new RangeError(`more than ${this.size} leaves`);
    this.all.addLeafHash(hash);
    for (const w of this.wanted) if (w.index === i) w.leaf = hash;
    while (this.next < this.events.length && this.events[this.next]!.start === i) {
      const e = this.events[this.next++]!;
      this.open.push({ w: e.w, r: e.r, end: e.end, acc: new MerkleAccumulator() });
    }
    for (let j = 0; j < this.open.length; j++) {
      const o = this.open[j]!;
      o.acc.addLeafHash(hash);
      if (i + 1 === o.end) {
        this.wanted[o.w]!.hashes[o.r] = o.acc.root();
        this.open.splice(j--, 1);
      }
    }
  }

  /** The root and one proof per wanted leaf, once every leaf has been fed. */
  finish(): { root: Buffer; proofs: { index: number; leafHash: Buffer; path: Buffer[] }[] } {
    if (this.all.size !== this.size) throw new RangeError(`expected ${this.size} leaves, got ${this.all.size}`);
    return {
      root: this.all.root(),
      proofs: this.wanted.map((w) => ({ index: w.index, leafHash: w.leaf!, path: w.hashes as Buffer[] })),
    };
  }
}

/**
 * Checks an inclusion proof (RFC 9162 §2.1.3.2): true when `leaf` (a leaf hash) sits at `index`
 * in a tree of `size` leaves whose root is `root`. Every input may come from an attacker: wrong
 * lengths, indexes or paths give false, never an exception.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leaf.length !== 32 || root.length !== 32 || path.some((p) => p.length !== 32)) return false;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r: Uint8Array = leaf;
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && Buffer.compare(Buffer.from(r), Buffer.from(root)) === 0;
}
