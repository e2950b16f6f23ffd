/**
 * Long free text scanned by the writer, not the caller.
 *
 * The secret-shape scan of free text costs about 7 µs per KB; on the caller's thread it is most of
 * a call that carries a long note, and the slowest calls are those. With the writer thread running,
 * the caller serialises the event with each long string (DEFER_MIN_CHARS or more, not a trade
 * field; also a short one whose hash Caches.secretHashes holds, as an earlier scan of it replaced a
 * secret: walk.ts leafString) left as a marker, and the string itself, its path and its place among
 * the redacted paths travel with the event. finishBody then scans and quotes each string, exactly as the walk would
 * have, and writes the `redacted` member: the finished body is byte for byte the one a scan at call
 * time gives (test/logger/deferred.test.ts holds them equal).
 *
 * Redaction still comes before anything is written or hashed: every path that hands events to a
 * sink finishes them first (SinkWriter on the caller's thread; the writer thread before its
 * FileSink appends, hashes or writes a byte). The unredacted text lives only in memory, where the
 * caller's own objects already hold it; a kill -9 loses it with the process.
 *
 * The markers are raw U+0000 around each string's number and U+0001 (where `,"redacted":[…]`
 * goes): JSON text escapes every character below U+0020, so no other raw one is in a body.
 */
import { REDACTED_MEMBER } from '../format/log-line.js';
import type { Redactor } from '../redaction/index.js';
import { quote } from './json-text.js';

/** Non-trade strings this long or longer are scanned by the writer (when deferral is on). */
export const DEFER_MIN_CHARS = 256;
/** Stands for a deferred string in the body. */
export const DEFER_MARK = '\u0000';
/** Stands for the `redacted` member (with its comma) in the body. */
export const REDACTED_MARK = '\u0001';

/** The strings an event's body still needs, with what finishBody needs to place them. */
export interface DeferredText {
  /** The strings, in the order of their markers. */
  readonly texts: string[];
  /** Each string's path, recorded as redacted if its scan replaces something. */
  readonly paths: string[];
  /** Each string's place in `redacted`: the number of caller-side paths recorded before it. */
  readonly at: number[];
  /** The paths the caller's walk recorded as redacted (undefined: none). */
  redacted: string[] | undefined;
  /** The strings' length in all (counted against the logger's buffer). */
  chars: number;
}

/** The marker of the `i`-th deferred string (numbered: an object's members may be reordered). */
export function deferMark(i: number): string {
  return `${DEFER_MARK}${i}${DEFER_MARK}`;
}

/** The body with every deferred string scanned, redacted and quoted, and its `redacted` member. */
export function finishBody(body: string, d: DeferredText, redactor: Redactor): string {
  const { texts, paths, at } = d;
  const caller = d.redacted ?? [];
  const redacted: string[] = [];
  const quoted = new Array<string>(texts.length);
  let ci = 0;
  // Every string is scanned, in walk order, even one whose member a later duplicate name replaced:
  // the walk at call time records its path too.
  for (let i = 0; i < texts.length; i++) {
    const s = texts[i] as string;
    const r = redactor.redactString(s);
    if (r !== s) {
      while (ci < (at[i] as number)) redacted.push(caller[ci++] as string);
      redacted.push(paths[i] as string);
      quoted[i] = quote(r);
    } else quoted[i] = redactor.lastJsonPlain === true ? `"${s}"` : quote(s);
  }
  while (ci < caller.length) redacted.push(caller[ci++] as string);
  const member = redacted.length > 0 ? `,${REDACTED_MEMBER}${JSON.stringify(redacted)}` : '';
  // The `redacted` member's place is found in the body, not in the finished text (a search there
  // flattened the whole text, one more copy of the line): the quoted strings hold no raw U+0001
  // (JSON escapes it) and the mark no U+0000, so its first place is the same in both.
  const mark = body.indexOf(COMMA_REDACTED_MARK);
  let out = '';
  let from = 0;
  for (;;) {
    const open = body.indexOf(DEFER_MARK, from);
    if (open < 0) break;
    const close = body.indexOf(DEFER_MARK, open + 1);
    out += between(body, from, open, mark, member) + quoted[Number(body.slice(open + 1, close))];
    from = close + 1;
  }
  return out + between(body, from, body.length, mark, member);
}

