/**
 * Rules 20, part 6 (fx46a, after at46 F1, F2): openssl `-text` with blanks at its lines' ends or a
 * line-number prefix; xxd / od / hexdump dumps with a prefix on every line (syslog, a time, `> `);
 * `xxd -p` indented (tab, YAML block) or with blanks at its lines' ends. Near misses stay: public
 * keys and other data in the same layouts.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { cpuMs } from '../helpers/cpu-time.js';
import { expectIdempotent } from '../helpers/redact-idempotent.js';
import { hexdumpWords, odX1z, opensslBlock, xxdG1, xxdPairs, xxdPlain, leaked } from './dump-formats.js';
import { jwkBytes, jwkOf } from '../helpers/jwk.js';

const r = compileRedactor();
const once = (t: string): string => {
  const out = r.redactString(t);
  expect(r.redactString(out)).toBe(out);
  return out;
};

const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const der = (k: typeof rsa, type: 'pkcs1' | 'pkcs8' | 'sec1'): Buffer => k.export({ format: 'der', type }) as Buffer;
const spki = (k: typeof rsa): Buffer => createPublicKey(k).export({ format: 'der', type: 'spki' }) as Buffer;
const jwkD = (k: typeof rsa): Buffer => jwkBytes(k, 'd');
const ecPub = (): Buffer => {
  const j = jwkOf(ec);
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(j.x as string, 'base64url'),
    Buffer.from(j.y as string, 'base64url'),
  ]);
};

const trail = (t: string, blanks = '   '): string => t.replace(/\r?\n/g, (m) => `${blanks}${m}`);
const prefixed = (t: string, p: (i: number) => string): string =>
  t
    .split('\n')
    .map((l, i) => `${p(i)}${l}`)
    .join('\n');
const lineNo = (i: number): string => `${String(i + 1).padStart(4)}: `;
const SYSLOG = (): string => 'Dec  6 02:55:01 host app[123]: ';
const ISO = (): string => '2026-12-06T02:55:01.123Z ';
const QUOTE = (): string => '> ';

const ecText = (): string =>
  `Private-Key: (256 bit)\n${opensslBlock('priv', jwkD(ec))}${opensslBlock('pub', ecPub())}ASN1 OID: prime256v1\n`;
const rsaText = (): string => {
  const j = jwkOf(rsa);
  const b = (k: string): Buffer => Buffer.concat([Buffer.from([0]), Buffer.from(j[k as 'd'] as string, 'base64url')]);
  return `Private-Key: (1024 bit, 2 primes)\n${opensslBlock('modulus', b('n'))}publicExponent: 65537 (0x10001)\n${opensslBlock('privateExponent', b('d'))}${opensslBlock('prime1', b('p'))}`;
};

describe('openssl -text: blanks at the lines’ ends, a line-number prefix', () => {
  const CASES: [string, string, Buffer][] = [
    ['EC, trailing blanks', trail(ecText()), jwkD(ec)],
    ['EC, trailing tab and CRLF', trail(ecText().replace(/\n/g, '\r\n'), '\t'), jwkD(ec)],
    ['RSA, trailing blanks', trail(rsaText()), jwkD(rsa)],
    ['EC, line numbers', prefixed(ecText(), lineNo), jwkD(ec)],
    ['RSA, line numbers and trailing blanks', trail(prefixed(rsaText(), lineNo)), jwkD(rsa)],
  ];
  for (const [name, text, secret] of CASES)
    it(`${name}: the private bytes go`, () => {
      expect(leaked(text, secret)).toBeGreaterThan(0);
      expect(leaked(once(text), secret)).toBe(0);
    });
  it('stays: the public key’s blocks, a short private-looking block', () => {
    const pub = trail(`${opensslBlock('pub', ecPub())}`);
    expect(once(pub)).toBe(pub);
    expect(once(prefixed(opensslBlock('pub', ecPub()), lineNo))).toBe(prefixed(opensslBlock('pub', ecPub()), lineNo));
    const short = trail('priv:\n    11:22:33:44\n');
    expect(once(short)).toBe(short);
    const out = once(trail(ecText()));
    expect(leaked(out, ecPub())).toBeGreaterThan(20);
  });
});

describe('dumps with a prefix on every line, xxd -p indented or with trailing blanks', () => {
  const sec1 = der(ec, 'sec1');
  const pkcs8 = der(ec, 'pkcs8');
  const pkcs1 = der(rsa, 'pkcs1');
  const CASES: [string, string, Buffer][] = [
    ['xxd, syslog prefix', prefixed(xxdPairs(sec1), SYSLOG), jwkD(ec)],
    ['xxd -g1, quoted', prefixed(xxdG1(pkcs1), QUOTE), jwkD(rsa)],
    ['od -A x -t x1z, ISO time', prefixed(odX1z(pkcs8), ISO), jwkD(ec)],
    ['hexdump (words), syslog prefix', prefixed(hexdumpWords(pkcs1), SYSLOG), jwkD(rsa)],
    ['xxd, line numbers', prefixed(xxdPairs(sec1), lineNo), jwkD(ec)],
    ['xxd -p, tab-indented', prefixed(xxdPlain(sec1), () => '\t'), jwkD(ec)],
    ['xxd -p, trailing blanks', trail(xxdPlain(sec1)), jwkD(ec)],
    ['xxd -p, trailing blanks and CRLF', trail(xxdPlain(pkcs1).replace(/\n/g, '\r\n')), jwkD(rsa)],
    ['xxd -p, a YAML block', `dump: |\n${prefixed(xxdPlain(sec1), () => '  ')}`, jwkD(ec)],
  ];
  for (const [name, text, secret] of CASES)
    it(`${name}: the key goes`, () => {
      expect(leaked(text, secret)).toBeGreaterThan(0);
      expect(leaked(once(text), secret)).toBe(0);
    });
  it('stays: public keys and ordinary data in the same prefixed layouts', () => {
    const data = Buffer.from(Array.from({ length: 256 }, (_v, i) => (i * 7) & 255));
    for (const b of [spki(rsa), spki(ec), data])
      for (const t of [
        prefixed(xxdPairs(b), SYSLOG),
        prefixed(odX1z(b), ISO),
        prefixed(xxdG1(b), QUOTE),
        prefixed(xxdPlain(b), () => '\t'),
        trail(xxdPlain(b)),
      ])
        expect(once(t)).toBe(t);
  });
  it('idempotent over its pieces', () => {
    const lines = prefixed(xxdPairs(sec1), SYSLOG).split('\n');
    const plain = trail(xxdPlain(sec1)).split('\n');
    const text = trail(prefixed(ecText(), lineNo)).split('\n');
    expectIdempotent(
      r,
      [
        ...lines.map((l) => `${l}\n`),
        ...plain.map((l) => `${l}\n`),
        ...text.map((l) => `${l}\n`),
        SYSLOG(),
        '\n',
        '   ',
      ],
      4601,
    );
  });
  it('linear on long prefixed near misses', () => {
    const texts = [
      `${SYSLOG()}00000000: 3077 0201 0104 2008  0w.... .\n`.repeat(8_000),
      `${'x'.repeat(95)} 00000000: 30 77\n`.repeat(4_000),
      `priv:${' '.repeat(40)}\n    11:22:\n`.repeat(8_000),
      `   1: priv:\n   2: x\n`.repeat(10_000),
      `${'ab'.repeat(30)}${' '.repeat(47)}\n`.repeat(3_000),
    ];
    for (const t of texts) expect(cpuMs(() => r.redactString(t))).toBeLessThan(2000);
  });
});
