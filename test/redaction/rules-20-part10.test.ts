/**
 * Rules 20, part 10 (fx56b, the outside pass at54): `xxd -c 24` / `-c 32` of an Ed25519 key
 * flattened by single spaces (two offsets, the last line to the text's end), `xxd -p` joined by
 * other separators (a tab, two blanks, a blank line, a JSON array of its lines), and `xxd -p -c 12`
 * / `-c 8` of a whole key (tokens under 32 digits). Near misses stay: digests, ids and
 * data joined the same ways, public keys.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { cpuMs } from '../helpers/cpu-time.js';
import { redactOnce } from '../helpers/redact-idempotent.js';
import { keyCases, leaked, makeKeys, spki, xxdPairs, xxdPlain } from './dump-formats.js';

const r = compileRedactor();
const once = (t: string): string => redactOnce(r, t);
const { rsa, ec, ed } = makeKeys();
const KEYS = keyCases({ rsa, ec, ed });
const lines = (t: string): string[] => t.replace(/\n$/, '').split('\n');
const flat = (t: string): string => lines(t).join(' ');

function expectGone(text: string, secret: Buffer): void {
  expect(leaked(text, secret)).toBeGreaterThan(0);
  const out = once(text);
  expect(leaked(out, secret)).toBe(0);
  if (text.startsWith('{')) expect(() => JSON.parse(out)).not.toThrow();
}

describe('xxd -c N flattened by single spaces, the last line to the text end', () => {
  const CONTEXTS: [string, (t: string) => string][] = [
    ['alone', (t) => t],
    ['after a message', (t) => `key: ${t}`],
    ['text after it', (t) => `${t} done`],
    ['in a JSON string', (t) => JSON.stringify({ msg: t, venue: 'XNYS' })],
  ];
  for (const cols of [8, 12, 24, 32])
    for (const [ctx, wrap] of CONTEXTS)
      it.each(KEYS)(`-c ${cols}, ${ctx}: %s`, (_n, d, secret) => expectGone(wrap(flat(xxdPairs(d, 0, cols))), secret));
});

const JOINS: [string, (l: string[]) => string][] = [
  ['a tab', (l) => l.join('\t')],
  ['two blanks', (l) => l.join('  ')],
  ['a blank line', (l) => `${l.join('\n\n')}\n`],
  ['a blank line, CRLF', (l) => `${l.join('\r\n\r\n')}\r\n`],
  ['a JSON array', (l) => JSON.stringify({ dump: l })],
  ['a JSON array with blanks', (l) => `{"dump": [${l.map((x) => JSON.stringify(x)).join(', ')}]}`],
];

describe('xxd -p joined by other separators', () => {
  for (const [j, join] of JOINS)
    it.each(KEYS)(`joined by ${j}: %s`, (_n, d, secret) => expectGone(join(lines(xxdPlain(d))), secret));
});

describe('xxd -p -c 12 / 8 of a whole key', () => {
  for (const cols of [12, 8]) {
    it.each(KEYS)(`-c ${cols}: %s`, (_n, d, secret) => expectGone(xxdPlain(d, cols), secret));
    it.each(KEYS)(`-c ${cols} in a JSON array: %s`, (_n, d, secret) =>
      expectGone(JSON.stringify({ dump: lines(xxdPlain(d, cols)) }), secret),
    );
  }
});

describe('stays: digests, ids, data and public keys joined the same ways', () => {
  const digests = Array.from({ length: 8 }, (_v, i) => createHash('sha256').update(`e${i}`).digest('hex'));
  const sha512 = Array.from({ length: 4 }, (_v, i) => createHash('sha512').update(`e${i}`).digest('hex'));
  const ids = Array.from({ length: 12 }, (_v, i) => createHash('md5').update(`o${i}`).digest('hex').slice(0, 24));
  const data = Buffer.from(Array.from({ length: 256 }, (_v, i) => (i * 7) & 255));
  it('sha256 / sha512 lists and hex order ids, every separator', () => {
    for (const list of [digests, sha512, ids, ids.map((x) => x.slice(0, 16)), ids.map((x) => x.slice(0, 8))])
      for (const [, join] of JOINS) {
        const t = join(list);
        expect(once(t)).toBe(t);
      }
  });
  it('public keys and data as xxd -p of every width and join', () => {
    for (const b of [spki(rsa), spki(ec), spki(ed), data])
      for (const cols of [30, 16, 12, 8, 4])
        for (const [, join] of JOINS) {
          const t = join(lines(xxdPlain(b, cols)));
          expect(once(t)).toBe(t);
        }
  });
  it('data that starts with 30 and holds 0201 in narrow tokens', () => {
    const t = `${['3082020102010203', '0405060708090a0b', '0c0d0e0f10111213', '1415'].join('\n')}\n`;
    expect(once(t)).toBe(t);
  });
});

describe('linear', () => {
  it('long near misses stay under 2 s of CPU', () => {
    const texts = [
      '3082020102010203\t'.repeat(40_000),
      `"${'ab'.repeat(30)}", `.repeat(8_000),
      `${'ab'.repeat(30)}\n\n`.repeat(8_000),
    ];
    for (const t of texts) expect(cpuMs(() => r.redactString(t))).toBeLessThan(2000);
  });
});
