/**
 * Rules 19: a private key as hex of its DER with a separator between bytes: `30:82:04:bc:…`
 * (openssl and asn1parse dumps, wrapped at 15 bytes a line), `30 82 04 bc …` (hexdump, a debugger),
 * `30-82-…`, `\x30\x82\x04…` (a C or Python literal, a PostgreSQL bytea). Rules 18's hex rule took
 * only unbroken hex (`308204bc…`, `0x30…`, `%30%82…`), so every byte of these stayed in clear.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const hexOf = (der: Buffer): string[] => [...der].map((b) => b.toString(16).padStart(2, '0'));
const KEYS: [string, string[]][] = [
  [
    'RSA PKCS#8',
    hexOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs8' })),
  ],
  [
    'RSA PKCS#1',
    hexOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs1' })),
  ],
  [
    'EC SEC1',
    hexOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'sec1' })),
  ],
  ['Ed25519', hexOf(generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }))],
];
const FORMS: [string, (h: string[]) => string][] = [
  ['colons', (h) => h.join(':')],
  ['blanks', (h) => h.join(' ')],
  ['dashes', (h) => h.join('-')],
  ['\\x escapes', (h) => h.map((b) => `\\x${b}`).join('')],
  [
    'an openssl dump, 15 bytes a line',
    (h) =>
      h
        .map((b, i) => (i % 15 === 14 ? `${b}:\n    ` : `${b}:`))
        .join('')
        .replace(/:(\n {4})?$/, ''),
  ],
];

describe.each(KEYS)('a %s key as separated hex', (_k, hex) => {
  it.each(FORMS)('%s: no byte run of it stays', (_f, form) => {
    const text = `loaded key=${form(hex)} qty=100 px=1.25`;
    const out = r.redactString(text);
    expect(out).toBe('loaded key=[REDACTED] qty=100 px=1.25');
    expect(r.redactString(out)).toBe(out);
  });
});

describe('a long truncated dump goes from 100 bytes on', () => {
  it('the first 120 bytes of an RSA key, colons', () => {
    const hex = (KEYS[0] as [string, string[]])[1].slice(0, 120);
    expect(r.redactString(`k ${hex.join(':')}\nnext line qty=5`)).toBe('k [REDACTED]\nnext line qty=5');
  });
});

describe('near misses: hex with separators that is no private key stays', () => {
  const pub = hexOf(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }),
  );
  it.each([
    // a public key dump (SubjectPublicKeyInfo: no version INTEGER first)
    `spki ${pub.join(':')} ok ${'.'.repeat(100)}`,
    // MAC addresses, times, a FIX message with 02 01 00 in it, a forged short header
    `macs 30:82:04:bc:02:01 00:1a:2b:3c:4d:5e at 10:30:02:01:00 ${'x'.repeat(120)}`,
    `8=FIX.4.4|35=D|55=EURUSD|44=1.10050|38=100000|30 82 04 bc 02 01 00 30|58=test ${'y'.repeat(100)}`,
    `hdr 30:82:04:bc:02:01:00:30:0d:06:09:2a:86:48:86:f7:0d:01:01:01:05:00 then text ${'z'.repeat(100)}`,
    `sha256 ${'30 82 04 bc 02 01 00 '.length} ${Array.from({ length: 64 }, (_, i) => ((i * 37) % 256).toString(16).padStart(2, '0')).join(':')}`,
  ])('%#', (text) => {
    expect(r.redactString(text)).toBe(text);
  });
});

describe('idempotent on dumps and ordinary hex', () => {
  it('redacting twice is redacting once', () => {
    const hex = (KEYS[3] as [string, string[]])[1];
    const piece = fc.oneof(
      fc.constantFrom(
        hex.join(':'),
        hex.join(' '),
        hex.slice(0, 20).join(':'),
        '30:82:04:bc:02:01:00:',
        ' ',
        '\n',
        'qty=100',
      ),
      fc.constantFrom('0d', '02 01 00 ', '\\x30\\x82', 'EURUSD'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const once = r.redactString(parts.join(''));
        expect(r.redactString(once)).toBe(once);
      }),
      { numRuns: 300, seed: 20261205 },
    );
  });
});
