/**
 * The chain anchors in a log (`system`/`Anchored` events; docs/FORMAT.md, "Time-stamp tokens"):
 * each token (src/anchor/token.ts), that the head it names is this chain's line, that its time
 * fits, and that anchors keep the rhythm the configuration asks for, which is what shows a cut
 * tail: the anchors that stood after the cut are missing, and no TSA will date new ones in the past.
 */
import type { FileHandle } from 'node:fs/promises';
import { anchorStatement } from '../format/anchor.js';
import { verifyTimestamp } from '../anchor/token.js';
import { hashLine } from '../chain/index.js';
import { openRegular } from '../fsx/regular.js';
import { judgeReadableCopies, parseAnchor } from './anchor-event.js';
import {
  type AnchorTap,
  type FoundAnchor,
  findAnchors,
  MAX_ANCHORS_PER_FILE,
  recoveryFileFor,
} from './anchor-lines.js';
import type { Findings } from './report.js';
import { reportVerification, slackOf, type TimestampCheckOptions } from './timestamps.js';

const DAY_MS = 86_400_000;

/** Where a log file sits, for the anchor rhythm. */
export interface LogAnchorContext {
  /** The file's UTC day, `YYYY-MM-DD` (undefined: no day bounds are checked). */
  readonly date: string | undefined;
  /** The day's start is a bound too (the file follows an earlier day in the same verification). */
  readonly fromDayStart: boolean;
}

/**
 * Bytes read back looking for heads, at most, per file: a hostile log repeating one valid anchor
 * must not cost a 16 MiB read each (the anchors checked are bounded: MAX_ANCHORS_PER_FILE).
 */
const MAX_HEAD_READ_BYTES = 256 * 1024 * 1024;
/** How far before its Anchored event a head is looked for. */
const MAX_HEAD_DISTANCE = 16 * 1024 * 1024;

/**
 * Checks the chain anchors in one log file (opened without following links). The chain itself is
 * checked elsewhere; here every Anchored event's token, its head, its time, and the rhythm.
 * `tap`: the anchor lines, already found in a pass over every line of this file (else the file is
 * searched for them here). Returns the number of anchors found.
 */
export async function checkLogAnchors(
  path: string,
  file: string,
  f: Findings,
  options: TimestampCheckOptions,
  ctx: LogAnchorContext,
  tap?: AnchorTap,
): Promise<number> {
  const fh = await openRegular(path); // a FIFO is refused, never waited on; a link never followed
  try {
    const times: { seq: number; t: number }[] = [];
    const slack = slackOf(options);
    let lastT = Number.NEGATIVE_INFINITY;
    const unchecked = new Set<string>();
    const budget = { headBytes: MAX_HEAD_READ_BYTES };
    let found = 0;
    const onAnchor = async (a: FoundAnchor): Promise<void> => {
      found++;
      if (found > MAX_ANCHORS_PER_FILE) return;
      const r = await checkAnchor(fh, a, file, f, options, budget);
      if (r === undefined) return;
      if (r.t + slack < lastT)
        f.add(
          'TIMESTAMP_TIME_INCONSISTENT',
          'error',
          file,
          `anchor seq ${r.seq}: token time ${new Date(r.t).toISOString()} is before the previous anchor's (${new Date(lastT).toISOString()})`,
        );
      lastT = Math.max(lastT, r.t);
      times.push(r);
      if (r.signer !== undefined) unchecked.add(r.signer);
    };
    if (tap === undefined) await findAnchors(fh, onAnchor, recoveryFileFor(ctx.date));
    else {
      await tap.replay(fh, onAnchor);
      found = tap.count;
    }
    const complete = found <= MAX_ANCHORS_PER_FILE;
    if (!complete)
      f.add(
        'TIMESTAMP_NOT_CHECKED',
        'warning',
        file,
        `${found} Anchored events; only the first ${MAX_ANCHORS_PER_FILE} were checked, and the anchor rhythm was not (a real log has a few dozen a day)`,
      );
    if (unchecked.size > 0) {
      // Asked for time evidence (--anchor-interval): a token by an unchecked TSA proves no time, since
      // anyone can run a TSA that dates a token in the past; then it is a warning, not a note.
      const asked = options.anchorIntervalMs !== undefined;
      f.add(
        'TIMESTAMP_NOT_CHECKED',
        asked ? 'warning' : 'info',
        file,
        `valid anchor tokens by ${[...unchecked].map((s) => `"${s}"`).join(', ')}, but no trusted TSA certificate (--tsa-ca) was given: who made them was not checked${asked ? ', so the anchor rhythm asked for rests on tokens anyone could have made and back-dated' : ''}`,
      );
    }
    const held = options.anchorsSince === undefined || ctx.date === undefined || ctx.date >= options.anchorsSince;
    if (options.anchorIntervalMs !== undefined && complete && held) {
      judgeRhythm(times, file, f, options, {
        ...ctx,
        fromDayStart: ctx.fromDayStart && ctx.date !== options.anchorsSince,
      });
    }
    return found;
  } finally {
    await fh.close();
  }
}

