/**
 * A carried state read from its file in pieces (carry-file.ts): the same state as parseCarriedState
 * reads from the whole bytes (its order lists read again from the file, their first orders held),
 * an engine seeded from either ends in the same state, the bytes handed on are the file's, and a
 * file changed after it was checked fails every later reading (READ_FAILED) instead of seeding
 * from bytes nobody checked.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { carriedStateJson, type CarriedState } from '../../src/compliance/carry.js';
import {
  FIRST_ORDERS_KEPT,
  FileOrders,
  type ReadOptions,
  readStateFile,
  type StateFile,
  YIELD_BYTES,
} from '../../src/compliance/carry-file.js';
import { parseCarriedState } from '../../src/compliance/carry-parse.js';
import { MAX_CARRIED_ROWS } from '../../src/compliance/html-carry.js';
import { ComplianceEngine, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import { isAuditpackError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';

const D1 = '2026-11-29';
const START_US = Date.parse(`${D1}T00:00:00Z`) * 1000;
const timeline = () =>
  new PolicyTimeline([
    policyFromText(
      'require_risk_check: false\nrequire_login: false\nduplicate_window_ms: 0\nclosed_order_memory_s: 86400\n',
      {
        from: null,
        source: 'file',
        snapshot_id: null,
        path: 'p.yaml',
      },
    ),
  ]);

/** An engine's end of D1 after `open` GTC orders stay open and `closed` are filled, order `i` named `idOf(i)`. */
function endState(open: number, closed: number, idOf = (i: number) => `G-${i}-${'x'.repeat(i % 7)}`): CarriedState {
  const engine = new ComplianceEngine(timeline());
  let seq = 1;
  const push = (fields: Record<string, unknown>) => {
    const tUs = START_US + seq * 1000;
    const iso = `${new Date(tUs / 1000).toISOString().slice(0, 19)}.${String(tUs % 1e6).padStart(6, '0')}Z`;
    const e = { ts: tUs / 1e6, iso_ts: iso, seq, host: 'h', pid: 1, ...fields };
    engine.pushLine(e, 'audit-20261129.jsonl', seq, (seq * 7919).toString(16).padStart(64, '0'));
    seq++;
  };
  for (let i = 0; i < open + closed; i++)
    push({
      category: 'order',
      event: 'OrderAccepted',
      order_id: idOf(i),
      symbol: i % 3 ? 'EURUSD' : 'caf\u00e9 \u2603',
      side: 'BUY',
      quantity: 1 + (i % 5),
      price: 1.1,
      time_in_force: 'GTC',
    });
  for (let i = open; i < open + closed; i++)
    push({
      category: 'fill',
      event: 'Filled',
      order_id: idOf(i),
      quantity: 1 + (i % 5),
      price: 1.1,
    });
  engine.endDay(D1);
  return engine.carryOut(D1);
}

function written(state: CarriedState): { path: string; bytes: Buffer } {
  const path = join(tempDir(), 'compliance_state.json');
  const bytes = Buffer.from(carriedStateJson(state), 'utf8');
  writeFileSync(path, bytes);
  return { path, bytes };
}

function read(path: string, options?: ReadOptions): StateFile {
  const f = readStateFile(path, D1, options);
  if (typeof f === 'string' || 'problem' in f) throw new Error(`not read: ${JSON.stringify(f)}`);
  return f;
}

const failsRead = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(isAuditpackError(err) && err.code).toBe('READ_FAILED');
    return;
  }
  expect.unreachable('read on from changed bytes');
};