const COMMA_REDACTED_MARK = `,${REDACTED_MARK}`;

/** `body[from, to)` with the `redacted` mark at `mark` (when it lies there) replaced by `member`. */
function between(body: string, from: number, to: number, mark: number, member: string): string {
  if (mark < from || mark >= to) return body.slice(from, to);
  return body.slice(from, mark) + member + body.slice(mark + 2, to);
}

/** The events ready for a sink: each with deferred text finished (new objects; the others as they are). */
export function finishEvents<
  E extends { readonly head: string; readonly body: string; readonly deferred?: DeferredText | undefined },
>(events: readonly E[], redactor: Redactor): readonly E[] {
  let out: E[] | undefined;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i] as E;
    if (ev.deferred === undefined) continue;
    out ??= events.slice();
    // `head` by name: it may be a getter (prepare.ts, TimedEvent), which a spread does not copy.
    out[i] = { ...ev, head: ev.head, body: finishBody(ev.body, ev.deferred, redactor), deferred: undefined };
  }
  return out ?? events;
}

/** Upper bound of the finished length of deferred strings of `chars` characters in all. */
export function finishedBound(chars: number, count: number, censorLength: number): number {
  // Each character may be escaped (`\u0000`: 6) after a user pattern replaced it with the censor.
  return chars * 6 * Math.max(1, censorLength) + count * 2;
}

/**
 * The deferred strings of a batch's events as flat arrays, for the hand-over to the writer thread
 * (offload.ts): a structured clone copies an object per event (its property names, three arrays)
 * at several times the cost of the same strings in one array (measured about 2.5 µs per event
 * against 0.5-1 µs for its text). packDeferred/unpackDeferred give back what went in.
 */
export interface DeferredBatch {
  /** The index in the batch of each event with deferred strings, in order. */
  readonly events: number[];
  /** Per such event, four counts: its texts, places, paths, caller-side redacted paths (-1: undefined). */
  readonly counts: number[];
  /** Every such event's texts, then likewise its paths, places (`at`) and redacted paths, in order. */
  readonly texts: string[];
  readonly paths: string[];
  readonly at: number[];
  readonly redacted: string[];
}

/** An empty DeferredBatch to fill with addDeferred. */
export function deferredBatch(): DeferredBatch {
  return { events: [], counts: [], texts: [], paths: [], at: [], redacted: [] };
}

/** Adds event `index`'s deferred strings to `b`. */
export function addDeferred(b: DeferredBatch, index: number, d: DeferredText): void {
  const { texts, paths, at, redacted } = d;
  b.events.push(index);
  b.counts.push(texts.length, at.length, paths.length, redacted === undefined ? -1 : redacted.length);
  for (let k = 0; k < texts.length; k++) b.texts.push(texts[k] as string);
  for (let k = 0; k < paths.length; k++) b.paths.push(paths[k] as string);
  for (let k = 0; k < at.length; k++) b.at.push(at[k] as number);
  if (redacted !== undefined) for (let k = 0; k < redacted.length; k++) b.redacted.push(redacted[k] as string);
}

/** The DeferredText of each event in `b`, in the order of `b.events`. */
export function unpackDeferred(b: DeferredBatch): DeferredText[] {
  const out = new Array<DeferredText>(b.events.length);
  let t = 0;
  let a = 0;
  let p = 0;
  let r = 0;
  for (let j = 0; j < out.length; j++) {
    const nt = b.counts[4 * j] as number;
    const na = b.counts[4 * j + 1] as number;
    const np = b.counts[4 * j + 2] as number;
    const nr = b.counts[4 * j + 3] as number;
    const texts = b.texts.slice(t, t + nt);
    let chars = 0;
    for (const s of texts) chars += s.length;
    out[j] = {
      texts,
      paths: b.paths.slice(p, p + np),
      at: b.at.slice(a, a + na),
      redacted: nr < 0 ? undefined : b.redacted.slice(r, r + nr),
      chars,
    };
    t += nt;
    a += na;
    p += np;
    if (nr > 0) r += nr;
  }
  return out;
}
