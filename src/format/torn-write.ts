/**
 * What a write cut off by a crash can look like (docs/FORMAT.md, "Torn lines and recovery"): the
 * one test of a fragment, for the writer that recovers it and for every checker that reads it, as
 * an unterminated tail or as a line a TornLineRecovered describes.
 *
 * Threat: bytes appended by hand to the newest day file look like a torn tail to the next writer,
 * which recovers them (it must not stop logging because of bytes someone else wrote). Judged only
 * by the recovery event, they would read as a crash: the checkers judge the bytes themselves.
 */
import { isUtf8 } from 'node:buffer';
import { LINE_HEAD } from './log-line.js';

/** The bound on a line (docs/FORMAT.md, "What makes a line an event", rule 0): 16 MiB, the "\n" not counted. */
export const LINE_BOUND_BYTES = 16 * 1024 * 1024;

const TORN_HEAD = Buffer.from(LINE_HEAD, 'latin1');

/** tornWriteProblem's reason for bytes that do not start as a line starts. */
export const NOT_LINE_START = `it does not start as a log line (${LINE_HEAD})`;

/**
 * Why `b` (a fragment's bytes; undefined when longer than the bound on a line) cannot be a write
 * cut off by a crash, or undefined when it can: within the bound, starting as every line starts
 * (`{"ts":`, or a prefix of it), no byte below 0x20, UTF-8 except for a character cut at the end.
 */
export function tornWriteProblem(b: Buffer | undefined): string | undefined {
  if (b === undefined || b.length > LINE_BOUND_BYTES) return 'longer than the bound on a line';
  for (let i = 0; i < Math.min(b.length, TORN_HEAD.length); i++) if (b[i] !== TORN_HEAD[i]) return NOT_LINE_START;
  for (let i = 0; i < b.length; i++) if ((b[i] as number) < 0x20) return 'it holds a control byte';
  for (let k = 0; k <= 3 && k <= b.length; k++) {
    let cut = true;
    for (let i = b.length - k; i < b.length; i++) if ((b[i] as number) < 0x80) cut = false;
    if (cut && isUtf8(b.subarray(0, b.length - k))) return undefined;
  }
  return 'it is not UTF-8';
}

/** Whether `b` starts as every line the writer writes starts (`{"ts":`). */
export function startsAsLine(b: Buffer): boolean {
  return b.length >= TORN_HEAD.length && b.compare(TORN_HEAD, 0, TORN_HEAD.length, 0, TORN_HEAD.length) === 0;
}
