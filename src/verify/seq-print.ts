/**
 * An order-independent fingerprint of a multiset of seq numbers. The log check fingerprints the
 * order and fill events it reads, the CSV count fingerprints the rows' seq column, and the pack
 * judge compares the two: a row moved to another event, or an event without its row, changes it.
 */

/** An order-independent fingerprint of a multiset of seq numbers (count and two 32-bit sums). */
export interface SeqPrint {
  count: number;
  sum: number;
  mix: number;
}

/** Adds a seq to a fingerprint. Exported so CSV rows are fingerprinted the same way. */
export function addSeq(p: SeqPrint, seq: number): void {
  p.count++;
  const lo = seq >>> 0;
  const hi = Math.floor(seq / 4294967296) >>> 0;
  p.sum = (p.sum + lo + Math.imul(hi, 0x9e3779b1)) >>> 0;
  let h = Math.imul(lo ^ 0x85ebca6b, 0xcc9e2d51) ^ Math.imul(hi, 0x1b873593);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 13;
  p.mix = (p.mix + h) >>> 0;
}

/** Takes a seq added with addSeq out of a fingerprint again. */
export function removeSeq(p: SeqPrint, seq: number): void {
  const q = emptySeqPrint();
  addSeq(q, seq);
  p.count--;
  p.sum = (p.sum - q.sum) >>> 0;
  p.mix = (p.mix - q.mix) >>> 0;
}

/** Adds fingerprint b into a (the fingerprint of both multisets). */
export function addSeqPrint(a: SeqPrint, b: SeqPrint): void {
  a.count += b.count;
  a.sum = (a.sum + b.sum) >>> 0;
  a.mix = (a.mix + b.mix) >>> 0;
}

/** The fingerprint of no seqs. */
export function emptySeqPrint(): SeqPrint {
  return { count: 0, sum: 0, mix: 0 };
}
