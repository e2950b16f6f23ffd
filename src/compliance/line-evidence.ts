/**
 * The evidence of the line being checked when its SHA-256 arrives as bytes (the export's scan keeps
 * each batch's digests as bytes): the hex is made when something reads `line_sha256`, which only
 * a finding or state that keeps the line does. Most lines are counted and forgotten, so most never
 * get a hex string, and none is held while its batch waits for the engine.
 *
 * A LineEvidence is never kept as it is: it reads a batch's digest buffer, which is reused, and
 * its hash is no own property (JSON would drop it). Whatever keeps evidence keeps `keptEvidence(ev)`.
 */
import type { Evidence } from './types.js';

/** Bytes of a line's SHA-256. */
export const DIGEST_SIZE = 32;

/** The hex of the DIGEST_SIZE bytes at `b[at]`. */
export function hexDigest(b: Buffer, at: number): string {
  if (at < 0 || at + DIGEST_SIZE > b.length) throw new RangeError('a line digest is 32 bytes');
  return b.toString('hex', at, at + DIGEST_SIZE);
}

/**
 * Evidence whose hash is made from its digest bytes when first read. The engine reuses one for
 * every line (`point`): nothing keeps it as it is (above), so an object per line was only garbage.
 */
export class LineEvidence implements Evidence {
  private hex: string | undefined;
  /** `digests` as a DataView (copyTo), made again only when another buffer is pointed at. */
  private view: DataView;
  constructor(
    public file: string,
    public seq: number,
    public line: number,
    private digests: Buffer,
    private at: number,
  ) {
    this.view = viewOf(digests);
  }

  /** Makes this the evidence of another line (the hex of the one before is dropped). */
  point(file: string, seq: number, line: number, digests: Buffer, at: number): this {
    this.file = file;
    this.seq = seq;
    this.line = line;
    if (digests !== this.digests) this.view = viewOf(digests);
    this.digests = digests;
    this.at = at;
    this.hex = undefined;
    return this;
  }

  get line_sha256(): string {
    this.hex ??= hexDigest(this.digests, this.at);
    return this.hex;
  }

  /** Copies the hash's 32 bytes to `into`'s bytes at `at`. */
  copyTo(into: DataView, at: number): void {
    if (this.at < 0 || this.at + DIGEST_SIZE > this.digests.length) throw new RangeError('a line digest is 32 bytes');
    // By hand: Buffer's copy of a part makes a view of it first (an object per kept line). As eight
    // 32-bit words: a byte at a time was ~3% of the engine (three digests kept per new order).
    const d = this.view;
    const from = this.at;
    for (let k = 0; k < DIGEST_SIZE; k += 4) into.setInt32(at + k, d.getInt32(from + k, true), true);
  }
}

/** A DataView of `b`'s bytes (where copyDigest writes). */
export function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Evidence to keep: a plain object (file, seq, line, line_sha256, in that order) for a LineEvidence. */
export function keptEvidence(ev: Evidence): Evidence {
  return ev instanceof LineEvidence ? { file: ev.file, seq: ev.seq, line: ev.line, line_sha256: ev.line_sha256 } : ev;
}

/**
 * Copies the 32 bytes of `ev`'s hash to `into`'s bytes at `at` (a viewOf the buffer that keeps it) when `ev` holds them as bytes (a LineEvidence),
 * or as the text hexDigest would make of them (evidence read from a carried state: half a million
 * open orders kept 64-character strings, 46 MB, where 16 MB of bytes do); false for any other text,
 * which the caller then keeps as it is.
 */
export function copyDigest(ev: Evidence, into: DataView, at: number): boolean {
  if (ev instanceof LineEvidence) {
    ev.copyTo(into, at);
    return true;
  }
  // Only 64 lowercase hex digits, as hexDigest writes them, give their text back from the bytes.
  const hex = ev.line_sha256;
  if (hex.length !== 2 * DIGEST_SIZE) return false;
  for (let i = 0; i < DIGEST_SIZE; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return false; // the bytes written so far are the caller's to ignore
    into.setUint8(at + i, (hi << 4) | lo);
  }
  return true;
}

/**
 * A kept line as a record of LINE_RECORD bytes (the order store's lines, the order-to-trade counts'
 * first lines: spill.ts SpilledBytes): its digest, then its seq and line number as float64s
 * (little-endian: exact, whatever number the log gave), 16 bytes spare.
 */
export const LINE_RECORD = 64;
const SEQ_AT = DIGEST_SIZE;
const LINE_AT = DIGEST_SIZE + 8;

/** Writes `ev`'s seq, line number and digest as the record at `into[at]`; false when its hash must be kept as text (copyDigest). */
export function putLine(ev: Evidence, into: DataView, at: number): boolean {
  into.setFloat64(at + SEQ_AT, ev.seq, true);
  into.setFloat64(at + LINE_AT, ev.line, true);
  return copyDigest(ev, into, at);
}

/** The evidence of the record at `b[at]`, in `file`, its hash `hex` when kept as text (else from the bytes). */
export function lineAt(b: Buffer, at: number, file: string, hex: string | undefined): Evidence {
  return {
    file,
    seq: b.readDoubleLE(at + SEQ_AT),
    line: b.readDoubleLE(at + LINE_AT),
    line_sha256: hex ?? hexDigest(b, at),
  };
}

/** The seq and line number of the record at `b[at]`. */
export function seqAndLine(b: Buffer, at: number): [number, number] {
  return [b.readDoubleLE(at + SEQ_AT), b.readDoubleLE(at + LINE_AT)];
}

/** The value of a lowercase hex digit's character code, or -1. */
function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * The key of a waiting config change: its evidence file and seq, as rollup/carry.ts `unionStates`
 * keys them. One host's seq is unique in its chain, but a roll-up runs several hosts' lines through
 * one engine (files `<host>/…`) whose seqs repeat: keyed by seq alone, one host's change replaced
 * another's of the same seq (at26 F1).
 */
export function configKey(ev: Pick<Evidence, 'file' | 'seq'>): string {
  return `${ev.file}\u0000${ev.seq}`;
}