async function checkAnchor(
  fh: FileHandle,
  a: FoundAnchor,
  file: string,
  f: Findings,
  options: TimestampCheckOptions,
  budget: { headBytes: number },
): Promise<{ seq: number; t: number; signer: string | undefined } | undefined> {
  const p = parseAnchor(a.bytes);
  if (typeof p === 'string') {
    f.add('TIMESTAMP_MALFORMED', 'error', file, `the Anchored event at byte ${a.offset}: ${p}`);
    return undefined;
  }
  const what = `anchor seq ${p.seq} (head seq ${p.headSeq})`;
  const v = await verifyTimestamp(p.token, {
    data: anchorStatement(p.headSeq, p.headHash),
    trustAnchors: options.tsaCa,
  });
  if (!reportVerification(v, f, file, what) || v.facts === undefined) return undefined;
  const t = v.facts.genTime.getTime();
  const slack = slackOf(options);
  for (const d of judgeReadableCopies(p, v.facts, what)) f.add('TIMESTAMP_RECORD_MISMATCH', 'error', file, d);

  // The head must be this chain's line: found before the event, with that hash.
  if (p.headSeq >= p.seq) {
    f.add('LOG_ANCHOR_MISMATCH', 'error', file, `${what}: names a head at or after itself`);
    return undefined;
  }
  const head = await findHead(fh, a.offset, p.headSeq, budget);
  if (head.kind === 'line') {
    if (head.hash !== p.headHash) {
      f.add(
        'LOG_ANCHOR_MISMATCH',
        'error',
        file,
        `${what}: the line with seq ${p.headSeq} hashes to ${head.hash}, the anchor's token is over ${p.headHash} (a rewritten line, or an anchor carried over from another chain)`,
      );
      return undefined;
    }
    if (head.isoTs - slack > t)
      f.add(
        'TIMESTAMP_TIME_INCONSISTENT',
        'error',
        file,
        `${what}: token time ${v.facts.genTime.toISOString()} is before the head's own time ${new Date(head.isoTs).toISOString()}`,
      );
  } else if (head.kind === 'before-file' && head.firstPrev === p.headHash && head.firstSeq === p.headSeq + 1) {
    // The head is the previous day's last line, pinned by this file's first link (checked with the directory or the pack).
  } else {
    f.add(
      'LOG_ANCHOR_MISMATCH',
      'error',
      file,
      `${what}: no line with seq ${p.headSeq} and hash ${p.headHash} before it in this file`,
    );
    return undefined;
  }
  if (Number.isFinite(p.isoTs) && Math.abs(p.isoTs - t) > slack) {
    f.add(
      'TIMESTAMP_TIME_INCONSISTENT',
      'error',
      file,
      `${what}: the event is dated ${new Date(p.isoTs).toISOString()}, its token ${v.facts.genTime.toISOString()}: written long after, or before, the token it carries`,
    );
  }
  return { seq: p.seq, t, signer: v.chainChecked ? undefined : (v.facts.signer ?? '?') };
}

type HeadLookup =
  | { kind: 'line'; hash: string; isoTs: number }
  | { kind: 'before-file'; firstSeq: number; firstPrev: string }
  | { kind: 'none' };

