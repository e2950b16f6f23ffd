/**
 * The LogPruned events the kept day files of a logs directory hold for files removed earlier: the
 * chain's own record of each removal, read by the prune's carried-forward walks (config in force,
 * packs kept unverified) before it removes more.
 */
import { join } from 'node:path';
import { LOG_PRUNED_EVENT, WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import { linesContaining, parseObjectLine } from '../fsx/lines-containing.js';
import { dayOfLogFileName } from '../rotation/index.js';

const PRUNED_MARK = Buffer.from(JSON.stringify(LOG_PRUNED_EVENT));

/**
 * Every LogPruned event in `files` (present day files of `logDir`) whose `file` is a day file dated
 * before `last` and no longer present, with its day, in file order (a file recorded twice, by a prune
 * killed after its event and run again, is given twice: the caller picks).
 */
export async function removalsBefore(
  logDir: string,
  files: Iterable<string>,
  present: ReadonlyMap<number, string>,
  last: number,
): Promise<{ day: number; ev: Record<string, unknown> }[]> {
  const out: { day: number; ev: Record<string, unknown> }[] = [];
  for (const file of files) {
    for (const line of (await linesContaining(join(logDir, file), PRUNED_MARK)) ?? []) {
      const ev = parseObjectLine(line);
      if (ev?.category !== WRITER_EVENT_CATEGORY || ev.event !== LOG_PRUNED_EVENT || typeof ev.file !== 'string')
        continue;
      const day = dayOfLogFileName(ev.file);
      if (day === undefined || day >= last || present.has(day)) continue;
      out.push({ day, ev });
    }
  }
  return out;
}
