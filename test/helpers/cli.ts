import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkJsonOutput } from './json-output.js';

export const BIN = fileURLToPath(new URL('../../bin/auditpack.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/auditpack.js → dist/) in `cwd`, without colour, like a user or cron would. */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; input?: string },
): CliRun {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: undefined,
    ...options.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
    input: options.input ?? '',
  });
  checkJsonOutput(args, r.stdout, r.status);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
