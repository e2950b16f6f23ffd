/**
 * Calls made while close() finishes: once its last flush has left nothing buffered, close() closes
 * the writer thread and syncs, and a call made then was accepted (`true`) and never written (its
 * write came after the sink was closed). Such calls are refused now (LOG_CLOSED, `false`); every call
 * answered `true` is in the log once close() resolves. Real processes, an app logging every turn.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logRecords } from '../helpers/log-records.js';
import { tempDir } from '../helpers/tmp.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

function run(body: string) {
  const dir = join(tempDir(), 'logs');
  const script = `
    const { createAuditLogger } = await import(${JSON.stringify(DIST)});
    const dir = ${JSON.stringify(dir)};
    ${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  return { ...r, dir };
}

const orderIds = (dir: string): string[] =>
  logRecords(dir)
    .filter((r) => r.event === 'OrderAccepted')
    .map((r) => String(r.order_id));

describe('calls made while close() finishes', () => {
  it.each([0, 1000])(
    'an event accepted (true) during close() is in the log once close() resolves (%i events before: writer thread)',
    (warm) => {
      const r = run(`
      const log = createAuditLogger({ logDir: dir, heartbeatMinutes: 0 });
      let i = 0;
      for (; i < ${warm}; i++) log.order('OrderAccepted', { orderId: 'C-' + i });
      await log.flush();
      const accepted = [];
      let answers = { true: 0, false: 0 };
      let done = false;
      // The app keeps logging, one event a turn, while it shuts down.
      const tick = () => {
        if (done) return;
        const id = 'C-' + i++;
        const ok = log.order('OrderAccepted', { orderId: id });
        answers[ok]++;
        if (ok === true) accepted.push(id);
        setImmediate(tick);
      };
      tick();
      await new Promise((r) => setTimeout(r, 20));
      await log.close();
      done = true;
      process.stdout.write(JSON.stringify({ accepted, answers }));`);
      expect(r.status, r.stderr).toBe(0);
      const { accepted, answers } = JSON.parse(r.stdout) as { accepted: string[]; answers: Record<string, number> };
      expect(answers.true).toBeGreaterThan(0);
      const inLog = new Set(orderIds(r.dir));
      expect(accepted.filter((id) => !inLog.has(id))).toEqual([]);
      // Nothing but what was accepted: the calls refused (false) are not in the log.
      expect(inLog.size).toBe(warm + accepted.length);
    },
  );
});
