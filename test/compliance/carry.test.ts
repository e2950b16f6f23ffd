/**
 * The state carried across midnight: running D-1 then D in one engine finds on D exactly what a run
 * of D seeded with D-1's end state finds, and both end D in the same state (also after the state
 * went through its file form). Events are built in memory with the envelope the reader checks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { carriedStateChunks, carriedStateJson, type CarriedState } from '../../src/compliance/carry.js';
import { parseCarriedState } from '../../src/compliance/carry-parse.js';
import { readStateFile } from '../../src/compliance/carry-file.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { ComplianceEngine, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import type { Finding } from '../../src/compliance/types.js';

const D1 = '2026-11-29';
const D = '2026-11-30';
const MIDNIGHT_US = Date.parse(`${D}T00:00:00Z`) * 1000;

const POLICY = `max_messages_per_second: 3
duplicate_window_ms: 5000
failed_login_burst: { count: 2, window_s: 600 }
risk_check_validity_s: 600
closed_order_memory_s: 3600
require_review: false
`;
const timeline = (): PolicyTimeline =>
  new PolicyTimeline([policyFromText(POLICY, { from: null, source: 'file', snapshot_id: null, path: 'p.yaml' })]);

/** One event: µs from midnight of D (negative: on D-1), category, event, fields. */
type E = [dt: number, category: string, event: string, fields: Record<string, unknown>];

