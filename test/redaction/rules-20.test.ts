/**
 * Rules 20: the private-key forms the last outside passes left in clear. openssl's `-text -noout`
 * dumps (`priv:` of an EC, Ed25519 or X25519 key; RSA's `privateExponent`, primes, exponents and
 * coefficient), a DER key as Python prints bytes (`b'0\x82\x04\xa4\x02\x01\x00…'`) and as a list of
 * decimal bytes (`[48, 130, 4, 164, …]`, Java's signed `{48, -126, …}`) and in `xxd` dumps of other
 * layouts (`-g1`, `-g4`, `-c 12`, a key starting inside a line). Over-redaction fixed with
 * them: `Private-Key: (256 bit)` lost `(256`, `Signature Algorithm: sha256WithRSAEncryption` its name.
 * Near misses stay: the public components, a certificate's dump, MAC addresses, number lists.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { expectIdempotent } from '../helpers/redact-idempotent.js';
import { describe, expect, it } from 'vitest';
import { redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor, REDACTION_RULES_VERSION } from '../../src/redaction/index.js';
import { jwkBytes } from '../helpers/jwk.js';

const r = compileRedactor();
const once = (t: string): string => {
  const out = r.redactString(t);
  expect(r.redactString(out)).toBe(out);
  return out;
};
const hexOf = (b: Buffer): string[] => [...b].map((x) => x.toString(16).padStart(2, '0'));

/** A component as openssl prints it: label line, then 15 bytes a line of colon-hex, 4 blanks in. */
function block(label: string, bytes: Buffer, bignum = false): string {
  const b = bignum && (bytes[0] as number) >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  const hx = hexOf(b);
  const rows: string[] = [];
  for (let i = 0; i < hx.length; i += 15)
    rows.push(`    ${hx.slice(i, i + 15).join(':')}${i + 15 < hx.length ? ':' : ''}`);
  return `${label}:\n${rows.join('\n')}\n`;
}
/** The colon-hex of a component's middle bytes: what must not be left in the output. */
const middle = (b: Buffer): string => hexOf(b).slice(4, 14).join(':');

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const ecText = (): string =>
  `Private-Key: (256 bit)\n${block('priv', jwkBytes(ec, 'd'))}${block(
    'pub',
    Buffer.concat([Buffer.from([4]), jwkBytes(ec, 'x'), jwkBytes(ec, 'y')]),
  )}ASN1 OID: prime256v1\nNIST CURVE: P-256\n`;
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
const RSA_PRIVATE: [string, string][] = [
  ['privateExponent', 'd'],
  ['prime1', 'p'],
  ['prime2', 'q'],
  ['exponent1', 'dp'],
  ['exponent2', 'dq'],
  ['coefficient', 'qi'],
];
const rsaText = (): string =>
  `Private-Key: (1024 bit, 2 primes)\n${block('modulus', jwkBytes(rsa, 'n'), true)}publicExponent: 65537 (0x10001)\n${RSA_PRIVATE.map(
    ([label, m]) => block(label, jwkBytes(rsa, m), true),
  ).join('')}`;

