/** Six days of events in one chained log, and export options for an artifacts directory beside it. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportPackOptions } from '../../../src/pack/export.js';
import { tempDir } from '../../helpers/tmp.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from '../../pack/helpers.js';

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