/** Reads backwards from `end` for the line with seq `seq` (windows growing to MAX_HEAD_DISTANCE). */
async function findHead(fh: FileHandle, end: number, seq: number, budget: { headBytes: number }): Promise<HeadLookup> {
  let window = Math.min(end, 64 * 1024);
  for (;;) {
    if (budget.headBytes < window) return { kind: 'none' };
    budget.headBytes -= window;
    const buf = Buffer.allocUnsafe(window);
    const { bytesRead } = await fh.read(buf, 0, window, end - window);
    const view = buf.subarray(0, bytesRead);
    // Lines wholly inside the window: the first partial one is skipped unless the window starts the file.
    let stop = view.length; // the byte after the current line's "\n"
    let first: { seq: number; prev: string } | undefined;
    while (stop > 0) {
      // Not lastIndexOf(10, -1) at a window starting with "\n" (stop 1): a negative offset counts from
      // the end, and the walk would start again at the window's end, for ever.
      const nl = stop < 2 ? -1 : view.lastIndexOf(10, stop - 2);
      if (nl === -1 && end - window > 0) break;
      const line = view.subarray(nl + 1, stop - 1);
      const v = parseLine(line);
      if (v !== undefined) {
        if (v.seq === seq) return { kind: 'line', hash: hashLine(line), isoTs: v.isoTs };
        if (v.seq < seq) return { kind: 'none' };
        first = { seq: v.seq, prev: v.prev };
      }
      stop = nl + 1;
    }
    if (end - window === 0)
      return first === undefined
        ? { kind: 'none' }
        : { kind: 'before-file', firstSeq: first.seq, firstPrev: first.prev };
    if (window >= MAX_HEAD_DISTANCE) return { kind: 'none' };
    window = Math.min(end, window * 4, MAX_HEAD_DISTANCE);
  }
}

function parseLine(line: Buffer): { seq: number; isoTs: number; prev: string } | undefined {
  try {
    const v = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
    if (typeof v.seq !== 'number') return undefined;
    return {
      seq: v.seq,
      isoTs: typeof v.iso_ts === 'string' ? Date.parse(v.iso_ts) : Number.NaN,
      prev: typeof v.prev === 'string' ? v.prev : '',
    };
  } catch {
    return undefined;
  }
}

/**
 * Anchors at least every interval (+ grace), from the first of the file (or the day's start, when
 * an earlier day precedes it) to the day's end, or to now for today: a cut tail shows as the
 * anchors after the cut missing.
 */
function judgeRhythm(
  times: readonly { seq: number; t: number }[],
  file: string,
  f: Findings,
  options: TimestampCheckOptions,
  ctx: LogAnchorContext,
): void {
  const interval = options.anchorIntervalMs as number;
  const allowed = interval + (options.anchorGraceMs ?? Math.max(60_000, interval / 4));
  const minutes = (ms: number): string => `${Math.round(ms / 60_000)} min`;
  const iso = (t: number): string => new Date(t).toISOString();
  if (times.length === 0) {
    f.add(
      'LOG_ANCHOR_MISSING',
      'error',
      file,
      `no valid chain anchor in this file; anchors are expected at least every ${minutes(interval)}`,
    );
    return;
  }
  const dayStart = ctx.date === undefined ? Number.NaN : Date.parse(`${ctx.date}T00:00:00Z`);
  const now = (options.now ?? Date.now)();
  const first = times[0] as { seq: number; t: number };
  if (ctx.fromDayStart && Number.isFinite(dayStart) && first.t - dayStart > allowed) {
    f.add(
      'LOG_ANCHOR_GAP',
      'error',
      file,
      `no anchor from the day's start to ${iso(first.t)} (seq ${first.seq}); expected at least every ${minutes(interval)}`,
    );
  }
  for (let i = 1; i < times.length; i++) {
    const a = times[i - 1] as { seq: number; t: number };
    const b = times[i] as { seq: number; t: number };
    if (b.t - a.t > allowed)
      f.add(
        'LOG_ANCHOR_GAP',
        'error',
        file,
        `no anchor between ${iso(a.t)} (seq ${a.seq}) and ${iso(b.t)} (seq ${b.seq}); expected at least every ${minutes(interval)}`,
      );
  }
  const last = times[times.length - 1] as { seq: number; t: number };
  const end = Number.isFinite(dayStart) ? Math.min(dayStart + DAY_MS, now) : now;
  if (end - last.t > allowed) {
    f.add(
      'LOG_ANCHOR_GAP',
      'error',
      file,
      `the last anchor is at ${iso(last.t)} (seq ${last.seq}), ${minutes(end - last.t)} before ${end === now ? 'now' : "the day's end"}: the tail after it may have been cut, or anchoring stopped`,
    );
  }
}
