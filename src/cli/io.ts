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
}

/** The real process's IO. */
export function processIO(): CliIO {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: quietOnEpipe(process.stdout),
    stderr: quietOnEpipe(process.stderr),
  };
}

/**
 * A reader that went away (`auditpack verify … | head -1`) is not an error: like coreutils, which
 * SIGPIPE ends quietly, the rest of the output is dropped without a word and the command still
 * exits with its own status. Node ignores SIGPIPE, so the write fails with EPIPE instead; without
 * a listener that becomes an uncaught exception with a stack trace.
 */
function quietOnEpipe<S extends NodeJS.WriteStream>(stream: S): S {
  let gone = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      gone = true;
      return;
    }
    throw err;
  });
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array) => boolean;
  return Object.assign(Object.create(stream) as S, {
    write: (chunk: string | Uint8Array): boolean => (gone ? true : write(chunk)),
  });
}
