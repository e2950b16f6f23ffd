/**
 * Rules 19 after an outside pass (at35): a FIX Logon's RawData(96) with SOH printed as `\001`,
 * `\u0001` or `\x01` (the digit test for `135=A` took the printed separator's `1` for a tag's digit);
 * `35=A` only as the MsgType field itself (`35=AE`, `35=AB`… are other messages); a forged DER key
 * header no longer takes the hex digests after it; two DER keys glued in one base64 blob both go in
 * one pass; CRAM-MD5 answers in lower case, after IMAP's and POP3's `+` and behind a log prefix.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { jwkBytes } from '../helpers/jwk.js';

const r = compileRedactor();
const once = (t: string): string => {
  const out = r.redactString(t);
  expect(r.redactString(out)).toBe(out);
  return out;
};

describe('FIX Logon RawData(96) with SOH printed as \\001, \\u0001, \\x01', () => {
  it.each(['\\001', '\\u0001', '\\x01'])('%s', (sep) => {
    const fields = ['8=FIX.4.4', '9=80', '35=A', '49=FIRM', '56=VENUE', '98=0', '108=30', '96=s3cretPW', '10=000'];
    const text = fields.join(sep) + sep;
    expect(once(text)).toBe(text.replace('s3cretPW', '[REDACTED]'));
  });
  it('a Logon at the end of a line, and in a quoted message', () => {
    expect(once('8=FIX.4.4|35=A\n96=news')).toBe('8=FIX.4.4|35=A\n96=news');
    expect(once('{"raw":"35=A|49=ME|96=pw99|10=1|"}')).toBe('{"raw":"35=A|49=ME|96=[REDACTED]|10=1|"}');
  });
  it('stays: a tag ending in 35 after a printed separator that is no SOH', () => {
    for (const t of ['tag 135=A|96=x1|', 'x\\0135=A\\01596=x1', '8=FIX.4.4|9=5|135=A|96=raw|10=1|'])
      expect(once(t)).toBe(t);
  });
});

describe('35=A is the MsgType field exactly: other messages keep their RawData', () => {
  it.each(['AE', 'AB', 'AS', 'AK', 'A1'])('35=%s', (type) => {
    const text = `8=FIX.4.4|9=90|35=${type}|49=VENUE|56=FIRM|571=TRD1|96=TRADE-NOTE-77|10=000|`;
    expect(once(text)).toBe(text);
  });
  it.each(['rating 35=A; score 96=88', 'grade 35=A, 96=ok', '35=A=x|96=y|', 'note: 35=A|alpha 96=beta'])(
    'stays: %j',
    (text) => {
      expect(once(text)).toBe(text);
    },
  );
  it('a Logon among them still loses its RawData', () => {
    const text = '8=FIX.4.4|35=AE|96=keep|10=1|\n8=FIX.4.4|35=A|96=pw|10=2|\n8=FIX.4.4|35=AB|96=keep2|10=3|';
    expect(once(text)).toBe(text.replace('96=pw', '96=[REDACTED]'));
  });
});

describe('hex digests after a DER key header stay', () => {
  const hdr = 'MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDbPbjU79e/tqHf';
  const h = (x: string, alg = 'sha256'): string => createHash(alg).update(x).digest('hex');
  it.each([
    [JSON.stringify(['client tag', hdr, h('fill-1'), h('fill-2'), 'ORD-1'])],
    [`fills for ${hdr}, ${h('fill-1')}, ${h('fill-2')}`],
    [`${hdr.slice(0, 40)}, ${h('fill-1', 'sha1')}, ${h('fill-2', 'sha1')}`],
    [`${hdr}\n${h('fill-1')}\n${h('fill-2').toUpperCase()}\n${'1234567890'.repeat(7)}`],
  ])('%#', (text) => {
    const out = once(text);
    for (const d of text.match(/\b(?:[0-9a-f]{40}|[0-9a-f]{64}|[0-9A-F]{64}|[0-9]{70})\b/g) ?? [])
      expect(out).toContain(d);
    expect(out).not.toContain(hdr.slice(0, 40));
  });
  it('a real key cut off in a JSON array still loses its full lines', () => {
    const k = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'der', type: 'pkcs8' })
      .toString('base64');
    const cut = (k.match(/.{1,64}/g) as string[]).slice(0, 6);
    const text = JSON.stringify([...cut, h('fill-1'), 'EURUSD']);
    expect(once(text)).toBe(`["[REDACTED]","${h('fill-1')}","EURUSD"]`);
  });
});

describe('DER keys glued in one base64 blob (a key ring) all go in one pass', () => {
  const ed = (): Buffer => generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer;
  it.each([2, 3])('%i Ed25519 keys', (n) => {
    const keys = Array.from({ length: n }, ed);
    const out = r.redactString(`keyring=${Buffer.concat(keys).toString('base64')} EURUSD`);
    for (const k of keys) expect(out).not.toContain(k.toString('base64').slice(16));
    expect(r.redactString(out)).toBe(out);
    expect(out.endsWith(' EURUSD')).toBe(true);
  });
  it('stays: base64 of ordinary bytes after a key', () => {
    const tail = Buffer.from('EURUSD 100 @ 1.25 filled by desk 7').toString('base64');
    const out = r.redactString(`${ed().toString('base64')}${tail}`);
    expect(out).toBe(`[REDACTED]${tail}`);
  });
});

describe('DER keys glued in wrapped base64: a config block scalar, and the same text logged', () => {
  it('each line of both keys goes, the layout stays', () => {
    const der = (type: 'ec' | 'ed25519'): Buffer =>
      (type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519')
      ).privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer;
    // 138 + 48 bytes: 184 + 64 characters, wrapped at 76; the second key starts at column 32 of line 3.
    const b64 = Buffer.concat([der('ec'), der('ed25519')]).toString('base64');
    const wrapped = (b64.match(/.{1,76}/g) as string[]).map((l) => `    ${l}\n`).join('');
    const text = `signing:\n  ring: |\n${wrapped}  symbol: EURUSD\n`;
    const out = redactConfigText(text, 'yaml', r).text;
    const want = '    [REDACTED]\n    [REDACTED]\n    [REDACTED][REDACTED]\n    [REDACTED]\n';
    expect(out).toBe(`signing:\n  ring: |\n${want}  symbol: EURUSD\n`);
    // The same text logged: both keys go in one pass.
    const logged = r.redactString(text);
    expect(logged).toBe(`signing:\n  ring: |\n    [REDACTED][REDACTED]\n  symbol: EURUSD\n`);
  });
});

describe('CRAM-MD5 answers in more transcripts', () => {
  const CH = 'PDQxOTI5NDIzNDEuMTI4Mjg0NzJAc291cmNlZm91ci5hbmRyZXcuY211LmVkdT4=';
  const AN = 'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw';
  it.each([
    `C: auth cram-md5\r\nS: 334 ${CH}\r\nC: ${AN}\r\nS: 235 ok`,
    `C: a1 AUTHENTICATE CRAM-MD5\r\nS: + ${CH}\r\nC: ${AN}\r\nS: a1 OK`,
    `C: AUTH CRAM-MD5\r\nS: + ${CH}\r\nC: ${AN}\r\nS: +OK`,
    `[smtp] >> AUTH CRAM-MD5\n[smtp] << 334 ${CH}\n[smtp] >> ${AN}\n`,
    `a1 authenticate cram-md5\\r\\n+ ${CH}\\r\\n${AN}\\r\\n`,
  ])('%j', (text) => {
    expect(once(text)).toBe(text.replace(AN, '[REDACTED]'));
  });
  it.each([
    `C: a1 AUTHENTICATE CRAM-MD5\r\nS: a1 NO [CANNOT] not supported\r\nC: a2 SELECT INBOX`,
    `auth cram-md5 is off\nS: +OK ${CH}\nC: STAT`,
    'C: CAPA\r\nS: +OK\r\nS: SASL CRAM-MD5 PLAIN\r\nS: .\r\nMSFT 100 @ 1.25 ORDABCDEF123',
    `the auth plain config\n+ added 2 lines\nEURUSDGBPUSD rollover`,
  ])('stays: %j', (text) => {
    expect(once(text)).toBe(text);
  });
});

describe('idempotent around the at35 forms', () => {
  it('redacting twice is redacting once', () => {
    const piece = fc.constantFrom(
      '35=A',
      '35=AE',
      '96=pw1',
      '135=A',
      '\\001',
      '\\x01',
      '\\u0001',
      '|',
      '; ',
      ' ',
      '\n',
      'MC4CAQAwBQYDK2VwBCIEIPQ9Yc0WcyGcdnPfD1H3mpq7vL8rWbq1Ns0H0hzEpo/W',
      'MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDbPbjU79e/tqHf',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '", "',
      'auth cram-md5',
      'AUTHENTICATE CRAM-MD5',
      '+ PDQxOTI5NDIzNDEuMTI4Mjg0NzJAc291cmNlZm91ci5hbmRyZXcuY211LmVkdT4=',
      '[smtp] >> ',
      'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw',
      '\r\n',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (parts) => {
        const out = r.redactString(parts.join(''));
        expect(r.redactString(out)).toBe(out);
      }),
      { numRuns: 600, seed: 20261205 },
    );
  });
});

describe('config text: a private key as openssl colon-hex wrapped at 15 bytes', () => {
  const rows = (der: Buffer): string[] => {
    const hx = [...der].map((b) => b.toString(16).padStart(2, '0'));
    const out: string[] = [];
    for (let i = 0; i < hx.length; i += 15) out.push(hx.slice(i, i + 15).join(':') + (i + 15 < hx.length ? ':' : ''));
    return out;
  };
  it('a YAML block scalar: every line goes, indents and the keys around stay', () => {
    const der = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'der',
      type: 'sec1',
    }) as Buffer;
    const ls = rows(der);
    const text = `venue: XNAS\nmaterial: |\n${ls.map((l) => `    ${l}`).join('\n')}\nmax_qty: 100\n`;
    const out = redactConfigText(text, 'yaml', r).text;
    expect(out).toBe(`venue: XNAS\nmaterial: |\n${ls.map(() => '    [REDACTED]').join('\n')}\nmax_qty: 100\n`);
  });
  it('stays: a public key and a fingerprint dumped the same way', () => {
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'der',
      type: 'spki',
    }) as Buffer;
    const fp = createHash('sha256').update(spki).digest();
    const text = `pub: |\n${rows(spki)
      .map((l) => `    ${l}`)
      .join('\n')}\nfingerprint: |\n${rows(fp)
      .map((l) => `    ${l}`)
      .join('\n')}\nmax_qty: 100\n`;
    expect(redactConfigText(text, 'yaml', r).text).toBe(text);
  });
});

describe('hex dumps of a private key: od -An -tx1 lines, util.inspect(buffer)', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const der = key.export({ format: 'der', type: 'sec1' }) as Buffer;
  const scalar = jwkBytes(key, 'd');
  const od = (b: Buffer): string => {
    const hx = [...b].map((x) => x.toString(16).padStart(2, '0'));
    const ls: string[] = [];
    for (let i = 0; i < hx.length; i += 16) ls.push(` ${hx.slice(i, i + 16).join(' ')}`);
    return `${ls.join('\n')}\n`;
  };
  const noScalar = (out: string): void => {
    const flat = out.replace(/[^0-9a-f]/g, '');
    expect(flat).not.toContain(scalar.toString('hex').slice(0, 16));
    expect(flat).not.toContain(scalar.toString('hex').slice(-16));
  };
  it('od -An -tx1: the dump goes across its line ends', () => {
    const text = `$ openssl ec -outform DER | od -An -tx1\n${od(der)}$ echo done EURUSD`;
    const out = once(text);
    noScalar(out);
    expect(out.endsWith('$ echo done EURUSD')).toBe(true);
  });
  it('util.inspect(buffer): 50 bytes shown and the rest counted make up the declared length', () => {
    const text = `key loaded: ${inspect(der)} for venue XNAS`;
    const out = once(text);
    noScalar(out);
    expect(out).toMatch(/ \.\.\. \d+ more bytes> for venue XNAS$/);
  });
  it('stays: a public key, a count that does not make up the length, a hash dump', () => {
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' }) as Buffer;
    const short = inspect(der).replace(/\d+ more bytes/, '7 more bytes');
    const digest = createHash('sha512').update('fills').digest();
    for (const t of [`pub ${inspect(spki)} ok`, `key ${short} ok`, od(Buffer.concat([digest, digest]))])
      expect(once(t)).toBe(t);
  });
});
