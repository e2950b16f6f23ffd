/**
 * The bounded state the checks keep between events: maps that forget their oldest entries after a
 * horizon, sliding per-second windows, and the findings collector. Nothing here grows with the
 * length of the day, only with what is open or recent (docs/decisions.md, "Compliance checks").
 */
import { createHash } from 'node:crypto';
import { type Evidence, type Finding, type RuleId, SEVERITIES, type Severity, type SeverityTotals } from './types.js';
import { keptEvidence } from './line-evidence.js';

/**
 * A map whose entries expire `horizonUs` after their time, oldest first. Entries are assumed to
 * arrive roughly in time order (a log is); an out-of-order entry just lives a little longer.
 */
export class ExpiringMap<V extends { readonly tUs: number }> {
  private readonly map = new Map<string, V>();
  constructor(private readonly maxEntries: number) {}

  get(k: string): V | undefined {
    return this.map.get(k);
  }
  has(k: string): boolean {
    return this.map.has(k);
  }
  set(k: string, v: V): void {
    // Re-inserted at the end, so iteration order stays the order of last update.
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.maxEntries) {
      const first = this.map.keys().next();
      if (first.done !== true) this.map.delete(first.value);
    }
  }
  delete(k: string): boolean {
    return this.map.delete(k);
  }
  get size(): number {
    return this.map.size;
  }
  /** Removes entries older than `nowUs - horizonUs`; returns them (for pending items that become findings). */
  expire(nowUs: number, horizonUs: number, onExpired?: (k: string, v: V) => void): void {
    for (const [k, v] of this.map) {
      if (v.tUs >= nowUs - horizonUs) break;
      this.map.delete(k);
      onExpired?.(k, v);
    }
  }
  values(): IterableIterator<V> {
    return this.map.values();
  }
  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
  clear(): void {
    this.map.clear();
  }
}

/** A node of a {@link Chain}: its links and the time it expires from. */
export interface Linked<N> {
  prev: N | null;
  next: N | null;
  readonly tUs: number;
}

/**
 * The order of last update of a set of nodes that carry their own links (no Map of keys): what
 * {@link ExpiringMap} keeps, for entries that live in a slot found by another lookup. `push`
 * appends (the caller removes a node first when it is updated), the oldest beyond `maxEntries` is
 * dropped, and `expire` drops from the front while the nodes are past the horizon, stopping at
 * the first that is not, exactly as ExpiringMap does (the carried state lists them in this order).
 */
export class Chain<N extends Linked<N>> {
  head: N | null = null;
  tail: N | null = null;
  size = 0;
  /** `dropped`: told of each node the chain drops itself (expired or beyond `maxEntries`). */
  constructor(
    private readonly maxEntries: number,
    private readonly dropped: (n: N) => void,
  ) {}

  /** Appends `n` (not in the chain) as the latest updated. */
  push(n: N): void {
    n.prev = this.tail;
    n.next = null;
    if (this.tail === null) this.head = n;
    else this.tail.next = n;
    this.tail = n;
    if (++this.size > this.maxEntries) {
      const h = this.head as N;
      this.remove(h);
      this.dropped(h);
    }
  }

  /** Takes `n` (in the chain) out. */
  remove(n: N): void {
    if (n.prev === null) this.head = n.next;
    else n.prev.next = n.next;
    if (n.next === null) this.tail = n.prev;
    else n.next.prev = n.prev;
    n.prev = null;
    n.next = null;
    this.size--;
  }

  /** Drops nodes older than `nowUs - horizonUs` from the front, up to the first that is not. */
  expire(nowUs: number, horizonUs: number): void {
    for (let n = this.head; n !== null; ) {
      if (n.tUs >= nowUs - horizonUs) break;
      const next = n.next;
      this.remove(n);
      this.dropped(n);
      n = next;
    }
  }

  /** The nodes, oldest update first. */
  toArray(): N[] {
    const out: N[] = [];
    for (let n = this.head; n !== null; n = n.next) out.push(n);
    return out;
  }
}

/** Timestamps within the last second, per key, for message rates. */
export class RateWindow {
  private times: number[] = [];
  private head = 0;
  /**
   * @param name The strategy or venue as first logged: the window is kept under the name's fold
   * (name-key.ts), so `S1`, `s1`, `S-1` and `S1` with an invisible character count as one, and a
   * finding quotes this spelling.
   */
  constructor(readonly name: string) {}
  /** True while the count is above the limit (one finding per episode). */
  breaching = false;

