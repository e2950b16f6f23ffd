/**
 * The lines of a log that are its chain anchors (`system`/`Anchored` events, docs/FORMAT.md,
 * "Time-stamp tokens"), found by a byte search for the marker, in file order: over the file
 * (findAnchors) or among the lines of a pass that reads the log anyway (AnchorTap). A line that the
 * next line recovers is a torn fragment, never an event (FORMAT.md, "Verifying", rule 4): it is no
 * anchor, by the chain check's own rule (recoversFragment).
 */
import type { FileHandle } from 'node:fs/promises';
import type { ScannedLine } from '../chain/lines.js';
import { ANCHOR_CATEGORY, ANCHOR_EVENT } from '../format/anchor.js';
import { type FragmentFacts, recoversFragment, recoversLine } from '../format/event-line.js';
import { categoryEventText } from '../format/log-line.js';

/** The `file` a recovery in the log of UTC day `date` must name (the chain check's, log-check.ts, and the anchors'). */
export function recoveryFileFor(date: string | undefined): string | undefined {
  return date === undefined ? undefined : `audit-${date.replaceAll('-', '')}.jsonl`;
}

/** The marker the logger writes for an anchor (compact JSON, the envelope's order). */
const MARKER = Buffer.from(`${categoryEventText(ANCHOR_CATEGORY, ANCHOR_EVENT)},`);
const CHUNK = 1024 * 1024;
/** A line longer than this cannot be an anchor the logger wrote (its token's base64 is at most 43,692 characters). */
const MAX_ANCHOR_LINE = 64 * 1024;
/**
 * Anchors checked per file, at most, and bytes read back looking for heads: a hostile log repeating
 * one valid anchor a million times must not cost a million token checks and 16 MiB reads each.
 * Hourly anchors make 24 a day.
 */
export const MAX_ANCHORS_PER_FILE = 5000;

export interface FoundAnchor {
  readonly offset: number;
  readonly bytes: Buffer;
}

/**
 * The anchor lines of a log found among the lines of a pass that reads the log anyway (verify's
 * reading thread), so that checkLogAnchors need not read the whole log a second time: the same
 * lines findAnchors finds (terminated, at most MAX_ANCHOR_LINE bytes, holding the marker at their top
 * level: anchorAtTopLevel), in file
 * order. Only where they are is kept, for the first MAX_ANCHORS_PER_FILE: a hostile log's thousands
 * of 64 KiB anchor lines must not be held; each is read again when it is checked.
 *
 * Fed the pass's chunks too (`chunk`, from the file's first byte on, each before its lines), it
 * searches each chunk for the marker once, as findAnchors does, instead of every line on its own:
 * a native search per line was most of the tap's cost on short lines. A line whose bytes no chunk
 * covered is searched on its own, so the lines found are the same either way.
 */
export class AnchorTap {
  private readonly spots: { offset: number; length: number }[] = [];
  private n = 0;
  /**
   * The `file` a recovery in this log must name (recoveryFileFor); set before the first line. A
   * candidate that the next line recovers is taken back (rule 4 first: a fragment is never an event).
   */
  recoveryFile: string | undefined;
  /** The last line pushed when it was counted as an anchor: the next line may recover it. */
  private last: { line: FragmentFacts; kept: boolean } | undefined;
  /** File offset just past the chunks seen. */
  private pos = 0;
  /** Offsets where the marker starts, in file order, at most one per line of a chunk; from `head` on not yet passed. */
  private hits: number[] = [];
  private head = 0;
  /** The last MARKER.length - 1 bytes of the chunk before (a marker may straddle two chunks). */
  private readonly tail = Buffer.alloc(MARKER.length - 1);
  private tailLength = 0;

  /** The next chunk of the log as read, before its lines are pushed. */
  chunk(c: Buffer): void {
    if (this.head > 1024 && this.head * 2 > this.hits.length) {
      this.hits = this.hits.slice(this.head);
      this.head = 0;
    }
    const m = MARKER.length;
    const t = this.tailLength;
    if (t > 0 && c.length > 0) {
      // Only a marker that starts in the tail and ends in this chunk: the others are found in one of them.
      const seam = Buffer.concat([this.tail.subarray(0, t), c.subarray(0, Math.min(c.length, m - 1))]);
      const i = seam.indexOf(MARKER);
      if (i !== -1 && i < t) this.hits.push(this.pos - t + i);
    }
    for (let i = c.indexOf(MARKER); i !== -1; ) {
      this.hits.push(this.pos + i);
      // One offset per line is enough (the marker holds no newline): go on from the line's end.
      const nl = c.indexOf(10, i + m);
      i = nl === -1 ? -1 : c.indexOf(MARKER, nl + 1);
    }
    if (c.length >= m - 1) {
      c.copy(this.tail, 0, c.length - (m - 1));
      this.tailLength = m - 1;
    } else {
      const joined = Buffer.concat([this.tail.subarray(0, t), c]);
      const keep = Math.min(joined.length, m - 1);
      joined.copy(this.tail, 0, joined.length - keep);
      this.tailLength = keep;
    }
    this.pos += c.length;
  }

