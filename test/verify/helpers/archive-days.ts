/** Six days of events in one chained log, and export options for an artifacts directory beside it. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportPackOptions } from '../../../src/pack/export.js';
import { prune } from '../../../src/retention/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from '../../pack/helpers.js';
import { makeWritable } from './forge.js';

/** Days 2026-11-25 … 2026-11-30 of events in one chained log. */
export async function days(): Promise<{
  root: string;
  logDir: string;
  artifactsDir: string;
  dates: string[];
  opts: (date: string, o?: Partial<ExportPackOptions>) => ExportPackOptions;
}> {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const artifactsDir = join(root, 'artifacts');
  mkdirSync(logDir);
  const dates = ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30'];
  for (const d of dates) await writeDay(logDir, d, SAMPLE_EVENTS);
  // Exports and prunes record their events on the day after the last one (the live log).
  const opts = clockedExports(logDir, artifactsDir, { t: microsAt('2026-12-01', '00:10:00') });
  return { root, logDir, artifactsDir, dates, opts };
}

/**
 * Export options for `logDir` and `artifactsDir` on one clock: `clock.t` (µs since the epoch) is the
 * export's now, and the events it logs advance it 1 ms each. Set `clock.t` between exports to move it.
 */
export function clockedExports(
  logDir: string,
  artifactsDir: string,
  clock: { t: number },
): (date: string, o?: Partial<ExportPackOptions>) => ExportPackOptions {
  return (date, o = {}) => ({
    date,
    logDir,
    artifactsDir,
    version: '0.1.0',
    now: () => clock.t / 1000,
    loggerClock: () => (clock.t += 1000),
    ...o,
  });
}

/**
 * The nightly prune at 00:10 UTC of `next` (packs kept 3 days, logs 2), the events it logs 1 ms
 * apart from then (µs since the epoch, as every logger clock).
 */
export async function nightlyPrune(artifactsDir: string, logDir: string, next: string): Promise<void> {
  let t = microsAt(next, '00:10:00');
  await prune({
    artifactsDir,
    retentionDays: 3,
    logs: { logDir, retentionDays: 2 },
    now: Date.parse(`${next}T00:10:00Z`),
    loggerClock: () => (t += 1000),
  });
}

/** Edits a payload file of a pack after its export (the pack then fails verify); returns an undo. */
export function tamperPayload(artifactsDir: string, name: string): () => void {
  const dir = join(artifactsDir, name);
  const file = join(dir, 'data', readdirSync(join(dir, 'data')).find((f) => f.endsWith('.csv')) as string);
  const before = readFileSync(file);
  makeWritable(dir);
  writeFileSync(file, Buffer.concat([before, Buffer.from('forged,row\n')]));
  return () => writeFileSync(file, before);
}
