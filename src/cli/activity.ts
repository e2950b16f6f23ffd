/**
 * A progress line for work whose size the library does not report as it goes (verify of a large
 * `.tar.gz` reads, hashes and re-derives for seconds): what is being done and for how long, on
 * stderr, only when stderr is a terminal; cleared when the work ends. Nothing at all otherwise, so
 * cron mail and pipes stay clean.
 */
import type { CliIO } from './io.js';

const TICK_MS = 250;

/** Runs `work` with an elapsed-time line about `what` on a terminal. */
export async function withActivity<T>(io: CliIO, what: string, work: () => Promise<T>): Promise<T> {
  if (io.stderr.isTTY !== true) return work();
  const start = Date.now();
  const show = (): void => {
    io.stderr.write(`\r${what} … ${((Date.now() - start) / 1000).toFixed(1)} s\x1b[K`);
  };
  show();
  const timer = setInterval(show, TICK_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    io.stderr.write('\r\x1b[K');
  }
}
