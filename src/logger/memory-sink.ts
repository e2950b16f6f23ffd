/**
 * An in-memory sink (pino's test-helper idea): keeps each day's lines as strings, with the same
 * chain rules as the file sink. For tests of the logger that do not need a file system, and for
 * failure injection (`failNext`).
 */
import { EMPTY_HEAD, hashLine, type ChainHead } from '../chain/index.js';
import { AuditpackError } from '../errors.js';
import { assembleLine } from '../format/log-line.js';
import type { AuditSink, PreparedEvent } from './types.js';

export class MemorySink implements AuditSink {
  /** Lines per UTC day number, in write order. */
  readonly days = new Map<number, string[]>();
  /** Number of successful sync() calls. */
  syncs = 0;
  private head: ChainHead = EMPTY_HEAD;
  private newestDay = Number.NEGATIVE_INFINITY;
  private failures: { error: NodeJS.ErrnoException; afterEvents: number }[] = [];

  /** Makes the next append fail with `errno` after writing `afterEvents` events whole. */
  failNext(errno: string, afterEvents = 0): void {
    const error = Object.assign(new Error(`${errno}: injected failure`), { code: errno }) as NodeJS.ErrnoException;
    this.failures.push({ error, afterEvents });
  }

  /** All lines, in write order across days. */
  allLines(): string[] {
    return [...this.days.keys()].sort((a, b) => a - b).flatMap((d) => this.days.get(d) ?? []);
  }

  append(batch: readonly PreparedEvent[]): number {
    const failure = this.failures.shift();
    const limit = failure ? Math.min(failure.afterEvents, batch.length) : batch.length;
    for (let i = 0; i < limit; i++) {
      const ev = batch[i] as PreparedEvent;
      const late = ev.day < this.newestDay;
      const day = late ? this.newestDay : ev.day;
      this.newestDay = day;
      const line = assembleLine(ev, this.head.seq + 1, this.head.hash, late);
      this.head = { seq: this.head.seq + 1, hash: hashLine(line) };
      let list = this.days.get(day);
      if (!list) this.days.set(day, (list = []));
      list.push(line);
    }
    if (failure) {
      throw new AuditpackError('LOG_WRITE_FAILED', `cannot append to the audit log: ${failure.error.message}`, {
        cause: failure.error,
        details: { written: limit, errno: failure.error.code },
      });
    }
    return batch.length;
  }

  async sync(): Promise<void> {
    this.syncs++;
  }

  syncSync(): void {
    this.syncs++;
  }

  close(): void {}
}
