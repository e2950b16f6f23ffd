/**
 * The redactor's idempotence property: redacting a text made of the given pieces twice gives what
 * redacting it once gave. Pieces are the forms a rule finds, their cues alone and near misses, so
 * that a censor glued to a cue or a key cut in half by another piece is tried too.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Redactor } from '../../src/redaction/index.js';

/** Asserts redactString(redactString(t)) === redactString(t) for texts of up to `maxLength` (16) pieces joined. */
export function expectIdempotent(
  r: Redactor,
  pieces: readonly string[],
  seed: number,
  numRuns = 400,
  maxLength = 16,
): void {
  const piece = fc.constantFrom(...pieces);
  fc.assert(
    fc.property(fc.array(piece, { maxLength }), (parts) => {
      const out = r.redactString(parts.join(''));
      expect(r.redactString(out)).toBe(out);
    }),
    { numRuns, seed },
  );
}

/** `t` redacted once by `r`, asserting that redacting the result again changes nothing. */
export function redactOnce(r: Redactor, t: string): string {
  const out = r.redactString(t);
  expect(r.redactString(out)).toBe(out);
  return out;
}
