/**
 * One pass over a host pack's log for what the roll-up needs beyond its manifest: the host name the
 * lines carry, the heartbeat interval, and the gaps longer than it (a host that went silent, or
 * lines removed). Lines are read as bytes; only a few are parsed (the first event, heartbeats).
 */
import { type ScannedLine, scanLines } from '../chain/lines.js';
import { AuditpackError, wrapFsError } from '../errors.js';
import { HEARTBEAT_CATEGORY, HEARTBEAT_EVENT, HEARTBEAT_INTERVAL_FIELD } from '../format/heartbeat.js';
import { categoryEventText, hostText, LINE_HEAD } from '../format/log-line.js';
import { FragmentWatch } from '../format/recovered-line.js';

/** A stretch of the day with no line from the host. */
export interface SilentGap {
  readonly from: string;
  readonly to: string;
  readonly seconds: number;
}

export interface HostScan {
  /** The `host` of the first line that parses as an event, if any. */
  readonly host: string | undefined;
  /**
   * Other host names met in heartbeats (a log directory shared between hosts): the first
   * MAX_OTHER_HOSTS by name; `otherHostBeats` counts all their heartbeats.
   */
  readonly otherHosts: readonly string[];
  readonly otherHostBeats: number;
  readonly heartbeats: number;
  /** The longest interval heartbeats declared, seconds; undefined when there were none. */
  readonly heartbeatSeconds: number | undefined;
  /** Gaps longer than the allowed silence (first 100). */
  readonly silent: readonly SilentGap[];
  readonly silentCount: number;
  /**
   * With a name given (`--from HOST=DIR`): whether some line's own top-level `host` is that name.
   * False means the name contradicts every line that carries a host; undefined when no name was
   * given or no line carries a host.
   */
  readonly namedSeen: boolean | undefined;
}

const TS_PREFIX = Buffer.from(LINE_HEAD);
const HEARTBEAT = Buffer.from(categoryEventText(HEARTBEAT_CATEGORY, HEARTBEAT_EVENT));
const MAX_GAPS = 100;
/**
 * Other host names kept, at most (the finding names that many): a hostile log can name a new host
 * in every line, and the roll-up holds every host's scan.
 */
export const MAX_OTHER_HOSTS = 5;

/** Adds `name` to `sorted` (ascending, distinct), keeping only the first MAX_OTHER_HOSTS. */
function keepFirstByName(sorted: string[], name: string): void {
  const last = sorted[sorted.length - 1];
  if (sorted.length >= MAX_OTHER_HOSTS && last !== undefined && name >= last) return;
  if (sorted.includes(name)) return;
  let i = sorted.length;
  while (i > 0 && (sorted[i - 1] as string) > name) i--;
  sorted.splice(i, 0, name);
  if (sorted.length > MAX_OTHER_HOSTS) sorted.pop();
}

/** Allowed silence for an interval: the interval plus a quarter of it, at least a minute. */
export function allowedSilenceSeconds(intervalSeconds: number): number {
  return intervalSeconds + Math.max(60, intervalSeconds / 4);
}

function tsOf(b: Buffer): number | undefined {
  if (b.length < 8 || b.compare(TS_PREFIX, 0, TS_PREFIX.length, 0, TS_PREFIX.length) !== 0) return undefined;
  const comma = b.indexOf(0x2c, TS_PREFIX.length);
  if (comma === -1) return undefined;
  const ts = Number(b.toString('latin1', TS_PREFIX.length, comma));
  return Number.isFinite(ts) ? ts : undefined;
}

