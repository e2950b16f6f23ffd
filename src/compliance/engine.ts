/**
 * The compliance checks as one streaming pass: `push` each event in log order, `endDay` at the end
 * of each UTC day, `finish` at the end. State is only what is open or recent (open orders, closed
 * orders for a horizon, pending risk checks and reviews, per-second windows, per-symbol counters),
 * so memory does not grow with the day. Every rule is in RULES (types.ts); the policy in force
 * comes from the timeline: each snapshot's policy from its ConfigSnapshot event on (event-rules.ts).
 */
import { isDatedWhenWritten } from '../format/log-line.js';
import { authEvent, clockCheck, configEvent, configFinding, decisionEvent, riskEvent, sweep } from './event-rules.js';
import { fillEvent } from './fill-rules.js';
import { orderEvent } from './order-rules.js';
import {
  type CarriedState,
  type StartingState,
  carryOut,
  carryOutChunks,
  fitOpenOrders,
  MAX_STATE_BYTES,
  STATE_MARGIN_BYTES,
} from './carry.js';
import { seedState } from './carry-seed.js';
import { EngineState, fmt, keptId, type LineRef, type LogEvent, SECOND } from './engine-state.js';
import { EventTime, KeptTime } from './event-time.js';
import { LineEvidence } from './line-evidence.js';
import { NONE } from './order-store.js';
import { byTimeThenSeq } from './state.js';
import type { SnapshotStoreCheck, UnstoredSnapshot } from './snapshot-check.js';
import type { PolicyTimeline } from './timeline.js';
import type { AuditSummary, Evidence, Finding, Severity, SeverityTotals } from './types.js';

export type { LineRef, LogEvent } from './engine-state.js';

const SWEEP_EVERY = 4096;

/**
 * At the end of day `date`, the config changes still waiting for a snapshot are judged, except
 * those whose window (config_snapshot_window_s) runs past midnight: a change at 23:58 may get its
 * snapshot at 00:01, so it is carried into the next day (docs/compliance.md "Across midnight") and
 * judged there. A change dated after the day's end (a clock ahead) is judged now: carried, its
 * window would never run out. A change already recorded by a snapshot is judged now (its reason).
 * A day without a log (a gap in a period) judges at its end what ran out by then, with the same
 * finding the next day's first sweep would make (its time and evidence are the change's).
 */
function judgeConfigsAtEndOfDay(s: EngineState, date: string): void {
  const midnightUs = (Date.parse(`${date}T00:00:00Z`) + 86_400_000) * 1000;
  const opens = midnightUs - s.p.config_snapshot_window_s * SECOND;
  for (const [k, c] of [...s.configs.entries()]) {
    if (!c.snapshot && c.tUs >= opens && c.tUs < midnightUs) continue;
    s.configs.delete(k);
    configFinding(s, c);
  }
}

/** The result of a run, before it becomes a report. */
export interface EngineResult {
  readonly findings: readonly Finding[];
  readonly omitted: number;
  /** `omitted` per severity. */
  readonly omitted_by_severity: Readonly<Record<Severity, number>>;
  /** `omitted` per rule: only rules with some, sorted by rule id. */
  readonly omitted_by_rule: Readonly<Record<string, number>>;
  readonly totals: SeverityTotals;
  readonly by_rule: Readonly<Record<string, number>>;
  readonly summary: AuditSummary;
  /** Largest number of open orders held at once (for the memory claim). */
  readonly peak_open_orders: number;
  /** ConfigSnapshots whose snapshot the store did not hold as logged (empty without a store check). */
  readonly unstored: readonly UnstoredSnapshot[];
}

/**
 * `open_orders_over_cap`, once for the day, when open orders were dropped over `max_open_orders`,
 * `max_open_order_bytes` or the state file's limit: how many, over which, with the first and the
 * last dropped order's opening line.
 */
function overCap(s: EngineState, date: string, iso: string, stateBudget: number): void {
  const c = s.overCap;
  if (c.dropped === 0 || c.first === null || c.last === null) return;
  const over = [
    c.dropped > c.byBytes + c.bySize ? `max_open_orders (${fmt(s.p.max_open_orders)})` : '',
    c.byBytes > 0 ? `max_open_order_bytes (${fmt(s.p.max_open_order_bytes)} bytes of names)` : '',
    c.bySize > 0 ? `the ${fmt(stateBudget)} bytes the carried state is held to` : '',
  ].filter((x) => x !== '');
  const caps = over.length === 1 ? over[0] : `${over.slice(0, -1).join(', ')} and ${over.at(-1)}`;
  s.add(
    'open_orders_over_cap',
    iso,
    [],
    null,
    `${fmt(c.dropped)} open order${c.dropped === 1 ? '' : 's'} dropped on ${date}, the oldest first, over ${caps}: a later fill, cancel or modification of one is of an order never seen`,
    c.last.seq === c.first.seq && c.last.file === c.first.file ? [c.first] : [c.first, c.last],
  );
  c.dropped = 0;
  c.byBytes = 0;
  c.bySize = 0;
  c.first = null;
  c.last = null;
}

