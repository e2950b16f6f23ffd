/** The records of a logs directory's day files, in file order, for tests that inspect what was written. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function lines(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'));
}

/** Every non-empty line parsed as JSON (a line that is not JSON throws: the test fails). */
export function logRecords(dir: string): Record<string, unknown>[] {
  return lines(dir)
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The lines that parse as JSON, others (a torn tail, an empty line) skipped. */
export function parsableLogRecords(dir: string): Record<string, unknown>[] {
  return lines(dir).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Each day file's lines that end with a line break (a torn fragment at a file's end left out). */
export function completeLogLines(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').slice(0, -1));
}

/** Every non-empty line of one day file parsed as JSON (a line that is not JSON throws: the test fails). */
export function fileRecords(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
