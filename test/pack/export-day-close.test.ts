/**
 * An export right after midnight while the day's file is still the newest (at59 F5): an event
 * stamped on the day that a process still buffered lands after the export read the file. Before,
 * it went to the day's file, which its pack then lacked (verify of the artifacts failed once the next
 * day was exported). Now the export closes the day first (a system/DayClosed event opens the next
 * day's file), so such a write goes there marked `late` and the day's pack is its file.
 *
 * The late write is made deterministic: a real writer process (the built library, a clock on the
 * day) runs from the export's progress hook, right after the scan read the day's file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPack, type ExportPackOptions } from '../../src/pack/index.js';
import { runCli } from '../helpers/cli.js';
import { fileRecords } from '../helpers/log-records.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { microsAt, writeDay } from './helpers.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const D = '2025-09-08';
const D1 = '2025-09-09';

/** `D`'s export at `at` (ISO) on `root`'s logs, by the export's clock and its logger's. */
function options(root: string, date: string, at: string, o: Partial<ExportPackOptions> = {}): ExportPackOptions {
  const ms = Date.parse(at);
  return {
    date,
    logDir: join(root, 'logs'),
    artifactsDir: join(root, 'art'),
    version: '0.1.0',
    now: () => ms,
    loggerClock: () => ms * 1000,
    ...o,
  };
}