/** One streaming run of every rule. */
export class ComplianceEngine {
  private readonly s: EngineState;
  /** The evidence of the line being checked, for pushDigest (reused: the rules keep keptEvidence copies). */
  private readonly line = new LineEvidence('', 0, 0, Buffer.alloc(0), 0);
  /** The time of the line being checked when given as a string (reused, as `line`). */
  private readonly time = new EventTime();
  /** The last event's time (summary.last_event, made by finish()). */
  private readonly last = new KeptTime();
  /** Events per category as logged, in the order first seen (summary.by_category, made by finish()). */
  private readonly categories = new Map<unknown, { n: number }>();

  /**
   * `seed`: the state the previous day ended with (carry.ts); without it the run starts empty.
   * `snapshotCheck`: holds each ConfigSnapshot to the snapshot store (without it every one counts).
   * `stateBudget`: the bytes the carried state is held to at each day's end (carry.ts fitOpenOrders;
   * smaller for tests).
   */
  constructor(
    timeline: PolicyTimeline,
    seed?: StartingState,
    snapshotCheck?: SnapshotStoreCheck,
    private readonly stateBudget = MAX_STATE_BYTES - STATE_MARGIN_BYTES,
  ) {
    this.s = new EngineState(timeline);
    this.s.snapshotCheck = snapshotCheck;
    if (seed !== undefined) seedState(this.s, seed);
  }

  /**
   * The state to carry into the next day, after `endDay(date)`. `rename` maps evidence file names
   * (a pack's `data/audit.jsonl` becomes the day's log file name, which names one day).
   */
  carryOut(date: string, rename?: (file: string) => string): CarriedState {
    return carryOut(this.s, date, rename);
  }

  /**
   * The text of carryOut's state file in pieces (carry.ts carryOutChunks), each item made from the
   * state when its piece is taken: push nothing more before the last piece.
   */
  carryOutChunks(date: string, rename?: (file: string) => string, pieceChars?: number): Generator<string> {
    return carryOutChunks(this.s, date, rename, pieceChars);
  }

  /**
   * Keeps the findings that name order `id` apart from max_findings (`auditpack check --order`):
   * a flood of other findings must not leave the order looking clean. Call before the first push.
   */
  watchOrder(id: string): void {
    this.s.sink.watch = keptId(id);
  }

  /** The findings naming the watched order, sorted as the report's are, and how many were over the cap. */
  watchedFindings(): { findings: Finding[]; omitted: number } {
    return { findings: [...this.s.sink.watched].sort(byTimeThenSeq), omitted: this.s.sink.watchedOmitted };
  }

  /** Counts a line that is not an event (it cannot be checked). */
  malformed(): void {
    this.s.summary.malformed_lines++;
  }

  /** Checks one event. `e` must have the envelope of docs/FORMAT.md (the reader makes sure). */
  push(e: LogEvent, ref: LineRef): void {
    this.pushLine(e, ref.file, ref.line, ref.hash);
  }

  /** push() with the line's place given as values: no LineRef per event. */
  pushLine(e: LogEvent, file: string, line: number, hash: string): void {
    this.check(e, { file, seq: e.seq as number, line, line_sha256: hash }, this.time.setText(e.iso_ts as string));
  }

  /**
   * pushLine with the line's SHA-256 as the 32 bytes at `digests[at]`, read only during the call:
   * the hex is made only if a finding or the state keeps the line (line-evidence.ts). `time`: the
   * event's iso_ts as bytes in place of `e.iso_ts` (event-time.ts): the EventTime read only
   * during the call, the bytes it points at until `release()`.
   */
  pushDigest(e: LogEvent, file: string, line: number, digests: Buffer, at: number, time?: EventTime): void {
    this.check(
      e,
      this.line.point(file, e.seq as number, line, digests, at),
      time ?? this.time.setText(e.iso_ts as string),
    );
  }

  /** The bytes the times pushed so far point into are about to be reused (records.ts EventSink). */
  release(): void {
    this.last.settle();
  }

