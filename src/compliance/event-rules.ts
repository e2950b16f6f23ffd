/**
 * The rules fed by risk, decision, auth and config events, the per-process clock check, and the
 * sweep that forgets what is past every horizon.
 */
import type { EventTime } from './event-time.js';
import {
  type EngineState,
  type LogEvent,
  NONE,
  Override,
  type PendingConfig,
  RiskCheck,
  idOf,
  num,
  SECOND,
  str,
  unreadableNumber,
} from './engine-state.js';
import { MAX_UNSTORED, unstoredKey } from './snapshot-check.js';
import { configKey, keptEvidence } from './line-evidence.js';
import { isApproving, isForbidden, scopeKey, UNKNOWN_SCOPE } from './names.js';
import { given, NO_TEXT_USER, nonBlank, notText } from './text-fields.js';
import { textOf } from './shown.js';
import type { Evidence } from './types.js';

/** Time must not go backwards within one process (host and pid). */
export function clockCheck(s: EngineState, e: LogEvent, tUs: number, iso: EventTime, ev: Evidence): void {
  // Most lines come from the process of the line before: no key string for them.
  let c = s.lastClock;
  if (c === undefined || e.host !== s.lastHost || e.pid !== s.lastPid) {
    const key = `${textOf(e.host)}\u0000${textOf(e.pid)}`;
    c = s.clocks.get(key);
    if (c === undefined) s.clocks.set(key, (c = { last: Number.NEGATIVE_INFINITY }));
    s.lastClock = c;
    s.lastHost = e.host;
    s.lastPid = e.pid;
  }
  if (tUs < c.last)
    s.add(
      'clock_backwards',
      iso,
      [],
      null,
      `time went back ${((c.last - tUs) / 1000).toFixed(3)} ms on host ${textOf(e.host)} pid ${textOf(e.pid)}`,
      [ev],
    );
  else c.last = tUs;
}

/** RiskCheck, RiskOverride and the kill switch: remembered for the orders that follow, and checked. */
export function riskEvent(s: EngineState, e: LogEvent, event: string, tUs: number, iso: EventTime, ev: Evidence): void {
  const p = s.p;
  const oid = idOf(e.order_id);
  const sid = idOf(e.signal_id);
  if (event === 'RiskCheck') {
    s.summary.risk_checks++;
    const pass = e.result === 'pass';
    if (!pass) s.summary.risk_rejects++;
    const refPrice = num(e.reference_price);
    const failed = failedChecks(e.checks, e.reference_price, refPrice);
    if (oid !== null) {
      const o = s.slot(oid);
      s.setOrderRisk(o, new RiskCheck(tUs, pass, failed, refPrice, ev, o, null, s.orders));
    }
    if (sid !== null) {
      const key = `s:${sid}`;
      s.setKeyRisk(key, new RiskCheck(tUs, pass, failed, refPrice, ev, NONE, key, s.orders));
    }
    const score = num(e.score);
    // A score given but no finite number ("95%") cannot be held under the maximum: held as above it.
    const badScore = score === null && unreadableNumber(e.score);
    if (p.max_risk_score !== null && (badScore || (score !== null && score > p.max_risk_score))) {
      const who = oid ?? `signal ${sid}`;
      s.add(
        'risk_score_exceeded',
        iso,
        oid !== null ? [oid] : [],
        str(e.symbol),
        badScore
          ? `risk score ${given(e.score)} for ${who} is not a finite number: held as above the maximum ${p.max_risk_score}`
          : `risk score ${score} for ${who} above the maximum ${p.max_risk_score}`,
        [ev],
      );
    }
  } else if (event === 'RiskOverride') {
    s.summary.overrides++;
    // A blank approver or reason (" ") names no one and nothing: absent.
    const approver = nonBlank(str(e.approver));
    const reason = nonBlank(str(e.reason));
    const text = `${str(e.user) ?? 'someone'}${approver ? `, approved by ${approver}` : ''}${reason ? `: ${reason}` : ''}`;
    if (oid !== null) {
      const o = s.slot(oid);
      s.setOrderOverride(o, new Override(tUs, ev, text, o, null));
    }
    if (sid !== null) {
      const key = `s:${sid}`;
      s.setKeyOverride(key, new Override(tUs, ev, text, NONE, key));
    }
    if (approver === null || reason === null) {
      const missing = [approver === null ? 'approver' : '', reason === null ? 'reason' : '']
        .filter(Boolean)
        .join(' and ');
      s.add(
        'override_unapproved',
        iso,
        oid !== null ? [oid] : [],
        str(e.symbol),
        `risk override by ${str(e.user) ?? 'unknown'} for ${oid ?? `signal ${sid}`} without ${missing}`,
        [ev],
      );
    }
  } else if (event === 'KillSwitchOn' || event === 'KillSwitchOff') {
    // A scope given but no text (["strategy:S1"]) is no known scope: held as all until turned off as written.
    const raw = str(e.scope) ?? (notText(e.scope) ? JSON.stringify(e.scope) : 'all');
    // A scope the checks do not know ("ALL", "global", "strategy: S") is held as the whole switch:
    // a switch meant to stop trading must not stop nothing because of its spelling.
    // A known scope is held under its name's key: `symbol:EURUSD` is turned off by `symbol:eur/usd`
    // and stops orders on `EUR/USD` (names.ts).
    const known = scopeKey(raw);
    const scope = known === null ? `${UNKNOWN_SCOPE}${raw}` : raw;
    const key = known ?? scope;
    if (event === 'KillSwitchOn') {
      s.killSwitch.set(key, { scope, ev: keptEvidence(ev) });
      if (known === null)
        s.add(
          'kill_switch_scope_unknown',
          iso,
          [],
          null,
          `kill switch turned on with scope ${JSON.stringify(raw)}, which names no known scope (all, strategy:<name>, venue:<name>, symbol:<name>): held as all`,
          [ev],
        );
    } else if (key === 'all' && str(e.scope) !== null) s.killSwitch.clear();
    // An Off that names no scope (absent, "" or null) turns off only a switch held as all: it must
    // not lift a switch that named something (attack11 #13: `scope: ""` lifted a symbol: switch).
    else s.killSwitch.delete(key);
  }
}

