/**
 * Rules 19 after at35 F4/F7 (fx38a): a DER private key as a C or JS array (`0x30, 0x77, …`, as
 * `xxd -i` prints it), as comma-separated hex (`30,77,02,…`), as a `hexdump -C` or `xxd` dump
 * (offset and ASCII columns) and, in config text, as openssl colon-hex behind a `# ` comment prefix on each line.
 * Each of these left the key's private scalar whole. Ordinary hex in the same forms stays: MAC
 * addresses, sha1/sha256 digests, a public key and a certificate, small numbers, other C arrays.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { expectIdempotent } from '../helpers/redact-idempotent.js';
import { describe, expect, it } from 'vitest';
import { redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const once = (t: string): string => {
  const out = r.redactString(t);
  expect(r.redactString(out)).toBe(out);
  return out;
};
const hexOf = (b: Buffer): string[] => [...b].map((x) => x.toString(16).padStart(2, '0'));

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const KEYS: [string, Buffer][] = [
  ['EC SEC1', ec.export({ format: 'der', type: 'sec1' }) as Buffer],
  ['Ed25519 PKCS#8', generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer],
  [
    'RSA PKCS#1',
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs1' }) as Buffer,
  ],
];
/** The key's private half: its last 32 bytes of hex from byte 7 on (the P-256 scalar), or its tail. */
const secretOf = (der: Buffer): string[] => [hexOf(der).slice(7, 23).join(''), hexOf(der).slice(-16).join('')];
const noSecret = (out: string, der: Buffer): void => {
  const flat = (out.match(/(?<![0-9a-f])(?:0x)?[0-9a-f]{2}(?![0-9a-f])/gi) ?? []).map((t) => t.slice(-2)).join('');
  for (const part of secretOf(der)) expect(flat.toLowerCase()).not.toContain(part);
};

const cArray = (b: Buffer): string => {
  const hx = hexOf(b).map((h) => `0x${h}`);
  const rows: string[] = [];
  for (let i = 0; i < hx.length; i += 12) rows.push(`  ${hx.slice(i, i + 12).join(', ')}`);
  return `unsigned char key_der[] = {\n${rows.join(',\n')}\n};\nunsigned int key_der_len = ${b.length};`;
};
const hexdumpC = (b: Buffer): string => {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const line = b.subarray(i, i + 16);
    const hx = hexOf(line);
    const bytes = `${hx.slice(0, 8).join(' ')}  ${hx.slice(8).join(' ')}`.padEnd(48, ' ');
    const ascii = [...line].map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');
    rows.push(`${i.toString(16).padStart(8, '0')}  ${bytes}  |${ascii}|`);
  }
  rows.push(b.length.toString(16).padStart(8, '0'));
  return rows.join('\n');
};

const xxd = (b: Buffer): string => {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const line = b.subarray(i, i + 16);
    const hx = hexOf(line);
    const pairs: string[] = [];
    for (let k = 0; k < hx.length; k += 2) pairs.push(hx.slice(k, k + 2).join(''));
    const ascii = [...line].map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');
    rows.push(`${i.toString(16).padStart(8, '0')}: ${pairs.join(' ').padEnd(39, ' ')}  ${ascii}`);
  }
  return rows.join('\n');
};

const FORMS: [string, (b: Buffer) => string][] = [
  [
    'a C array on one line',
    (b) =>
      `static const uint8_t k[] = {${hexOf(b)
        .map((h) => `0x${h}`)
        .join(', ')}};`,
  ],
  ['xxd -i, 12 bytes a line', cArray],
  [
    'a JS array, upper case',
    (b) =>
      `const k = [${hexOf(b)
        .map((h) => `0X${h.toUpperCase()}`)
        .join(',')}];`,
  ],
  ['comma-separated hex', (b) => `der=${hexOf(b).join(',')} venue=XNAS`],
  ['comma and blank', (b) => `der: ${hexOf(b).join(', ')}`],
  ['hexdump -C', (b) => `$ hexdump -C key.der\n${hexdumpC(b)}\n$ echo done`],
  ['xxd', (b) => `$ xxd key.der\n${xxd(b)}\n$ echo done`],
];

describe.each(KEYS)('a %s key in a hex list or dump', (_k, der) => {
  it.each(FORMS)('%s: no run of its private bytes stays', (_f, form) => {
    const text = `before qty=100 px=1.25\n${form(der)}\nafter qty=100 px=1.25`;
    const out = once(text);
    noSecret(out, der);
    expect(out.startsWith('before qty=100 px=1.25\n')).toBe(true);
    expect(out.endsWith('\nafter qty=100 px=1.25')).toBe(true);
    expect(out).toContain('[REDACTED]');
  });
});

describe('hexdump -C: the ASCII columns go with the bytes', () => {
  it('no line of the dump keeps its ASCII column, the offsets before and after stay', () => {
    const der = (KEYS[2] as [string, Buffer])[1];
    const out = once(hexdumpC(der));
    expect(out).toMatch(/^00000000 {2}\[REDACTED\]\n[0-9a-f]{8}$/);
  });
});

describe('xxd: the ASCII columns go with the bytes', () => {
  it('every line but the offsets goes; the line after stays', () => {
    for (const [, der] of KEYS) {
      const out = once(`${xxd(der)}\nnext qty=5`);
      expect(out).toMatch(/^00000000: \[REDACTED\]\nnext qty=5$/);
    }
  });
  it('the same from openssl pkey -outform DER | xxd (a PKCS#8 P-256 key, 0x81 header)', () => {
    const der = ec.export({ format: 'der', type: 'pkcs8' }) as Buffer;
    expect(once(`${xxd(der)}\n`)).toBe('00000000: [REDACTED]\n');
  });
});

