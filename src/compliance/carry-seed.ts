/**
 * Starting an engine from a carried compliance state (docs/FORMAT.md, "Compliance state"): the
 * inverse of carry.ts `carryOut`. The state was parsed as hostile input (carry-parse.ts); what it
 * holds is put back under the keys the engine uses, held to the engine's own bounds.
 */
import {
  CLOSED,
  type EngineState,
  type FailedLogins,
  keptId,
  MAX_PENDING_CONFIGS,
  NONE,
  OPEN,
  Override,
  RiskCheck,
  type Slot,
} from './engine-state.js';
import type { CarriedOrder, StartingState } from './carry.js';
import { configKey } from './line-evidence.js';
import { cachedNameKey } from './name-key.js';
import { scopeKey, UNKNOWN_SCOPE } from './names.js';
import { RateWindow } from './state.js';

/** Loads a carried state into a fresh engine state (the inverse of carryOut). */
export function seedState(s: EngineState, c: StartingState): void {
  // An order carried into the slot `o`, with every field as carried.
  const st = s.orders;
  const order = (o: Slot, c: CarriedOrder): Slot => {
    st.setOrder(o, c.t_us, c.symbol, c.evidence, c.time_in_force, c.quantity, c.price, c.strategy, c.venue, c.status);
    st.setRef(o, c.reference_price);
    st.filled.set(o, c.filled);
    st.setOverfilled(o, c.overfilled);
    return o;
  };
  s.nowUs = c.end_us;
  // Held under the scope's key, as the KillSwitchOn that turned it on was (a state carried under
  // rules before 10 may name `symbol:EURUSD` and `symbol:eurusd` apart: one switch, the later line).
  for (const k of c.kill_switch) {
    const key = k.scope.startsWith(UNKNOWN_SCOPE) ? k.scope : (scopeKey(k.scope) ?? `${UNKNOWN_SCOPE}${k.scope}`);
    s.killSwitch.set(key, { scope: key.startsWith(UNKNOWN_SCOPE) ? key : k.scope, ev: k.evidence });
  }
  for (const x of c.sessions) s.sessions.set(x.user, x.login_us);
  for (const f of c.failed_logins) {
    const fl: FailedLogins = { tUs: f.last_us, times: [...f.times_us], flaggedBurstAt: f.flagged_burst_us };
    s.failed.set(f.user, fl);
  }
  // An id listed twice among the open orders keeps its first place with the last one's fields (a
  // Map's set); listed again among the closed ones it moves to the end. Only a state not written by
  // this engine lists an id both open and closed: the closed entry is then carried along unfound
  // (a ghost) until the open order closes or is used again, as when the two were separate maps.
  for (const o of c.open_orders) {
    const slot = order(s.slot(o.order_id), o);
    if (st.ord.get(slot) === 0) s.openOrder(slot);
    else if (st.ord.get(slot) === OPEN) s.reweighOpen(slot);
  }
  s.peakOpen = s.open.size;
  for (const o of c.closed_orders) {
    const held = s.find(o.order_id);
    if (held !== NONE && st.ord.get(held) === OPEN) {
      s.dropGhost(o.order_id);
      const g = order(s.newSlot(o.order_id), o);
      s.ghosts.set(keptId(o.order_id), g);
      st.ord.set(g, CLOSED);
      s.closed.push(g);
    } else s.closeOrder(order(s.slot(o.order_id), o));
  }
  for (const r of c.risk_checks) {
    const o = r.key.startsWith('o:') ? s.slot(r.key.slice(2)) : NONE;
    const rc = new RiskCheck(
      r.t_us,
      r.pass,
      [...r.failed],
      r.reference_price,
      r.evidence,
      o,
      o === NONE ? r.key : null,
      st,
    );
    if (o === NONE) s.setKeyRisk(r.key, rc);
    else s.setOrderRisk(o, rc);
  }
  for (const v of c.overrides) {
    const o = v.key.startsWith('o:') ? s.slot(v.key.slice(2)) : NONE;
    const ov = new Override(v.t_us, v.evidence, v.text ?? undefined, o, o === NONE ? v.key : null);
    if (o === NONE) s.setKeyOverride(v.key, ov);
    else s.setOrderOverride(o, ov);
  }
  for (const d of c.decisions)
    s.decisions.set(d.signal_id, { tUs: d.t_us, ev: d.evidence, approved: d.approved, decision: d.decision });
  for (const r of c.recent_orders) s.recent.setText(r.key, r.t_us, r.order_id, r.evidence);
  // Under the name's fold, as orderMessage counts them (a state carried under rules before 24 may
  // hold two spellings of one name apart: one window, the later entry).
  for (const r of c.strategy_rates)
    s.strategyRates.set(cachedNameKey(r.name), RateWindow.of(r.name, r.times_us, r.breaching));
  for (const r of c.venue_rates)
    s.venueRates.set(cachedNameKey(r.name), RateWindow.of(r.name, r.times_us, r.breaching));
  for (const c2 of c.clocks) s.clocks.set(c2.process, { last: c2.last_us });
  // Keyed by file and seq as configEvent keys them; at most the latest MAX_PENDING_CONFIGS (a hostile list
  // is not held whole), each judged on the day it is carried into.
  for (const x of (c.config_changes ?? []).slice(-MAX_PENDING_CONFIGS))
    s.configs.set(configKey(x.evidence), {
      tUs: x.t_us,
      ev: x.evidence,
      iso: x.iso,
      hasReason: x.has_reason,
      snapshot: false,
      ...(x.unstored === null ? {} : { unstored: x.unstored }),
    });
}