function parse(b: Buffer): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(b.toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The logger's own heartbeat: `system`/`Heartbeat` at the top level. The name is reserved for the
 * writer (src/format/writer-events.ts): a caller's event of that name is written as
 * `CallerHeartbeat`, so no caller can declare how long the host may stay silent.
 */
const isHeartbeat = (ev: Record<string, unknown>): boolean =>
  ev.category === HEARTBEAT_CATEGORY && ev.event === HEARTBEAT_EVENT;

const isoOf = (ts: number): string => new Date(Math.round(ts * 1000)).toISOString();

/** What one line gives the scan: its time and, when it was parsed, its host and heartbeat. */
interface LineFacts {
  readonly ts: number;
  readonly host?: string;
  readonly beat?: boolean;
  /** A heartbeat's declared interval, seconds. */
  readonly interval?: number;
  readonly pid?: unknown;
}

/**
 * The scan's state, fed every line in order. Recovery first (docs/FORMAT.md "Torn lines and
 * recovery", "Verifying" rule 4): a line's facts wait for the next line, which may recover it; a
 * recovered torn fragment is never an event, so its time makes no gap, its host names nobody and its
 * `interval_s` declares no allowance (a fragment claiming a day-long interval would hide a silence).
 */
class HostLines {
  host: string | undefined;
  seen = false;
  readonly others: string[] = [];
  otherHostBeats = 0;
  heartbeats = 0;
  interval: number | undefined;
  // Every gap over a minute (the least allowance) is kept: a day holds at most 1440 of them, so
  // memory stays bounded while the interval is not yet known.
  readonly candidates: [number, number][] = [];
  readonly processes = new ProcessBeats();
  private latest = Number.NEGATIVE_INFINITY;
  private pending: LineFacts | undefined;
  private readonly watch: FragmentWatch;
  // The name as the logger writes it (compact JSON): only lines holding it are parsed to confirm it
  // is the line's own host, and only until one is found (the first line, for a rightly named pack).
  private readonly needle: Buffer | undefined;

  constructor(
    private readonly named: string | undefined,
    recoveryFile: string | undefined,
  ) {
    this.needle = named === undefined ? undefined : Buffer.from(hostText(named));
    this.watch = new FragmentWatch(recoveryFile);
  }

  push(l: ScannedLine): void {
    if (this.watch.recovers(l)) this.pending = undefined;
    else this.settle();
    const b = l.bytes;
    if (b === undefined || !l.terminated) return;
    const facts = this.factsOf(b);
    if (facts === undefined) return;
    this.pending = facts;
    this.watch.hold(l);
  }

  /** Applies the last line's facts (no line after it recovers it). */
  settle(): void {
    const f = this.pending;
    this.pending = undefined;
    if (f === undefined) return;
    if (f.ts - this.latest > 60 && this.latest !== Number.NEGATIVE_INFINITY) this.candidates.push([this.latest, f.ts]);
    if (f.ts > this.latest) this.latest = f.ts;
    if (f.host === undefined) return;
    if (f.host === this.named) this.seen = true;
    if (this.host === undefined) this.host = f.host;
    else if (f.host !== this.host && f.beat) {
      this.otherHostBeats++;
      keepFirstByName(this.others, f.host);
    }
    if (f.interval !== undefined) {
      this.heartbeats++;
      this.interval = Math.max(this.interval ?? 0, f.interval);
      this.processes.add(f.pid, f.interval, f.ts);
    }
  }

  private factsOf(b: Buffer): LineFacts | undefined {
    const ts = tsOf(b);
    if (ts === undefined) return undefined;
    // The bytes only pick the lines worth parsing: they may sit anywhere, a caller's nested value
    // included. Only the event's own top-level category and name make a heartbeat.
    const maybeBeat = b.indexOf(HEARTBEAT) !== -1;
    const maybeNamed = this.needle !== undefined && !this.seen && b.indexOf(this.needle) !== -1;
    if (this.host !== undefined && !maybeBeat && !maybeNamed) return { ts };
    const ev = parse(b);
    if (ev === undefined || typeof ev.host !== 'string') return { ts };
    const beat = maybeBeat && isHeartbeat(ev);
    const iv = ev[HEARTBEAT_INTERVAL_FIELD];
    const interval = beat && typeof iv === 'number' && iv > 0 && Number.isFinite(iv) ? iv : undefined;
    return { ts, host: ev.host, beat, interval, pid: ev.pid };
  }
}

/**
 * Scans `logFile` (a pack's data/audit.jsonl). Without any heartbeat no gap is judged: an idle host
 * and a silent one look alike. `recoveryFile`: the name a torn-line recovery in it must give
 * (`audit-YYYYMMDD.jsonl` of the pack's day; undefined accepts any, as the chain check does).
 */
export async function scanHostLog(logFile: string, named?: string, recoveryFile?: string): Promise<HostScan> {
  const s = new HostLines(named, recoveryFile);
  try {
    await scanLines(logFile, (l) => s.push(l), { view: true, noFollow: true });
  } catch (err) {
    // Missing, or not a regular file (a FIFO is refused, not waited on): nothing to scan here; the
    // pack's verification names the problem.
    const notRegular = err instanceof AuditpackError && err.details?.errno === 'ENOTREG';
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !notRegular) throw wrapFsError(err, 'read', logFile);
  }
  s.settle();
  const { gaps, count } = gapsOf(s.candidates, s.interval, s.processes);
  return {
    host: s.host,
    otherHosts: s.others,
    otherHostBeats: s.otherHostBeats,
    heartbeats: s.heartbeats,
    heartbeatSeconds: s.interval,
    silent: gaps,
    silentCount: count,
    namedSeen: named === undefined || s.host === undefined ? undefined : s.seen,
  };
}

