import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashLine } from '../../src/chain/index.js';
import { AuditpackError } from '../../src/errors.js';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { CAN_MOUNT, smallDisk } from '../helpers/small-disk.js';
import { tempDir } from '../helpers/tmp.js';

/** A clock that returns the given microsecond instants in turn, then keeps the last. */
function steppingClock(...micros: number[]): () => number {
  let i = 0;
  return () => micros[Math.min(i++, micros.length - 1)] as number;
}

const T0 = Date.UTC(2025, 8, 8, 7, 52, 50) * 1000 + 590_693; // 2025-09-08T07:52:50.590693Z

function parsed(sink: MemorySink): Record<string, unknown>[] {
  return sink.allLines().map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('line format', () => {
  it('writes the envelope, snake_case fields and provenance, with prev last', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, clock: () => T0, host: 'trader-1', pid: 4711, handleExit: false });
    log.order('OrderAccepted', { orderId: 'A-1', symbol: 'EURUSD', side: 'BUY', quantity: 100000, price: '1.10050' });
    await log.close();
    const [line] = sink.allLines();
    expect(line).toBe(
      '{"ts":1757317970.590693,"iso_ts":"2025-09-08T07:52:50.590693Z","seq":1,"category":"order","event":"OrderAccepted",' +
        '"order_id":"A-1","symbol":"EURUSD","side":"BUY","quantity":100000,"price":"1.10050","host":"trader-1","pid":4711,' +
        `"prev":"${GENESIS_HASH}"}`,
    );
  });

  it('an injected clock before 1970, NaN or past the safe range falls back to the wall clock with clock_error, in lines verify accepts', async () => {
    const { verifyLogDir } = await import('../../src/verify/index.js');
    for (const bad of [-5e12, -1, Number.NaN, 2.5e17]) {
      const dir = tempDir();
      const log = createAuditLogger({ logDir: dir, clock: () => bad, handleExit: false });
      log.log('system', 'Started', { n: 1 });
      await log.close();
      const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
      const line = JSON.parse(readFileSync(join(dir, files[0] as string), 'utf8').split('\n')[0] as string) as Record<
        string,
        unknown
      >;
      expect(line.clock_error, String(bad)).toBe(String(bad));
      expect((await verifyLogDir(dir)).ok, String(bad)).toBe(true);
    }
  });

  it('pads microseconds and keeps ts and iso_ts the same instant', async () => {
    const sink = new MemorySink();
    const t = Date.UTC(2025, 0, 1, 0, 0, 0) * 1000 + 42;
    const log = createAuditLogger({ sink, clock: () => t, handleExit: false });
    log.log('system', 'SnapshotTaken', {});
    await log.close();
    const line = sink.allLines()[0] as string;
    expect(line).toContain('"ts":1735689600.000042,"iso_ts":"2025-01-01T00:00:00.000042Z"');
  });

  it('chains every line to the one before by SHA-256 of its bytes and counts seq up', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    for (let i = 0; i < 50; i++) log.fill({ orderId: `O${i}`, dealId: `D${i}`, quantity: i, price: '1.5' });
    await log.close();
    const lines = sink.allLines();
    expect(lines).toHaveLength(50);
    lines.forEach((l, i) => {
      const rec = JSON.parse(l) as { seq: number; prev: string };
      expect(rec.seq).toBe(i + 1);
      expect(rec.prev).toBe(i === 0 ? GENESIS_HASH : hashLine(lines[i - 1] as string));
    });
  });

  it('offers the helpers for each category with the documented event names', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false, actor: 'svc' });
    log.order('Rejected', { orderId: 'X', reason: 'risk' });
    log.fill({ orderId: 'X', dealId: 'D' });
    log.fill({ orderId: 'X', dealId: 'E' }, 'PartiallyFilled');
    log.config('risk', { oldValue: 1, newValue: 2, filePath: 'configs/risk.yaml' });
    log.alert({ alertType: 'PnL', message: 'drawdown', severity: 'HIGH' });
    log.auth('LoginFailed', { user: 'bob', sourceIp: '10.0.0.1' });
    log.log('custom_thing', 'Happened', { user: 'alice' });
    await log.close();
    const recs = parsed(sink);
    expect(recs.map((r) => `${r.category}.${r.event}`)).toEqual([
      'order.Rejected',
      'fill.Filled',
      'fill.PartiallyFilled',
      'config.ConfigChanged',
      'alert.AlertSent',
      'auth.LoginFailed',
      'custom_thing.Happened',
    ]);
    expect(recs[3]).toMatchObject({ config_type: 'risk', old_value: 1, new_value: 2, file_path: 'configs/risk.yaml' });
    expect(recs[4]).toMatchObject({ alert_type: 'PnL', message: 'drawdown', severity: 'HIGH' });
    expect(recs[5]).toMatchObject({ user: 'bob', source_ip: '10.0.0.1', actor: 'svc' });
    expect(recs[6]).toMatchObject({ user: 'alice', actor: 'svc' });
    for (const r of recs) expect(r.validation).toBeUndefined();
  });

  it('never lets a field replace the configured actor: actor/Actor are kept as field_actor with a note', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false, actor: 'svc' });
    log.log('custom_thing', 'Happened', { actor: 'mallory' });
    log.log('custom_thing', 'Happened', { Actor: 'mallory' });
    await log.close();
    const recs = parsed(sink);
    for (const r of recs) {
      expect(r).toMatchObject({ actor: 'svc', field_actor: 'mallory' });
      expect(r.validation).toEqual(['actor: reserved name; written as field_actor']);
    }
    const bare = new MemorySink();
    const anon = createAuditLogger({ sink: bare, handleExit: false });
    anon.log('custom_thing', 'Happened', { actor: 'mallory' });
    await anon.close();
    expect(parsed(bare)[0]).toMatchObject({ field_actor: 'mallory' });
    expect(parsed(bare)[0]!.actor).toBeUndefined();
  });

  it('keeps both values when two keys meet on one snake_case name, the converted one renamed with a note', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    log.order('OrderAccepted', { orderId: 'camel', order_id: 'snake' });
    log.order('OrderAccepted', { order_id: 'snake', orderId: 'camel', OrderID: 'caps' });
    log.log('custom_thing', 'Happened', { Seq: 1, seq: 2 });
    await log.close();
    const [a, b, c] = parsed(sink);
    expect(a).toMatchObject({ order_id: 'snake', 'order_id#0': 'camel' });
    expect(a!.validation).toEqual(['orderId: written as order_id#0, as order_id is taken by another field']);
    expect(b).toMatchObject({ order_id: 'snake', 'order_id#1': 'camel', 'order_id#2': 'caps' });
    expect(c).toMatchObject({ field_seq: 1, 'field_seq#1': 2 });
    expect(c!.validation).toHaveLength(2);
  });

  it('records unknown events and bad categories with a validation note instead of throwing', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    expect(log.log('order', 'Teleported', { orderId: 'A' })).toBe(true);
    expect(log.log('Not A Category', '', {})).toBe(true);
    expect(log.log('misc', 'Scalar', 42 as never)).toBe(true);
    expect(log.log('../../etc', 'X', {})).toBe(true);
    expect(log.log('Order', 'X', {})).toBe(true);
    await log.close();
    const recs = parsed(sink);
    expect(recs[0]?.validation).toEqual(['event: "Teleported" is not a known order event']);
    expect(recs[1]?.validation).toEqual([
      'category: "Not A Category" is not a lowercase name; written as "not_a_category"',
      'event: empty event name; written as "Unnamed"',
    ]);
    expect(recs[1]).toMatchObject({ category: 'not_a_category', event: 'Unnamed' });
    expect(recs[2]).toMatchObject({ value: 42 });
    expect(recs[2]?.validation).toHaveLength(1);
    expect(recs[3]?.category).toBe('etc');
    expect(recs[4]?.category).toBe('order');
  });
});

