/**
 * The per-process clock check of the log (docs/FORMAT.md, "Midnight and late events"): for each
 * writing process (its provenance, `,"host":…,"pid":N`), time should not go backwards. It works
 * without making strings on the common path: lines may be views valid only while they are pushed,
 * so the last event's `iso_ts` (27 bytes) and provenance are copied into a reused buffer.
 */
import type { ScannedLine } from '../chain/lines.js';
import type { SharedLogState } from './log-facts.js';
import type { LineFacts } from './log-line.js';
import type { Findings } from './report.js';

/** At most this many processes are remembered (a bound on memory for hostile logs). */
export const MAX_CLOCKS = 10_000;

/** Length of an `iso_ts` value: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
const ISO_LEN = 27;

/** Compares each process's clock with its previous line's. */
export class ProcessClocks {
  /** The remembered line's `iso_ts` then its provenance. */
  private buf: Buffer = Buffer.allocUnsafe(256);
  /** Length of the remembered provenance; -1: nothing remembered. */
  private provLen = -1;
  /** Continuation: each process's first time in the range. */
  readonly firstClocks = new Map<string, string>();
  /** A bound was reached, so this range's clocks cannot be joined to another's. */
  overflow = false;

  constructor(
    private readonly file: string,
    private readonly f: Findings,
    private readonly shared: SharedLogState,
    private readonly continuation: boolean,
  ) {}

  /**
   * Checks one event. Consecutive lines of one process (the common case) are compared byte for
   * byte with the line before; the map of each process's latest time is consulted only when the
   * writing process changes.
   */
  check(line: ScannedLine, ev: LineFacts): void {
    const b = line.bytes as Buffer;
    const last = this.buf;
    if (ev.provOff >= 0 && this.provLen >= 0) {
      const n = ev.provEnd - ev.provOff;
      if (n === this.provLen && sameBytes(b, ev.provOff, last, ISO_LEN, n)) {
        // Same process: compare the times, and where this one is not earlier keep it — only the
        // bytes from the first difference on need copying (usually the seconds and fraction).
        const io = ev.isoOff;
        let i = 0;
        while (i < ISO_LEN && b[io + i] === last[i]) i++;
        if (i < ISO_LEN && (b[io + i] as number) < (last[i] as number)) {
          this.warn(
            line,
            b.toString('latin1', ev.provOff, ev.provEnd),
            last.toString('latin1', 0, ISO_LEN),
            b.toString('latin1', io, io + ISO_LEN),
          );
        } else copyBytes(b, io + i, last, i, ISO_LEN - i);
        return;
      }
    }
    this.checkInMap(line, ev, b);
  }

  /** Another process (or a line read fully): go through the map. */
  private checkInMap(line: ScannedLine, ev: LineFacts, b: Buffer): void {
    this.flush();
    const key = ev.provOff >= 0 ? b.toString('latin1', ev.provOff, ev.provEnd) : ev.clockKey;
    if (key === undefined) return;
    const iso = ev.isoOff >= 0 ? b.toString('latin1', ev.isoOff, ev.isoOff + ISO_LEN) : ev.isoTs;
    const clocks = this.shared.clocks;
    const prevIso = clocks.get(key);
    if (prevIso !== undefined && iso < prevIso) this.warn(line, key, prevIso, iso);
    else if (prevIso !== undefined || clocks.size < MAX_CLOCKS) {
      clocks.set(key, iso);
      if (prevIso === undefined && this.continuation) this.firstClocks.set(key, iso);
    } else this.overflow = true;
    if (ev.provOff >= 0 && (prevIso === undefined || iso >= prevIso)) this.remember(b, ev);
  }

  private remember(b: Buffer, ev: LineFacts): void {
    const n = ev.provEnd - ev.provOff;
    if (this.buf.length < ISO_LEN + n) this.buf = Buffer.allocUnsafe(ISO_LEN + n);
    copyBytes(b, ev.isoOff, this.buf, 0, ISO_LEN);
    copyBytes(b, ev.provOff, this.buf, ISO_LEN, n);
    this.provLen = n;
  }

  /** Records the remembered line's time in the map (before the process changes, or at the end). */
  flush(): void {
    const n = this.provLen;
    if (n < 0) return;
    this.provLen = -1;
    const last = this.buf;
    const key = last.toString('latin1', ISO_LEN, ISO_LEN + n);
    const clocks = this.shared.clocks;
    if (clocks.has(key) || clocks.size < MAX_CLOCKS) clocks.set(key, last.toString('latin1', 0, ISO_LEN));
  }

  /** The remembered process and its latest time, not yet in the map. */
  held(): { readonly key: string; readonly iso: string } | undefined {
    if (this.provLen < 0) return undefined;
    return {
      key: this.buf.toString('latin1', ISO_LEN, ISO_LEN + this.provLen),
      iso: this.buf.toString('latin1', 0, ISO_LEN),
    };
  }

  private warn(line: ScannedLine, key: string, from: string, to: string): void {
    this.f.add(
      'LOG_CLOCK_BACKWARDS',
      'warning',
      this.file,
      `the clock of ${key.slice(1).replace(/"/g, '')} went back from ${from} to ${to}`,
      line.lineNumber,
    );
  }
}

/** Byte ranges equal (short ranges: a JS loop beats a native call here). */
function sameBytes(a: Buffer, ao: number, b: Buffer, bo: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/** Copies n bytes (short ranges: a JS loop beats a native call here). */
function copyBytes(from: Buffer, fo: number, to: Buffer, to0: number, n: number): void {
  for (let i = 0; i < n; i++) to[to0 + i] = from[fo + i] as number;
}
