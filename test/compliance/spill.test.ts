/**
 * The checks' state pieces that leave memory for a temporary file (src/compliance/spill.ts): with a
 * budget of one or two pieces every write and read goes through the file, and what comes back is
 * what was written, slot for slot, against a Map (property; a pool makes its places 32 at a time, so a
 * budget of 1 to 3 is 32 places); the file is unlinked as soon as it is
 * open; no TMPDIR, a full one (a real ext4 on a loop device) or one in memory (a tmpfs) keeps the pieces
 * in memory and every answer right;
 * a piece the file lost is READ_FAILED, never zeros.
 */
import { readdirSync, readlinkSync, statfsSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditpackError } from '../../src/errors.js';
import { PAGE } from '../../src/compliance/paged.js';
import { PIECE_BYTES, PiecePool, SpilledBytes, WINDOW } from '../../src/compliance/spill.js';
import { CAN_MOUNT, CAN_MOUNT_EXT4, smallDisk } from '../helpers/small-disk.js';
import { diskTempDir, tempDir } from '../helpers/tmp.js';

const SIZE = 32;
const PER = PIECE_BYTES / SIZE;
const saved = process.env.TMPDIR;
afterEach(() => {
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
});

function put(b: SpilledBytes, i: number, bytes: Uint8Array): void {
  const v = b.view(i);
  const at = b.at(i);
  for (let k = 0; k < SIZE; k++) v.setUint8(at + k, bytes[k] as number);
}
function got(b: SpilledBytes, i: number): Buffer {
  const p = b.page(i);
  return Buffer.from(p.subarray(b.at(i), b.at(i) + SIZE));
}
/** Writes a distinct pattern into slots 0 … n - 1 (n ≤ PAGE × pages), then checks them all. */
function fillAndCheck(b: SpilledBytes, n: number): void {
  const pattern = (i: number) => Buffer.alloc(SIZE, (i * 7 + 1) & 0xff).fill(i & 0xff, 0, 4);
  for (let i = 0; i < n; i++) put(b, i, pattern(i));
  for (let i = n - 1; i >= 0; i--) expect(got(b, i).equals(pattern(i))).toBe(true);
}

/** This process's open descriptors (`/proc/self/fd/N`) and where they point. */
function openFds(): [string, string][] {
  return readdirSync('/proc/self/fd').map((fd) => {
    const path = join('/proc/self/fd', fd);
    try {
      return [path, readlinkSync(path)];
    } catch {
      return [path, ''];
    }
  });
}

/** Where this process's open descriptors point. */
function spillLinks(): string[] {
  return openFds().map(([, link]) => link);
}

/** The `/proc/self/fd/N` of the spill file made in `dir`, if one is open. */
function spillFd(dir: string): string | undefined {
  return openFds().find(([, link]) => link.startsWith(join(dir, 'auditpack-spill-')))?.[0];
}

/** Two pages' slots written and read back under a budget of 32 pieces, the file in `dir`. */
function spilledInto(dir: string): SpilledBytes {
  process.env.TMPDIR = dir;
  const b = new SpilledBytes(SIZE, 1);
  for (let k = 0; k < 2; k++) b.addPage();
  fillAndCheck(b, 2 * PAGE);
  return b;
}

