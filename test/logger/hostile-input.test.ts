/**
 * The writer under hostile conditions: a clock far ahead, a day file that is a symbolic link or a
 * FIFO, a caller forging the writer's own events, calls that used to throw, the end of seq.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEventNames } from '../../src/cli/commands/log.js';
import { AuditpackError } from '../../src/errors.js';
import { recordWriterEvent } from '../../src/logger/child.js';
import { lineDepthExceeds } from '../../src/json/line-scanner.js';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { logFileName, dayNumberOf } from '../../src/rotation/index.js';
import { verifyLogDir } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';

const todayFile = (): string => logFileName(dayNumberOf(Date.now() * 1000));
const FUTURE = Date.parse('2099-01-01T00:00:00Z') * 1000;

function parsed(sink: MemorySink): Record<string, unknown>[] {
  return sink.allLines().map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('a clock far ahead of the wall clock', () => {
  it('dates the event by the wall clock, keeps the reading and notes it: no future day file', async () => {
    const dir = tempDir();
    const a = createAuditLogger({ logDir: dir, handleExit: false, heartbeatMinutes: 0, clock: () => FUTURE });
    a.log('app', 'ClockJumped', {});
    await a.close();
    const b = createAuditLogger({ logDir: dir, handleExit: false, heartbeatMinutes: 0 });
    b.order('OrderAccepted', { orderId: 'REAL-1' });
    await b.close();
    expect(readdirSync(dir).filter((n) => n.startsWith('audit-'))).toEqual([todayFile()]);
    const [first, second] = readFileSync(join(dir, todayFile()), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(first.clock_error).toBe(String(FUTURE));
    expect(first.validation[0]).toMatch(/^ts: the clock read 2099-01-01T00:00:00\.000000Z, \d+ s ahead/);
    expect(Math.abs(first.ts * 1e6 - Date.now() * 1000)).toBeLessThan(60e6);
    expect(second).toMatchObject({ order_id: 'REAL-1' });
    expect(second.late).toBeUndefined();
    expect((await verifyLogDir(dir)).ok).toBe(true);
  });

  it('verify reports a day file dated after today', async () => {
    const dir = tempDir();
    const a = createAuditLogger({ logDir: dir, handleExit: false, heartbeatMinutes: 0 });
    a.log('app', 'Today', {});
    await a.close();
    // What a writer without the wall-clock bound left behind: a 2099 file holding a later line.
    const today = readFileSync(join(dir, todayFile()), 'utf8');
    writeFileSync(join(dir, 'audit-20990101.jsonl'), '');
    const r = await verifyLogDir(dir);
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => [p.code, p.file])).toEqual([
      ['LOG_FILE_FUTURE', 'audit-20990101.jsonl'],
    ]);
    expect(today).not.toBe('');
  });

  it('keeps a reading within the tolerance as it is', async () => {
    const sink = new MemorySink();
    const soon = Date.now() * 1000 + 60e6;
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0, clock: () => soon });
    a.log('app', 'X', {});
    await a.close();
    const [line] = parsed(sink);
    expect(Math.round((line?.ts as number) * 1e6)).toBe(soon);
    expect(line?.validation).toBeUndefined();
  });
});

describe('day files that are not regular files', () => {
  it('does not follow a symbolic link at the day file: a typed error, the event stays buffered', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'victim.txt'), 'not an audit log\n');
    symlinkSync('../victim.txt', join(dir, 'logs', todayFile()));
    const a = createAuditLogger({ logDir: join(dir, 'logs'), handleExit: false, heartbeatMinutes: 0, offload: false });
    a.log('system', 'SymlinkProbe', { a: 1 });
    const err = await a.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuditpackError);
    expect(err).toMatchObject({ code: 'LOG_WRITE_FAILED', details: { errno: 'ELOOP' } });
    expect(a.stats().buffered).toBe(1);
    expect(readFileSync(join(dir, 'victim.txt'), 'utf8')).toBe('not an audit log\n');
    // The link gone, the retry writes the event: closed here, or its timer wrote it after the
    // directory's removal and made the directory again.
    rmSync(join(dir, 'logs', todayFile()));
    await a.close();
    expect(readFileSync(join(dir, 'victim.txt'), 'utf8')).toBe('not an audit log\n');
  });

  it('refuses a FIFO at the day file at once instead of hanging', async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, todayFile())]);
    const a = createAuditLogger({ logDir: dir, handleExit: false, heartbeatMinutes: 0, durability: 'durable' });
    const started = Date.now();
    await expect(a.log('system', 'FifoProbe', { a: 1 })).rejects.toMatchObject({ code: 'LOG_WRITE_FAILED' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a symbolic link at the lock file (its head cache would overwrite the target)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'victim.txt'), 'keep me\n');
    symlinkSync('../victim.txt', join(dir, 'logs', '.audit.lock'));
    const a = createAuditLogger({
      logDir: join(dir, 'logs'),
      handleExit: false,
      heartbeatMinutes: 0,
      durability: 'durable',
    });
    await expect(a.log('system', 'X', {})).rejects.toMatchObject({ code: 'LOG_WRITE_FAILED' });
    expect(readFileSync(join(dir, 'victim.txt'), 'utf8')).toBe('keep me\n');
  });
});

describe('events reserved for the writer', () => {
  it.each([
    'TornLineRecovered',
    'EventsRefused',
    'Heartbeat',
    'PackExported',
    'PackTimestamped',
    'PackPruned',
    'LogPruned',
    'LogDiscontinuity',
  ])("writes a caller's system/%s under another name, noted", async (name) => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    a.log('system', name, { fragment_bytes: 10 });
    a.child({ desk: 'x' }).log('system', name, {});
    await a.close();
    for (const line of parsed(sink)) {
      expect(line.event).toBe(`Caller${name}`);
      expect(line.validation).toEqual([
        `event: "${name}" is reserved for auditpack's writer; written as "Caller${name}"`,
      ]);
    }
  });

  it("writes a caller's config/ConfigSnapshot (the snapshot command's) under another name, noted", async () => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    a.log('config', 'ConfigSnapshot', { snapshot_id: 'fake', record_sha256: 'ab'.repeat(32) });
    await a.close();
    const [line] = parsed(sink);
    expect(line?.event).toBe('CallerConfigSnapshot');
    expect(line?.validation).toEqual([
      `event: "ConfigSnapshot" is reserved for auditpack's writer; written as "CallerConfigSnapshot"`,
    ]);
  });

  it('no method of the logger, its prototype or a child (symbols, TypeScript-private ones) writes them', async () => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    const c = a.child({ desk: 'x' });
    for (const o of [a, Object.getPrototypeOf(a), c, Object.getPrototypeOf(c)]) {
      for (const k of Reflect.ownKeys(o)) {
        const f = (o as Record<PropertyKey, unknown>)[k];
        if (typeof f !== 'function' || k === 'constructor' || k === 'close' || k === 'flush') continue;
        try {
          f.call(a, 'system', 'PackPruned', { date: '2026-11-26' });
          f.call(a, undefined, 'system', 'PackPruned', { date: '2026-11-26' });
          // The TypeScript-private record(category, event, fields, actor, writer) is plain JavaScript.
          f.call(a, 'system', 'PackPruned', { date: '2026-11-26' }, undefined, true);
        } catch {
          // a method called with the wrong arguments may refuse; it must not write the reserved name
        }
      }
    }
    await a.close();
    const written = parsed(sink).map((l) => `${l.category}/${l.event}`);
    expect(written).toContain('system/CallerPackPruned');
    expect(written).not.toContain('system/PackPruned');
    expect(() => recordWriterEvent({}, 'system', 'PackPruned', {})).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
  });

  it('auditpack log refuses them (USAGE, exit 2), and only them', () => {
    for (const name of ['TornLineRecovered', 'PackPruned', 'PackTimestamped', 'Heartbeat']) {
      expect(() => checkEventNames('system', name)).toThrow(
        expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('reserved') }),
      );
    }
    expect(() => checkEventNames('system', 'ClockJumped')).not.toThrow();
    expect(() => checkEventNames('app', 'TornLineRecovered')).not.toThrow();
  });

  it('leaves the name alone in another category', async () => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    a.log('app', 'Heartbeat', {});
    await a.close();
    expect(parsed(sink)[0]).toMatchObject({ category: 'app', event: 'Heartbeat' });
  });
});

describe('calls that must not throw into the caller', () => {
  it('child(undefined), child of a revoked Proxy, a non-string actor: a child that logs', async () => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const loose = a as unknown as { child(b: unknown): { log(c: string, e: string, f?: object): unknown } };
    loose.child(undefined).log('app', 'A');
    loose.child(proxy).log('app', 'B');
    loose.child({ actor: 7, desk: 'd' }).log('app', 'C');
    loose.child({ desk: 'd' }).log('app', 'D');
    (loose.child({ desk: 'd' }) as unknown as typeof loose).child(proxy).log('app', 'E');
    await a.close();
    const [A, B, C, D, E] = parsed(sink);
    expect(A?.bindings_error).toBeUndefined();
    expect(B?.bindings_error).toMatch(/^bindings cannot be read/);
    expect(C).toMatchObject({ desk: 'd', bindings_error: 'actor is not a string; not bound' });
    expect(C?.actor).toBeUndefined();
    expect(D?.bindings_error).toBeUndefined();
    expect(E).toMatchObject({ desk: 'd' });
    expect(E?.bindings_error).toMatch(/^bindings cannot be read/);
  });

  it('log() with names whose toString throws or that are revoked Proxies records the event', async () => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const bad = {
      toString() {
        throw new Error('toString');
      },
    };
    const loose = a as unknown as { log(c: unknown, e: unknown, f?: object): unknown };
    expect(() => loose.log('system', bad, {})).not.toThrow();
    expect(() => loose.log(proxy, 'X', {})).not.toThrow();
    await a.close();
    const lines = parsed(sink);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ category: 'system', event: 'unprintable' });
    expect(lines[1]).toMatchObject({ category: 'unprintable', event: 'X' });
  });
});

describe('the end of seq', () => {
  it('refuses to write past 2^53-1 with a typed error', async () => {
    const dir = tempDir();
    const t = Math.floor(Date.now() / 1000) - 5;
    const iso = new Date(t * 1000).toISOString().replace(/\.\d+Z$/, '.000000Z');
    const line = `{"ts":${t}.000000,"iso_ts":"${iso}","seq":9007199254740991,"category":"system","event":"X","host":"h","pid":1,"prev":"${'1'.repeat(64)}"}`;
    writeFileSync(join(dir, logFileName(dayNumberOf(t * 1e6))), `${line}\n`);
    const a = createAuditLogger({ logDir: dir, handleExit: false, heartbeatMinutes: 0, durability: 'durable' });
    await expect(a.log('system', 'Next', {})).rejects.toMatchObject({ code: 'LOG_SEQ_EXHAUSTED' });
    expect(readFileSync(join(dir, logFileName(dayNumberOf(t * 1e6))), 'utf8')).toBe(`${line}\n`);
  });
});

describe('nesting: the logger never writes a line past the format depth bound (docs/FORMAT.md rule 2)', () => {
  it('250,000 levels of objects and arrays are cut by the walk: the line nests 16 levels, verify has no finding', async () => {
    let deep: unknown = 'core';
    for (let i = 0; i < 250_000; i++) deep = i % 2 ? { a: deep } : [deep];
    const dir = tempDir();
    const log = createAuditLogger({ logDir: dir, handleExit: false });
    log.log('system', 'Nested', { deep });
    await log.close();
    const file = readdirSync(dir).find((f) => f.endsWith('.jsonl')) as string;
    const line = Buffer.from(readFileSync(join(dir, file), 'utf8').split('\n')[0] as string);
    expect(lineDepthExceeds(line, 0, line.length)).toBe(false);
    let depth = 0;
    let max = 0;
    for (const c of line.toString().replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
      if (c === '{' || c === '[') max = Math.max(max, ++depth);
      else if (c === '}' || c === ']') depth--;
    }
    expect(max).toBe(16); // the line, then the field's value cut where the walk reaches depth 16
    const rec = JSON.parse(line.toString()) as { validation: string[] };
    expect(rec.validation.join(' ')).toMatch(/nesting deeper than 16 cut/);
    expect((await verifyLogDir(dir)).problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
});