/** Bound on the heartbeat instants kept per scan (a day of 1-minute heartbeats from ~700 processes). */
const MAX_BEATS = 1_000_000;

/**
 * Each process's heartbeats (by pid): its interval and when it beat. The host's allowance is the
 * longest interval any process declares, but a process whose heartbeats straddle a gap, none inside
 * it, was alive and should have written within its own interval: over a gap it lives across, the
 * shortest such allowance holds, so one process configured with a long interval does not widen the
 * allowance for the others.
 */
class ProcessBeats {
  private readonly byPid = new Map<unknown, { interval: number; at: number[] }>();
  private kept = 0;

  add(pid: unknown, interval: number, ts: number): void {
    if (typeof pid !== 'number' || this.kept >= MAX_BEATS) return;
    let p = this.byPid.get(pid);
    if (p === undefined) this.byPid.set(pid, (p = { interval, at: [] }));
    p.interval = Math.max(p.interval, interval);
    p.at.push(ts);
    this.kept++;
  }

  /** The allowance over the gap from `a` to `b`: the shortest of the processes alive across it, else `fallback`. */
  allowance(a: number, b: number, fallback: number): number {
    let allowed = fallback;
    for (const p of this.byPid.values()) {
      const own = allowedSilenceSeconds(p.interval);
      if (own >= allowed) continue;
      const i = firstAtOrAfter(p.at, b);
      if (i > 0 && i < p.at.length && (p.at[i - 1] as number) <= a) allowed = own;
    }
    return allowed;
  }

  sort(): void {
    for (const p of this.byPid.values()) p.at.sort((x, y) => x - y);
  }
}

function firstAtOrAfter(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The candidate gaps beyond the allowance of the interval (or of a process alive across them). */
function gapsOf(
  candidates: readonly [number, number][],
  interval: number | undefined,
  processes: ProcessBeats,
): { gaps: SilentGap[]; count: number } {
  const gaps: SilentGap[] = [];
  let count = 0;
  if (interval === undefined) return { gaps, count };
  const allowed = allowedSilenceSeconds(interval);
  processes.sort();
  for (const [a, b] of candidates) {
    if (b - a <= processes.allowance(a, b, allowed)) continue;
    count++;
    if (gaps.length < MAX_GAPS) gaps.push({ from: isoOf(a), to: isoOf(b), seconds: Math.round(b - a) });
  }
  return { gaps, count };
}
