/**
 * Rules 20, part 3: a DER private key in the dump layouts the earlier parts left in clear. openssl's
 * `-text` dumps with a syslog or journald prefix on every line, flattened to one line, or inside a
 * JSON string; `xxd -p` (plain hex wrapped at 60 digits), `od -A x -t x1z`, `od -t x1`, plain
 * `hexdump` (16-bit little-endian words), an `xxd -g1` dump inside a JSON string. Near misses stay:
 * a public key and a certificate dumped the same ways, ordinary data dumps, MAC addresses in syslog.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { expectIdempotent } from '../helpers/redact-idempotent.js';
import { hexdumpWords, odX1, odX1z, opensslBlock, xxdG1, xxdPairs, xxdPlain } from './dump-formats.js';
import { jwkBytes } from '../helpers/jwk.js';

const r = compileRedactor();
const once = (t: string): string => {
  const out = r.redactString(t);
  expect(r.redactString(out)).toBe(out);
  return out;
};
/** Bytes 4-13 of a secret as colon-hex, plain hex and each dump's spelling: none may be left. */
const traces = (b: Buffer): string[] => {
  const m = b.subarray(4, 14);
  const pairs = [...m].map((x) => x.toString(16).padStart(2, '0'));
  return [pairs.join(':'), m.toString('hex'), pairs.slice(0, 8).join(' ')];
};
const expectGone = (out: string, secret: Buffer): void => {
  for (const t of traces(secret)) expect(out).not.toContain(t);
};
/** Little-endian words of a secret's middle, as plain hexdump prints them (any alignment). */
const wordTraces = (b: Buffer): string[] =>
  [4, 5].map((o) => {
    const w: string[] = [];
    for (let k = o; k < o + 8; k += 2)
      w.push(`${b.subarray(k + 1, k + 2).toString('hex')}${b.subarray(k, k + 1).toString('hex')}`);
    return w.join(' ');
  });

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const ed = generateKeyPairSync('ed25519').privateKey;
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
const bignum = (b: Buffer): Buffer => ((b[0] as number) >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
const RSA_PRIVATE: [string, string][] = [
  ['privateExponent', 'd'],
  ['prime1', 'p'],
  ['prime2', 'q'],
  ['exponent1', 'dp'],
  ['exponent2', 'dq'],
  ['coefficient', 'qi'],
];
const ecPub = Buffer.concat([Buffer.from([4]), jwkBytes(ec, 'x'), jwkBytes(ec, 'y')]);
const ecText = `Private-Key: (256 bit)\n${opensslBlock('priv', jwkBytes(ec, 'd'))}${opensslBlock('pub', ecPub)}ASN1 OID: prime256v1\nNIST CURVE: P-256\n`;
const edText = `ED25519 Private-Key:\n${opensslBlock('priv', jwkBytes(ed, 'd'))}${opensslBlock('pub', jwkBytes(ed, 'x'))}`;
const rsaText = `Private-Key: (1024 bit, 2 primes)\n${opensslBlock('modulus', bignum(jwkBytes(rsa, 'n')))}publicExponent: 65537 (0x10001)\n${RSA_PRIVATE.map(
  ([label, m]) => opensslBlock(label, bignum(jwkBytes(rsa, m))),
).join('')}`;
const TEXTS: [string, string, Buffer[], Buffer][] = [
  ['EC P-256', ecText, [jwkBytes(ec, 'd')], ecPub],
  ['Ed25519', edText, [jwkBytes(ed, 'd')], jwkBytes(ed, 'x')],
  ['RSA', rsaText, RSA_PRIVATE.map(([, m]) => jwkBytes(rsa, m)), jwkBytes(rsa, 'n')],
];
const syslog = (t: string): string =>
  t
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `Dec 05 17:00:00 host app[42]: ${l}\n`)
    .join('');
const journald = (t: string): string =>
  t
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => `2026-12-05T17:00:0${i % 10}+0000 host app[4242]: ${l}\n`)
    .join('');
const joined = (t: string): string =>
  t
    .split('\n')
    .map((l) => l.trim())
    .join(' ');

