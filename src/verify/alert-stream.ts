/**
 * The hashes of data/alerts.jsonl's lines, read as the log check asks for them: the check walks the
 * alert lines in order while it walks the log (each alert must be, byte for byte, an event of the
 * log, in log order), so only the next line and the one before are ever needed. Reading the file
 * alongside the log keeps memory flat however many alerts a day has, where a list of every alert
 * line's hash grew with the day.
 */
import { closeSync, readSync } from 'node:fs';
import { LineSplitter } from '../chain/lines.js';
import { openRegularSync } from '../fsx/regular.js';
import type { AlertHashes } from './log-facts.js';

const CHUNK = 256 * 1024;

/** Reads a file's line hashes forward, on demand, keeping a small window. Call close() when done. */
export class AlertLineStream implements AlertHashes {
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private readonly splitter: LineSplitter;
  /** Hashes of lines [base, base + window.length). */
  private window: string[] = [];
  private base = 0;
  private ended = false;
  private pos = 0;

  /** `length`: the file's number of lines, counted when it was first read. */
  constructor(
    path: string,
    readonly length: number,
  ) {
    this.fd = openRegularSync(path); // a FIFO is refused, never waited on; a link never followed
    this.splitter = new LineSplitter((l) => this.window.push(l.hash), { view: true, maxLineBytes: 0 });
  }

  /**
   * The hash of line `i` (0-based), or undefined past the end. Lines before the last one asked
   * for, but one, are forgotten: `i` must not go back further than that.
   */
  at(i: number): string | undefined {
    if (i < this.base) throw new RangeError(`alert line ${i} was already passed`);
    while (i >= this.base + this.window.length && !this.ended) this.readMore();
    const keep = i - 1 - this.base; // keep line i - 1 (a matched alert may be taken back)
    if (keep > 64) {
      this.window = this.window.slice(keep);
      this.base += keep;
    }
    return this.window[i - this.base];
  }

  private readMore(): void {
    if (this.fd === undefined) {
      this.ended = true;
      return;
    }
    const n = readSync(this.fd, this.buf, 0, CHUNK, this.pos);
    if (n === 0) {
      this.splitter.end();
      this.ended = true;
      this.close();
      return;
    }
    this.pos += n;
    this.splitter.write(this.buf.subarray(0, n));
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
