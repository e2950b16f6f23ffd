import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { resolveConfig } from '../../src/config.js';
import { AuditpackError } from '../../src/errors.js';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { verifyLogDir } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lines(dir: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .sort())
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n'))
      if (l !== '') out.push(JSON.parse(l) as Record<string, unknown>);
  return out;
}

describe('heartbeat', () => {
  for (const durability of ['batched', 'durable'] as const) {
    it(`writes system/Heartbeat with its interval, chained like any event (${durability})`, async () => {
      const dir = tempDir();
      // 0.002 minutes = 120 ms.
      const log = createAuditLogger({ logDir: dir, durability, heartbeatMinutes: 0.002, handleExit: false });
      log.log('system', 'Started', {});
      await sleep(700);
      await log.close();
      const all = lines(dir);
      const beats = all.filter((l) => l.category === 'system' && l.event === 'Heartbeat');
      expect(beats.length).toBeGreaterThanOrEqual(2);
      for (const b of beats) {
        expect(b.interval_s).toBe(0.12);
        expect(typeof b.seq).toBe('number');
        expect(b.prev).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(all.map((l) => l.seq)).toEqual(all.map((_, i) => i + 1));
      expect((await verifyLogDir(dir)).ok).toBe(true);
      // No beat after close: the timer is stopped.
      const n = lines(dir).length;
      await sleep(300);
      expect(lines(dir).length).toBe(n);
    });
  }

  it('the heartbeat line carries the chain head before it as prev', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, heartbeatMinutes: 0.002, handleExit: false });
    log.log('system', 'Started', {});
    await sleep(400);
    await log.close();
    const raw = sink.allLines();
    const i = raw.findIndex((l) => l.includes('"event":"Heartbeat"'));
    expect(i).toBeGreaterThan(0);
    expect((JSON.parse(raw[i] as string) as { prev: string }).prev).toBe(hashLine(raw[i - 1] as string));
  });

  it('0 turns it off; a bad interval is CONFIG_INVALID', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, heartbeatMinutes: 0, handleExit: false });
    await sleep(50);
    await log.close();
    expect(sink.allLines()).toEqual([]);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 24 * 60 + 1]) {
      const err = (() => {
        try {
          createAuditLogger({ sink: new MemorySink(), heartbeatMinutes: bad, handleExit: false });
        } catch (e) {
          return e;
        }
      })();
      expect(err, String(bad)).toBeInstanceOf(AuditpackError);
      expect((err as AuditpackError).code).toBe('CONFIG_INVALID');
    }
  });

  it('AUDIT_HEARTBEAT_MINUTES sets the default logger interval (default 15)', () => {
    const dir = tempDir();
    expect(resolveConfig({ env: {}, cwd: dir }).heartbeatMinutes).toBe(15);
    expect(resolveConfig({ env: { AUDIT_HEARTBEAT_MINUTES: '5' }, cwd: dir }).heartbeatMinutes).toBe(5);
    expect(() => resolveConfig({ env: { AUDIT_HEARTBEAT_MINUTES: 'x' }, cwd: dir })).toThrow(/AUDIT_HEARTBEAT_MINUTES/);
  });

  it('does not keep a process alive that never closes its logger', () => {
    const dir = tempDir();
    const code = `import { createAuditLogger } from ${JSON.stringify(DIST)};
      const log = createAuditLogger({ logDir: ${JSON.stringify(dir)}, heartbeatMinutes: 0.01 });
      log.log('system', 'Started', {});`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    // The interval is 600 ms; the process exits well before any notion of "kept alive" (20 s).
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(lines(dir).map((l) => l.event)).toEqual(['Started']);
  });
});
