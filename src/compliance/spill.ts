/**
 * Pieces of the checks' state that may leave memory for a temporary file: a `PiecePool` keeps at most
 * `budget` pieces of PIECE_BYTES in memory; past that, the piece used least lately goes to the file
 * and comes back when asked for. What it serves: the line digests of the open orders and of the
 * symbols counted (SpilledBytes below, order-store.ts, otr-counts.ts), read again only when a finding
 * cites one and at the day's end, and the bytes of the order ids and symbol names (order-ids.ts),
 * read at each lookup of one (most often an order of the last minutes, whose piece is in memory) and
 * at the day's end. Held in memory all day, they were most of what 500,000 open orders or an options
 * desk's 500,000 symbols cost (32 bytes a digest, ~48 an id: docs/PERFORMANCE.md).
 *
 * The file: made at the first piece that leaves memory (a pool under its budget makes none), under
 * the system's temporary directory (`os.tmpdir()`, `TMPDIR`; /var/tmp when that is in memory), mode 0600, unlinked as soon as it is
 * open (nothing is left behind, not on kill -9: the system frees it with the descriptor), each piece
 * at its own place (piece × PIECE_BYTES). It holds what the log being checked holds (ids, names,
 * line digests), nothing redaction took out. If the file cannot be made or a piece cannot be written
 * (a full disk, a read-only or missing TMPDIR, a TMPDIR in memory: MEMORY_FS), the pieces stay in
 * memory from then on, as they did before there was a file: the check goes on, only its memory is
 * what it was. A piece that was written and cannot be read back as it was written (a read error,
 * the file cut short, a hole where it was: each piece's checksum is kept in memory) is an error
 * (READ_FAILED: no answer would be right).
 *
 * A pool read back more than it gains: pieces asked for at random over far more than the budget
 * (orders closed at random among hundreds of thousands open, their slots taken again) cost a read
 * and a write of the file each. When more than one access in THRASH of a WINDOW of accesses brings
 * a piece back from the file, the budget doubles: such a day runs at about the speed, and in about
 * the memory, it had with no file (docs/decisions.md, "at72").
 *
 * Which piece leaves: the clock (second chance) over the pieces in memory; a piece asked for since
 * the hand last passed stays. A piece is written only if it changed since it was last read from the
 * file (else the file has it already).
 *
 * A buffer the pool gives is the piece's only until the pool is next asked for a piece (its place in
 * memory may then be given to another): read or write it at once.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditpackError } from '../errors.js';
import { PAGE } from './paged.js';

/** The bytes of a piece: one read or write of the file. */
export const PIECE_BYTES = 4096;
/** Places made in memory at once (one allocation, never freed before the pool: paged.ts says why). */
const CHUNK = 32;
/**
 * The pieces a pool keeps in memory to start with: 64 (256 KiB; doubled while it reads back too much).
 * A pool makes places CHUNK at a time: a smaller budget is CHUNK. 512 (2 MiB) cost the options desk's
 * day ~11 MB more at its peak (six pools) for no measurable CPU on any day of the sweep's shapes.
 */
export const SPILL_BUDGET = 64;
/** Accesses over which a pool counts its reads of the file, and the share (1 / THRASH) past which its budget doubles. */
export const WINDOW = 1 << 14;
export const THRASH = 32;

/**
 * statfs types of file systems whose files are memory (Linux include/uapi/linux/magic.h: TMPFS_MAGIC,
 * RAMFS_MAGIC). A piece written there stays in memory as shared memory: the process's RSS drops by
 * it, the machine's memory (and a cgroup's count) does not, and every piece costs a write and a
 * read. /tmp is a tmpfs on Fedora, Arch and Debian 13, /dev/shm everywhere: there the pool makes no
 * file, as it makes none without a TMPDIR.
 */
const MEMORY_FS: ReadonlySet<number> = new Set([0x01021994, 0x858458f6]);

/**
 * Where a pool's file goes: TMPDIR (os.tmpdir()), or /var/tmp (kept on disk by convention: the
 * FHS, systemd's tmpfiles) when TMPDIR is a file system in memory; an error (no file: the pieces
 * stay in memory) when TMPDIR is missing or both are in memory.
 */