function iso(tUs: number): string {
  const ms = Math.floor(tUs / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(tUs % 1_000_000).padStart(6, '0')}Z`;
}

/** Feeds events in order; `seq` counts on across calls so that evidence is unique. */
function feed(engine: ComplianceEngine, events: readonly E[], seq0: number): void {
  let seq = seq0;
  for (const [dt, category, event, fields] of events) {
    const tUs = MIDNIGHT_US + dt;
    const day = iso(tUs).slice(0, 10);
    const e = { ts: tUs / 1e6, iso_ts: iso(tUs), seq, host: 'h', pid: 1, category, event, ...fields };
    engine.pushLine(e, `audit-${day.replaceAll('-', '')}.jsonl`, seq, (seq % 997).toString(16).padStart(64, '0'));
    seq++;
  }
}

const stateDir = tempDir();
let files = 0;

const withoutId = ({ id: _id, ...f }: Finding): Omit<Finding, 'id'> => f;

/**
 * One engine over both days: the findings made on D (all of them less those of D-1 alone: a config
 * change carried over midnight is judged on D, dated D-1) and the state at the end of D.
 */
function runBoth(before: readonly E[], after: readonly E[]): { findings: Finding[]; state: CarriedState } {
  const alone = new ComplianceEngine(timeline());
  feed(alone, before, 1);
  alone.endDay(D1);
  const ofD1 = alone.finish().findings.map((f) => JSON.stringify(withoutId(f)));
  const engine = new ComplianceEngine(timeline());
  feed(engine, before, 1);
  engine.endDay(D1);
  feed(engine, after, 1 + before.length);
  engine.endDay(D);
  const state = engine.carryOut(D);
  const findings = engine.finish().findings.filter((f) => {
    const i = ofD1.indexOf(JSON.stringify(withoutId(f)));
    if (i >= 0) ofD1.splice(i, 1);
    return i < 0;
  });
  return { findings, state };
}

/**
 * D-1 alone, its state through the file form, then D seeded with it: the engine at the end of D. The
 * file is read as export and verify read it (carry-file.ts), in pieces of 7 bytes, holding one order
 * of each list (the rest read again from the file when seeded), and must give what parseCarriedState
 * gives from the whole text.
 */
function seededEngine(before: readonly E[], after: readonly E[]): ComplianceEngine {
  const first = new ComplianceEngine(timeline());
  feed(first, before, 1);
  first.endDay(D1);
  const text = carriedStateJson(first.carryOut(D1));
  const parsed = parseCarriedState(text, D1);
  if (typeof parsed === 'string') throw new Error(parsed);
  const path = join(stateDir, `s${files++}.json`);
  writeFileSync(path, text);
  const read = readStateFile(path, D1, { keepFirst: 1, pieceBytes: 7 });
  if (typeof read === 'string' || 'problem' in read) throw new Error(`not read: ${JSON.stringify(read)}`);
  expect([...read.state.open_orders]).toEqual(parsed.open_orders);
  expect([...read.state.closed_orders]).toEqual(parsed.closed_orders);
  const engine = new ComplianceEngine(timeline(), read.state);
  feed(engine, after, 1 + before.length);
  engine.endDay(D);
  return engine;
}

/** D-1 alone, its state through the file form, then D seeded with it. */
function runSeeded(before: readonly E[], after: readonly E[]): { findings: Finding[]; state: CarriedState } {
  const engine = seededEngine(before, after);
  return { findings: [...engine.finish().findings], state: engine.carryOut(D) };
}

const rules = (f: readonly Finding[]): string[] => f.map((x) => x.rule);

describe('compliance state across midnight', () => {
  it('a kill switch turned on before midnight stops the orders after it', () => {
    const before: E[] = [[-3600e6, 'risk', 'KillSwitchOn', { user: 'x' }]];
    const after: E[] = [
      [3600e6, 'auth', 'Login', { user: 'alice' }],
      [3601e6, 'risk', 'RiskCheck', { order_id: 'O1', result: 'pass', score: 0.1 }],
      [3602e6, 'order', 'OrderAccepted', { order_id: 'O1', symbol: 'EURUSD', quantity: 1, price: 1, user: 'alice' }],
    ];
    const fresh = new ComplianceEngine(timeline());
    feed(fresh, after, 2);
    fresh.endDay(D);
    expect(rules(fresh.finish().findings)).not.toContain('kill_switch_violation');
    const seeded = runSeeded(before, after);
    expect(rules(seeded.findings)).toContain('kill_switch_violation');
    expect(seeded.findings).toEqual(runBoth(before, after).findings);
  });

  it('a session, an open GTC order and its fills carry; an overfill across midnight is found', () => {
    const before: E[] = [
      [-7200e6, 'auth', 'Login', { user: 'alice' }],
      [-7199e6, 'risk', 'RiskCheck', { order_id: 'G', result: 'pass', score: 0.1 }],
      [
        -7198e6,
        'order',
        'OrderAccepted',
        { order_id: 'G', symbol: 'EURUSD', quantity: 10, price: 1, user: 'alice', time_in_force: 'GTC' },
      ],
      [-1, 'fill', 'PartiallyFilled', { order_id: 'G', symbol: 'EURUSD', quantity: 6, price: 1 }],
    ];
    const after: E[] = [
      [0, 'fill', 'PartiallyFilled', { order_id: 'G', symbol: 'EURUSD', quantity: 6, price: 1 }],
      [10e6, 'risk', 'RiskCheck', { order_id: 'O2', result: 'pass', score: 0.1 }],
      [11e6, 'order', 'OrderAccepted', { order_id: 'O2', symbol: 'EURUSD', quantity: 1, price: 1, user: 'alice' }],
    ];
    const seeded = runSeeded(before, after);
    expect(rules(seeded.findings)).toEqual(['overfill', 'order_open_at_end_of_day']);
    expect(seeded).toEqual(runBoth(before, after));
  });

  it('every day order open at the end of the day expires, in the order opened, whatever is open between them', () => {
    // Day and GTC orders interleaved, and a day order kept open from D-1 (it expired then): each day
    // order of D is closed as expired with its finding; the GTC orders alone stay open.
    const tifs = ['DAY', 'GTC', 'DAY', 'DAY', 'GTC', 'DAY', 'GTC', 'GTC', 'DAY'];
    const after: E[] = tifs.flatMap((tif, i): E[] => [
      [i * 1e6, 'risk', 'RiskCheck', { order_id: `O${i}`, result: 'pass', score: 0.1 }],
      [
        i * 1e6 + 1,
        'order',
        'OrderAccepted',
        { order_id: `O${i}`, symbol: 'EURUSD', quantity: 1, price: 1, time_in_force: tif },
      ],
    ]);
    const before: E[] = [
      [-9e6, 'risk', 'RiskCheck', { order_id: 'Y', result: 'pass', score: 0.1 }],
      [-9e6 + 1, 'order', 'OrderAccepted', { order_id: 'Y', symbol: 'EURUSD', quantity: 1, price: 1 }],
    ];
    const { findings, state } = runBoth(before, after);
    const day = tifs.flatMap((t, i) => (t === 'DAY' ? [`O${i}`] : []));
    expect(findings.filter((f) => f.rule === 'order_open_at_end_of_day').map((f) => f.order_ids)).toEqual(
      day.map((id) => [id]),
    );
    expect(state.open_orders.slice().map((o) => o.order_id)).toEqual(['O1', 'O4', 'O6', 'O7']);
    const closed = state.closed_orders.slice().filter((o) => o.status === 'expired');
    expect(closed.map((o) => o.order_id)).toEqual(['Y', ...day]); // Y expired at the end of D-1
    expect(runSeeded(before, after).findings).toEqual(findings);
  });

  it('a kill switch turned off at 00:00:00 exactly lets the order of the same microsecond through', () => {
    const before: E[] = [[-1, 'risk', 'KillSwitchOn', { user: 'x' }]];
    const after: E[] = [
      [0, 'risk', 'KillSwitchOff', { user: 'x' }],
      [0, 'risk', 'RiskCheck', { order_id: 'O1', result: 'pass', score: 0.1 }],
      [0, 'order', 'OrderAccepted', { order_id: 'O1', symbol: 'EURUSD', quantity: 1, price: 1 }],
    ];
    const seeded = runSeeded(before, after);
    expect(rules(seeded.findings)).toEqual(['order_open_at_end_of_day']);
    expect(seeded).toEqual(runBoth(before, after));
  });

  it('the state file is canonical: sorted keys, one line, the same bytes after a round trip', () => {
    const engine = new ComplianceEngine(timeline());
    feed(engine, [[-5e6, 'risk', 'KillSwitchOn', { scope: 'venue:X', user: 'x' }]], 1);
    engine.endDay(D1);
    const text = carriedStateJson(engine.carryOut(D1));
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
    expect(text.indexOf('"clocks"')).toBeLessThan(text.indexOf('"date"'));
    const back = parseCarriedState(text);
    expect(typeof back).toBe('object');
    expect(carriedStateJson(back as CarriedState)).toBe(text);
  });

  it('the state in pieces is the canonical text: non-ASCII and lone surrogates, every piece size', () => {
    const engine = new ComplianceEngine(timeline());
    const events: E[] = [
      [-9e6, 'auth', 'Login', { user: 'ali\u00e9' }],
      [-8e6, 'risk', 'KillSwitchOn', { scope: 'venue:\ud83d\ude00', user: 'x' }],
      [-7e6, 'risk', 'RiskCheck', { order_id: 'O-\ud800', result: 'pass', score: 0.1 }],
      [
        -6e6,
        'order',
        'OrderAccepted',
        { order_id: 'O-\ud800', symbol: '\u20acUSD', quantity: 2, price: 1, user: 'ali\u00e9', time_in_force: 'GTC' },
      ],
      [-5e6, 'risk', 'RiskCheck', { order_id: 'O-2', result: 'pass', score: 0.1 }],
      [-4e6, 'order', 'OrderAccepted', { order_id: 'O-2', symbol: 'EURUSD', quantity: 1, price: 1, user: 'ali\u00e9' }],
      [-3e6, 'fill', 'PartiallyFilled', { order_id: 'O-2', symbol: 'EURUSD', quantity: 1, price: 1 }],
    ];
    feed(engine, events, 1);
    engine.endDay(D1);
    const state = engine.carryOut(D1);
    const text = carriedStateJson(state);
    expect(state.open_orders.length).toBeGreaterThan(0);
    expect(text).toContain('\\ud800'); // a lone surrogate, escaped by JSON.stringify
    for (const piece of [1, 2, 3, 50, 1e6]) {
      const pieces = [...carriedStateChunks(state, piece)];
      expect(pieces.join('')).toBe(text);
      expect([...engine.carryOutChunks(D1, undefined, piece)]).toEqual(pieces);
      const renamed = (f: string): string => `day-${f}`;
      expect([...engine.carryOutChunks(D1, renamed, piece)].join('')).toBe(
        carriedStateJson(engine.carryOut(D1, renamed)),
      );
      expect(Buffer.concat(pieces.map((p) => Buffer.from(p, 'utf8')))).toEqual(Buffer.from(text, 'utf8'));
    }
  });

  it("the state's orders, risk checks, recent orders and their evidence are made in the file's key order", () => {
    // The state file's writer sorts every object's keys (sortKeys): one made in that order is written
    // as it is, not copied, which on a busy day is every closed order, risk check and recent order.
    const engine = new ComplianceEngine(timeline());
    const events: E[] = [
      [-7e6, 'risk', 'RiskCheck', { order_id: 'O-1', result: 'pass', score: 0.1 }],
      [
        -6e6,
        'order',
        'OrderAccepted',
        { order_id: 'O-1', symbol: 'EURUSD', quantity: 2, price: 1, user: 'u', time_in_force: 'GTC' },
      ],
      [-5e6, 'risk', 'RiskCheck', { order_id: 'O-2', result: 'pass', score: 0.1 }],
      [-4e6, 'order', 'OrderAccepted', { order_id: 'O-2', symbol: 'EURUSD', quantity: 1, price: 1, user: 'u' }],
      [-3e6, 'order', 'Filled', { order_id: 'O-2', symbol: 'EURUSD', quantity: 1, price: 1 }],
    ];
    feed(engine, events, 1);
    engine.endDay(D1);
    for (const rename of [undefined, (f: string): string => `day-${f}`]) {
      const state = engine.carryOut(D1, rename);
      const items = [...state.open_orders, ...state.closed_orders, ...state.risk_checks, ...state.recent_orders];
      expect(state.open_orders.length * state.closed_orders.length * state.risk_checks.length).toBeGreaterThan(0);
      expect(state.recent_orders.length).toBeGreaterThan(0);
      for (const item of items)
        for (const o of [item, item.evidence]) expect(Object.keys(o)).toEqual(Object.keys(o).sort());
    }
  });

  it('a state listing an order id both open and closed (not written by the engine) keeps both until the order closes', () => {
    const engine = new ComplianceEngine(timeline());
    feed(
      engine,
      [
        [-9e6, 'risk', 'RiskCheck', { order_id: 'G', result: 'pass', score: 0.1 }],
        [
          -8e6,
          'order',
          'OrderAccepted',
          { order_id: 'G', symbol: 'EURUSD', quantity: 10, price: 1, time_in_force: 'GTC' },
        ],
      ],
      1,
    );
    engine.endDay(D1);
    const state = engine.carryOut(D1);
    const open = state.open_orders[0] as CarriedState['open_orders'][number];
    const ghost = { ...open, status: 'cancelled' as const, t_us: open.t_us - 1 };
    const forged: CarriedState = { ...state, closed_orders: [ghost, ghost] };
    // The open order is the one found; the closed entry is carried as it was (listed once, as a
    // map keyed by id held it), and forgotten when the order closes.
    const seeded = new ComplianceEngine(timeline(), forged);
    seeded.endDay(D);
    const kept = seeded.carryOut(D);
    expect(kept.open_orders).toEqual([open]);
    expect(kept.closed_orders).toEqual([ghost]);
    const closing = new ComplianceEngine(timeline(), forged);
    feed(closing, [[5e6, 'fill', 'PartiallyFilled', { order_id: 'G', symbol: 'EURUSD', quantity: 10, price: 1 }]], 10);
    closing.endDay(D);
    const after = closing.carryOut(D);
    expect(after.open_orders).toEqual([]);
    expect(after.closed_orders.map((o) => [o.order_id, o.status, o.filled])).toEqual([['G', 'filled', 10]]);
    expect(closing.finish().findings).toEqual([]);
  });

  it('refuses a state out of shape, of another day or of another format, with a reason', () => {
    const engine = new ComplianceEngine(timeline());
    feed(engine, [[-5e6, 'auth', 'Login', { user: 'alice' }]], 1);
    engine.endDay(D1);
    const good = JSON.parse(carriedStateJson(engine.carryOut(D1))) as Record<string, unknown>;
    expect(parseCarriedState(JSON.stringify(good), D)).toMatch(/end of 2026-11-29, not of 2026-11-30/);
    expect(parseCarriedState(JSON.stringify({ ...good, format: 'x' }))).toMatch(/format/);
    expect(parseCarriedState(JSON.stringify({ ...good, sessions: [{ user: 1, login_us: 2 }] }))).toMatch(
      /sessions\[0\]\.user/,
    );
    expect(parseCarriedState(JSON.stringify({ ...good, open_orders: {} }))).toMatch(/open_orders is not a list/);
    expect(parseCarriedState('{"format":')).toMatch(/not JSON/);
    expect(parseCarriedState('[]')).toMatch(/not an object/);
  });

  it('property: D-1 then D in one engine finds on D what D seeded with D-1 finds', () => {
    const ids = ['A', 'B', 'C'];
    const users = ['alice', 'bob'];
    const event = fc.oneof(
      fc
        .record({ u: fc.constantFrom(...users), ev: fc.constantFrom('Login', 'Logout', 'LoginFailed') })
        .map((x): [string, string, Record<string, unknown>] => ['auth', x.ev, { user: x.u }]),
      fc
        .record({ id: fc.constantFrom(...ids), pass: fc.boolean() })
        .map((x): [string, string, Record<string, unknown>] => [
          'risk',
          'RiskCheck',
          { order_id: x.id, result: x.pass ? 'pass' : 'reject', score: 0.1 },
        ]),
      // Config changes near midnight wait for a snapshot across it (rules 29).
      fc
        .record({ snap: fc.boolean(), reason: fc.boolean() })
        .map((x): [string, string, Record<string, unknown>] =>
          x.snap
            ? ['config', 'ConfigSnapshot', { snapshot_id: 's1', record_sha256: 'ab'.repeat(32) }]
            : ['config', 'ConfigChanged', x.reason ? { config_type: 'risk', reason: 'r' } : { config_type: 'risk' }],
        ),
      fc
        .record({ on: fc.boolean(), scope: fc.constantFrom('all', 'venue:V', 'Global') })
        .map((x): [string, string, Record<string, unknown>] => [
          'risk',
          x.on ? 'KillSwitchOn' : 'KillSwitchOff',
          { scope: x.scope },
        ]),
      fc
        .record({
          id: fc.constantFrom(...ids),
          u: fc.constantFrom(...users),
          tif: fc.constantFrom('DAY', 'GTC'),
          q: fc.integer({ min: 1, max: 5 }),
        })
        .map((x): [string, string, Record<string, unknown>] => [
          'order',
          'OrderAccepted',
          {
            order_id: x.id,
            symbol: 'EURUSD',
            quantity: x.q,
            price: 1,
            user: x.u,
            time_in_force: x.tif,
            strategy: 's',
            venue: 'V',
          },
        ]),
      fc
        .record({
          id: fc.constantFrom(...ids),
          ev: fc.constantFrom('OrderModified', 'Cancelled', 'Rejected', 'Expired'),
        })
        .map((x): [string, string, Record<string, unknown>] => ['order', x.ev, { order_id: x.id, quantity: 3 }]),
      fc
        .record({ id: fc.constantFrom(...ids, 'Z'), q: fc.integer({ min: 1, max: 4 }) })
        .map((x): [string, string, Record<string, unknown>] => [
          'fill',
          'PartiallyFilled',
          { order_id: x.id, symbol: 'EURUSD', quantity: x.q, price: 1 },
        ]),
    );
    // Times cluster around midnight (within an hour, often within a second) so windows straddle it.
    const step = fc.oneof(fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: 0, max: 900e6 }));
    const day = fc.array(fc.tuple(step, event), { maxLength: 25 });
    fc.assert(
      fc.property(day, day, (a, b) => {
        const before: E[] = [];
        let t = MIDNIGHT_US - 1;
        for (const [dt, [c, ev, f]] of [...a].reverse()) {
          before.unshift([t - MIDNIGHT_US, c, ev, f]);
          t = Math.max(t - dt, Date.parse(`${D1}T00:00:00Z`) * 1000);
        }
        const after: E[] = [];
        t = 0;
        for (const [dt, [c, ev, f]] of b) {
          after.push([t, c, ev, f]);
          t = Math.min(t + dt, 86_399_999_999);
        }
        // A finding id is unique within its report: the run over both days numbers a second
        // finding on a carried line `:2`, the day's own report does not. All else is equal.
        const engine = seededEngine(before, after);
        const seeded = { findings: [...engine.finish().findings], state: engine.carryOut(D) };
        const both = runBoth(before, after);
        expect(new Set(seeded.findings.map((f) => f.id)).size).toBe(seeded.findings.length);
        expect(seeded.state).toEqual(both.state);
        // The state written in pieces (export, verify) is the canonical text, cut anywhere between items.
        // So is the engine's state given in pieces item by item (carryOutChunks), without the plain copy.
        for (const piece of [1, 7, 64 * 1024]) {
          expect([...carriedStateChunks(seeded.state, piece)].join('')).toBe(carriedStateJson(seeded.state));
          expect([...engine.carryOutChunks(D, undefined, piece)].join('')).toBe(carriedStateJson(seeded.state));
        }
        expect(seeded.findings.map(withoutId)).toEqual(both.findings.map(withoutId));
      }),
      { numRuns: 300 },
    );
  });
});