  /** Time of the latest event (-Infinity when none): a window idle for over a second counts nothing. */
  get last(): number {
    return this.times.length > this.head ? (this.times[this.times.length - 1] as number) : Number.NEGATIVE_INFINITY;
  }

  /** The times still in the window, oldest first (the carried state's copy). */
  held(): number[] {
    return this.times.slice(this.head);
  }

  /** A window holding `times` (oldest first), as a carried state recorded it. */
  static of(name: string, times: readonly number[], breaching: boolean): RateWindow {
    const w = new RateWindow(name);
    w.times = [...times];
    w.breaching = breaching;
    return w;
  }

  /** Adds an event at `tUs`; returns how many fall within the second ending at it. */
  add(tUs: number): number {
    this.times.push(tUs);
    while (this.head < this.times.length && (this.times[this.head] as number) <= tUs - 1_000_000) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }
}

/** Longest id or symbol a finding quotes in full; a longer one is cut (capQuoted). */
export const MAX_QUOTED = 200;
/** Longest description a finding keeps. */
export const MAX_DESCRIPTION = 2000;

/**
 * `v` itself, or when longer than `max` its first 64 characters, its length and the start of its
 * SHA-256: a 100 KB order id or symbol quoted in every finding, in the JSON, the CSV and the page,
 * made the compliance files many times the size of the log. The evidence (file, seq, line hash)
 * still names the line that holds the whole value.
 */
export function capQuoted(v: string, max = MAX_QUOTED): string {
  if (v.length <= max) return v;
  const cut = (v.charCodeAt(63) & 0xfc00) === 0xd800 ? 63 : 64; // never half a surrogate pair
  const hash = createHash('sha256').update(v, 'utf8').digest('hex').slice(0, 16);
  return `${v.slice(0, cut)}…(${v.length} characters, sha256 ${hash}…)`;
}

/** The findings over the cap that were counted but not listed, per severity. */
export type OmittedBySeverity = Record<Severity, number>;

/** A kept finding and its place in the order findings were added. */
interface Kept {
  readonly n: number;
  readonly f: Finding;
}

/** The order findings are reported in: by time, then by the seq of their first evidence. */
export function byTimeThenSeq(a: Finding, b: Finding): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : (a.evidence[0]?.seq ?? 0) - (b.evidence[0]?.seq ?? 0);
}

/**
 * Collects findings: all are counted, at most `max` are kept. Over the cap the most severe are
 * kept, and within a severity every rule that fired keeps its first findings. The log's writer
 * chooses the order and the kind of what it logs: with the first `max` kept, 10,000 cheap warnings
 * logged first hid a later critical finding, and 10,000 fills for unknown orders (cheap criticals)
 * hid a later order on a restricted symbol from the JSON, the CSV and the page, leaving a rule
 * counted in by_rule that nothing listed. So over the cap a finding evicts the newest kept finding
 * of the most-listed rule of the lowest severity below its own; with none below, the newest of
 * the most-listed rule of its own severity when that rule lists at least two more than its own;
 * else it is only counted. Hence a critical finding is never omitted while a lower one is listed,
 * each rule's listed findings are its first ones, and a rule with one omitted lists at most one
 * fewer than any other rule of its severity. The kept ones stay in the order they were added (the
 * report sorts them by time). `watch` (check --order): the findings naming that order id are also
 * kept apart, up to `max` of their own, whatever the cap did to them.
 */
export class FindingSink {
  readonly totals: SeverityTotals = { critical: 0, warning: 0, info: 0, total: 0 };
  readonly byRule: Record<string, number> = Object.create(null) as Record<string, number>;
  readonly omittedBy: OmittedBySeverity = { critical: 0, warning: 0, info: 0 };
  /** Findings counted but not listed, per rule (keys only for rules with some). */
  readonly omittedByRule: Record<string, number> = Object.create(null) as Record<string, number>;
  /** Per severity, per rule, the kept findings in the order added. */
  private readonly kept: Record<Severity, Map<string, Kept[]>> = {
    critical: new Map(),
    warning: new Map(),
    info: new Map(),
  };
  private readonly count: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  private size = 0;
  private added = 0;
  private readonly ids = new Set<string>();
  /** The findings naming the watched order id (check --order), in the order added. */
  readonly watched: Finding[] = [];
  /** Findings naming the watched order id beyond `max` of them: counted only. */
  watchedOmitted = 0;
  private readonly watchedIds = new Set<string>();
  /**
   * An order id whose findings are kept apart from the cap (see {@link watched}), as capQuoted
   * gives it (the checks keep a long id so: engine-state.ts keptId); set before the first add.
   */
  watch: string | undefined;