describe('openssl -text -noout: the private components go, the public ones stay', () => {
  it('EC P-256 (openssl ec -text): priv goes; the header, pub and the curve stay', () => {
    const text = ecText();
    const out = once(text);
    expect(out).not.toContain(middle(jwkBytes(ec, 'd')));
    expect(out).toContain('Private-Key: (256 bit)\npriv:\n    [REDACTED]\npub:\n    04:');
    expect(out).toContain(middle(jwkBytes(ec, 'x')));
    expect(out).toContain('ASN1 OID: prime256v1\nNIST CURVE: P-256');
    // Inside a logged message, and with CRLF line ends.
    expect(once(`key check failed for acct 7:\n${text}`)).not.toContain(middle(jwkBytes(ec, 'd')));
    expect(once(text.replace(/\n/g, '\r\n'))).not.toContain(middle(jwkBytes(ec, 'd')));
  });

  it.each(['ed25519', 'x25519'] as const)('%s (openssl pkey -text): priv goes, pub stays', (type) => {
    const k = generateKeyPairSync(type as 'ed25519').privateKey;
    const text = `${type.toUpperCase()} Private-Key:\n${block('priv', jwkBytes(k, 'd'))}${block('pub', jwkBytes(k, 'x'))}`;
    const out = once(text);
    expect(out).not.toContain(middle(jwkBytes(k, 'd')));
    expect(out).toContain(middle(jwkBytes(k, 'x')));
  });

  it('RSA (openssl rsa -text): the exponent, primes and CRT values go; modulus and publicExponent stay', () => {
    const out = once(rsaText());
    for (const [label, m] of RSA_PRIVATE) {
      expect(out).not.toContain(middle(jwkBytes(rsa, m)));
      expect(out).toContain(`${label}:\n    [REDACTED]\n`);
    }
    expect(out).toContain(middle(jwkBytes(rsa, 'n')));
    expect(out).toContain('Private-Key: (1024 bit, 2 primes)\n');
    expect(out).toContain('publicExponent: 65537 (0x10001)');
  });

  it('config text: an openssl dump in a YAML block scalar loses each private line, keeps the layout', () => {
    const dump = (ecText() + rsaText()).replace(/^/gm, '  ').trimEnd();
    const text = `venue: XNAS\nnotes: |\n${dump}\nmax_qty: 100\n`;
    const out = redactConfigText(text, 'yaml', r).text;
    expect(out.split('\n').length).toBe(text.split('\n').length);
    expect(out).not.toContain(middle(jwkBytes(ec, 'd')));
    for (const [, m] of RSA_PRIVATE) expect(out).not.toContain(middle(jwkBytes(rsa, m)));
    expect(out).toContain(middle(jwkBytes(rsa, 'n')));
    expect(out).toContain('      [REDACTED]\n  pub:');
    expect(out).toContain('max_qty: 100');
  });

  it('config text: the header keeps its size in YAML', () => {
    const text = 'Private-Key: (256 bit)\nmax_qty: 100\n';
    expect(redactConfigText(text, 'yaml', r).text).toBe(text);
  });

  it('stays: a certificate dump, its Signature Algorithm, other labelled colon-hex', () => {
    const pub = createPublicKey(rsa);
    const cert = [
      'Certificate:',
      '    Data:',
      '        Version: 3 (0x2)',
      '        Serial Number:',
      '            4b:0e:56:9c:6f:59:bf:87:81:32:6d:e0:4f:85:d2:f6:17:00:2a:0f',
      '        Signature Algorithm: sha256WithRSAEncryption',
      '        Issuer: CN = x',
      '            Public Key Algorithm: rsaEncryption',
      '                Public-Key: (1024 bit)',
      block('                Modulus', jwkBytes(pub, 'n'), true).replace(/^ {4}(?=[0-9a-f])/gm, '                    '),
    ].join('\n');
    expect(once(cert)).toBe(cert);
    expect(redactConfigText(cert, 'yaml', r).text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    for (const t of [
      'signatureAlgorithm: RS256 for order 991',
      `${block('pub', Buffer.alloc(33, 0xab))}`,
      'mac:\n    aa:bb:cc:dd:ee:ff\n',
      'priv:\n    ab:cd:ef\n',
      `fingerprint:\n    ${hexOf(Buffer.alloc(20, 0x5c)).join(':')}\n`,
      `note: priv: ${hexOf(Buffer.alloc(32, 0x11)).join(':')}`,
    ])
      expect(once(t)).toBe(t);
  });

  it('a Private-Key pair that is no size note still goes', () => {
    expect(once('Private-Key: hunter2secret')).toBe('Private-Key: [REDACTED]');
    expect(once('Signature: abcdef0123456789abcdef')).toBe('Signature: [REDACTED]');
  });
});

/** Python's repr() of bytes (printable ASCII as itself, `\t\n\r`, `\\`, the quote escaped, else `\xhh`). */
function pyRepr(b: Buffer): string {
  const quote = b.includes(0x27) && !b.includes(0x22) ? '"' : "'";
  let s = '';
  for (const x of b) {
    const c = String.fromCharCode(x);
    if (x === 9) s += '\\t';
    else if (x === 10) s += '\\n';
    else if (x === 13) s += '\\r';
    else if (c === '\\' || c === quote) s += `\\${c}`;
    else if (x >= 32 && x < 127) s += c;
    else s += `\\x${x.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${s}${quote}`;
}

const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const DER_KEYS: [string, Buffer][] = [
  ['RSA PKCS#1', rsa.export({ format: 'der', type: 'pkcs1' }) as Buffer],
  ['RSA PKCS#8', rsa.export({ format: 'der', type: 'pkcs8' }) as Buffer],
  ['EC SEC1', ecKey.export({ format: 'der', type: 'sec1' }) as Buffer],
  ['EC PKCS#8', ecKey.export({ format: 'der', type: 'pkcs8' }) as Buffer],
  ['Ed25519 PKCS#8', generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer],
];
/** The private scalar's bytes for an EC key, a span past the header otherwise. */
const secretBytes = (der: Buffer): Buffer =>
  der.length < 200 ? der.subarray(der.length - 40, der.length - 8) : der.subarray(300, 340);

describe("Python repr() of a DER private key: b'0\\x82…'", () => {
  it.each(DER_KEYS)('%s', (_name, der) => {
    const lit = pyRepr(der);
    const out = once(`loaded key=${lit} from vault`);
    const q = lit[1] as string;
    expect(out).toBe(`loaded key=b${q}[REDACTED]${q} from vault`);
    expect(out).not.toContain(pyRepr(secretBytes(der)).slice(2, 30));
  });
  it('the SEC1 form starts b"0w\\x02\\x01\\x01\\x04 " and a key in a traceback', () => {
    const der = (DER_KEYS[2] as [string, Buffer])[1];
    expect(pyRepr(der).slice(2, 21)).toBe('0w\\x02\\x01\\x01\\x04 ');
    const text = `Traceback (most recent call last):\n  ValueError: could not load ${pyRepr(der)}\n`;
    const out = once(text);
    expect(out).not.toContain(pyRepr(secretBytes(der)).slice(2, 30));
    const q = pyRepr(der)[1] as string;
    expect(out).toBe(`Traceback (most recent call last):\n  ValueError: could not load b${q}[REDACTED]${q}\n`);
  });
  it('an Ed25519 key whose repr is short (printable scalar: 75 characters)', () => {
    const der = Buffer.concat([
      Buffer.from('302e020100300506032b657004220420', 'hex'),
      Buffer.from('Kq7#pZ2m!vB9xL4wQ8sN1rT6yU3oE5aD'),
    ]);
    const t = `seed ${pyRepr(der)}`;
    expect(t.length).toBeLessThan(143);
    expect(once(t)).toBe("seed b'[REDACTED]'");
    expect(once(`[${decimal(der, false, ',')}]`)).toBe('[[REDACTED]]');
  });
  it('config text: a Python settings file', () => {
    const der = (DER_KEYS[0] as [string, Buffer])[1];
    const text = `VENUE = "XNAS"\nKEY_DER = ${pyRepr(der)}\nMAX_QTY = 100\n`;
    const out = redactConfigText(text, 'python', r).text;
    expect(out).not.toContain(pyRepr(secretBytes(der)).slice(2, 30));
    expect(out).toContain('MAX_QTY = 100');
  });
  it('stays: other bytes, a public key, a short header', () => {
    const spki = createPublicKey(rsa).export({ format: 'der', type: 'spki' }) as Buffer;
    for (const t of [
      pyRepr(spki),
      "b'\\x02\\x01\\x00hello world'",
      "b'0\\x82\\x04\\xa4\\x02\\x01\\x00\\x02'",
      "msg=b'\\x02\\x01\\x01\\x04 abc' seq=12",
    ])
      expect(once(t)).toBe(t);
  });
});

const decimal = (b: Buffer, signed = false, sep = ', '): string =>
  [...b].map((x) => (signed && x > 127 ? x - 256 : x)).join(sep);

describe('a DER private key as decimal bytes', () => {
  it.each(DER_KEYS)('%s: JS/Python list, compact, Java signed bytes', (_name, der) => {
    const secret = decimal(secretBytes(der));
    for (const text of [
      `const key = [${decimal(der)}];`,
      `key=[${decimal(der, false, ',')}] loaded`,
      `byte[] key = new byte[]{${decimal(der, true)}};`,
    ]) {
      const out = once(text);
      expect(out).not.toContain(secret);
      expect(out).not.toContain(decimal(secretBytes(der), true));
      expect(out).toContain('[REDACTED]');
    }
  });
  it('config text: a list wrapped over lines keeps its lines', () => {
    const der = (DER_KEYS[2] as [string, Buffer])[1];
    const nums = [...der];
    const rows: string[] = [];
    for (let i = 0; i < nums.length; i += 16) rows.push(`  ${nums.slice(i, i + 16).join(', ')}`);
    const text = `venue: XNAS\nkey_bytes: [\n${rows.join(',\n')}\n]\nmax_qty: 100\n`;
    const out = redactConfigText(text, 'yaml', r).text;
    expect(out.split('\n').length).toBe(text.split('\n').length);
    expect(out).not.toContain(decimal(secretBytes(der).subarray(0, 8)));
    expect(out).toContain('max_qty: 100');
  });
  it('stays: number lists, prices, a truncated header', () => {
    for (const t of [
      '[1, 2, 3]',
      'levels [48, 2, 1, 0, 5, 9, 12, 2, 1, 0]',
      `qty [${Array.from({ length: 200 }, (_, i) => (i * 7) % 256).join(', ')}]`,
      'prices 48, 130, 4, 164, 2, 1, 0, 2, 130, 1, 1, 0 end',
      `[48, 130, 4, 164, 2, 1, 0, 2, 130, 1, 1, 0, ${'7, '.repeat(40)}7]`,
      '[48.5, 130, 4, 164, 2, 1, 0, 2, 130, 1, 1, 0, 1]',
      'order ids 2, 1, 0, 48, 2, 1, 1',
    ])
      expect(once(t)).toBe(t);
  });
});

/** `xxd` with `-g group -c cols`: offset, hex groups, two blanks, the ASCII column (padded last line). */
function xxd(b: Buffer, group = 2, cols = 16): string {
  const rows: string[] = [];
  for (let o = 0; o < b.length; o += cols) {
    const line = b.subarray(o, o + cols);
    const hx = hexOf(line);
    const groups: string[] = [];
    for (let g = 0; g < hx.length; g += group) groups.push(hx.slice(g, g + group).join(''));
    const full = cols * 2 + Math.ceil(cols / group) - 1;
    const ascii = [...line].map((x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : '.')).join('');
    rows.push(`${o.toString(16).padStart(8, '0')}: ${groups.join(' ').padEnd(full)}  ${ascii}`);
  }
  return `${rows.join('\n')}\n`;
}
/** `hexdump -C`, a run of repeated lines shown once and then `*`. */
function hexdumpC(b: Buffer): string {
  const rows: string[] = [];
  let prev = '';
  let starred = false;
  for (let o = 0; o < b.length; o += 16) {
    const line = b.subarray(o, o + 16);
    const hx = hexOf(line);
    const body = `${hx.slice(0, 8).join(' ')}  ${hx.slice(8).join(' ')}`;
    if (body === prev && line.length === 16) {
      if (!starred) rows.push('*');
      starred = true;
      continue;
    }
    starred = false;
    prev = body;
    const ascii = [...line].map((x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : '.')).join('');
    rows.push(`${o.toString(16).padStart(8, '0')}  ${body.padEnd(49)} |${ascii}|`);
  }
  rows.push(b.length.toString(16).padStart(8, '0'));
  return `${rows.join('\n')}\n`;
}
/** What a dump must not show of a key: its secret bytes as the dump's hex (pairs, any grouping). */
const noDumpSecret = (out: string, der: Buffer): void => {
  const flat = out.replace(/^[0-9a-f]{8}:? /gm, '').replace(/[^0-9a-f]/g, '');
  expect(flat).not.toContain(hexOf(secretBytes(der)).slice(0, 12).join(''));
};

describe('xxd -g1, other groupings and widths, a key starting inside a line; hexdump with *', () => {
  const cases: [string, (der: Buffer) => string][] = [
    ['xxd -g1', (der) => xxd(der, 1)],
    ['xxd -g4', (der) => xxd(der, 4)],
    ['xxd -c 12', (der) => xxd(der, 2, 12)],
    ['xxd, the key after 3 bytes', (der) => xxd(Buffer.concat([Buffer.from('abc'), der]))],
    ['xxd -g1, the key after 5 bytes', (der) => xxd(Buffer.concat([Buffer.from('hello'), der]), 1)],
    ['hexdump -C, the key after zero padding (*)', (der) => hexdumpC(Buffer.concat([Buffer.alloc(40), der]))],
  ];
  for (const [name, dump] of cases)
    it.each(DER_KEYS)(`${name}: %s`, (_k, der) => {
      const text = `dumped key file:\n${dump(der)}done`;
      const out = once(text);
      noDumpSecret(out, der);
      expect(out).toContain('[REDACTED]');
      expect(out.endsWith('done')).toBe(true);
    });
  it('config text: an indented xxd -g1 dump in a YAML block scalar keeps its lines', () => {
    const der = (DER_KEYS[2] as [string, Buffer])[1];
    const dump = xxd(Buffer.concat([Buffer.from('abc'), der]), 1)
      .replace(/^(?=.)/gm, '  ')
      .trimEnd();
    const text = `venue: XNAS\nnotes: |\n${dump}\nmax_qty: 100\n`;
    const out = redactConfigText(text, 'yaml', r).text;
    expect(out.split('\n').length).toBe(text.split('\n').length);
    noDumpSecret(out, der);
    expect(out).toContain('  00000000: 61 62 63 [REDACTED]');
    expect(out).toContain('max_qty: 100');
  });
  it('stays: dumps of a public key, a certificate-like SEQUENCE, random bytes; times with colons', () => {
    const spki = createPublicKey(rsa).export({ format: 'der', type: 'spki' }) as Buffer;
    const noise = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256));
    for (const t of [
      xxd(spki),
      xxd(spki, 1),
      xxd(Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x01]), noise]), 1),
      xxd(noise),
      '2026-12-05 17:34:10: order 12 filled\n00:00:00: start\nfill 30 82 04 a4 02 01 00\n',
    ])
      expect(once(t)).toBe(t);
  });
});

describe('idempotent around the rules 20 forms', () => {
  it('redacting twice is redacting once', () => {
    const der = (DER_KEYS[2] as [string, Buffer])[1];
    expectIdempotent(
      r,
      [
        ecText(),
        pyRepr(der),
        `[${decimal(der)}]`,
        `{${decimal(der, true)}}`,
        'priv:\n',
        '    ab:cd:',
        '\n',
        ':\n',
        "b'",
        '\\x02\\x01\\x00',
        '48, 130, 4, 164, ',
        '2, 1, 0, ',
        ', ',
        'Private-Key: (256 bit)',
        xxd(Buffer.concat([Buffer.from('ab'), der]), 1),
        '00000010: ',
        '0: ',
        'qty=100',
      ],
      20261206,
    );
  });
});

it('the rules version is 20', () => {
  expect(REDACTION_RULES_VERSION).toBe(20);
});
