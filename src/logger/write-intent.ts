/**
 * The writer thread's last write, on shared memory (offload.ts): before each write(2) of a batch's
 * events the thread records how many events it writes, its `written` count before them, the day
 * file, where the bytes go and the chain hash of their last line. A thread that dies between that
 * write and counting it (an exit or a termination at any point of its append) leaves this behind,
 * and the main thread looks at the file to learn whether the bytes are there: their last line, at
 * the recorded end, hashes to the recorded hash, or they are not. So those events are written once,
 * never twice (a double) and never dropped (a loss).
 */
import { closeSync, constants as fsc, fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { hashLine } from '../chain/index.js';
import { logFileName } from '../rotation/index.js';
import { openRegular } from './day-file.js';

const SLOTS = 5; // events, base, day, start, end
const HASH_BYTES = 64; // hex
/** Bytes of the shared record. */
export const WRITE_INTENT_BYTES = SLOTS * 8 + HASH_BYTES;

/** One recorded write, as the main thread reads it after the thread is gone. */
export interface WriteIntent {
  /** Events of the batch the write holds (0: no write recorded). */
  events: number;
  /** The thread's `written` count before this write: larger now means the write was counted. */
  base: number;
  day: number;
  /** The day file's size before the write, and after it. */
  start: number;
  end: number;
  /** SHA-256 (hex) of the write's last line: the chain head after it. */
  hash: string;
}

/** The writer thread's side: records each write before it is made. */
export function intentRecorder(buf: SharedArrayBuffer): (w: WriteIntent) => void {
  const slots = new Float64Array(buf, 0, SLOTS);
  const hash = new Uint8Array(buf, SLOTS * 8, HASH_BYTES);
  return (w) => {
    slots[0] = 0; // invalid while the rest is being filled
    slots[1] = w.base;
    slots[2] = w.day;
    slots[3] = w.start;
    slots[4] = w.end;
    hash.set(Buffer.from(w.hash, 'latin1').subarray(0, HASH_BYTES));
    slots[0] = w.events;
  };
}

/** The last write the thread recorded (read after the thread is gone), or undefined. */
export function readIntent(buf: SharedArrayBuffer): WriteIntent | undefined {
  const slots = new Float64Array(buf, 0, SLOTS);
  if (!((slots[0] as number) > 0)) return undefined;
  const hash = Buffer.from(new Uint8Array(buf, SLOTS * 8, HASH_BYTES)).toString('latin1');
  const [events, base, day, start, end] = slots as unknown as number[];
  return { events, base, day, start, end, hash } as WriteIntent;
}

/** The most a recorded write is read back (a batch is about 1 MiB; a backlog's can be larger). */
const MAX_READ_BACK = 256 * 1024 * 1024;

/**
 * Whether the recorded write is in the day file: the file reaches its end and the line ending
 * there is the one the thread wrote (its SHA-256 is the recorded chain hash; the line holds its
 * `seq` and `prev`, so no other writer's line can have it). Files are only appended to, so a
 * write found there stays there. False when the bytes are not there, or cannot be read.
 */
export function intentOnDisk(dir: string, w: WriteIntent): boolean {
  const len = w.end - w.start;
  if (!(len > 0) || len > MAX_READ_BACK) return false;
  let fd: number | undefined;
  try {
    // As the writer opens it: a link (its bytes are no write of ours) or a FIFO (which would block) is refused.
    fd = openRegular(join(dir, logFileName(w.day)), fsc.O_RDONLY);
    if (fstatSync(fd).size < w.end) return false;
    const data = Buffer.alloc(len);
    if (readSync(fd, data, 0, len, w.start) !== len || data[len - 1] !== 0x0a) return false;
    const from = data.lastIndexOf(0x0a, len - 2) + 1;
    return hashLine(data.subarray(from, len - 1)) === w.hash;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