  /** Every line of the log, in order, exactly once. */
  push(l: ScannedLine): void {
    const last = this.last;
    this.last = undefined;
    if (
      last !== undefined &&
      l.terminated &&
      l.bytes !== undefined &&
      recoversFragment(l.bytes, last.line, this.recoveryFile)
    ) {
      // The anchor line before this one is a recovered torn fragment: never an event, never checked.
      this.n--;
      if (last.kept) this.spots.pop();
    }
    if (!l.terminated || l.bytes === undefined || l.length > MAX_ANCHOR_LINE || !this.holdsMarker(l)) return;
    if (!anchorAtTopLevel(l.bytes)) return;
    this.n++;
    const kept = this.spots.length < MAX_ANCHORS_PER_FILE;
    if (kept) this.spots.push({ offset: l.offset, length: l.length });
    // Only its offset, length and hash are read (the bytes are a view, valid during this call only).
    this.last = { line: { offset: l.offset, length: l.length, hash: l.hash }, kept };
  }

  /** Whether the line holds the marker: from the chunks' search when they covered it, else searched. */
  private holdsMarker(l: ScannedLine): boolean {
    const end = l.offset + l.length;
    if (end > this.pos) return (l.bytes as Buffer).indexOf(MARKER) >= 0;
    const hits = this.hits;
    let h = this.head;
    while (h < hits.length && (hits[h] as number) < l.offset) h++;
    this.head = h;
    // A marker holds no newline: one that starts in the line ends in it.
    return h < hits.length && (hits[h] as number) < end;
  }

  /** Anchor lines seen (all of them, past the ones kept). */
  get count(): number {
    return this.n;
  }

  /** Calls `onAnchor` with each kept line, read again from `fh`, in order. */
  async replay(fh: FileHandle, onAnchor: (a: FoundAnchor) => Promise<void>): Promise<void> {
    for (const { offset, length } of this.spots) {
      const bytes = Buffer.alloc(length);
      const { bytesRead } = await fh.read(bytes, 0, length, offset);
      await onAnchor({ offset, bytes: bytes.subarray(0, bytesRead) });
    }
  }
}

/**
 * One pass, no parsing: each line that carries the anchor marker, with its offset, in file order,
 * except one that the line after it recovers (a torn fragment, never an event: docs/FORMAT.md,
 * "Verifying", rule 4; the chain check's own rule, recoversFragment). `recoveryFile`: the `file` a
 * recovery must name (undefined: not checked), as the chain check asks.
 */
export async function findAnchors(
  fh: FileHandle,
  onAnchor: (a: FoundAnchor) => Promise<void>,
  recoveryFile: string | undefined,
): Promise<void> {
  let carry = Buffer.alloc(0);
  let inLongLine = false; // carry holds only the tail of a line too long to be an anchor
  let base = 0; // file offset of carry[0]
  // A candidate whose next line was not read whole yet: carry starts with that line.
  let held: FoundAnchor | undefined;
  // `next`: the terminated line after the held candidate (undefined: none, or too long to be a recovery).
  const settle = async (next: Buffer | undefined): Promise<void> => {
    const a = held as FoundAnchor;
    held = undefined;
    if (next === undefined || !recoversLine(next, a.bytes, a.offset, recoveryFile)) await onAnchor(a);
  };
  const chunk = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const { bytesRead } = await fh.read(chunk, 0, CHUNK, null);
    if (bytesRead === 0) break;
    const buf =
      carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    const lastNl = buf.lastIndexOf(10);
    const complete = lastNl === -1 ? buf.subarray(0, 0) : buf.subarray(0, lastNl + 1);
    if (held !== undefined && lastNl !== -1) await settle(complete.subarray(0, complete.indexOf(10)));
    // The rest of an over-long line ends at the first newline: never an anchor.
    let from = inLongLine && lastNl !== -1 ? complete.indexOf(10) + 1 : 0;
    if (lastNl !== -1) inLongLine = false;
    for (;;) {
      const i = complete.indexOf(MARKER, from);
      if (i === -1) break;
      const s = complete.lastIndexOf(10, i) + 1;
      const e = complete.indexOf(10, i);
      if (e - s <= MAX_ANCHOR_LINE && anchorAtTopLevel(complete.subarray(s, e))) {
        // Copied: the chunk buffer is reused by the next read.
        held = { offset: base + s, bytes: Buffer.from(complete.subarray(s, e)) };
        const ne = complete.indexOf(10, e + 1);
        if (ne !== -1) await settle(complete.subarray(e + 1, ne));
      }
      from = e + 1;
    }
    const rest = buf.subarray(lastNl + 1);
    // An endless line is no anchor: keep only its last bytes, enough to find where it ends.
    if (rest.length > MAX_ANCHOR_LINE) inLongLine = true;
    // Nor a recovery (the logger's are a few hundred bytes): a candidate before it is an anchor.
    if (held !== undefined && inLongLine) await settle(undefined);
    carry = Buffer.from(inLongLine ? rest.subarray(rest.length - 1) : rest);
    base += buf.length - carry.length;
  }
  // An unterminated last line is a torn write, not an anchor, nor a recovery of the line before it.
  if (held !== undefined) await settle(undefined);
}

/**
 * Whether a line holding the marker is an anchor by its own top level. The marker is a byte search:
 * it also matches inside a value (a caller's field parsed from JSON, a counterparty's text), and such
 * a line is no anchor and no error, or anyone who can log could make an honest log fail verify. A line
 * that parses is an anchor only when its own `category`/`event` are system/Anchored; one that does not
 * parse stays a candidate, for parseAnchor to report (the chain check reports it too).
 */
function anchorAtTopLevel(bytes: Buffer): boolean {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return true;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return o.category === ANCHOR_CATEGORY && o.event === ANCHOR_EVENT;
}
