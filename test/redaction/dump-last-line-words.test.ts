/**
 * An xxd dump whose last line goes on after its ASCII column, before its own line break: the quote
 * that closes the message and words (`key:"00000000: …\n…  ..o......" done rotating keys`, behind a
 * syslog prefix too) or words alone (`…  ..o...... done`). A line with its own break ended there, so
 * the closing quote and the words went with the key; now such a line ends after its column, as a line
 * with no break of its own already did (rules 20, part 11). Found by a loop of random keys
 * (2026-12-07); the keys here are from it. And od's and hexdump's lines each in its own JSON record
 * behind a syslog prefix (`{"msg":"… app[42]: 000070 79 6b …  >yk..<"}`): their lines ended at the
 * line break, so the censor took each record's `"}` and the records no longer parsed; asn1parse's
 * labels in such records were not read at all.
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { redactOnce } from '../helpers/redact-idempotent.js';
import {
  asn1parse,
  hexdumpWords,
  leaked,
  odX1,
  odX1z,
  spki,
  xxdG1,
  xxdPairs,
  syslogLines,
  syslogRecords,
} from './dump-formats.js';
import { LOOP_KEYS } from './loop-keys.js';
import { generateKeyPairSync } from 'node:crypto';

const r = compileRedactor();
const once = (t: string): string => redactOnce(r, t);
const syslog = syslogLines;
const last = (t: string): string => t.replace(/\n$/, '');

const LAYOUTS: [string, (d: Buffer) => string][] = [
  ['xxd', (d) => xxdPairs(d)],
  ['xxd -g1', xxdG1],
  ['xxd -c 8', (d) => xxdPairs(d, 0, 8)],
  ['xxd -c 24', (d) => xxdPairs(d, 0, 24)],
  ['xxd -c 32', (d) => xxdPairs(d, 0, 32)],
  ['xxd -s 5', (d) => xxdPairs(d, 5)],
];
const WRAPS: [string, (t: string) => string, string][] = [
  ['after key:"', (t) => `key:"${last(t)}" done rotating keys\n`, '" done rotating keys\n'],
  [
    'after key:" behind a syslog prefix',
    (t) => syslog(`key:"${last(t)}" done rotating keys\n`),
    '" done rotating keys\n',
  ],
  ['words after its last line', (t) => `${last(t)} done rotating keys\n`, ' done rotating keys\n'],
];

describe("a dump's last line that goes on after its column", () => {
  for (const [name, d, secret] of LOOP_KEYS)
    for (const [layout, dump] of LAYOUTS)
      for (const [how, wrap, tail] of WRAPS)
        it(`${name}, ${layout}, ${how}: the key goes, the quote and the words stay`, () => {
          const text = wrap(dump(d));
          expect(leaked(text, secret)).toBeGreaterThan(0);
          const out = once(text);
          expect(leaked(out, secret)).toBe(0);
          expect(out.endsWith(tail)).toBe(true);
        });
  it('stays: public keys in the same layouts and wrappings', () => {
    const k = spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    for (const [, dump] of LAYOUTS)
      for (const [, wrap] of WRAPS) {
        const text = wrap(dump(k));
        expect(once(text)).toBe(text);
      }
  });
});

describe("od's, hexdump's and asn1parse's lines each in its own JSON record", () => {
  // asn1parse: each label's type and value ran on to the record's `"}` (`INTEGER :00"}`): no key was seen.
  const records = syslogRecords;
  const PLAIN: [string, (d: Buffer) => string][] = [
    ['od -A x -t x1z', (d) => odX1z(d)],
    ['od -t x1', (d) => odX1(d)],
    ['hexdump', (d) => hexdumpWords(d)],
    ['asn1parse', (d) => asn1parse(d)],
    ['asn1parse -i', (d) => asn1parse(d, { indent: true })],
    ['asn1parse -dump', (d) => asn1parse(d, { dump: true })],
  ];
  for (const [name, d, secret] of LOOP_KEYS)
    for (const [layout, dump] of PLAIN)
      it(`${name}, ${layout}: the key goes, every record parses`, () => {
        const text = records(`${dump(d)}done rotating keys\n`);
        expect(leaked(text, secret)).toBeGreaterThan(0);
        const out = once(text);
        expect(leaked(out, secret)).toBe(0);
        for (const line of out.replace(/\n$/, '').split('\n')) JSON.parse(line);
        expect(out.endsWith('host app[42]: done rotating keys"}\n')).toBe(true);
      });
});

describe('an asn1parse listing whose last value the quote that closes the message follows', () => {
  // `[HEX DUMP]:0420…97" done`: its hex went, and a later read of the listing took the censor to the
  // next blank, the quote with it.
  for (const [name, d, secret] of LOOP_KEYS)
    for (const indent of [false, true])
      it(`${name}, asn1parse${indent ? ' -i' : ''}, after key:": the key goes, the quote stays`, () => {
        const text = `key:"${last(asn1parse(d, { indent }))}" done rotating keys\n`;
        expect(leaked(text, secret)).toBeGreaterThan(0);
        const out = once(text);
        expect(leaked(out, secret)).toBe(0);
        expect(out.endsWith('" done rotating keys\n')).toBe(true);
      });
});
