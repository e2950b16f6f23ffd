/**
 * A flattened `xxd` dump of a public key whose ASCII column ends in a key word (`….pw`, `…token`)
 * right before the next line's offset: the spaced-pair rule took the offset (`00000030:`) for the
 * word's value and censored it, though nothing in a public key is secret. Found by a loop of random
 * keys (a P-256 public key whose column read `….pw`); the key here is from it with the same bytes
 * forced. An offset followed by a blank and a hex byte is a dump's next line, never a value; real
 * values after the same words still go.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { redactOnce } from '../helpers/redact-idempotent.js';
import { spki, xxdG1, xxdPairs } from './dump-formats.js';

const r = compileRedactor();
const once = (t: string): string => redactOnce(r, t);
const flat = (t: string): string => t.replace(/\n$/, '').replace(/\n/g, ' ');

// A P-256 SubjectPublicKeyInfo whose bytes 45-47 are `.pw`: the third line's column ends `….pw`.
const P256_SPKI = Buffer.from(
  '3059301306072a8648ce3d020106082a8648ce3d03010703420004422d0df023f52c50e5be0ffc18a002180f952e70776b0c12848a8d386ba633aee4238fcceb2f1316d3fd7e3a9b64a947d7ece0562d578992eb73fa3b2cea4537',
  'hex',
);
const LAYOUTS: [string, (d: Buffer) => string][] = [
  ['xxd', (d) => xxdPairs(d)],
  ['xxd -g1', xxdG1],
  ['xxd -c 24', (d) => xxdPairs(d, 0, 24)],
];
const WRAPS: [string, (t: string) => string][] = [
  ['flattened', (t) => `${flat(t)} done`],
  ['in a sentence', (t) => `the key ${flat(t)} done`],
  ['after key:"', (t) => `key:"${flat(t)}" done`],
  ['in a JSON string', (t) => JSON.stringify({ msg: `${flat(t)} done` })],
];

describe('a public key whose column ends in a key word before the next offset', () => {
  for (const [layout, dump] of LAYOUTS)
    for (const [how, wrap] of WRAPS)
      it(`P-256 ${layout}, ${how}: nothing goes`, () => {
        const text = wrap(dump(P256_SPKI));
        expect(text).toContain('pw 0000');
        expect(once(text)).toBe(text);
      });
  it('random public keys with each key word forced at a column end, flattened: nothing goes', () => {
    for (let i = 0; i < 4; i++) {
      const d = spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
      for (const word of ['pw', 'pass', 'token', 'secret', 'passwd', 'auth'])
        for (const end of [32, 48, 64]) {
          const b = Buffer.from(d);
          b.write(`.${word}`, end - word.length - 1, 'latin1');
          const text = `dump ${flat(xxdPairs(b))} done`;
          expect(once(text)).toBe(text);
        }
    }
  });
});

describe('values after the same words still go', () => {
  it.each([
    ['pw 0a1b2c3d: x', 'pw [REDACTED] x'],
    ['secret 00000030:', 'secret [REDACTED]'],
    ['password 00000030:abcd', 'password [REDACTED]'],
    ['api_key 12345678:Zx9 rest', 'api_key [REDACTED] rest'],
  ])('%s', (text, want) => {
    expect(once(text)).toBe(want);
  });
});