describe('openssl -text dumps with a prefix on each line, flattened, inside JSON (at39 F4)', () => {
  describe.each(TEXTS)('%s', (_name, text, secrets, pub) => {
    it.each([
      ['syslog prefix', syslog],
      ['journald prefix, its time changing', journald],
      ["' '.join(lines)", joined],
      ['line breaks replaced by a space', (t: string) => t.replace(/\n/g, ' ')],
      ['inside a JSON string', (t: string) => JSON.stringify({ stdout: t })],
      ['inside a JSON string, CRLF', (t: string) => JSON.stringify({ stdout: t.replace(/\n/g, '\r\n') })],
    ])('%s: the private components go, the public one stays', (_layout, layout) => {
      const out = once(layout(text));
      for (const s of secrets) expectGone(out, s);
      expect(out).toContain((traces(pub)[0] as string).slice(0, 20));
    });
  });

  it('keeps the lines and the prefixes around the censor; the key size note stays', () => {
    const out = once(syslog(ecText));
    expect(out).toContain('Dec 05 17:00:00 host app[42]: Private-Key: (256 bit)\n');
    expect(out).toContain('Dec 05 17:00:00 host app[42]: priv:\nDec 05 17:00:00 host app[42]:     [REDACTED]\n');
    expect(out).toContain('Dec 05 17:00:00 host app[42]: pub:\n');
    expect(once(joined(ecText))).toContain('Private-Key: (256 bit) priv: [REDACTED] pub: 04:');
  });

  it('stays: a certificate or public key dumped the same ways, MAC addresses, a priv run not in 15-byte lines', () => {
    const pub = createPublicKey(rsa);
    const cert = [
      'Certificate:',
      '    Data:',
      '        Serial Number:',
      '            4b:0e:56:9c:6f:59:bf:87:81:32:6d:e0:4f:85:d2:f6:17:00:2a:0f',
      '        Signature Algorithm: sha256WithRSAEncryption',
      '            Public Key Algorithm: rsaEncryption',
      '                Public-Key: (1024 bit)',
      opensslBlock('                Modulus', bignum(jwkBytes(pub, 'n'))).replace(
        /^ {4}(?=[0-9a-f])/gm,
        '                    ',
      ),
    ].join('\n');
    const pubText = `Public-Key: (256 bit)\n${opensslBlock('pub', ecPub)}ASN1 OID: prime256v1\n`;
    for (const t of [cert, pubText])
      for (const layout of [syslog, journald, joined, (x: string) => JSON.stringify({ stdout: x })])
        expect(once(layout(t))).toBe(layout(t));
    for (const t of [
      'Dec 05 17:00:00 host kernel: eth0: link up, mac: aa:bb:cc:dd:ee:ff\nDec 05 17:00:01 host kernel:     aa:bb:cc:dd:ee:ff:00:11:22:33:44:55\n',
      'Dec 05 17:00:00 host dhcpd[7]: priv:\nDec 05 17:00:00 host dhcpd[7]:     aa:bb:cc:dd:ee:ff\n',
      `note: priv: ${'11:'.repeat(31)}11`,
      `{"msg": "priv:\\n    ab:cd:ef\\nqty: 30"}`,
      'privileges: admin, privacy: on, priv: 12:34',
    ])
      expect(once(t)).toBe(t);
  });
});

const KEYS: [string, Buffer][] = [
  ['P-256 PKCS#8', ec.export({ format: 'der', type: 'pkcs8' })],
  ['P-256 SEC1', ec.export({ format: 'der', type: 'sec1' })],
  ['Ed25519 PKCS#8', ed.export({ format: 'der', type: 'pkcs8' })],
  ['RSA PKCS#8', rsa.export({ format: 'der', type: 'pkcs8' })],
  ['RSA PKCS#1', rsa.export({ format: 'der', type: 'pkcs1' })],
];
/** The secret part of each key: bytes from its middle (past the header, in the scalar or the primes). */
const middleOf = (der: Buffer): Buffer =>
  der.subarray(Math.floor(der.length / 2) - 20, Math.floor(der.length / 2) + 20);