  /** Findings counted but not listed. */
  get omitted(): number {
    return this.omittedBy.critical + this.omittedBy.warning + this.omittedBy.info;
  }

  /** The kept findings, in the order they were added. */
  get findings(): Finding[] {
    const all: Kept[] = [];
    for (const s of SEVERITIES) for (const list of this.kept[s].values()) all.push(...list);
    return all.sort((a, b) => a.n - b.n).map((k) => k.f);
  }

  add(
    max: number,
    rule: RuleId,
    severity: Severity,
    time: string,
    orderIds: readonly string[],
    symbol: string | null,
    description: string,
    evidence: readonly Evidence[],
  ): void {
    this.totals[severity]++;
    this.totals.total++;
    this.byRule[rule] = (this.byRule[rule] ?? 0) + 1;
    const listed = this.size < max || this.makeRoom(rule, severity);
    const watched = this.watch !== undefined && orderIds.some((v) => capQuoted(v) === this.watch);
    if (!listed) {
      this.omittedBy[severity]++;
      this.omittedByRule[rule] = (this.omittedByRule[rule] ?? 0) + 1;
      if (!watched) return;
    }
    const base = `${rule}:${evidence[0]?.seq ?? 'eod'}${evidence[0] === undefined ? `:${time.slice(0, 10)}` : ''}`;
    let id = base;
    for (let n = 2; this.ids.has(id) || (!listed && this.watchedIds.has(id)); n++) id = `${base}:${n}`;
    let text = description;
    for (const v of symbol === null ? orderIds : [...orderIds, symbol])
      if (v.length > MAX_QUOTED) text = text.replaceAll(v, capQuoted(v));
    const f: Finding = Object.freeze({
      id,
      rule,
      severity,
      time,
      order_ids: Object.freeze(orderIds.map((v) => capQuoted(v))),
      symbol: symbol === null ? null : capQuoted(symbol),
      description: capQuoted(text, MAX_DESCRIPTION),
      evidence: Object.freeze(evidence.map(keptEvidence)),
    });
    if (watched) this.keepWatched(max, f);
    if (!listed) return;
    this.ids.add(id);
    this.size++;
    this.count[severity]++;
    const byRule = this.kept[severity];
    const list = byRule.get(rule);
    const k = { n: this.added++, f };
    if (list === undefined) byRule.set(rule, [k]);
    else list.push(k);
  }

  private keepWatched(max: number, f: Finding): void {
    if (this.watched.length >= max) {
      this.watchedOmitted++;
      return;
    }
    this.watched.push(f);
    this.watchedIds.add(f.id);
  }

  /**
   * Frees a place for a finding of `rule` at `severity` (the sink is full): evicts from the lowest
   * severity below it that has any kept, else from its own severity when the most-listed rule there
   * lists at least two more than `rule`. False when the finding is only to be counted.
   */
  private makeRoom(rule: RuleId, severity: Severity): boolean {
    for (const s of SEVERITIES) {
      if (s === severity) break;
      if (this.count[s] > 0) return this.evictNewestOfMostListed(s, 0);
    }
    return this.evictNewestOfMostListed(severity, (this.kept[severity].get(rule)?.length ?? 0) + 1);
  }

  /** Drops the newest kept finding of the most-listed rule of `s` if it lists more than `over`. */
  private evictNewestOfMostListed(s: Severity, over: number): boolean {
    let top: Kept[] | undefined;
    for (const list of this.kept[s].values()) if (top === undefined || list.length > top.length) top = list;
    if (top === undefined || top.length <= over) return false;
    const k = top.pop() as Kept;
    this.ids.delete(k.f.id);
    this.omittedBy[s]++;
    this.omittedByRule[k.f.rule] = (this.omittedByRule[k.f.rule] ?? 0) + 1;
    this.count[s]--;
    this.size--;
    return true;
  }
}