describe('values survive exactly', () => {
  it('keeps decimal strings, converts bigint, Date and Error, and never mutates the caller', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    const fields = {
      price: '1.10050',
      quantity: '0.000000010',
      notional: 123456789012345678901234567890n,
      at: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
      error: Object.assign(new Error('no route'), { code: 'ENOROUTE' }),
      nested: { password: 'p', list: [1, 'two', { token: 't' }] },
    };
    const before = JSON.stringify(fields, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    log.order('OrderAccepted', fields);
    await log.close();
    expect(JSON.stringify(fields, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(before);
    const line = sink.allLines()[0] as string;
    expect(line).toContain('"price":"1.10050","quantity":"0.000000010","notional":"123456789012345678901234567890"');
    expect(line).toContain('"at":"2025-01-02T03:04:05.678Z"');
    expect(line).toContain('"error":{"name":"Error","message":"no route","code":"ENOROUTE"}');
    expect(line).toContain('"nested":{"password":"[REDACTED]","list":[1,"two",{"token":"[REDACTED]"}]}');
    expect(JSON.parse(line).redacted).toEqual(['nested.password', 'nested.list[2].token']);
  });

  it('bounds circular, deep, huge and hostile values and says so', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    const circular: Record<string, unknown> = { name: 'c' };
    circular.self = circular;
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 100; i++) deep = { d: deep };
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
    const huge = 'x'.repeat(5_000_000);
    const many = Array.from({ length: 20_000 }, (_, i) => i);
    log.log('misc', 'Hostile', {
      circular,
      deep,
      hostile,
      huge,
      many,
      inf: -Infinity,
      fn: () => 1,
      seq: 7,
      __proto__: { polluted: true },
    });
    await log.close();
    const line = sink.allLines()[0] as string;
    expect(line.length).toBeLessThan(1_100_000);
    const rec = JSON.parse(line) as Record<string, unknown>;
    expect(rec.circular).toEqual({ name: 'c', self: '[Circular]' });
    expect(JSON.stringify(rec.deep)).toContain('[Depth limit]');
    expect(rec.hostile).toEqual({ boom: '[Unreadable]' });
    expect((rec.huge as string).length).toBeLessThan(70_000);
    expect(rec.huge as string).toMatch(/…\[truncated 4934464 chars\]$/);
    expect((rec.many as unknown[]).length).toBe(10_000);
    expect(rec.inf).toBe('-Infinity');
    expect(rec.field_seq).toBe(7);
    expect(rec.seq).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const notes = (rec.validation as string[]).join('\n');
    for (const what of [
      'circular reference',
      'nesting deeper',
      'could not be read',
      'cut to 65536',
      'cut to 10000',
      'non-finite',
      'reserved name',
    ]) {
      expect(notes).toContain(what);
    }
  });
});