describe('a state file read in pieces', () => {
  const state = endState(700, 300);
  const { path, bytes } = written(state);
  const parsed = parseCarriedState(bytes, D1) as CarriedState;

  it('is the state parseCarriedState reads, its order lists read again from the file', () => {
    expect(typeof parsed).toBe('object');
    const f = read(path);
    expect(f.size).toBe(bytes.length);
    expect(f.state.open_orders).toBeInstanceOf(FileOrders);
    expect(f.state.closed_orders).toBeInstanceOf(FileOrders);
    expect(f.state.open_orders.length).toBe(700);
    expect(f.state.closed_orders.length).toBe(300);
    expect([...f.state.open_orders]).toEqual(parsed.open_orders);
    expect([...f.state.closed_orders]).toEqual(parsed.closed_orders);
    // Read twice: the same.
    expect([...f.state.open_orders]).toEqual(parsed.open_orders);
    const { open_orders: _o, closed_orders: _c, ...rest } = f.state;
    const { open_orders: _po, closed_orders: _pc, ...parsedRest } = parsed;
    expect(rest).toEqual(parsedRest);
    expect(f.state.open_orders.slice(0, FIRST_ORDERS_KEPT)).toEqual(parsed.open_orders.slice(0, FIRST_ORDERS_KEPT));
    expect(() => f.state.open_orders.slice(0, FIRST_ORDERS_KEPT + 1)).toThrow(RangeError);
    expect(Buffer.concat([...f.pieces()])).toEqual(bytes);
  });

  it('seeds an engine that ends the day as one seeded from the parsed state', () => {
    const a = new ComplianceEngine(timeline(), read(path).state);
    const b = new ComplianceEngine(timeline(), parsed);
    expect(carriedStateJson(a.carryOut(D1))).toBe(carriedStateJson(b.carryOut(D1)));
    expect(carriedStateJson(a.carryOut(D1))).toBe(bytes.toString('utf8'));
  });

  it('holds at least the orders report.html shows of each list', () => {
    // The page takes its rows with slice(0, MAX_CARRIED_ROWS): past the orders held it would throw.
    expect(FIRST_ORDERS_KEPT).toBeGreaterThanOrEqual(MAX_CARRIED_ROWS);
  });

  it('keeps a short list whole, never read again', () => {
    const small = written(endState(5, 2));
    const f = read(small.path);
    expect(Array.isArray(f.state.open_orders)).toBe(true);
    expect(f.state.open_orders.length).toBe(5);
  });

  it('fails every later reading once a byte changed, the size kept', () => {
    const copy = written(state);
    const f = read(copy.path);
    const i = copy.bytes.indexOf('G-650-');
    const edited = Buffer.from(copy.bytes);
    edited[i + 2] = 0x37; // G-750-: another order id, still an order
    writeFileSync(copy.path, edited);
    failsRead(() => [...f.state.open_orders]);
    failsRead(() => [...f.pieces()]);
    // A byte out of the lists read: the orders' range is the same, the file is not.
    const j = copy.bytes.indexOf('"end_us":') + 9;
    const other = Buffer.from(copy.bytes);
    other[j] = other[j] === 0x31 ? 0x32 : 0x31;
    writeFileSync(copy.path, other);
    failsRead(() => [...f.state.closed_orders]);
    // Shorter or longer: refused at the open.
    writeFileSync(copy.path, copy.bytes.subarray(1));
    failsRead(() => [...f.pieces()]);
  });

  it('names an order out of shape past the ones held, and refuses what is no regular file', () => {
    const text = bytes.toString('utf8');
    const at = text.indexOf('"order_id":"G-450-');
    const bad = join(tempDir(), 's.json');
    writeFileSync(bad, `${text.slice(0, at)}"order_id":450${text.slice(text.indexOf(',', at))}`);
    const f = readStateFile(bad, D1);
    expect(f).toMatchObject({ problem: expect.stringMatching(/^open_orders\[\d+\]\.order_id is not a string$/) });
    expect(readStateFile(bad, '2026-11-28')).toMatchObject({ problem: expect.stringMatching(/not a string|not of/) });
    const link = join(tempDir(), 'link.json');
    symlinkSync(path, link);
    expect(readStateFile(link, D1)).toBe('missing');
    expect(readStateFile(join(tempDir(), 'none.json'), D1)).toBe('missing');
    expect(readStateFile(tempDir(), D1)).toBe('unusable');
    const fifo = join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(readStateFile(fifo, D1)).toBe('unusable');
    expect(readFileSync(path)).toEqual(bytes);
  });

  it('hashes the whole file when it is not JSON, so a vouched state is never called edited', () => {
    // Cut in its second piece: the scan stops there, the hash must not (a prefix's hash named a
    // state its manifest lists "edited", and made verify's carried_in the hash of no file).
    const at = bytes.length - 10;
    const broken = Buffer.concat([bytes.subarray(0, at), Buffer.from('}'), bytes.subarray(at + 1)]);
    const bad = join(tempDir(), 'broken.json');
    writeFileSync(bad, Buffer.concat([broken, Buffer.alloc(3 * 1024 * 1024, 0x20)]));
    const f = readStateFile(bad, D1);
    expect(f).toMatchObject({ problem: expect.stringMatching(/^not JSON/) });
    const whole = createHash('sha256').update(readFileSync(bad)).digest('hex');
    expect((f as { sha256: string }).sha256).toBe(whole);
  });

  it('reads a state of hostile shape in bounded memory: deep nesting refused, unknown names dropped', () => {
    const text = bytes.toString('utf8').trimEnd().slice(0, -1);
    const deep = join(tempDir(), 'deep.json');
    // 2 MB: JSON.parse makes a million nested arrays of it (125 MB; 200 MB of `[` took 8 GB and aborted).
    writeFileSync(deep, `${text},"x":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}\n`);
    const names = join(tempDir(), 'names.json');
    // Names the state has not, each once and one twice: JSON.parse reads them (the last), as before
    // the state was read in pieces; none is held (millions of them held gigabytes).
    const many = Array.from({ length: 400_000 }, (_, i) => `"unknown-member-${i}":[${i}]`).join(',');
    writeFileSync(names, `${text},${many},"unknown-member-7":0}\n`);
    const script = `
      import { readStateFile } from ${JSON.stringify(new URL('../../dist/compliance/carry-file.js', import.meta.url).href)};
      for (const p of ${JSON.stringify([deep, names])}) {
        const f = readStateFile(p, ${JSON.stringify(D1)});
        console.log(typeof f === 'string' ? f : 'problem' in f ? f.problem : 'orders ' + [...f.state.open_orders].length);
      }`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=40', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'not JSON (a value nested more than 64 deep at byte ' + (Buffer.byteLength(text) + 5 + 65) + ')', // the member's list and 64 levels in it
      'orders 700',
      '',
    ]);
  });

  it('never parses a file whose SHA-256 is not the one listed, and parses one that has it', () => {
    const bad = join(tempDir(), 'edited.json');
    writeFileSync(bad, `${bytes.toString('utf8').trimEnd().slice(0, -1)},"x":${'['.repeat(100)}}\n`);
    const sha = createHash('sha256').update(readFileSync(bad)).digest('hex');
    // Parsed, it is not JSON; unlisted, it is only hashed (an edited state is an attacker's bytes).
    expect(readStateFile(bad, D1)).toMatchObject({ problem: expect.stringMatching(/^not JSON/), sha256: sha });
    const listed = createHash('sha256').update(bytes).digest('hex');
    expect(readStateFile(bad, D1, { listed })).toEqual({
      problem: `its SHA-256 is not the ${listed} listed (not parsed)`,
      sha256: sha,
    });
    expect(readStateFile(bad, D1, { listed: sha })).toMatchObject({
      problem: expect.stringMatching(/^not JSON/),
      sha256: sha,
    });
    const f = readStateFile(path, D1, { listed });
    expect(f).toMatchObject({ sha256: listed, size: bytes.length });
    expect([...(f as StateFile).state.open_orders]).toEqual(parsed.open_orders);
  });
});