describe('xxd -p, od, plain hexdump, xxd inside JSON (at39 F5)', () => {
  describe.each(KEYS)('%s', (_name, der) => {
    it.each([
      ['xxd -p', xxdPlain],
      ['xxd -p, CRLF', (b: Buffer) => xxdPlain(b).replace(/\n/g, '\r\n')],
      ['od -A x -t x1z', odX1z],
      ['od -t x1', odX1],
      ['hexdump', hexdumpWords],
      ['xxd -g1 inside a JSON string', (b: Buffer) => JSON.stringify({ dump: xxdG1(b) })],
      ['od -t x1 after a logged message', (b: Buffer) => `dump of key.der:\n${odX1(b)}`],
      ['hexdump in a YAML block', (b: Buffer) => `out: |\n${hexdumpWords(b).replace(/^/gm, '  ')}`],
    ])('%s', (_layout, layout) => {
      const out = once(layout(der));
      const m = middleOf(der);
      expectGone(out, m);
      for (const w of wordTraces(m)) expect(out).not.toContain(w);
    });
  });

  it('keeps the first offset and the end offset of od and hexdump', () => {
    const der = (KEYS[0] as [string, Buffer])[1];
    const out = once(odX1(der));
    expect(out.startsWith('0000000 [REDACTED]\n')).toBe(true);
    expect(out.endsWith(`${der.length.toString(8).padStart(7, '0')}\n`)).toBe(true);
    expect(once(hexdumpWords(der)).startsWith('0000000 [REDACTED]\n')).toBe(true);
  });

  it('stays: a public key, a certificate and ordinary data dumped the same ways', () => {
    const spki = createPublicKey(rsa).export({ format: 'der', type: 'spki' });
    const data = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) & 0xff));
    // A forged header whose version INTEGER and length say "key" but whose body runs short.
    const forged = Buffer.concat([
      Buffer.from([0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00]),
      data.subarray(0, 40),
    ]);
    for (const b of [spki, data, forged])
      for (const layout of [xxdPlain, odX1z, odX1, hexdumpWords, (x: Buffer) => JSON.stringify({ dump: xxdG1(x) })])
        expect(once(layout(b))).toBe(layout(b));
    for (const t of [
      'order 000000 qty 30 81 87 02 01 00 filled',
      '000000 30 81 87 02 01 00\n',
      `prices 000000 ${'1001 '.repeat(40)}`,
      'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n3081870201003013',
    ])
      expect(once(t)).toBe(t);
  });
});

/** The hex of an xxd dump's lines (real or JSON-escaped line breaks), offsets and ASCII columns left out. */
const xxdHex = (t: string): string =>
  t
    .split(/\n|\\n/)
    .map((l) => /^(?:{"dump":")?\s*[0-9a-f]{8}: ((?:[0-9a-f]{2,4} ?)+)/.exec(l)?.[1] ?? '')
    .join('')
    .replace(/ /g, '');

describe('xxd fragments whose first offset does not end in 0 (xxd -s, -c 12)', () => {
  const head = Buffer.from('HDRXY');
  describe.each(KEYS)('%s', (_name, key) => {
    const file = Buffer.concat([head, key]);
    it.each([
      ['xxd -s 5', () => xxdPairs(file, 5)],
      ['xxd -s 3 -c 12', () => xxdPairs(file, 3, 12)],
      [
        'xxd -c 12, the lines from 0x0c on',
        () =>
          xxdPairs(Buffer.concat([Buffer.alloc(12, 0x41), key]), 0, 12)
            .split('\n')
            .slice(1)
            .join('\n'),
      ],
      ['xxd -s 5 inside a JSON string', () => JSON.stringify({ dump: xxdPairs(file, 5) })],
    ])('%s', (_layout, layout) => {
      const text = layout();
      const out = once(text);
      // The dump's bytes read back (offsets and ASCII columns left out): the key's middle in, then out.
      const m = middleOf(key).subarray(10, 22).toString('hex');
      expect(xxdHex(text)).toContain(m);
      expect(xxdHex(out)).not.toContain(m.slice(0, 16));
      expect(xxdHex(out)).not.toContain(m.slice(8));
    });
  });

  it('stays: a public key or data shown from an offset, a line holding `: ` and digits', () => {
    const spki = createPublicKey(rsa).export({ format: 'der', type: 'spki' });
    for (const t of [
      xxdPairs(Buffer.concat([head, spki]), 5),
      xxdPairs(Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 13) & 0xff)), 7, 12),
      'fills:\n00000005: 3077 0201 0104 20ab\n20261205: 30 bids\n',
    ])
      expect(once(t)).toBe(t);
  });
});

describe('idempotent around the rules 20 part 3 forms', () => {
  it('redacting twice is redacting once', () => {
    const der = (KEYS[0] as [string, Buffer])[1];
    expectIdempotent(
      r,
      [
        syslog(ecText),
        joined(rsaText),
        JSON.stringify({ stdout: edText }),
        xxdPlain(der),
        odX1z(der),
        hexdumpWords(der),
        JSON.stringify({ dump: xxdG1(der) }),
        'Dec 05 17:00:00 host app[42]: ',
        'priv: ',
        'priv:\\n    ',
        '    ab:cd:',
        'prime1: ',
        '000000 ',
        '0000000 8130 ',
        xxdPairs(Buffer.concat([Buffer.from('HDRXY'), der]), 5),
        '00000005: ',
        '\n',
        '\\n',
        '"',
        '0: ',
      ],
      20261242,
    );
  });
});
