/**
 * Push-based line splitting for bytes that arrive as a stream rather than from a file path (a tar
 * entry). Same contract as scanLines in src/chain/lines.ts — same ScannedLine objects, same bound on
 * a kept line — which reads from a path and cannot take a stream; files on disk still go through
 * scanLines.
 */
import { createHash, type Hash } from 'node:crypto';
import { hashLine } from '../chain/index.js';
import { DEFAULT_MAX_LINE_BYTES, type ScannedLine } from '../chain/lines.js';

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private pendingStart = 0;
  private pendingHash: Hash | undefined;
  private offset = 0;
  private lineNumber = 0;

  constructor(
    private readonly onLine: (l: ScannedLine) => void,
    private readonly maxLine = DEFAULT_MAX_LINE_BYTES,
  ) {}

  write(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      if (this.pendingLen === 0 && this.pendingHash === undefined) {
        const line = Buffer.from(chunk.subarray(start, nl));
        this.emit(
          line.length <= this.maxLine ? line : undefined,
          line.length,
          this.offset + start,
          true,
          hashLine(line),
        );
      } else this.finishPending(chunk.subarray(start, nl), true);
      start = nl + 1;
    }
    if (start < chunk.length) {
      if (this.pendingLen === 0 && this.pendingHash === undefined) this.pendingStart = this.offset + start;
      this.addPending(chunk.subarray(start));
    }
    this.offset += chunk.length;
  }

  end(): void {
    if (this.pendingLen > 0) this.finishPending(Buffer.alloc(0), false);
  }

  private emit(bytes: Buffer | undefined, length: number, offset: number, terminated: boolean, hash: string): void {
    this.lineNumber++;
    this.onLine({ bytes, length, offset, lineNumber: this.lineNumber, terminated, hash });
  }

  private addPending(part: Buffer): void {
    if (this.pendingHash === undefined && this.pendingLen + part.length > this.maxLine) {
      this.pendingHash = createHash('sha256');
      for (const p of this.pending) this.pendingHash.update(p);
      this.pending = [];
    }
    if (this.pendingHash !== undefined) this.pendingHash.update(part);
    else this.pending.push(Buffer.from(part));
    this.pendingLen += part.length;
  }

  private finishPending(tail: Buffer, terminated: boolean): void {
    this.addPending(tail);
    if (this.pendingHash !== undefined)
      this.emit(undefined, this.pendingLen, this.pendingStart, terminated, this.pendingHash.digest('hex'));
    else {
      const line = Buffer.concat(this.pending, this.pendingLen);
      this.emit(line, this.pendingLen, this.pendingStart, terminated, hashLine(line));
    }
    this.pending = [];
    this.pendingLen = 0;
    this.pendingHash = undefined;
  }
}