/**
 * DecisionRecorded: a forbidden decision is a finding. The latest decision on a signal is its review:
 * only an explicitly approving one (by an accepted reviewer kind) lets its orders through, and a later
 * rejection (by anyone) withdraws an earlier approval.
 */
export function decisionEvent(
  s: EngineState,
  e: LogEvent,
  event: string,
  tUs: number,
  iso: EventTime,
  ev: Evidence,
): void {
  if (event !== 'DecisionRecorded') return;
  s.summary.decisions++;
  const p = s.p;
  const decision = str(e.decision) ?? '';
  const kind = str(e.reviewer_kind) ?? '';
  const oid = idOf(e.order_id);
  const sid = idOf(e.signal_id);
  // A decision given but no text (["override_limits"]) is held as forbidden, never as harmless.
  const noText = p.forbidden_decisions.length > 0 && notText(e.decision);
  const forbidden = noText || isForbidden(p, decision);
  if (forbidden) {
    s.add(
      'forbidden_decision',
      iso,
      oid !== null ? [oid] : [],
      str(e.symbol),
      `${noText ? `decision ${given(e.decision)}, no text: held as forbidden,` : `forbidden decision ${JSON.stringify(decision)}`} by ${kind || 'unknown'} reviewer ${str(e.reviewer) ?? ''} on ${sid !== null ? `signal ${sid}` : `order ${oid}`}`.replace(
        / {2}/g,
        ' ',
      ),
      [ev],
    );
  }
  if (sid === null) return;
  const approved = !forbidden && isApproving(decision);
  // An approval by a reviewer kind the policy does not accept changes nothing; a refusal always counts.
  if (approved && p.review_reviewer_kinds.length > 0 && !p.review_reviewer_kinds.includes(kind)) return;
  s.decisions.set(sid, { tUs, ev: keptEvidence(ev), approved, decision });
}

/** Logins open sessions, logouts close them, failed logins are counted per user in a window. */
export function authEvent(s: EngineState, e: LogEvent, event: string, tUs: number): void {
  // A failed login of a user given but no text may be anyone's: held as every user's (failedBurst).
  const user = str(e.user) ?? (event === 'LoginFailed' && notText(e.user) ? NO_TEXT_USER : null);
  // A logout of a user given but no text cannot say whose session ends: held as everyone's.
  if (user === null && event === 'Logout' && notText(e.user)) s.sessions.clear();
  if (user === null) return;
  if (event === 'Login') {
    s.summary.logins++;
    s.sessions.set(user, tUs);
  } else if (event === 'Logout') s.sessions.delete(user);
  else if (event === 'LoginFailed') {
    s.summary.failed_logins++;
    let f = s.failed.get(user);
    if (f === undefined) s.failed.set(user, (f = { tUs, times: [], flaggedBurstAt: -1 }));
    const w = s.p.failed_login_burst.window_s * SECOND;
    f.times = f.times.filter((t) => t >= tUs - w);
    f.times.push(tUs);
    f.tUs = tUs;
  }
}