describe('daily rotation by UTC date', () => {
  it.each(['UTC', 'America/New_York', 'Asia/Tokyo', 'Pacific/Kiritimati'])(
    'files 23:59:59.999999 and 00:00:00 in different days under TZ=%s',
    async (tz) => {
      const old = process.env.TZ;
      process.env.TZ = tz;
      try {
        const dir = tempDir();
        const midnight = Date.UTC(2025, 8, 9) * 1000;
        const log = createAuditLogger({
          logDir: dir,
          clock: steppingClock(midnight - 1, midnight, midnight + 1),
          handleExit: false,
        });
        log.order('OrderAccepted', { orderId: 'before' });
        log.order('OrderAccepted', { orderId: 'at' });
        log.order('OrderAccepted', { orderId: 'after' });
        await log.close();
        expect(
          readdirSync(dir)
            .filter((f) => f.endsWith('.jsonl'))
            .sort(),
        ).toEqual(['audit-20250908.jsonl', 'audit-20250909.jsonl']);
        const d8 = readFileSync(join(dir, 'audit-20250908.jsonl'), 'utf8').trim().split('\n');
        const d9 = readFileSync(join(dir, 'audit-20250909.jsonl'), 'utf8').trim().split('\n');
        expect(d8.map((l) => JSON.parse(l).order_id)).toEqual(['before']);
        expect(JSON.parse(d8[0] as string).iso_ts).toBe('2025-09-08T23:59:59.999999Z');
        expect(d9.map((l) => JSON.parse(l).order_id)).toEqual(['at', 'after']);
        expect(JSON.parse(d9[0] as string).iso_ts).toBe('2025-09-09T00:00:00.000000Z');
        // The first line of the new day links to the last line of the day before.
        expect(JSON.parse(d9[0] as string).prev).toBe(hashLine(d8[0] as string));
        expect(pythonCheck(dir)).toMatchObject({ ok: true, lines: 3 });
      } finally {
        if (old === undefined) delete process.env.TZ;
        else process.env.TZ = old;
      }
    },
  );

  it('loses nothing across many midnights with events buffered over the boundary', async () => {
    const dir = tempDir();
    const start = Date.UTC(2025, 0, 1, 23, 59, 59) * 1000;
    let t = start;
    const log = createAuditLogger({ logDir: dir, clock: () => (t += 7_919_000), flushBytes: 4096, handleExit: false });
    for (let i = 0; i < 30_000; i++) log.fill({ orderId: `o${i}`, dealId: `d${i}`, quantity: 1, price: '1' });
    await log.close();
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const check = pythonCheck(dir);
    expect(check).toMatchObject({ ok: true, lines: 30_000, last_seq: 30_000, late: 0 });
  });
});