  private check(e: LogEvent, ev: Evidence, iso: EventTime): void {
    const ts = e.ts as number;
    const tUs = Math.round(ts * 1e6);
    const category = e.category as string;
    const event = e.event as string;
    const s = this.s;
    const sum = s.summary;
    sum.events++;
    // Counted by a Map (by_category is a null-prototype object, a dictionary: two keyed lookups of
    // a string V8 must first find in its string table, per event); written to the summary by finish().
    let c = this.categories.get(category);
    if (c === undefined) this.categories.set(category, (c = { n: 0 }));
    c.n++;
    // iso_ts has the envelope's shape (two digits at 11 and 12): the hour without a string per event.
    const hour = (iso.asciiAt(11) - 48) * 10 + (iso.asciiAt(12) - 48);
    if (hour < 24) sum.by_hour[hour] = (sum.by_hour[hour] as number) + 1; // "T99:…" has the shape of a time but is none
    sum.first_event ??= iso.text();
    iso.keepIn(this.last);
    // A recovery or a discontinuity is dated when written, after the events its writer had queued
    // (and writes behind it): not compared, as verify does not, nor carried across midnight.
    if (!isDatedWhenWritten(category, event)) clockCheck(s, e, tUs, iso, ev);
    if (tUs > s.nowUs) s.nowUs = tUs;
    if (++s.count % SWEEP_EVERY === 0) sweep(s);
    if (category === 'order') orderEvent(s, e, event, tUs, iso, ev);
    else if (category === 'fill') fillEvent(s, e, tUs, iso, ev);
    else if (category === 'risk') riskEvent(s, e, event, tUs, iso, ev);
    else if (category === 'decision') decisionEvent(s, e, event, tUs, iso, ev);
    else if (category === 'auth') authEvent(s, e, event, tUs);
    else if (category === 'config') configEvent(s, e, event, tUs, iso, ev);
  }

  /**
   * End of a UTC day (`YYYY-MM-DD`): open day orders, the carried state held to its limit,
   * order-to-trade ratios, then a fresh day.
   */
  endDay(date: string): void {
    const s = this.s;
    const iso = `${date}T23:59:59.999999Z`;
    sweep(s, true);
    const st = s.orders;
    // Along the open list, the next slot taken before an order is closed (closing moves only it).
    for (let o = s.open.head, next = NONE; o !== NONE; o = next) {
      next = st.next.get(o);
      if (st.tif.get(o) !== 'DAY') continue;
      const id = st.ids.get(o);
      s.add(
        'order_open_at_end_of_day',
        iso,
        [id],
        st.symbol.get(o) ?? null,
        `day order ${id} still open at the end of ${date} (${st.filled.get(o)} of ${st.qty.get(o)} filled)`,
        [st.opened(o)],
      );
      st.setStatus(o, 'expired');
      s.closeOrder(o);
    }
    fitOpenOrders(s, date, this.stateBudget);
    overCap(s, date, iso, this.stateBudget);
    const limit = s.p.max_order_to_trade_ratio;
    if (limit !== null) {
      for (const c of s.otr.entries()) {
        const symbol = c.name;
        // RTS 9 Art. 3: number ratio = orders (new, modify, cancel messages) / transactions − 1.
        const ratio = c.orders / Math.max(c.trades, 1) - 1;
        if (ratio > limit)
          s.add(
            'order_to_trade_ratio_exceeded',
            iso,
            [],
            symbol,
            `${symbol}: ${c.orders} order messages for ${c.trades} trades on ${date}, ratio ${ratio.toFixed(2)} > ${limit}`,
            [c.first],
          );
      }
    }
    s.otr.clear();
    // Sweeps count from the day's start, so a day seeded with the state of the day before sweeps
    // at the same events as a run over both days (the same findings either way).
    s.count = 0;
    judgeConfigsAtEndOfDay(s, date);
  }

  /** The findings, totals and summary. Call endDay for the last day first. */
  finish(): EngineResult {
    const s = this.s;
    const sorted = s.sink.findings.sort(byTimeThenSeq);
    const omittedByRule: Record<string, number> = Object.create(null) as Record<string, number>;
    for (const k of Object.keys(s.sink.omittedByRule).sort()) omittedByRule[k] = s.sink.omittedByRule[k] as number;
    // As `by_category[category] = (by_category[category] ?? 0) + 1` per event would have made it.
    const byCategory = Object.create(null) as Record<string, number>;
    for (const [k, c] of this.categories) byCategory[k as string] = (byCategory[k as string] ?? 0) + c.n;
    s.summary.by_category = byCategory;
    s.summary.last_event = this.last.text();
    return {
      findings: sorted,
      omitted: s.sink.omitted,
      omitted_by_severity: { ...s.sink.omittedBy },
      omitted_by_rule: omittedByRule,
      totals: { ...s.sink.totals },
      by_rule: { ...s.sink.byRule },
      summary: s.summary,
      peak_open_orders: s.peakOpen,
      unstored: [...s.unstored.values()],
    };
  }
}