function spillDir(): string {
  const dir = tmpdir();
  if (!MEMORY_FS.has(statfsSync(dir).type)) return dir;
  if (!MEMORY_FS.has(statfsSync('/var/tmp').type)) return '/var/tmp';
  throw new Error(`${dir} and /var/tmp are file systems in memory`);
}

/** A piece's checksum (FNV-1a over its 32-bit words, then murmur3's finalizer): a piece that changed in the file, or a hole where it was, is told. */
function checksum(w: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ (w[i] as number), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) | 0;
}

/** Closes a dropped pool's file (the file is unlinked: closing it frees its blocks). */
const closer = new FinalizationRegistry<{ fd: number }>((h) => {
  try {
    closeSync(h.fd);
  } catch {
    // already closed
  }
});

/** Pieces numbered from 0, PIECE_BYTES each, at most `budget` of them in memory. */
export class PiecePool {
  /** Where each piece is in memory (a place), -1 if not, undefined if never asked for. */
  private readonly where: number[] = [];
  /** Whether the file holds each piece (else it reads as zeros until written), and its checksum there. */
  private readonly filed: boolean[] = [];
  private readonly sums: number[] = [];
  /** By place: its buffer, as a DataView, its piece, whether written since filed, whether asked for since the hand passed. */
  readonly bufs: Buffer[] = [];
  readonly views: DataView[] = [];
  private readonly words: Int32Array[] = [];
  private readonly owner: number[] = [];
  private readonly dirty: boolean[] = [];
  private readonly ref: boolean[] = [];
  /** Places made but holding no piece. */
  private readonly free: number[] = [];
  private hand = 0;
  private file: { fd: number } | null = null;
  /** Set when the file failed: every piece stays in memory from then on. */
  private noFile = false;
  /** Pieces numbered so far (add). */
  private pieces = 0;
  /** Pieces written to the file, and read back from it (tests, measurement). */
  spills = 0;
  loads = 0;
  /** Accesses and reads of the file in the current window. */
  private seen = 0;
  private seenLoads = 0;

  constructor(private budget: number = SPILL_BUDGET) {
    if (!(budget >= 1)) throw new RangeError('PiecePool: a budget of at least 1');
  }

  /** The pieces it may keep in memory now (the budget given, doubled each time it read back too much). */
  get limit(): number {
    return this.budget;
  }

  /** A new piece's number (zeros until written). */
  add(): number {
    return this.pieces++;
  }

  /** Makes sure pieces 0 … n - 1 may be asked for. */
  reserve(n: number): void {
    if (n > this.pieces) this.pieces = n;
  }

  /** Pieces in memory now. */
  get resident(): number {
    return this.bufs.length - this.free.length;
  }

  /** The place (of `bufs`, `views`) of piece `k`, brought into memory if it is not; `write`: it will change. */
  place(k: number, write: boolean): number {
    let p = this.where[k];
    if (p === undefined || p < 0) {
      if (!(k >= 0 && k < this.pieces)) throw new RangeError('no such piece');
      p = this.bring(k);
    }
    if (++this.seen === WINDOW) this.judge();
    this.ref[p] = true;
    if (write) this.dirty[p] = true;
    return p;
  }

  /** The end of a window: the budget doubles if the file was read more than once in THRASH accesses. */
  private judge(): void {
    if (this.seenLoads * THRASH > WINDOW) this.budget *= 2;
    this.seen = 0;
    this.seenLoads = 0;
  }

  /** Brings piece `k` into memory (from the file, or zeros) and returns its place. */
  private bring(k: number): number {
    const p = this.room();
    const buf = this.bufs[p] as Buffer;
    if (this.filed[k] === true) {
      const fd = (this.file as { fd: number }).fd;
      let got = 0;
      try {
        while (got < PIECE_BYTES) {
          const n = readSync(fd, buf, got, PIECE_BYTES - got, k * PIECE_BYTES + got);
          if (n === 0) throw new Error('end of file');
          got += n;
        }
        if (checksum(this.words[p] as Int32Array) !== this.sums[k]) throw new Error('a piece came back changed');
      } catch (e) {
        // The place holds nothing now: back to the free ones.
        this.free.push(p);
        throw new AuditpackError(
          'READ_FAILED',
          `the checks' state kept in a temporary file could not be read back: ${(e as Error).message}`,
          { cause: e },
        );
      }
      this.loads++;
      this.seenLoads++;
    } else buf.fill(0);
    this.owner[p] = k;
    this.where[k] = p;
    this.dirty[p] = false;
    return p;
  }

