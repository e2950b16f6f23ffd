/**
 * A day file as a writer killed in the middle of its write leaves it: the next line the real logger
 * would write (made in a copy of the log directory, so the chain, the lock file's cached head and
 * the bytes are exactly production's), of which only a prefix reached the file.
 */
import { cpSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/tmp.js';
import { writeDay } from '../helpers.js';

/** The bytes the logger would append next to `date`'s file for one event logged at `time` (UTC). */
export async function nextLineBytes(
  logDir: string,
  date: string,
  event: { category: string; event: string; fields?: Record<string, unknown> },
  time: string,
): Promise<Buffer> {
  const copy = join(tempDir(), 'logs');
  cpSync(logDir, copy, { recursive: true });
  const file = `audit-${date.replaceAll('-', '')}.jsonl`;
  const before = statSync(join(copy, file)).size;
  await writeDay(copy, date, [event], time);
  return readFileSync(join(copy, file)).subarray(before);
}