describe('write failures', () => {
  it('keeps events, rejects flush, emits error, and writes them once the sink recovers', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    const errors: AuditpackError[] = [];
    log.on('error', (e) => errors.push(e));
    sink.failNext('ENOSPC', 2);
    for (let i = 0; i < 5; i++) log.order('OrderAccepted', { orderId: `o${i}` });
    await expect(log.flush()).rejects.toMatchObject({ code: 'LOG_WRITE_FAILED' });
    expect(errors[0]?.code).toBe('LOG_WRITE_FAILED');
    expect((errors[0]?.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
    expect(log.stats()).toMatchObject({ accepted: 5, written: 2, buffered: 3 });
    await log.flush();
    await log.close();
    expect(parsed(sink).map((r) => r.order_id)).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
    expect(parsed(sink).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('with flushIntervalMs, keeps writing on its own after a failed flush cut its timer short', async () => {
    // A failed write schedules a retry on the timer the interval flush was waiting on; the events
    // logged after the retry must still be written by the interval, not wait for flush()/close().
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false, flushIntervalMs: 20 });
    log.on('error', () => {});
    log.order('OrderAccepted', { orderId: 'a' });
    sink.failNext('EIO', 0);
    await expect(log.flush()).rejects.toMatchObject({ code: 'LOG_WRITE_FAILED' });
    await new Promise((r) => setTimeout(r, 300)); // the retry (100 ms) writes `a`
    expect(parsed(sink).map((r) => r.order_id)).toEqual(['a']);
    log.order('OrderAccepted', { orderId: 'b' });
    await new Promise((r) => setTimeout(r, 300));
    expect(parsed(sink).map((r) => r.order_id)).toEqual(['a', 'b']);
    await log.close();
  });

  it('bounds memory: past maxBufferBytes events are refused visibly and the refusal is recorded', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false, flushBytes: 1024, maxBufferBytes: 8 * 1024 });
    const errors: string[] = [];
    log.on('error', (e) => errors.push(e.code));
    sink.failNext('EIO', 0);
    let refused = 0;
    for (let i = 0; i < 200; i++)
      if (log.order('OrderAccepted', { orderId: `o${i}`, symbol: 'EURUSD' }) === false) refused++;
    expect(refused).toBeGreaterThan(0);
    expect(log.stats().bufferedBytes).toBeLessThanOrEqual(8 * 1024);
    expect(errors).toContain('LOG_BUFFER_FULL');
    await log.close();
    const recs = parsed(sink);
    const report = recs.find((r) => r.event === 'EventsRefused');
    expect(report).toMatchObject({ category: 'system', count: refused });
    expect(recs.filter((r) => r.category === 'order')).toHaveLength(200 - refused);
  });

  it('never throws into the caller, even after close()', async () => {
    const log = createAuditLogger({ sink: new MemorySink(), handleExit: false });
    await log.close();
    expect(log.order('OrderAccepted', { orderId: 'late' })).toBe(false);
  });

  // A real full file system (a tiny tmpfs): the writer refuses a symbolic link at the day file, so
  // /dev/full can no longer stand in for one.
  it.skipIf(!CAN_MOUNT)('reaches the caller with a real ENOSPC from the file system and keeps the events', async () => {
    const disk = smallDisk(64);
    const dir = disk.dir;
    const day = Date.UTC(2025, 8, 8) * 1000;
    const file = join(dir, 'audit-20250908.jsonl');
    const log = createAuditLogger({ logDir: dir, clock: () => day + 1, handleExit: false, heartbeatMinutes: 0 });
    await log.flush(); // the lock file exists before the disk fills
    disk.fill();
    log.order('OrderAccepted', { orderId: 'kept' });
    const err = await log.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditpackError);
    expect((err as AuditpackError).code).toBe('LOG_WRITE_FAILED');
    expect((err as AuditpackError).details?.errno).toBe('ENOSPC');
    expect(log.stats().buffered).toBe(1);
    // Space is back: the event is written.
    disk.free();
    await log.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).order_id)).toEqual(['kept']);
  });
});