/** ConfigChanged waits for a snapshot (and needs a reason); ConfigSnapshot records the changes before it. */
export function configEvent(
  s: EngineState,
  e: LogEvent,
  event: string,
  tUs: number,
  iso: EventTime,
  ev: Evidence,
): void {
  if (event === 'ConfigChanged') {
    s.summary.config_changes++;
    const hasReason = str(e.reason) !== null || str(e.ticket) !== null;
    // A snapshot_id on the change is the caller's word, not a snapshot: only a ConfigSnapshot in the
    // window after it records the change.
    s.configs.set(configKey(ev), { tUs, ev: keptEvidence(ev), iso: iso.text(), hasReason, snapshot: false });
  } else if (event === 'ConfigSnapshot' && str(e.snapshot_id) !== null) {
    // The event is reserved for the snapshot command (a caller's is written as CallerConfigSnapshot,
    // and `auditpack log` refuses it), which writes it once the record is stored.
    const id = str(e.snapshot_id) as string;
    // Its time is the writer's clock: never earlier than a line the log already holds. A snapshot
    // back-dated after the fact (faketime) is named, and is held to the latest time before it.
    const at = Math.max(tUs, s.nowUs);
    if (tUs < s.nowUs - BACKDATE_TOLERANCE_S * SECOND) backdated(s, e, id, tUs, iso, ev);
    // Only changes within the window before it: an older change stays unrecorded.
    const since = at - s.p.config_snapshot_window_s * SECOND;
    const unstored = snapshotNotStored(s, id, str(e.record_sha256), ev);
    for (const c of s.configs.values())
      if (c.tUs >= since) {
        if (unstored === undefined) c.snapshot = true;
        else c.unstored ??= unstored;
      }
    // Judged under the policy before it; the policy it recorded governs the lines after it.
    const pol = s.timeline.takesForceAt(id);
    if (pol !== undefined) {
      s.inForce = pol;
      s.p = pol.policy;
    }
  }
}

/**
 * How far (s) a ConfigSnapshot's time may lie before the latest line before it without a finding:
 * lines of processes writing at once land a little out of time order. Back-dating changes nothing a
 * snapshot governs or records (both follow the log's order), so the finding only names the clock.
 */
export const BACKDATE_TOLERANCE_S = 5;

function backdated(s: EngineState, e: LogEvent, id: string, tUs: number, iso: EventTime, ev: Evidence): void {
  const behind = ((s.nowUs - tUs) / 1e6).toFixed(3);
  s.add(
    'config_snapshot_backdated',
    iso,
    [],
    null,
    `the ConfigSnapshot at seq ${ev.seq} (snapshot ${id}, host ${textOf(e.host)} pid ${textOf(e.pid)}) is dated ${behind} s before a line logged before it: it governs only the lines after it`,
    [ev],
  );
}

/**
 * Why a ConfigSnapshot's snapshot does not count, when the snapshot store is at hand: an event that
 * names a snapshot the store does not hold, or holds with another record hash, records nothing
 * anyone can look at (a planted event, or a record deleted or rewritten since).
 */
function snapshotNotStored(s: EngineState, id: string, sha: string | null, ev: Evidence): string | undefined {
  if (s.snapshotCheck === undefined) return undefined;
  const key = unstoredKey(id, sha);
  let u = s.unstored.get(key);
  // Beyond MAX_UNSTORED listed, a snapshot counts unchecked (verify, which re-runs from the list,
  // does the same); a report with that many listed says enough.
  if (u === undefined && s.unstored.size < MAX_UNSTORED) {
    const reason = s.snapshotCheck(id, sha);
    if (reason !== undefined) s.unstored.set(key, (u = { snapshot_id: id, record_sha256: sha, reason }));
  }
  if (u === undefined) return undefined;
  const reason = u.reason;
  return `the ConfigSnapshot at seq ${ev.seq} names snapshot ${id}, ${reason}`;
}

