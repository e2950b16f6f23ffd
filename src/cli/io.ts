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
  return { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr };
}