describe('durable mode', () => {
  it('resolves each call after sync and shares one sync among concurrent callers', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, durability: 'durable', handleExit: false });
    const calls = Array.from({ length: 100 }, (_, i) => log.order('OrderAccepted', { orderId: `o${i}` }));
    expect(calls.every((c) => c instanceof Promise)).toBe(true);
    await Promise.all(calls);
    expect(sink.allLines()).toHaveLength(100);
    expect(sink.syncs).toBeLessThanOrEqual(2);
    await log.close();
  });

  it('rejects the callers whose events could not be written, and never writes them (a retry writes once); the rejection is recorded', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, durability: 'durable', handleExit: false });
    sink.failNext('ENOSPC', 1);
    const a = log.order('OrderAccepted', { orderId: 'a' });
    const b = log.order('OrderAccepted', { orderId: 'b' });
    await expect(a).resolves.toBeUndefined();
    await expect(b).rejects.toMatchObject({ code: 'LOG_WRITE_FAILED' });
    expect(log.stats()).toMatchObject({ buffered: 0, refused: 1 });
    await log.order('OrderAccepted', { orderId: 'b' }); // the caller's retry
    await log.close();
    const recs = parsed(sink);
    expect(recs.filter((r) => r.category === 'order').map((r) => r.order_id)).toEqual(['a', 'b']);
    expect(recs.find((r) => r.event === 'EventsRefused')).toMatchObject({
      count: 1,
      reason: expect.stringContaining('durable'),
    });
  });

  it('a failed fsync rejects with LOG_SYNC_FAILED: the event is in the log, not to be logged again', async () => {
    class SyncFailsOnce extends MemorySink {
      syncFailures = 1;
      override async sync(): Promise<void> {
        if (this.syncFailures-- > 0) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
        return super.sync();
      }
    }
    const sink = new SyncFailsOnce();
    const log = createAuditLogger({ sink, durability: 'durable', handleExit: false });
    await expect(log.order('OrderAccepted', { orderId: 'a' })).rejects.toMatchObject({
      code: 'LOG_SYNC_FAILED',
      details: { errno: 'EIO' },
    });
    await expect(log.order('OrderAccepted', { orderId: 'b' })).resolves.toBeUndefined();
    await log.close();
    expect(parsed(sink).map((r) => r.order_id)).toEqual(['a', 'b']);
  });

  it('creates log files with mode 0640', async () => {
    const dir = tempDir();
    const log = createAuditLogger({ logDir: dir, durability: 'durable', handleExit: false });
    await log.order('OrderAccepted', { orderId: 'a' });
    await log.close();
    const [name] = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(statSync(join(dir, name as string)).mode & 0o777).toBe(0o640);
  });
});

describe('found by review and benchmarking', () => {
  it('scans an Error code for secrets like its message', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    log.alert({
      message: 'upstream failed',
      error: Object.assign(new Error('x'), { code: 'api_key=sk_live_abcdefghijklmnop1234' }),
    });
    await log.close();
    const line = sink.allLines()[0] as string;
    expect(line).not.toContain('sk_live_abcdefghijklmnop1234');
    expect(JSON.parse(line).redacted).toEqual(['error.code']);
  });

  it('renames a reserved field even when its getter throws, so the envelope keeps one ts', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    const fields = Object.defineProperty({}, 'ts', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    log.log('misc', 'Odd', fields);
    await log.close();
    const line = sink.allLines()[0] as string;
    expect(line.match(/"ts":/g)).toHaveLength(1);
    expect(JSON.parse(line).field_ts).toBe('[Unreadable]');
  });

  it('writes buffered events before a natural exit even without close() or exit handlers', async () => {
    const dir = tempDir();
    const { execFileSync } = await import('node:child_process');
    const lib = new URL('../../dist/index.js', import.meta.url).href;
    execFileSync(process.execPath, [
      '--input-type=module',
      '-e',
      `import { createAuditLogger } from '${lib}'; const l = createAuditLogger({ logDir: ${JSON.stringify(dir)}, handleExit: false }); l.order('OrderAccepted', { orderId: 'x' });`,
    ]);
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(readFileSync(join(dir, file as string), 'utf8')).toContain('"order_id":"x"');
  });

  it('does not stall durable callers that log again as soon as their event is durable', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, durability: 'durable', handleExit: false });
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; i < 50; i++) await log.order('OrderAccepted', { orderId: `${w}-${i}` });
    };
    await Promise.all([worker(1), worker(2), worker(3), worker(4)]);
    expect(sink.allLines()).toHaveLength(200);
    await log.close();
  });
});