describe('an order list read again in steps of YIELD_BYTES, in pieces of any size', () => {
  // Ids that put JSON escapes (\", \\, \n, a lone surrogate's \ud800) and 2-, 3- and 4-byte UTF-8 at
  // every offset of a step and of a piece, in a state of more than one 1 MiB piece.
  const idOf = (i: number) => `H${i}-${'\\"é€𝄞\ud800\n'.slice(0, i % 9)}${'y'.repeat(i % 41)}`;
  const state = endState(3600, 900, idOf);
  const { path, bytes } = written(state);
  const parsed = parseCarriedState(bytes, D1) as CarriedState;
  // keepFirst 0: every list is read again, however short.
  const readAll = (p: string, pieceBytes: number) => read(p, { pieceBytes, keepFirst: 0 });
  const range = (f: StateFile) => (f.state.open_orders as unknown as { range: { start: number; end: number } }).range;

  it('gives every order as parseCarriedState does, wherever a piece or a step cuts one', () => {
    expect(bytes.length).toBeGreaterThan(1024 * 1024);
    const { start, end } = range(readAll(path, 1024 * 1024));
    expect(start).toBeLessThan(end - 2 * YIELD_BYTES);
    const sizes = [
      YIELD_BYTES - 1,
      YIELD_BYTES,
      YIELD_BYTES + 1,
      2 * YIELD_BYTES + 3,
      100_003,
      start + 1, // the list's first byte ends the first piece
      start + YIELD_BYTES,
      end - YIELD_BYTES, // the list ends on a step boundary of its last piece
      end - 2 * YIELD_BYTES,
      end - 1,
      end, // … and on a piece boundary
      end + 1,
      1024 * 1024,
    ];
    for (const pieceBytes of sizes) {
      const f = readAll(path, pieceBytes);
      expect(f.state.open_orders).toBeInstanceOf(FileOrders);
      expect([...f.state.open_orders], `pieces of ${pieceBytes}`).toEqual(parsed.open_orders);
      expect([...f.state.closed_orders], `pieces of ${pieceBytes}`).toEqual(parsed.closed_orders);
    }
  });

  it('a list of one order and an empty one', () => {
    const one = written(endState(1, 0, idOf));
    const f = readAll(one.path, 7);
    const p = parseCarriedState(one.bytes, D1) as CarriedState;
    expect(f.state.open_orders).toBeInstanceOf(FileOrders);
    expect([...f.state.open_orders]).toEqual(p.open_orders);
    expect(p.open_orders.length).toBe(1);
    expect([...f.state.closed_orders]).toEqual([]);
  });

  it('closes the file when a reading is left part way (not every order of a step taken)', () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const f = readAll(path, 1024 * 1024);
    const before = fds();
    for (let k = 0; k < 50; k++) {
      let n = 0;
      for (const _ of f.state.open_orders) if (++n === 100 + k * 37) break;
    }
    expect(fds()).toBe(before);
  });

  it('fails (READ_FAILED) when the list changed after it was checked, in any piece size', () => {
    for (const pieceBytes of [YIELD_BYTES + 1, 1024 * 1024]) {
      const copy = written(state);
      const f = readAll(copy.path, pieceBytes);
      const { end } = range(f);
      // The last order's id, one digit changed: still an order, the list as long.
      const i = copy.bytes.lastIndexOf('"order_id":"H', end) + '"order_id":"H'.length;
      const edited = Buffer.from(copy.bytes);
      edited[i] = edited[i] === 0x31 ? 0x32 : 0x31;
      writeFileSync(copy.path, edited);
      failsRead(() => [...f.state.open_orders]);
    }
  });
});