/** A writer process (the built library) logs one order stamped `iso` and closes: a buffered write landing now. */
function writeFromProcess(logDir: string, iso: string, orderId: string): void {
  const script = `const { createAuditLogger } = await import(${JSON.stringify(DIST)});
    const log = createAuditLogger({ logDir: ${JSON.stringify(logDir)}, handleExit: false, heartbeatMinutes: 0,
      clock: () => ${microsAt(iso.slice(0, 10), iso.slice(11))}, host: 'app', pid: 7 });
    log.order('OrderAccepted', { orderId: ${JSON.stringify(orderId)}, symbol: 'EURUSD', side: 'BUY', quantity: 1 });
    await log.close();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

/** `root`'s logs: D's file with two orders, the newest file. */
async function dayOnly(root: string): Promise<string> {
  const logs = join(root, 'logs');
  await writeDay(logs, D, [
    { category: 'order', event: 'OrderAccepted', fields: { order_id: 'A-1', symbol: 'EURUSD', side: 'BUY' } },
    { category: 'order', event: 'Filled', fields: { order_id: 'A-1' } },
  ]);
  return logs;
}

/** Every DayClosed event in the logs directory, as `file: date`. */
function dayClosed(logs: string): string[] {
  return readdirSync(logs)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()
    .flatMap((n) =>
      fileRecords(join(logs, n))
        .filter((l) => l.event === 'DayClosed')
        .map((l) => `${n}: ${l.date}`),
    );
}

/** Verify (the CLI) and the reference checker both pass `path`. */
function bothPass(root: string, path: string, extra: string[] = []): void {
  const v = runCli(['verify', path, ...extra, '--json'], { cwd: root });
  expect(v.code, `verify ${path}: ${v.stdout}${v.stderr}`).toBe(0);
  const py = pythonPackCheck(path);
  expect(py.errors, `auditpack_check.py ${path}`).toEqual([]);
}

describe('export of a day whose file is still the newest (at59 F5)', () => {
  it('a write of the day landing after the scan goes to the next file, late: the pack is the day file, everything verifies', {
    timeout: 60_000,
  }, async () => {
    const root = tempDir();
    const logs = await dayOnly(root);
    let wrote = false;
    const r = await exportPack(
      options(root, D, `${D1}T00:00:01Z`, {
        onProgress: (p) => {
          // Right after the scan read D's file: the buffered event of 23:59:59.9 is written now.
          if (p.phase !== 'config' || wrote) return;
          wrote = true;
          writeFromProcess(logs, `${D}T23:59:59.900`, 'late-buffered');
        },
      }),
    );
    expect(wrote).toBe(true);
    const dayFile = join(logs, 'audit-20250908.jsonl');
    // The pack holds D's file as it is: nothing was appended to it after the read.
    expect(readFileSync(join(r.path, 'data', 'audit.jsonl')).equals(readFileSync(dayFile))).toBe(true);
    expect(r.manifest.events.total).toBe(2);
    // D+1's file: the day closed, the late event, the export's record.
    const next = fileRecords(join(logs, 'audit-20250909.jsonl'));
    expect(next.map((l) => `${l.event}${l.late === true ? ' late' : ''}`)).toEqual([
      'DayClosed',
      'OrderAccepted late',
      'PackExported',
    ]);
    expect(next[0]).toMatchObject({ category: 'system', date: D });
    expect(next[0]).not.toHaveProperty('validation');
    expect(next[1]).toMatchObject({ order_id: 'late-buffered', iso_ts: `${D}T23:59:59.900000Z` });

    // D+1 exported the next night: its CSVs hold the late order (late in `extra`), and every check passes.
    const r1 = await exportPack(options(root, D1, '2025-09-10T00:05:00Z'));
    const orders = readFileSync(join(r1.path, 'data', 'orders.csv'), 'utf8').split('\r\n');
    expect(orders[1]).toMatch(/^2025-09-08T23:59:59\.900000Z,\d+,OrderAccepted,late-buffered,EURUSD,BUY,1,,/);
    expect(orders[1]).toContain('""late"":true');
    expect(orders).toHaveLength(3); // header, the row, the final CRLF's empty piece
    // D+1's export found D+1's file the newest too: it closed D+1 the same way.
    expect(dayClosed(logs)).toEqual([`audit-20250909.jsonl: ${D}`, `audit-20250910.jsonl: ${D1}`]);
    bothPass(root, logs);
    bothPass(root, r.path);
    bothPass(root, r1.path);
    bothPass(root, join(root, 'art'));
    bothPass(root, join(root, 'art'), ['--log-dir', logs]);
  });

  it('writes DayClosed only when no later day file exists, the day has ended and the export writes to the log', async () => {
    // A writer crossed midnight first (the usual cron at 00:05): nothing new before the read.
    const crossed = tempDir();
    const logs = await dayOnly(crossed);
    await writeDay(logs, D1, [{ category: 'auth', event: 'Login', fields: { user: 'amy' } }], '00:00:02');
    await exportPack(options(crossed, D, `${D1}T00:05:00Z`));
    expect(dayClosed(logs)).toEqual([]);
    // A re-export (--force) of D after its first export made D+1's file: none either.
    const again = tempDir();
    const logs2 = await dayOnly(again);
    await exportPack(options(again, D, `${D1}T00:00:01Z`));
    await exportPack(options(again, D, `${D1}T00:00:02Z`, { force: true }));
    expect(dayClosed(logs2)).toEqual([`audit-20250909.jsonl: ${D}`]);
    // Today, as a partial pack: the day has not ended, nothing new.
    const partial = tempDir();
    const logs3 = await dayOnly(partial);
    await exportPack(options(partial, D, `${D}T18:00:00Z`, { partial: true }));
    expect(dayClosed(logs3)).toEqual([]);
    // An export told to write nothing to the log writes no DayClosed either.
    const quiet = tempDir();
    const logs4 = await dayOnly(quiet);
    const before = readdirSync(logs4).sort();
    await exportPack(options(quiet, D, `${D1}T00:00:01Z`, { recordEvent: false }));
    expect(readdirSync(logs4).sort()).toEqual(before);
    expect(dayClosed(logs4)).toEqual([]);
  });

  it('closes a day with no file of its own when no later file exists (an older file, or none, is the newest)', async () => {
    const root = tempDir();
    const logs = join(root, 'logs');
    await writeDay(logs, '2025-09-06', [{ category: 'auth', event: 'Login', fields: { user: 'amy' } }]);
    const r = await exportPack(options(root, D, `${D1}T00:00:01Z`));
    expect(r.manifest.events.total).toBe(0);
    expect(existsSync(join(logs, 'audit-20250908.jsonl'))).toBe(false);
    expect(dayClosed(logs)).toEqual([`audit-20250909.jsonl: ${D}`]);
    bothPass(root, logs);
    // A logs directory no writer wrote to yet: a writer's event of D would still open D's file.
    const empty = tempDir();
    mkdirSync(join(empty, 'logs'));
    await exportPack(options(empty, D, `${D1}T00:00:01Z`));
    expect(dayClosed(join(empty, 'logs'))).toEqual([`audit-20250909.jsonl: ${D}`]);
    bothPass(empty, join(empty, 'logs'));
  });
});
