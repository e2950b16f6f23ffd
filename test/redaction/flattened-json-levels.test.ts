/**
 * A flattened dump (lines joined by blanks) in JSON in a JSON string, or one level deeper, whose
 * last line's ASCII column shows `"` or `\` (escaped at every level: `\\\"`, `\\\\`): the flattened
 * view reads the text one level short (the quote that opened the dump's string is a line break in
 * the view), so the column ended inside the escape and the censor cut it in two: the inner JSON no
 * longer parsed. CI's random keys met it in rules-20-part9 (an EC key whose DER ends in 0x22; one key
 * in 256 of each kind). And a last line whose column shows `\` then `n` (`\\\\n` there) was left to
 * the escaped view, which read it after the first lines were censored: 11 bytes of the seed stayed.
 * Found by a loop of random keys with those bytes put in (2026-12-07); the keys here are from it.
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { redactOnce } from '../helpers/redact-idempotent.js';
import { leaked, odX1z, xxdG1, xxdPairs } from './dump-formats.js';

const r = compileRedactor();
const flat = (t: string): string => t.replace(/\n$/, '').replace(/\n/g, ' ');

const EC_SEC1 =
  '30770201010420f0fa34f61784c81c0e2c33d7e54e0ebe93f5593430c6f37738183eb9ae05b1c8a00a06082a8648ce3d030107a14403420004b3d0b3d5bb1b3faccd8d044e3be312c292b1cd47f54244d3f7c310b0705038a458166bda387aef8b9fe0ad9ed658128816ac6e28ee1125f2b0d5517f60b67a22';
const ED_PKCS8 = '302e020100300506032b657004220420820be3ecc0029caf2d4360f6ecd3aa9c5a0d0e7fce3f87063f1e1c4a3f5c6eb0';

const LEVELS: [string, number, (t: string) => string][] = [
  ['JSON in a JSON string', 2, (t) => JSON.stringify({ line: JSON.stringify({ msg: t }) })],
  ['three levels', 3, (t) => JSON.stringify({ a: JSON.stringify({ line: JSON.stringify({ msg: t }) }) })],
];
const LAYOUTS: [string, (d: Buffer) => string][] = [
  ['xxd', (d) => xxdPairs(d)],
  ['xxd -g1', (d) => xxdG1(d)],
  ['od -A x -t x1z', (d) => odX1z(d)],
];

/** Each level parses, and the innermost string is the text's message. */
function innermost(out: string, depth: number): string {
  let v: unknown = out;
  for (let i = 0; i < depth; i++) {
    v = JSON.parse(v as string);
    v = Object.values(v as object)[0];
  }
  return v as string;
}

describe('a flattened dump in JSON in a JSON string whose last column shows " or \\', () => {
  for (const last of [0x22, 0x5c])
    for (const [level, depth, wrap] of LEVELS)
      for (const [layout, dump] of LAYOUTS)
        it(`0x${last.toString(16)}, ${layout}, ${level}: the key goes, every level parses`, () => {
          const d = Buffer.from(EC_SEC1, 'hex');
          d[d.length - 1] = last;
          const secret = d.subarray(7, 39);
          const text = wrap(flat(dump(d)));
          expect(leaked(text, secret)).toBeGreaterThan(0);
          const out = redactOnce(r, text);
          expect(leaked(out, secret)).toBe(0);
          expect(innermost(out, depth)).toMatch(/^0{6,8}:? /);
        });
});

describe("a flattened dump in JSON in a JSON string whose last column shows '\\n'", () => {
  for (const [level, depth, wrap] of LEVELS)
    for (const [layout, dump] of LAYOUTS)
      it(`${layout}, ${level}: the seed goes whole`, () => {
        const d = Buffer.from(ED_PKCS8, 'hex');
        const secret = d.subarray(16);
        const text = wrap(flat(dump(d)));
        expect(leaked(text, secret)).toBeGreaterThan(0);
        const out = redactOnce(r, text);
        expect(leaked(out, secret)).toBe(0);
        innermost(out, depth);
      });
});