describe('SpilledBytes', () => {
  it('gives back what was written to any slot, through a file of pieces (property)', () => {
    const op = fc.record({
      slot: fc.nat(3 * PAGE - 1),
      bytes: fc.uint8Array({ minLength: SIZE, maxLength: SIZE }),
      read: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(op, { minLength: 1, maxLength: 300 }), (budget, ops) => {
        const b = new SpilledBytes(SIZE, budget);
        for (let k = 0; k < 3; k++) b.addPage();
        const ref = new Map<number, Uint8Array>();
        for (const { slot, bytes, read } of ops) {
          if (!read) {
            put(b, slot, bytes);
            ref.set(slot, bytes);
          }
          const want = ref.get(slot) ?? new Uint8Array(SIZE);
          expect([...got(b, slot)]).toEqual([...want]);
          expect(b.pool.resident).toBeLessThanOrEqual(32); // one chunk of places: the budget holds
        }
        for (const [slot, bytes] of ref) expect([...got(b, slot)]).toEqual([...bytes]);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps no more than its budget in memory and reads back every piece it wrote', () => {
    process.env.TMPDIR = diskTempDir();
    const b = new SpilledBytes(SIZE, 32);
    for (let k = 0; k < 4; k++) b.addPage();
    fillAndCheck(b, 4 * PAGE);
    expect(b.pool.resident).toBe(32);
    expect(b.pool.spills).toBeGreaterThanOrEqual((4 * PAGE) / PER - 32);
    expect(b.pool.loads).toBeGreaterThan(0);
  });

  it('asks for a slot past the pages made: RangeError, as the pages in memory did', () => {
    const b = new SpilledBytes(SIZE);
    expect(() => b.page(0)).toThrow(RangeError);
    b.addPage();
    expect(got(b, PAGE - 1).equals(Buffer.alloc(SIZE))).toBe(true);
    expect(() => b.view(PAGE)).toThrow(RangeError);
  });

  it('unlinks its file as soon as it is open: the directory stays empty, the descriptor reads (deleted)', () => {
    const dir = diskTempDir();
    const b = spilledInto(dir);
    expect(b.pool.spills).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual([]);
    const links = spillLinks();
    expect(links.some((l) => l.startsWith(join(dir, 'auditpack-spill-')) && l.endsWith('(deleted)'))).toBe(true);
  });

  it('without a temporary directory keeps every piece in memory and every answer right', () => {
    process.env.TMPDIR = join(tempDir(), 'no', 'such', 'dir');
    const b = new SpilledBytes(SIZE, 1);
    for (let k = 0; k < 2; k++) b.addPage();
    fillAndCheck(b, 2 * PAGE);
    expect(b.pool.spills).toBe(0);
    expect(b.pool.resident).toBe((2 * PAGE) / PER);
  });

  it.skipIf(!CAN_MOUNT_EXT4)('on a disk that fills part way keeps what it wrote there and the rest in memory', () => {
    const disk = smallDisk(512, 'ext4');
    process.env.TMPDIR = disk.dir;
    disk.fill(3 * PIECE_BYTES);
    const b = new SpilledBytes(SIZE, 1);
    for (let k = 0; k < 2; k++) b.addPage();
    fillAndCheck(b, 2 * PAGE);
    expect(b.pool.spills).toBeGreaterThan(0); // some pieces went to the disk before it was full
    expect(b.pool.resident).toBeGreaterThan(32); // the rest stayed
    expect(b.pool.loads).toBeGreaterThan(0); // and those on the disk came back from it
  });

  it.skipIf(!CAN_MOUNT)('with TMPDIR on a tmpfs writes nothing there: /var/tmp if on disk, else no file', () => {
    // A tmpfs file's pages are shared memory: the process's RSS drops by what it holds, the
    // machine's memory does not (a cgroup counts them too), and every piece costs a pwrite and a
    // pread. /tmp is a tmpfs on Fedora, Arch and Debian 13, and /dev/shm everywhere; /var/tmp is
    // kept on disk by convention.
    const disk = smallDisk(4096);
    process.env.TMPDIR = disk.dir;
    const free = disk.freeBytes();
    const b = new SpilledBytes(SIZE, 1);
    for (let k = 0; k < 2; k++) b.addPage();
    fillAndCheck(b, 2 * PAGE);
    expect(disk.freeBytes()).toBe(free);
    const varTmpInMemory = [0x01021994, 0x858458f6].includes(statfsSync('/var/tmp').type);
    if (varTmpInMemory) {
      expect(b.pool.spills).toBe(0);
      expect(b.pool.resident).toBe((2 * PAGE) / PER);
    } else {
      expect(b.pool.spills).toBeGreaterThan(0);
      expect(spillLinks().some((l) => l.startsWith('/var/tmp/auditpack-spill-'))).toBe(true);
    }
  });

  it('a piece the file lost is READ_FAILED, never zeros', () => {
    const dir = diskTempDir();
    const b = spilledInto(dir);
    const fd = spillFd(dir);
    expect(fd).toBeDefined();
    truncateSync(fd as string, 0);
    let err: unknown;
    try {
      for (let i = 0; i < 2 * PAGE; i += PER) got(b, i);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditpackError);
    expect((err as AuditpackError).code).toBe('READ_FAILED');
  });
});

describe('PiecePool', () => {
  it('a piece the file lost reads READ_FAILED even after a later piece is written past it (a hole, not zeros)', () => {
    // A dirty piece written after the loss at a higher place extends the file again, and the lost
    // piece's place becomes a hole that reads as zeros: the piece's checksum (kept in memory) tells.
    // What truncates an unlinked file is someone with the process's uid (/proc/<pid>/fd), or a disk.
    const dir = diskTempDir();
    process.env.TMPDIR = dir;
    const pool = new PiecePool(32);
    const ks = Array.from({ length: 40 }, () => pool.add());
    for (const k of ks) pool.bufs[pool.place(k, true)]?.fill(k + 1); // pieces 0 to 7 go to the file
    const fd = spillFd(dir);
    truncateSync(fd as string, 2 * PIECE_BYTES); // pieces 2 to 7 lost
    pool.place(8, true); // still in memory, changed: the next piece asked for sends it to the file
    let read: number | undefined;
    let err: unknown;
    try {
      read = pool.bufs[pool.place(5, false)]?.[0];
    } catch (e) {
      err = e;
    }
    expect({ read, code: (err as AuditpackError | undefined)?.code }).toEqual({ read: undefined, code: 'READ_FAILED' });
  });

  it('read back at random over far more than its budget, doubles its budget until it stops thrashing', () => {
    process.env.TMPDIR = diskTempDir();
    const pool = new PiecePool(32);
    const ks = Array.from({ length: 400 }, () => pool.add());
    for (const k of ks) pool.bufs[pool.place(k, true)]?.fill(k & 0xff);
    let x = 1;
    let wrong = 0;
    for (let n = 0; n < 6 * WINDOW; n++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const k = x % 400;
      if (pool.bufs[pool.place(k, (n & 7) === 0)]?.[9] !== (k & 0xff)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(pool.limit).toBeGreaterThanOrEqual(400);
    const loads = pool.loads;
    for (let n = 0; n < WINDOW; n++) pool.place(n % 400, false);
    expect(pool.loads).toBe(loads);
  });

  it('read back in order (a walk over slots: each piece many times in a row), or at random within its budget, keeps its budget', () => {
    process.env.TMPDIR = diskTempDir();
    const pool = new PiecePool(32);
    const ks = Array.from({ length: 4000 }, () => pool.add());
    for (let r = 0; r < 3; r++) for (const k of ks) for (let slot = 0; slot < 64; slot++) pool.place(k, r === 0);
    for (let n = 0; n < 2 * WINDOW; n++) pool.place(3990 + (n % 8), false);
    expect(pool.limit).toBe(32);
    expect(pool.resident).toBe(32);
  });

  it('a piece asked for since the hand passed stays in memory (second chance), the others leave in turn', () => {
    process.env.TMPDIR = diskTempDir();
    const pool = new PiecePool(32);
    const ks = Array.from({ length: 40 }, () => pool.add());
    const fill = (k: number) => pool.bufs[pool.place(k, true)]?.fill(k + 1);
    for (const k of ks.slice(0, 33)) fill(k); // the 33rd sends piece 0 to the file (every piece was asked for once)
    pool.place(5, false);
    for (const k of ks.slice(33, 39)) fill(k); // pieces 1 to 4 leave, 5 is passed by, then 6 and 7
    const loads = pool.loads;
    expect(pool.bufs[pool.place(5, false)]?.[0]).toBe(6);
    expect(pool.loads).toBe(loads);
    expect(pool.bufs[pool.place(6, false)]?.[0]).toBe(7);
    expect(pool.loads).toBe(loads + 1);
    for (const k of ks.slice(0, 39)) expect(pool.bufs[pool.place(k, false)]?.[PIECE_BYTES - 1]).toBe(k + 1);
    expect(pool.resident).toBe(32);
  });
});
