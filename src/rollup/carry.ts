/**
 * Where the merged stream's checks start (docs/FORMAT.md, "Roll-ups"): a kill switch left on at
 * 23:00 on one host must stop the firm's orders of 00:10, and a GTC order accepted yesterday may be
 * overfilled today on another host. Each verified host's pack holds the state its own checks
 * started from (`data/compliance_state_start.json`, held to its manifest by the host's
 * verification); the merged run starts from their union. Evidence then names
 * `<host>/<log file>`, as the merged report's evidence names `<host>/data/audit.jsonl`.
 *
 * The union is what every host knew at midnight, never less: what one host opened and another
 * closed is still open in it (its closing host never knew the order), so it can only add
 * findings (a fill after that close), never hide one.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { readSmallFile } from '../fsx/digest.js';
import { join } from 'node:path';
import {
  type CarriedOrder,
  type CarriedRate,
  type CarriedState,
  carriedStateJson,
  MAX_STATE_BYTES,
} from '../compliance/carry.js';
import {
  type CarriedIn,
  dayBefore,
  emptyState,
  listedSha256,
  manifestNotVouched,
  signatureProblem,
} from '../compliance/carry-source.js';
import { parseCarriedState } from '../compliance/carry-parse.js';
import type { Evidence } from '../compliance/types.js';
import { PACK_PATH, PAYLOAD_DIR } from '../format/pack.js';
import { ROLLUP_COMPLIANCE_STATE } from '../format/rollup.js';

/** A start state of the merged run: what the report records, the state, and its bytes. */
export interface MergedStart {
  readonly carried: CarriedIn;
  readonly state: CarriedState;
  readonly text: string;
  /** Hosts whose pack gave no start state (made before it existed, or unreadable), with why. */
  readonly missing: readonly { readonly host: string; readonly why: string }[];
}

type Keyed<T> = Map<string, T>;

/** Keeps, per key, the entry `better` prefers (the first one seen on a tie). */
function put<T>(m: Keyed<T>, key: string, v: T, better: (a: T, b: T) => boolean): void {
  const old = m.get(key);
  if (old === undefined || better(v, old)) m.set(key, v);
}

const later = <T extends { readonly t_us: number }>(a: T, b: T): boolean => a.t_us > b.t_us;
const never = (): boolean => false;
const byTime = <T>(m: Keyed<T>, t: (v: T) => number): T[] => [...m.values()].sort((a, b) => t(a) - t(b));

function mergeRates(all: readonly (readonly CarriedRate[])[]): CarriedRate[] {
  const m = new Map<string, { times: number[]; breaching: boolean }>();
  for (const list of all)
    for (const r of list) {
      const cur = m.get(r.name) ?? { times: [], breaching: false };
      cur.times.push(...r.times_us);
      cur.breaching ||= r.breaching;
      m.set(r.name, cur);
    }
  return [...m].map(([name, r]) => ({ name, times_us: r.times.sort((a, b) => a - b), breaching: r.breaching }));
}

