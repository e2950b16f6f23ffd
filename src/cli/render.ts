/**
 * Rendering for people: the only module that imports chalk. Colour only when the stream is a
 * terminal and NO_COLOR is unset (https://no-color.org); FORCE_COLOR forces it for demos.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { CliIO } from './io.js';
import { printableJson } from './printable.js';

/** A chalk instance for a stream, honouring TTY, NO_COLOR and FORCE_COLOR. */
export function paintFor(io: CliIO, stream: 'stdout' | 'stderr' = 'stdout'): ChalkInstance {
  const env = io.env;
  let level: 0 | 1 = 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') level = 0;
  else if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== '') level = 1;
  else if (io[stream].isTTY === true && env.TERM !== 'dumb') level = 1;
  return new Chalk({ level });
}

/**
 * Writes a JSON document on stdout (pretty, newline-terminated). JSON.stringify escapes C0
 * controls and lone surrogates; printableJson escapes the rest a terminal acts on (C1, bidi).
 */
export function printJson(io: CliIO, value: unknown): void {
  const text: string | undefined = JSON.stringify(value, null, 2);
  io.stdout.write(`${text === undefined ? text : printableJson(text)}\n`);
}

/** Marks for check lines: ✓ ok, ✗ problem, ! warning, - nothing there to check (never a ✓). */
export function mark(io: CliIO, kind: 'ok' | 'fail' | 'warn' | 'none', stream: 'stdout' | 'stderr' = 'stdout'): string {
  const c = paintFor(io, stream);
  if (kind === 'ok') return c.green('✓');
  if (kind === 'none') return c.dim('-');
  if (kind === 'fail') return c.red('✗');
  return c.yellow('!');
}
