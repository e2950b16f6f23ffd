/** A synthetic day's log (bench/lib/synthetic-day.ts) written to a temp file and read back as scanned lines. */
import { join } from 'node:path';
import { scanLines, type ScannedLine } from '../../src/chain/lines.js';
import { writeSyntheticDay } from '../../bench/lib/synthetic-day.js';
import { tempDir } from './tmp.js';

/** `events` events of 2025-09-08 in `audit-20250908.jsonl`, every line as scanLines gives it. */
export async function scannedSyntheticDay(events: number): Promise<ScannedLine[]> {
  const log = join(tempDir(), 'audit-20250908.jsonl');
  writeSyntheticDay(log, '2025-09-08', events);
  const lines: ScannedLine[] = [];
  await scanLines(log, (l) => lines.push(l));
  return lines;
}

/**
 * Pushes `lines` as a log pass does (scanLines' 1 MiB chunks): after each MiB of them, `each` is
 * called, then the push waits at `to.room()` while the derivation is behind.
 */
export async function pushAsRead(
  lines: readonly ScannedLine[],
  to: { push(l: ScannedLine): void; room(): Promise<void> | undefined },
  each?: () => void,
): Promise<void> {
  let chunk = 0;
  for (const l of lines) {
    to.push(l);
    chunk += l.length + 1;
    if (chunk < 1024 * 1024) continue;
    chunk = 0;
    each?.();
    const room = to.room();
    if (room !== undefined) await room;
  }
}