/** The finding for a config change that got no snapshot in its window, or had no reason. */
export function configFinding(s: EngineState, c: PendingConfig): void {
  if (c.hasReason && c.snapshot) return;
  const missing = [
    c.snapshot
      ? ''
      : `no config snapshot within ${s.p.config_snapshot_window_s} s${c.unstored === undefined ? '' : ` (${c.unstored})`}`,
    c.hasReason ? '' : 'no reason or ticket',
  ]
    .filter(Boolean)
    .join(' and ');
  s.add('config_change_unrecorded', c.iso, [], null, `config change at seq ${c.ev.seq} with ${missing}`, [c.ev]);
}

/** Forgets what is past every horizon; pending config changes past their window are judged. */
export function sweep(s: EngineState, endOfDay = false): void {
  const p = s.p;
  const now = s.nowUs;
  s.closed.expire(now, p.closed_order_memory_s * SECOND);
  s.risk.expire(now, p.risk_check_validity_s * SECOND);
  s.overrides.expire(now, p.risk_check_validity_s * SECOND);
  s.decisions.expire(now, p.closed_order_memory_s * SECOND);
  s.recent.list.expire(now, p.duplicate_window_ms * 1000);
  if (!endOfDay) s.configs.expire(now, p.config_snapshot_window_s * SECOND, (_k, c) => configFinding(s, c));
  for (const [u, f] of s.failed) if (f.tUs < now - p.failed_login_burst.window_s * SECOND) s.failed.delete(u);
  // A rate window idle for over a second counts nothing: dropped, so that many one-off strategy or
  // venue names do not stay in memory (the next message starts a new window and a new episode).
  for (const w of [s.strategyRates, s.venueRates]) for (const [k, r] of w) if (r.last <= now - SECOND) w.delete(k);
  // Per-process clocks: kept while fewer than MAX_CLOCKS processes were seen; beyond, those silent
  // for CLOCK_IDLE_S are forgotten (a process silent that long then starts afresh).
  if (s.clocks.size > MAX_CLOCKS) {
    for (const [k, c] of s.clocks) if (c.last < now - CLOCK_IDLE_S * SECOND) s.clocks.delete(k);
    s.lastClock = undefined;
  }
}

/** Processes (host and pid) whose last time is kept without condition. */
export const MAX_CLOCKS = 10_000;
/** Beyond MAX_CLOCKS, a process silent this long (s) is forgotten. */
export const CLOCK_IDLE_S = 600;

const NONE_FAILED: readonly string[] = Object.freeze([]);

/**
 * The names of a risk check's failed items. A check the checks cannot read is never read as passed
 * (a risk system that writes `"passed":"false"` or a `checks` object must not let every failed check
 * through): an item whose `passed` is not true or false, one that is no object, a `checks` that is
 * no list, and a `reference_price` given but no finite number (the collar cannot be checked) count
 * as failed, named with the value as given. `refPrice`: num(ref), which the caller has (not read twice).
 */
function failedChecks(checks: unknown, ref: unknown, refPrice: number | null): readonly string[] {
  let failed: string[] | undefined;
  if (Array.isArray(checks)) {
    // An index, not for-of: the parsed lists are frozen (records.ts), and for-of over a frozen
    // array took an iterator and a result object per item (~110 bytes of garbage per risk check).
    for (let i = 0; i < checks.length; i++) {
      const c: unknown = checks[i];
      if (typeof c !== 'object' || c === null || Array.isArray(c)) {
        (failed ??= []).push(`${given(c)} (not a check)`);
        continue;
      }
      const { name, passed } = c as { name?: unknown; passed?: unknown };
      if (passed === true) continue;
      const why =
        passed === false ? '' : passed === undefined ? ' (no passed)' : ` (passed ${given(passed)}: not true or false)`;
      (failed ??= []).push(`${textOf(name)}${why}`);
    }
  } else if (checks !== undefined && checks !== null) (failed ??= []).push(`checks ${given(checks)} (not a list)`);
  // unreadableNumber(ref), from the value num() gave.
  if (ref !== undefined && ref !== null && refPrice === null)
    (failed ??= []).push(`reference_price ${given(ref)} (not a finite number: the price collar cannot be checked)`);
  return failed ?? NONE_FAILED;
}