describe('near misses: ordinary hex in the same forms stays', () => {
  const spki = createPublicKey(ec).export({ format: 'der', type: 'spki' }) as Buffer;
  const cert = Buffer.from(
    'MIIBbTCCAROgAwIBAgIUbrwdnlp996D43iXYgkAdf9BjQBcwCgYIKoZIzj0EAwIwDDEKMAgGA1UEAwwBeDAeFw0yNjEyMDUxNDQ1MTFaFw0yNjEyMDYxNDQ1MTFaMAwxCjAIBgNVBAMMAXgwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASANiL7307xBJK0mjkS5iQttVfqqfEtuTy4y6Wnwh6uNYxGQfteYJ15GpRugNfBfmgyUVpl318Hvh6efzpTb9+uo1MwUTAdBgNVHQ4EFgQURxW4BK+tgrmRkAiI36OG4+lrvecwHwYDVR0jBBgwFoAURxW4BK+tgrmRkAiI36OG4+lrvecwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAxWdIR7/m1lMls+Pcvh3Ij0tPRYAPTV+pE8A8qhQbLdQCIBOSc4qLzRlHhNoHf6qoic7vQBs7FLiPLaTySF5nLsT3',
    'base64',
  );
  const sha256 = createHash('sha256').update('fills').digest();
  const sha1 = createHash('sha1').update('fills').digest();
  const ordinary: [string, Buffer][] = [
    ['a public key', spki],
    ['a certificate', cert],
    ['sha256', sha256],
    ['sha1', sha1],
    ['two sha256 digests', Buffer.concat([sha256, createHash('sha256').update('orders').digest()])],
    // a C table of bytes that starts like a key header and is none (no structure after 02 01 00)
    ['a lookup table', Buffer.from([0x30, 0x77, 0x02, 0x01, 0x00, 0x05, 0x10, 0x30, 0x31, 0x32, ...Array(40).fill(7)])],
  ];
  it.each(ordinary.flatMap(([n, b]) => FORMS.map(([f, form]) => [`${n}, ${f}`, form(b)] as [string, string])))(
    '%s',
    (_n, text) => {
      expect(once(text)).toBe(text);
    },
  );
  it.each([
    `macs ${['00:1a:2b:3c:4d:5e', '30:77:02:01:01:04', 'a4,5e,60,02,01,00'].join(', ')} ${'.'.repeat(120)}`,
    `sizes=[30,77,02,01,01,04,20,${Array.from({ length: 60 }, (_, i) => String(10 + ((i * 7) % 89))).join(',')}]`,
    `bids=[${Array.from({ length: 80 }, (_, i) => String((i * 13) % 100)).join(', ')}] asks=[101, 102, 30, 82, 02, 01, 00]`,
    `ticks 30,12,02,01,01,05,${'1,'.repeat(80)}`,
    `# 30:77:02:01:01:04:20 is a header\n# and ${'x'.repeat(140)}`,
  ])('%#', (text) => {
    expect(once(text)).toBe(text);
  });
});

describe('config text: openssl colon-hex behind a comment prefix on each line', () => {
  const der = (KEYS[0] as [string, Buffer])[1];
  const rows = (b: Buffer): string[] => {
    const hx = hexOf(b);
    const out: string[] = [];
    for (let i = 0; i < hx.length; i += 15) out.push(hx.slice(i, i + 15).join(':') + (i + 15 < hx.length ? ':' : ''));
    return out;
  };
  it('.conf and YAML comments: each line loses its bytes, the prefixes and keys around stay', () => {
    for (const [fmt, text] of [
      [
        'properties',
        `# dumped with openssl\n${rows(der)
          .map((l) => `# ${l}`)
          .join('\n')}\nmax_qty = 100\n`,
      ],
      [
        'yaml',
        `venue: XNAS\n${rows(der)
          .map((l) => `  #  ${l}`)
          .join('\n')}\nmax_qty: 100\n`,
      ],
    ] as const) {
      const out = redactConfigText(text, fmt, r).text;
      noSecret(out, der);
      expect(out.split('\n').length).toBe(text.split('\n').length);
      expect(out).toMatch(/^(# dumped with openssl|venue: XNAS)\n/);
      expect(out).toMatch(/\nmax_qty ?[=:] ?100\n$/);
      for (const line of out.split('\n').slice(1, -2)) expect(line).toMatch(/^ *# +\[REDACTED\]$/);
    }
  });
  it('stays: a public key and a fingerprint behind the same prefix', () => {
    const spki = createPublicKey(ec).export({ format: 'der', type: 'spki' }) as Buffer;
    const digest = createHash('sha256').update('fills').digest();
    for (const b of [spki, Buffer.concat([digest, digest, digest])]) {
      const text = `# dump\n${rows(b)
        .map((l) => `# ${l}`)
        .join('\n')}\nmax_qty = 100\n`;
      expect(redactConfigText(text, 'properties', r).text).toBe(text);
    }
  });
});

describe('idempotent around hex lists and dumps', () => {
  it('redacting twice is redacting once', () => {
    const der = (KEYS[1] as [string, Buffer])[1];
    expectIdempotent(
      r,
      [
        hexOf(der).join(','),
        hexOf(der)
          .map((h) => `0x${h}`)
          .join(', '),
        hexdumpC(der),
        xxd(der),
        '00000000: 3077 0201 0104 20ab',
        ': 30',
        hexOf(der).slice(0, 20).join(','),
        '0x30, 0x77, 0x02, 0x01, 0x01, ',
        '30,82,ff,ff,02,01,00,',
        '01,',
        '0x',
        ', ',
        ',',
        '\n',
        '# ',
        '  |0w...|\n',
        '00000010  ',
        'qty=100',
      ],
      20261205,
      500,
      24,
    );
  });
});
