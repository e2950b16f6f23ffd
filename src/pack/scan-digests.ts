/**
 * The derived files' digests (size and SHA-256 of orders.csv, fills.csv and alerts.jsonl) made where
 * the batches' outputs are, in batch order: verify keeps no derived bytes, only these, and hashing
 * them took about a tenth of its reading thread on long lines. With DayScanner's `'digest'` sinks the
 * scan thread hashes the outputs of the batches it processes as it makes them, and the reading
 * thread sends it the outputs of the batches it processed itself (a DigestJob, posted in batch
 * order: a thread's messages arrive in the order they were posted, so the bytes are hashed in the
 * file's order). A digest is only ever of every batch once, in order: a batch out of turn (the
 * thread was lost with the batches it had hashed, and the rest run here) makes the digests lost,
 * never wrong, and the caller derives them again.
 */
import { createHash, type Hash } from 'node:crypto';
import { csvHeader, FILL_COLUMNS, ORDER_COLUMNS } from './csv.js';

/** One derived file's size in bytes and SHA-256 (hex). */
export interface DerivedDigest {
  readonly size: number;
  readonly sha256: string;
}

/** The derived files' digests. */
export interface DerivedDigests {
  readonly orders: DerivedDigest;
  readonly fills: DerivedDigest;
  readonly alerts: DerivedDigest;
}

/** A batch's outputs for the thread to hash: `buf[0, lengths[0])` orders, then fills, then alerts. */
export interface DigestJob {
  /** The batch's id (its place in the files). */
  readonly digest: number;
  readonly buf: ArrayBuffer;
  readonly lengths: readonly [number, number, number];
}

/** The last job: the digests once `end` batches were hashed, or null when they are lost. */
export interface DigestEnd {
  readonly end: number;
}

/** A DigestJob's answer: its buffer back (moved), for the next job's bytes. */
export interface DigestAnswer {
  readonly buf: ArrayBuffer;
  readonly digests?: DerivedDigests | null;
}

/** No bytes: a batch's outputs when they were hashed where it ran. */
export const NO_OUTPUT = new Uint8Array(0);

/** Bytes a DigestJob's buffer is allocated by: a few sizes, so they are reused (outputsInto's reason). */
const STEP = 64 * 1024;

/**
 * The three outputs copied into one buffer to move to the thread: `spare` when it fits (an earlier
 * job's, given back), else a new one. The outputs are views the next batch overwrites.
 */
export function digestJob(
  id: number,
  orders: Uint8Array,
  fills: Uint8Array,
  alerts: Uint8Array,
  spare: ArrayBuffer | undefined,
): DigestJob {
  const needed = orders.length + fills.length + alerts.length;
  const buf =
    spare !== undefined && spare.byteLength >= needed && spare.byteLength > 0
      ? spare
      : new ArrayBuffer(Math.max(STEP, Math.ceil((needed * 1.25) / STEP) * STEP));
  const into = new Uint8Array(buf);
  into.set(orders, 0);
  into.set(fills, orders.length);
  into.set(alerts, orders.length + fills.length);
  return { digest: id, buf, lengths: [orders.length, fills.length, alerts.length] };
}

/** Each derived file's running size and SHA-256, fed every batch's outputs in batch order. */
export class BatchDigests {
  private readonly hashes: [Hash, Hash, Hash] = [createHash('sha256'), createHash('sha256'), createHash('sha256')];
  private readonly sizes = [0, 0, 0];
  private next = 0;
  private lost = false;

  constructor() {
    this.update(0, Buffer.from(csvHeader(ORDER_COLUMNS), 'utf8'));
    this.update(1, Buffer.from(csvHeader(FILL_COLUMNS), 'utf8'));
  }

  private update(i: number, b: Uint8Array): void {
    (this.hashes[i] as Hash).update(b);
    this.sizes[i] = (this.sizes[i] as number) + b.length;
  }

  /** Batch `id`'s outputs; a batch out of turn makes the digests lost. */
  add(id: number, orders: Uint8Array, fills: Uint8Array, alerts: Uint8Array): void {
    if (this.lost) return;
    if (id !== this.next) {
      this.lost = true;
      return;
    }
    this.next++;
    this.update(0, orders);
    this.update(1, fills);
    this.update(2, alerts);
  }

  /**
   * A DigestJob's bytes, as add. A job re-run here after the thread died holds no bytes (its buffer
   * was moved to that thread, and went with it): the digests are lost.
   */
  addJob(job: DigestJob): void {
    const [o, f, a] = job.lengths;
    if (job.buf.byteLength < o + f + a) {
      this.lost = true;
      return;
    }
    const b = new Uint8Array(job.buf);
    this.add(job.digest, b.subarray(0, o), b.subarray(o, o + f), b.subarray(o + f, o + f + a));
  }

  /** The digests once every one of `batches` batches was added in order, else null (lost). */
  end(batches: number): DerivedDigests | null {
    if (this.lost || this.next !== batches) return null;
    const [o, f, a] = this.hashes.map((h, i) => ({ size: this.sizes[i] as number, sha256: h.digest('hex') }));
    this.lost = true; // a Hash digests once
    return { orders: o as DerivedDigest, fills: f as DerivedDigest, alerts: a as DerivedDigest };
  }
}