  /** A place for one more piece: a free one, a new one under the budget, else the clock's victim's. */
  private room(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.bufs.length < this.budget || this.noFile) return this.grow();
    for (;;) {
      const p = this.hand;
      this.hand = (this.hand + 1) % this.bufs.length;
      if (this.ref[p] === true) {
        this.ref[p] = false;
        continue;
      }
      const k = this.owner[p] as number;
      if (this.dirty[p] === true && !this.write(k, p)) return this.grow();
      this.where[k] = -1;
      return p;
    }
  }

  /** Writes the piece at place `p` (piece `k`) to the file; false (and no file from now on) if it cannot. */
  private write(k: number, p: number): boolean {
    try {
      if (this.file === null) this.file = this.open();
      const buf = this.bufs[p] as Buffer;
      let put = 0;
      while (put < PIECE_BYTES) put += writeSync(this.file.fd, buf, put, PIECE_BYTES - put, k * PIECE_BYTES + put);
      this.sums[k] = checksum(this.words[p] as Int32Array);
      this.filed[k] = true;
      this.spills++;
      return true;
    } catch {
      // A full disk or no temporary directory: the pieces stay in memory. A piece the file already
      // holds (filed) still reads from it; this one stays here, changed.
      this.noFile = true;
      return false;
    }
  }

  private open(): { fd: number } {
    const dir = spillDir();
    const path = join(dir, `auditpack-spill-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fd = openSync(path, 'wx+', 0o600);
    try {
      unlinkSync(path);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    const h = { fd };
    closer.register(this, h);
    return h;
  }

  /** CHUNK more places (one allocation); returns one, the rest go to `free`. */
  private grow(): number {
    const chunk = Buffer.alloc(CHUNK * PIECE_BYTES);
    const first = this.bufs.length;
    for (let c = 0; c < CHUNK; c++) {
      const b = chunk.subarray(c * PIECE_BYTES, (c + 1) * PIECE_BYTES);
      this.bufs.push(b);
      this.views.push(new DataView(b.buffer, b.byteOffset, b.byteLength));
      this.words.push(new Int32Array(b.buffer, b.byteOffset, PIECE_BYTES / 4));
      this.owner.push(-1);
      this.dirty.push(false);
      this.ref.push(false);
    }
    for (let c = CHUNK - 1; c > 0; c--) this.free.push(first + c);
    return first;
  }
}

/**
 * `size` bytes by slot (a power of two dividing PIECE_BYTES: the line digests, 32), as paged.ts's
 * PagedBytes kept them in memory before, in a PiecePool of their own: slot i's bytes are in piece
 * i / (PIECE_BYTES / size), zeros until written. Asking for a slot past the pages made is a RangeError.
 */
export class SpilledBytes {
  private readonly shift: number;
  private readonly mask: number;
  /** Its pieces (read by tests and measurement). */
  readonly pool: PiecePool;
  /** The slots addPage made room for. */
  private slots = 0;

  constructor(
    private readonly size: number,
    budget: number = SPILL_BUDGET,
  ) {
    const per = PIECE_BYTES / size;
    if (!Number.isInteger(per) || (per & (per - 1)) !== 0 || PAGE % per !== 0)
      throw new RangeError('SpilledBytes: a size of a power of two dividing PIECE_BYTES');
    this.shift = Math.log2(per);
    this.mask = per - 1;
    this.pool = new PiecePool(budget);
  }

  /** The buffer that holds slot `i`'s bytes, to read at `at(i)` (valid until the next call). */
  page(i: number): Buffer {
    return this.pool.bufs[this.pool.place(i >>> this.shift, false)] as Buffer;
  }

  /** That buffer as a DataView, to write slot `i`'s bytes at `at(i)` (valid until the next call). */
  view(i: number): DataView {
    return this.pool.views[this.pool.place(i >>> this.shift, true)] as DataView;
  }

  /** Where slot `i`'s bytes start in its buffer. */
  at(i: number): number {
    return (i & this.mask) * this.size;
  }

  /** Room for PAGE more slots (zeros until written). */
  addPage(): void {
    this.slots += PAGE;
    this.pool.reserve(this.slots >>> this.shift);
  }
}
