import { fstatSync, writeSync } from 'node:fs';

/**
 * What a CLI command may touch of the outside world, injected so tests can run commands in-process.
 * Only src/cli and bin use process.* directly; they build this object once.
 */
export interface CliIO {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Results. Bytes are written as they are (e.g. `snapshot show --file` of a binary file). */
  readonly stdout: { write(s: string | Uint8Array): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  /**
   * Resolves once what was written to stdout so far has reached it or failed, with the error when
   * writing it failed (a full disk, an I/O error; never a reader that went away). Absent: stdout
   * cannot fail (an in-process test's capture).
   */
  readonly resultWriteFailure?: () => Promise<NodeJS.ErrnoException | undefined>;
}

/** The real process's IO. */
export function processIO(): CliIO {
  const stdout = guardWrites(process.stdout);
  const stderr = guardWrites(process.stderr);
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: stdout.stream,
    stderr: stderr.stream,
    resultWriteFailure: stdout.failure,
  };
}

/**
 * A write to stdout or stderr that fails never throws into the command, nor as an uncaught
 * exception (Node emits the error on the stream a tick later; without a listener it ends the
 * process with a stack and exit 1, which for `verify` means "problems found").
 *
 * - A reader that went away (`auditpack verify … | head -1`, EPIPE) is not an error: like coreutils,
 *   which SIGPIPE ends quietly, the rest of the output is dropped without a word and the command
 *   exits with its own status (Node ignores SIGPIPE, so the write fails with EPIPE instead).
 * - Any other failure (ENOSPC, EIO, EFBIG: `2>>/var/log/x` with /var full) drops the rest of that
 *   stream's output too, and is remembered: on stderr (notes, warnings, progress) it changes
 *   nothing, since work that succeeded (an event fsynced by `auditpack log`) must not be reported as
 *   failed and retried; on stdout it is the result that was lost, and main.ts ends with 74.
 */
function guardWrites<S extends NodeJS.WriteStream>(
  stream: S,
): { stream: S; failure: () => Promise<NodeJS.ErrnoException | undefined> } {
  let gone = false;
  let failed: NodeJS.ErrnoException | undefined;
  const onError = (err: NodeJS.ErrnoException): void => {
    if (gone) return; // e.g. a write queued before the EPIPE, failed with it
    if (err.code === 'EPIPE') gone = true;
    else failed ??= err;
  };
  stream.on('error', onError);
  const write = regularFileOf(stream) ?? (stream.write.bind(stream) as (chunk: string | Uint8Array) => boolean);
  const guarded = Object.assign(Object.create(stream) as S, {
    write: (chunk: string | Uint8Array): boolean => {
      if (gone || failed !== undefined) return true;
      try {
        return write(chunk);
      } catch (err) {
        onError(err as NodeJS.ErrnoException);
        return true;
      }
    },
  });
  const failure = async (): Promise<NodeJS.ErrnoException | undefined> => {
    // Errors arrive a tick after the write (process.nextTick); a write still queued (a slow pipe)
    // ends in 'drain', 'error' or 'close'.
    await new Promise((resolve) => setImmediate(resolve));
    if (!gone && failed === undefined && stream.writableLength > 0 && !stream.destroyed)
      await new Promise((resolve) => {
        for (const e of ['drain', 'error', 'close']) stream.once(e, resolve);
      });
    return failed;
  };
  return { stream: guarded, failure };
}

/**
 * A write to `stream`'s descriptor when it is a regular file (`> out.json`), else undefined. Node
 * writes such a stream with one `fs.writeSync` per chunk and takes a short write (a disk that fills
 * up, `ulimit -f`) as done: a `--json` result, one write, was left cut in half with exit 0 and no
 * word (at49 F1). Here each chunk is written until every byte is; the write after a short one
 * fails (ENOSPC, EFBIG), and that failure is the one remembered.
 */
function regularFileOf(stream: NodeJS.WriteStream): ((chunk: string | Uint8Array) => boolean) | undefined {
  const fd = (stream as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return undefined;
  try {
    if (!fstatSync(fd).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return (chunk) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    return true;
  };
}