/** The union of the hosts' states (already renamed), as one state at the end of `date`. */
export function unionStates(states: readonly CarriedState[], date: string): CarriedState {
  const kill: Keyed<CarriedState['kill_switch'][number]> = new Map();
  const sessions: Keyed<CarriedState['sessions'][number]> = new Map();
  const failed: Keyed<CarriedState['failed_logins'][number]> = new Map();
  const open: Keyed<CarriedOrder> = new Map();
  const closed: Keyed<CarriedOrder> = new Map();
  const risk: Keyed<CarriedState['risk_checks'][number]> = new Map();
  const overrides: Keyed<CarriedState['overrides'][number]> = new Map();
  const decisions: Keyed<CarriedState['decisions'][number]> = new Map();
  const recent: Keyed<CarriedState['recent_orders'][number]> = new Map();
  const clocks: Keyed<CarriedState['clocks'][number]> = new Map();
  const configs: Keyed<NonNullable<CarriedState['config_changes']>[number]> = new Map();
  let end = 0;
  for (const s of states) {
    end = Math.max(end, s.end_us);
    for (const k of s.kill_switch) put(kill, k.scope, k, never);
    for (const x of s.sessions) put(sessions, x.user, x, (a, b) => a.login_us > b.login_us);
    for (const f of s.failed_logins) {
      const o = failed.get(f.user);
      failed.set(
        f.user,
        o === undefined
          ? f
          : {
              user: f.user,
              last_us: Math.max(o.last_us, f.last_us),
              times_us: [...o.times_us, ...f.times_us].sort((a, b) => a - b),
              flagged_burst_us: Math.max(o.flagged_burst_us, f.flagged_burst_us),
            },
      );
    }
    // An order is one host's (its acceptance); another host's copy is a reused id: the more filled wins.
    for (const o of s.open_orders) put(open, o.order_id, o, (a, b) => a.filled > b.filled);
    for (const o of s.closed_orders) put(closed, o.order_id, o, (a, b) => a.filled > b.filled);
    for (const r of s.risk_checks) put(risk, r.key, r, later);
    for (const r of s.overrides) put(overrides, r.key, r, later);
    for (const d of s.decisions) put(decisions, d.signal_id, d, later);
    for (const r of s.recent_orders) put(recent, r.key, r, later);
    for (const c of s.clocks) put(clocks, c.process, c, (a, b) => a.last_us > b.last_us);
    // A change is one host's line (file and seq, the file already named after its host).
    for (const c of s.config_changes ?? []) put(configs, `${c.evidence.file}\u0000${c.evidence.seq}`, c, never);
  }
  return {
    ...emptyState(date),
    end_us: end,
    kill_switch: [...kill.values()],
    sessions: byTime(sessions, (x) => x.login_us),
    failed_logins: byTime(failed, (f) => f.last_us),
    open_orders: byTime(open, (o) => o.t_us),
    closed_orders: byTime(closed, (o) => o.t_us),
    risk_checks: byTime(risk, (r) => r.t_us),
    overrides: byTime(overrides, (r) => r.t_us),
    decisions: byTime(decisions, (r) => r.t_us),
    recent_orders: byTime(recent, (r) => r.t_us),
    strategy_rates: mergeRates(states.map((s) => s.strategy_rates)),
    venue_rates: mergeRates(states.map((s) => s.venue_rates)),
    clocks: byTime(clocks, (c) => c.last_us),
    ...(configs.size === 0 ? {} : { config_changes: byTime(configs, (c) => c.t_us) }),
  };
}

/** `s` with every evidence file named `<host>/<file>`. */
export function renameEvidence(s: CarriedState, host: string): CarriedState {
  const ev = <T extends { readonly evidence: Evidence }>(x: T): T => ({
    ...x,
    evidence: { ...x.evidence, file: `${host}/${x.evidence.file}` },
  });
  return {
    ...s,
    kill_switch: s.kill_switch.map(ev),
    open_orders: s.open_orders.map(ev),
    closed_orders: s.closed_orders.map(ev),
    risk_checks: s.risk_checks.map(ev),
    overrides: s.overrides.map(ev),
    decisions: s.decisions.map(ev),
    recent_orders: s.recent_orders.map(ev),
    ...(s.config_changes === undefined ? {} : { config_changes: s.config_changes.map(ev) }),
  };
}

/** A regular file's bytes (never through a link); undefined when missing, `'unreadable'` when not a file or over `max`. */
function readBounded(path: string, max: number): Buffer | 'unreadable' | undefined {
  const r = readSmallFile(path, max);
  return r === 'missing' ? undefined : r === 'unusable' ? 'unreadable' : r;
}

/**
 * A verified host pack's start state and its size, or why there is none. `room.left`: the bytes
 * the hosts' states may still take together (hostsStartState), out of `room.budget`.
 */
function hostStart(
  packDir: string,
  prev: string,
  room: { readonly left: number; readonly budget: number },
): { state: CarriedState; bytes: number } | string {
  const bytes = readBounded(join(packDir, PACK_PATH.complianceStateStart), MAX_STATE_BYTES);
  if (bytes === undefined)
    return `its pack holds no ${PACK_PATH.complianceStateStart} (made before the state was carried)`;
  if (bytes === 'unreadable') return `its ${PACK_PATH.complianceStateStart} cannot be read`;
  if (bytes.length > room.left)
    return `its ${PACK_PATH.complianceStateStart} (${bytes.length} bytes) and the hosts' taken before it are more than the ${room.budget} bytes the hosts' states may take together (a state's reader takes no more; the roll-up holds them all at once)`;
  const s = parseCarriedState(bytes, prev);
  return typeof s === 'string'
    ? `its ${PACK_PATH.complianceStateStart} cannot be used: ${s}`
    : { state: s, bytes: bytes.length };
}

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/**
 * The previous roll-up's merged end state (`<outDir>/<D-1>/data/compliance_state.json`), or why it
 * cannot be used: held to its manifest-sha256.txt, that manifest to its tag manifest (what the
 * signature covers), and, when this roll-up signs, the tag manifest to this roll-up's key, as a
 * pack's carry is (compliance/carry-source.ts).
 */
