/**
 * A torn tail in the day file export is about to read (a writer killed mid-write at the end of the
 * day), recovered first when a writer would recover it (docs/FORMAT.md, "Torn lines and recovery").
 *
 * Threat: export's own writes (its PackExported event) come after the pack is made, and the writer
 * that makes them recovers the tail first: its TornLineRecovered would land in the day's file after
 * the pack was cut from it. That event would be in no pack, the next day's first line chains to it,
 * so the next pack would not link to this one, and once the day file is pruned the event is gone.
 * Recovered here, before the file is read, the pack holds the fragment and the event describing it.
 *
 * The recovery is the writer's (settleLog, FileSink), under the log lock, never a copy of it: it
 * recovers a fragment only where a writer would (the newest day file, or a newer one holding only a
 * fragment), and only when its cached head says the bytes are no append in progress. A tail in an
 * older day file stays as it is, and the pack reports it (unterminated), as before.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { openRegularSync } from '../fsx/regular.js';
import { settleLog } from '../logger/index.js';
import { logFileName } from '../rotation/index.js';

/** Recovers a torn tail of day `day`'s file under the log lock, when it has one and a writer would recover it. */
export async function recoverDayTail(logDir: string, day: number, clock: (() => number) | undefined): Promise<void> {
  if (!endsUnterminated(join(logDir, logFileName(day)))) return;
  await settleLog({ logDir, ...(clock === undefined ? {} : { clock }) });
}

/**
 * Whether the file's last byte is not `\n`. Read without the lock, as a hint only: the writer's own
 * code decides under the lock. A file that cannot be read is left to the scan, which reports it.
 */
function endsUnterminated(path: string): boolean {
  let fd: number;
  try {
    fd = openRegularSync(path);
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
