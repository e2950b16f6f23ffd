/**
 * The compliance checks over the firm's merged stream: every verified host's log lines, merged by
 * (iso_ts, host, seq) and fed to one engine, so an order accepted on one host and filled on another
 * is one lifecycle (no `fill_without_order`), and a fill on one host that overfills an order of
 * another is an `overfill`. Streaming like the CSV merge: each host's log is read 64 KiB at a time
 * through a reorder window of 1024 lines; memory is the engine's open state plus hosts × window.
 *
 * Evidence names the host's file as `<host>/data/audit.jsonl`, with the line number and seq in it.
 * A merged stream whose hosts' clocks disagree can show a fill before its order: that is reported
 * (the roll-up's ROLLUP_CLOCK_SKEW says why), never hidden by reordering.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants as fsc, fstatSync, openSync, readSync } from 'node:fs';
import { AuditpackError } from '../errors.js';
import {
  buildReport,
  type ComplianceReport,
  ComplianceEngine,
  type LogEvent,
  recoveryFileOf,
} from '../compliance/index.js';
import { extractEvent } from '../compliance/extract.js';
import type { PolicyTimeline } from '../compliance/timeline.js';
import { recoversFragment } from '../format/event-line.js';
import { compareBytes, PACK_PATH } from '../format/pack.js';
import type { CarriedState } from '../compliance/carry.js';
import { dayNumberOfIsoDate, logFileName } from '../rotation/index.js';
import type { MergedStart } from './carry.js';
import { MinHeap, ReorderWindow } from './heap.js';

const CHUNK = 64 * 1024;
const WINDOW = 1024;

/** Yields the lines of a file (without `\n`), 64 KiB at a time; a last line without `\n` too. */
class LineReader {
  private readonly fd: number;
  private buf = Buffer.alloc(0);
  private pos = 0;
  private eof = false;
  /** Whether the line `next` returned last ended in `\n` (a torn tail does not). */
  terminated = true;

  constructor(path: string) {
    // O_NONBLOCK: a FIFO opens at once and is refused below instead of blocking.
    this.fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    if (!fstatSync(this.fd).isFile()) {
      closeSync(this.fd);
      throw new AuditpackError('READ_FAILED', `${path} is not a regular file; not read`, {
        details: { path, errno: 'ENOTREG' },
      });
    }
  }

  next(): Buffer | undefined {
    for (;;) {
      const nl = this.buf.indexOf(0x0a, this.pos);
      if (nl !== -1) {
        const line = this.buf.subarray(this.pos, nl);
        this.pos = nl + 1;
        return line;
      }
      if (this.eof) {
        if (this.pos >= this.buf.length) return undefined;
        const rest = this.buf.subarray(this.pos);
        this.pos = this.buf.length;
        this.terminated = false;
        return rest;
      }
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = readSync(this.fd, chunk, 0, CHUNK, null);
      if (n === 0) this.eof = true;
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk.subarray(0, n)]);
      this.pos = 0;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

interface Line {
  readonly iso: string;
  readonly host: string;
  readonly seq: number;
  readonly e: LogEvent;
  readonly line: number;
  readonly hash: string;
}

const less = (a: Line, b: Line): boolean =>
  a.iso !== b.iso ? a.iso < b.iso : a.host !== b.host ? compareBytes(a.host, b.host) < 0 : a.seq < b.seq;

/**
 * One host's log with its reorder window; lines that are not events go straight to `malformed`. A
 * line is held until the next one is read: a TornLineRecovered right after it that describes it
 * makes it a recovered fragment (docs/FORMAT.md, "Torn lines and recovery"), never an event.
 */
class HostLog {
  private readonly window = new ReorderWindow<Line>(less);
  private readonly reader: LineReader;
  private lineNo = 0;
  private offset = 0;
  private done = false;
  private pending: Line | undefined;
  private readonly before = { hash: '', length: 0, offset: 0 };

  constructor(
    path: string,
    readonly host: string,
    private readonly malformed: () => void,
    private readonly recoveryFile: string,
  ) {
    this.reader = new LineReader(path);
    this.refill();
  }

  private refill(): void {
    while (!this.done && this.window.size < WINDOW) {
      const b = this.reader.next();
      if (b === undefined) {
        this.done = true;
        if (this.pending !== undefined) this.window.push(this.pending);
        this.pending = undefined;
        break;
      }
      this.lineNo++;
      const hash = createHash('sha256').update(b).digest('hex');
      if (this.pending !== undefined && this.reader.terminated && recoversFragment(b, this.before, this.recoveryFile)) {
        this.pending = undefined; // a recovered fragment that looked like an event
        this.malformed();
      }
      if (this.pending !== undefined) this.window.push(this.pending);
      this.pending = undefined;
      this.before.hash = hash;
      this.before.length = b.length;
      this.before.offset = this.offset;
      this.offset += b.length + 1;
      const e = extractEvent(b);
      if (e === undefined) {
        this.malformed();
        continue;
      }
      this.pending = { iso: e.iso_ts as string, host: this.host, seq: e.seq as number, e, line: this.lineNo, hash };
    }
  }

  peek(): Line | undefined {
    return this.window.peek();
  }

  take(): Line | undefined {
    const l = this.window.pop();
    this.refill();
    return l;
  }

  close(): void {
    this.reader.close();
  }
}

/** The log to take from next: `h` again while its next line still comes first, else the heap's first. */
function nextLog(heap: MinHeap<HostLog>, h: HostLog): HostLog | undefined {
  const mine = h.peek();
  if (mine === undefined) return heap.pop();
  const top = heap.peek()?.peek();
  if (top === undefined || !less(top, mine)) return h;
  heap.push(h);
  return heap.pop();
}

/**
 * Runs the compliance checks of `date` over the merged logs of the hosts (`log`: the pack's
 * audit.jsonl), from `start` (the state carried across midnight; carry.ts) when given.
 */
export function checkMergedCompliance(
  inputs: readonly { readonly host: string; readonly log: string }[],
  date: string,
  timeline: PolicyTimeline,
  start?: MergedStart,
): { report: ComplianceReport; end: CarriedState } {
  const engine = new ComplianceEngine(timeline, start?.state);
  const logs: HostLog[] = [];
  try {
    for (const i of inputs) logs.push(new HostLog(i.log, i.host, () => engine.malformed(), recoveryFileOf(date)));
    const heap = new MinHeap<HostLog>((a, b) => less(a.peek() as Line, b.peek() as Line));
    for (const h of logs) if (h.peek() !== undefined) heap.push(h);
    for (let h = heap.pop(); h !== undefined; h = nextLog(heap, h)) {
      const l = h.take() as Line;
      engine.push(l.e, { file: `${l.host}/${PACK_PATH.log}`, line: l.line, hash: l.hash });
    }
  } finally {
    for (const h of logs) h.close();
  }
  engine.endDay(date);
  // The end state names the day's log as `<host>/audit-YYYYMMDD.jsonl`, as a pack's state does: on
  // the next day `<host>/data/audit.jsonl` would read as that day's log.
  const dayLog = logFileName(dayNumberOfIsoDate(date) as number);
  const end = engine.carryOut(date, (f) =>
    f.endsWith(`/${PACK_PATH.log}`) ? `${f.slice(0, -PACK_PATH.log.length)}${dayLog}` : f,
  );
  const report = buildReport({
    from: date,
    to: date,
    timeline,
    result: engine.finish(),
    files: inputs.map((i) => `${i.host}/${PACK_PATH.log}`),
    carriedIn: start?.carried,
  });
  return { report, end };
}