function previousRollupStart(
  outDir: string,
  date: string,
  previous: string | null,
  signedBy: KeyObject | undefined,
): MergedStart | string {
  const prev = dayBefore(date);
  if (previous !== prev)
    return previous === null
      ? `no roll-up of ${prev} in the roll-ups directory`
      : `no roll-up of ${prev} (the previous one is of ${previous})`;
  const rel = `${PAYLOAD_DIR}${ROLLUP_COMPLIANCE_STATE}`;
  const what = `the roll-up of ${prev}`;
  const manifest = readBounded(join(outDir, prev, PACK_PATH.manifest), MAX_MANIFEST_BYTES);
  const tags = readBounded(join(outDir, prev, PACK_PATH.tagmanifest), MAX_MANIFEST_BYTES);
  const sig = readBounded(join(outDir, prev, PACK_PATH.signature), MAX_MANIFEST_BYTES);
  const bufferOf = (b: Buffer | 'unreadable' | undefined): Buffer | undefined => (Buffer.isBuffer(b) ? b : undefined);
  const unsigned = signatureProblem(bufferOf(tags), bufferOf(sig), what, signedBy, 'roll-up');
  if (unsigned !== undefined) return unsigned;
  if (Buffer.isBuffer(manifest)) {
    const notVouched = manifestNotVouched(manifest, bufferOf(tags), what);
    if (notVouched !== undefined) return notVouched;
  }
  const listed = Buffer.isBuffer(manifest) ? listedSha256(manifest.toString('utf8'), rel) : undefined;
  if (listed === undefined) return `the roll-up of ${prev} lists no ${rel} (made before the merged state was carried)`;
  const bytes = readBounded(join(outDir, prev, rel), MAX_STATE_BYTES);
  if (!Buffer.isBuffer(bytes)) return `the roll-up of ${prev} lists a ${rel} it does not hold`;
  if (sha256(bytes) !== listed) return `the ${rel} of the roll-up of ${prev} does not match its manifest (edited)`;
  const state = parseCarriedState(bytes, prev);
  if (typeof state === 'string') return `the ${rel} of the roll-up of ${prev} cannot be used: ${state}`;
  const text = bytes.toString('utf8');
  const note = `the merged state at the end of ${prev} from the roll-up of ${prev} (${rel}, as its manifest-sha256.txt lists it and its ${PACK_PATH.tagmanifest} vouches)`;
  return {
    carried: { source: 'rollup', date: prev, state_sha256: sha256(text), log_sha256: null, note },
    state,
    text,
    missing: [],
  };
}

/**
 * The merged run's start state for `date`: the previous day's roll-up's merged end state when it
 * is in `outDir` and holds one (exact across hosts), else the union of the verified hosts' start states.
 */
export function mergedStartState(
  outDir: string,
  previous: string | null,
  hosts: readonly { readonly host: string; readonly packDir: string }[],
  date: string,
  signedBy?: KeyObject,
): MergedStart {
  const fromRollup = previousRollupStart(outDir, date, previous, signedBy);
  if (typeof fromRollup !== 'string') return fromRollup;
  const h = hostsStartState(hosts, date);
  return { ...h, carried: { ...h.carried, note: `${h.carried.note} (not used: ${fromRollup})` } };
}

/**
 * The merged run's start state for `date`: the union of the verified hosts' start states, as many
 * as fit in `budget` bytes together (default MAX_STATE_BYTES); the others are `missing`, with why.
 */
export function hostsStartState(
  hosts: readonly { readonly host: string; readonly packDir: string }[],
  date: string,
  budget = MAX_STATE_BYTES,
): MergedStart {
  const prev = dayBefore(date);
  const states: CarriedState[] = [];
  const missing: { host: string; why: string }[] = [];
  // The hosts' states share one bound, the one a state's readers hold to (their union is one
  // state): a bound per host would let the roll-up hold hosts × 256 MB.
  let left = budget;
  for (const h of hosts) {
    const s = hostStart(h.packDir, prev, { left, budget });
    if (typeof s === 'string') missing.push({ host: h.host, why: s });
    else {
      left -= s.bytes;
      states.push(renameEvidence(s.state, h.host));
    }
  }
  const state = unionStates(states, prev);
  const text = carriedStateJson(state);
  const used = hosts.filter((h) => !missing.some((m) => m.host === h.host)).map((h) => h.host);
  const note =
    `the state at the end of ${prev}: the union of the start states of ${used.length} host pack(s)` +
    (used.length > 0 ? ` (${used.join(', ')})` : '') +
    (missing.length > 0 ? `; nothing carried from ${missing.map((m) => `${m.host} (${m.why})`).join(', ')}` : '');
  return {
    carried: {
      source: 'hosts',
      date: prev,
      state_sha256: sha256(text),
      log_sha256: null,
      note,
    },
    state,
    text,
    missing,
  };
}
