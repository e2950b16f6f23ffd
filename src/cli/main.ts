/**
 * The CLI's one entry and one exit point (changesets' pattern): commands throw AuditpackError,
 * this maps codes to exit codes. A bug prints its stack and exits 70. Nothing here calls
 * process.exit: bin/auditpack.js sets process.exitCode from the returned number.
 */
import { Command, CommanderError } from 'commander';
import { cliLockWaitMs } from '../config.js';
import { AuditpackError, ExitCode, exitCodeFor } from '../errors.js';
import { setLockWaitDefault } from '../logger/lock-wait.js';
import { echoSafe } from './echo.js';
import { ExitWith, packageVersion } from './exit.js';
import type { CliIO } from './io.js';
import { processIO } from './io.js';
import { helpText } from './help.js';
import { COMMANDS } from './registry.js';
import { paintFor } from './render.js';

export { ExitWith, packageVersion } from './exit.js';

const PROGRAM_HELP = {
  examples: [
    ['demo', 'a sample trading day, its pack, verified (then try the commands it prints)'],
    ['export --date 2025-09-08', "build a day's pack"],
    ['verify artifacts/2025-09-08', 'check a pack; `auditpack <command> --help` for each command'],
  ],
  exits: [
    [0, 'success (verify: intact)'],
    [1, 'verify or check found problems'],
    [3, 'completed with warnings'],
    [4, 'completed without the time-stamp token asked for'],
    [5, 'export --push: exported, the push failed'],
    [66, 'no such path, logs directory or snapshot'],
    [73, 'refusing to overwrite a pack or key'],
    [74, 'reading or writing failed'],
    [75, 'refused for safety now, may succeed later'],
    [77, 'permission denied'],
    [78, 'invalid configuration or key'],
  ],
} as const;

/** Builds the commander program for an IO (exported for argv-mapping tests). */
export function buildProgram(io: CliIO): Command {
  const program = new Command();
  program
    .name('auditpack')
    .description('Tamper-evident audit logs for trading systems, and daily export packs auditors can verify.')
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .addHelpText('after', helpText(PROGRAM_HELP));
  for (const define of COMMANDS) define(program, io);
  routeOutput(program, io);
  return program;
}

/**
 * Every command, however deep: throw instead of exit, print through io, and commander's own usage
 * errors in the one documented form (`auditpack: error USAGE: …`), naming the help to read.
 */
function routeOutput(cmd: Command, io: CliIO): void {
  const path = commandPath(cmd);
  cmd.exitOverride().configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(echoSafe(s)),
    outputError: (s, write) => write(`${usageLine(io, s)}Run '${path} --help' for usage.\n`),
  });
  for (const sub of cmd.commands) routeOutput(sub, io);
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Commander's "error: …" text as `auditpack: error USAGE: …`. */
function usageLine(io: CliIO, text: string): string {
  const c = paintFor(io, 'stderr');
  return `${c.red('auditpack: error')} ${c.bold('USAGE')}: ${commanderMessage(text).trimEnd()}\n`;
}

function commanderMessage(text: string): string {
  return text.replace(/^error: /, '');
}

/** Runs the CLI with `argv` (without node and script). Resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  // With --json, stdout is for a program: an error the command did not report in its own JSON is
  // printed there too ({"ok":false,"error":{code,message,exit}}), besides the line on stderr.
  const end = argv.indexOf('--');
  const wantsJson = (end === -1 ? argv : argv.slice(0, end)).includes('--json');
  let wroteOut = false;
  const cio: CliIO = wantsJson
    ? {
        ...io,
        stdout: {
          write: (s: string | Uint8Array) => {
            wroteOut = true;
            return io.stdout.write(s);
          },
          isTTY: io.stdout.isTTY,
        },
      }
    : io;
  const program = buildProgram(cio);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return ExitCode.USAGE;
  }
  // The bound on every wait for a log lock this command's own events and checks make (lock-wait.ts),
  // read when a command runs (a bad value never breaks --help); reset after, for in-process callers.
  program.hook('preAction', () => setLockWaitDefault(cliLockWaitMs(io.env)));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return await afterResultWritten(io, ExitCode.OK);
  } catch (err) {
    const exit = handleError(err, cio);
    if (wantsJson && !wroteOut && exit !== ExitCode.OK && !(err instanceof ExitWith)) {
      const code = err instanceof AuditpackError ? err.code : err instanceof CommanderError ? 'USAGE' : 'INTERNAL';
      const message = echoSafe(commanderMessage(err instanceof Error ? err.message : String(err)));
      io.stdout.write(`${JSON.stringify({ ok: false, error: { code, message, exit } }, null, 2)}\n`);
    }
    return await afterResultWritten(io, exit);
  } finally {
    setLockWaitDefault(undefined);
  }
}

/** Exits that say the command completed, its result on stdout: 0, 3 (warnings), 4 (no time-stamp token). */
const COMPLETED: ReadonlySet<number> = new Set([ExitCode.OK, ExitCode.WARNINGS, ExitCode.UNANCHORED]);

/**
 * A result that could not be written to stdout (disk full, I/O error; not a reader that went away,
 * io.ts) turns a "completed" exit into 74, with one line on stderr and no stack: cron must not read 0
 * for a report nobody got. An exit that already says something failed (1: verify found problems,
 * 2, 5, 64 and up) is kept, since it says more than 74; the line on stderr still says the result was
 * lost. A failed write to stderr changes nothing (io.ts).
 */
async function afterResultWritten(io: CliIO, exit: number): Promise<number> {
  const failure = await io.resultWriteFailure?.();
  if (failure === undefined) return exit;
  const c = paintFor(io, 'stderr');
  const why = echoSafe(failure.message);
  io.stderr.write(
    `${c.red('auditpack: error')} ${c.bold('WRITE_FAILED')}: the result could not be written to stdout: ${why}\n`,
  );
  return COMPLETED.has(exit) ? ExitCode.IO : exit;
}

function handleError(err: unknown, io: CliIO): number {
  if (err instanceof ExitWith) return err.exitCode;
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exitCode 0; commander already printed.
    if (err.exitCode === 0) return ExitCode.OK;
    return ExitCode.USAGE;
  }
  const c = paintFor(io, 'stderr');
  if (err instanceof AuditpackError) {
    io.stderr.write(`${c.red('auditpack: error')} ${c.bold(err.code)}: ${echoSafe(err.message)}\n`);
    if (err.code === 'USAGE') io.stderr.write(`Run 'auditpack --help' for usage.\n`);
    if (err.code === 'INTERNAL' && err.stack) io.stderr.write(`${echoSafe(err.stack)}\n`);
    return exitCodeFor(err.code);
  }
  io.stderr.write(`${c.red('auditpack: error')} ${c.bold('INTERNAL')}: this is a bug in auditpack.\n`);
  io.stderr.write(`${echoSafe(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
  return ExitCode.INTERNAL;
}
