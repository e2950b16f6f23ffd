/**
 * The CLI's lowest module: what every command may need without importing the entry point
 * (main.ts imports the commands, so a command importing main.ts would close a circle).
 */
import { readFileSync } from 'node:fs';

/** Thrown by a command to end with a given exit code after it printed its own result (e.g. verify found problems). */
export class ExitWith extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

let version: string | undefined;

/** The version from package.json (read once). */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return version;
}

const DAY_MS = 86_400_000;

/** Yesterday's UTC date for a clock: the default day of export, check and archive push. */
export function yesterdayUtc(nowMs: number): string {
  return new Date((Math.floor(nowMs / DAY_MS) - 1) * DAY_MS).toISOString().slice(0, 10);
}

/** Today's UTC date for a clock. */
export function todayUtc(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}
