/**
 * The exit flush's edges, in real processes (the gaps are about how a process ends): an event logged
 * from an `'exit'` listener the app added after making the logger (the exit flush has run by then,
 * and the event loop never turns again), and SIGHUP (its default action ends the process without
 * `'exit'`). Each was accepted and lost before; both are written now, and the process ends as it
 * would have without auditpack.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logRecords } from '../helpers/log-records.js';
import { tempDir } from '../helpers/tmp.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

function run(logDir: string, body: string) {
  const script = `
    const { createAuditLogger } = await import(${JSON.stringify(DIST)});
    const log = createAuditLogger({ logDir: ${JSON.stringify(logDir)}, heartbeatMinutes: 0 });
    ${body}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
}

const events = (dir: string): string[] => logRecords(dir).map((r) => String(r.event));

describe('the exit flush and what comes after it', () => {
  it("writes an event logged in an 'exit' listener added after the logger, before the process ends", () => {
    const dir = join(tempDir(), 'logs');
    const r = run(
      dir,
      `log.log('system', 'AppStarted', {});
      process.on('exit', (code) => {
        const ok = log.log('system', 'AppStopping', { code });
        process.stderr.write('accepted ' + ok + '\\n');
      });
      setTimeout(() => {}, 20);`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('accepted true\n');
    expect(events(dir)).toEqual(['AppStarted', 'AppStopping']);
  });

  it('flushes on SIGHUP and still ends by it (status 129: nobody else listens)', () => {
    const dir = join(tempDir(), 'logs');
    const r = run(
      dir,
      `await log.flush();
      for (let i = 0; i < 100; i++) log.order('OrderAccepted', { orderId: 'H-' + i });
      process.kill(process.pid, 'SIGHUP');
      await new Promise((r) => setTimeout(r, 5000));`,
    );
    expect(r.signal).toBe('SIGHUP');
    expect(events(dir)).toEqual(Array.from({ length: 100 }, () => 'OrderAccepted'));
  });

  it.each(['SIGUSR2', 'SIGQUIT', 'SIGALRM', 'SIGVTALRM', 'SIGXCPU'])(
    'flushes a buffer held by flushIntervalMs on %s and still ends by it',
    (signal) => {
      const dir = join(tempDir(), 'logs');
      const script = `
        const { createAuditLogger } = await import(${JSON.stringify(DIST)});
        const log = createAuditLogger({ logDir: ${JSON.stringify(dir)}, heartbeatMinutes: 0, flushIntervalMs: 60000 });
        await log.flush();
        for (let i = 0; i < 100; i++) log.order('OrderAccepted', { orderId: 'S-' + i });
        // Calls returned in an earlier turn: the buffer waits for the interval.
        await new Promise((r) => setTimeout(r, 50));
        process.kill(process.pid, ${JSON.stringify(signal)});
        await new Promise((r) => setTimeout(r, 5000));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.signal, r.stderr).toBe(signal);
      expect(events(dir)).toEqual(Array.from({ length: 100 }, () => 'OrderAccepted'));
    },
  );

  it('without the exit flush (handleExit: false), a buffer held by flushIntervalMs keeps the process until it is written', () => {
    // The interval's timer was unref'd: the process ended with the event accepted (true) and never written.
    const dir = join(tempDir(), 'logs');
    const script = `
      const { createAuditLogger } = await import(${JSON.stringify(DIST)});
      const log = createAuditLogger({ logDir: ${JSON.stringify(dir)}, heartbeatMinutes: 0, handleExit: false, flushIntervalMs: 200 });
      process.stdout.write(String(log.order('OrderAccepted', { orderId: 'U-1' })));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('true');
    expect(events(dir)).toEqual(['OrderAccepted']);
  });
});
