/**
 * Fixtures for pack tests: days written by the real logger with an injected clock (so lines are
 * exactly what production writes), and a python3 csv reader in strict mode.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/export.js';
import { PYTHON } from '../helpers/python.js';

/** Epoch µs of `date` at `hh:mm:ss` UTC. */
export function microsAt(date: string, time = '09:00:00'): number {
  return Date.parse(`${date}T${time}Z`) * 1000;
}

/** Writes events for `date` through the real logger (one second apart from 09:00 UTC). */
export async function writeDay(
  logDir: string,
  date: string,
  events: readonly { category: string; event: string; fields?: Record<string, unknown> }[],
  start = '09:00:00',
): Promise<void> {
  let t = microsAt(date, start);
  const logger = createAuditLogger({
    logDir,
    handleExit: false,
    clock: () => (t += 1_000_000),
    host: 'test-host',
    pid: 42,
  });
  for (const e of events) logger.log(e.category, e.event, e.fields ?? {});
  await logger.close();
}

/** A small realistic day: orders, fills, a reject, a failed login, an alert, a config change. */
export const SAMPLE_EVENTS = [
  { category: 'auth', event: 'LoginFailed', fields: { user: 'bob', source_ip: '10.0.0.9' } },
  { category: 'auth', event: 'Login', fields: { user: 'alice', source_ip: '10.0.0.7' } },
  {
    category: 'order',
    event: 'OrderAccepted',
    fields: { order_id: 'A-1', symbol: 'EURUSD', side: 'BUY', quantity: 100000, price: '1.10050', note: 'a, "b"' },
  },
  {
    category: 'fill',
    event: 'PartiallyFilled',
    fields: { order_id: 'A-1', deal_id: 'D-1', symbol: 'EURUSD', side: 'BUY', quantity: 40000, price: '1.10049' },
  },
  {
    category: 'fill',
    event: 'Filled',
    fields: { order_id: 'A-1', deal_id: 'D-2', symbol: 'EURUSD', side: 'BUY', quantity: 60000, price: '1.10051' },
  },
  {
    category: 'order',
    event: 'Rejected',
    fields: {
      order_id: '=HYPERLINK("x")',
      symbol: '@SUM(1)',
      side: 'SELL',
      quantity: 1,
      price: '-1.5',
      reason: 'line1\nline2',
    },
  },
  { category: 'config', event: 'ConfigChanged', fields: { config_type: 'risk', old_value: 1, new_value: 2 } },
  { category: 'alert', event: 'AlertSent', fields: { alert_type: 'risk', message: 'exposure high', severity: 'HIGH' } },
  { category: 'system', event: 'Heartbeat', fields: { severity: 'low' } },
];

/** Reads a CSV with python3's csv module, strict mode; returns the rows or throws. */
/**
 * The sample day (SAMPLE_EVENTS on 2026-11-28) logged under `root`/logs and exported into
 * `artifactsDir` (default `root`/artifacts), unrecorded and without the checks: the pack's path.
 */
export async function exportSampleDay(root: string, artifactsDir = join(root, 'artifacts')): Promise<string> {
  const logDir = join(root, 'logs');
  mkdirSync(logDir, { recursive: true });
  await writeDay(logDir, '2026-11-28', SAMPLE_EVENTS);
  const r = await exportPack({
    date: '2026-11-28',
    logDir,
    artifactsDir,
    version: '0.1.0',
    recordEvent: false,
    compliance: false,
  });
  return r.path;
}

export function pythonCsvRows(path: string): string[][] {
  const script = [
    'import csv, io, json, sys',
    "with open(sys.argv[1], newline='', encoding='utf-8') as f:",
    '    data = f.read()',
    "assert not data.startswith('\\ufeff'), 'BOM'",
    "rows = list(csv.reader(io.StringIO(data, newline=''), strict=True))",
    'print(json.dumps(rows))',
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', script, path], { encoding: 'utf8' })) as string[][];
}
