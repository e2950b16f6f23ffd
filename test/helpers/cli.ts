import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { checkJsonOutput } from './json-output.js';

export const BIN = fileURLToPath(new URL('../../bin/auditpack.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a CLI run gets: this process's, without colour, with `extra` (an undefined value unsets). */
function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...extra };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env as NodeJS.ProcessEnv;
}

/** Runs the built CLI (bin/auditpack.js → dist/) in `cwd`, without colour, like a user or cron would. */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; input?: string },
): CliRun {
  const env = cliEnv(options.env);
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env,
    encoding: 'utf8',
    input: options.input ?? '',
  });
  checkJsonOutput(args, r.stdout, r.status);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A runner of the built CLI in `cwd` that expects exit 0 and keeps every run in `runs` (their output searched later). */
export function okRunner(cwd: string, runs: CliRun[]): (args: string[]) => CliRun {
  return (args) => {
    const r = runCli(args, { cwd });
    runs.push(r);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
}

/**
 * Runs the built CLI without blocking this process: the test TSA answers from this process's event
 * loop, so spawnSync would leave every request unanswered.
 */
export function runCliAsync(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliRun> {
  const env = cliEnv(options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        checkJsonOutput(args, stdout, code);
        resolve({ code, stdout, stderr });
      } catch (err) {
        reject(err);
      }
    });
  });
}
