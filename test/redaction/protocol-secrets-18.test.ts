/**
 * Rules 18 (the secret forms the last outside passes noted and left alone, promise 3):
 *
 * - a bare base64 DER private key folded onto one line with blanks, or percent-encoded; the same key
 *   as hex of its DER (plain, `0x`, `%30%82…`), keyed on the private-key structure's start;
 * - IMAP `a001 LOGIN user pw` (quoted too), POP3/FTP `PASS pw` after `USER` or a prompt;
 * - a PuTTY `.ppk` file's private lines and MAC; htpasswd and crypt(3) password hashes;
 * - FIX RawData(96) after RawDataLength(95); Bybit's websocket auth frame (text and object);
 *   Binance's listenKey as a query and as the websocket path; lower-case `auth pw` after a prompt.
 *
 * And near misses that must stay: order ids, FIX messages without those tags, base64 order
 * payloads, hex digests (line hashes, SHA-256), prose with "auth", "login", "pass".
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/index.js';
import { configFormatOf, redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const R = '[REDACTED]';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p8der = rsa.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer;
const p8 = p8der.toString('base64');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const sec1der = ec.privateKey.export({ format: 'der', type: 'sec1' }) as Buffer;
const sec1 = sec1der.toString('base64');
const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer;
const chunks = (s: string, n: number): string[] => s.match(new RegExp(`.{1,${n}}`, 'g')) ?? [];
/** Any 24-character piece of the key left in the output. */
const leaks = (out: string, key: string): boolean => chunks(key, 24).some((c) => c.length === 24 && out.includes(c));

describe('DER private keys folded with blanks, percent-encoded, or as hex', () => {
  it.each([
    ['rsa pkcs8 at 64', p8, 64],
    ['rsa pkcs8 at 76', p8, 76],
    ['ec sec1 at 16', sec1, 16],
  ])('%s, folded onto one line with spaces', (_n, b64, width) => {
    const out = r.redactString(`tls key ${chunks(b64, width).join(' ')} loaded`);
    expect(out).toBe(`tls key ${R} loaded`);
  });
  it('percent-encoded base64 (a URL query or form value)', () => {
    expect(r.redactString(`POST /keys?k=${encodeURIComponent(p8)}&v=1`)).toBe(`POST /keys?k=${R}&v=1`);
    expect(r.redactString(`k=${encodeURIComponent(sec1)}`)).toBe(`k=${R}`);
  });
  it.each([
    ['rsa pkcs8', p8der],
    ['ec sec1', sec1der],
    ['ed25519 pkcs8', ed],
  ])('%s as hex: lower, upper, 0x and percent-encoded', (_n, der) => {
    const hex = der.toString('hex');
    expect(r.redactString(`key ${hex} end`)).toBe(`key ${R} end`);
    expect(r.redactString(`key=${hex.toUpperCase()}`)).toBe(`key=${R}`);
    expect(r.redactString(`bytes 0x${hex}`)).toBe(`bytes ${R}`);
    const pct = [...der].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    expect(r.redactString(`k=${pct}&x=1`)).toBe(`k=${R}&x=1`);
  });
  it('in config files (one line, hex) and their snapshots', () => {
    const text = `[tls]\nkey_der = ${p8der.toString('hex')}\nbundle = ${chunks(p8, 64).join(' ')}\nport = 443\n`;
    const out = redactConfigText(text, configFormatOf('configs/tls.ini'), r).text;
    expect(leaks(out, p8der.toString('hex'))).toBe(false);
    expect(leaks(out, p8)).toBe(false);
    expect(out).toContain('port = 443');
  });
  it('near misses: hex digests, line hashes, a public key as hex, base64 order payloads stay', () => {
    const sha = createHash('sha256').update('x').digest('hex');
    const sha512 = createHash('sha512').update('y').digest('hex');
    const pub = (rsa.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).toString('hex');
    const payload = Buffer.from(JSON.stringify({ orderId: 'ORD-3082020100', qty: 100 })).toString('base64');
    for (const s of [
      `line_hash 30${sha.slice(2)} prev ${sha}`,
      `sha512=${sha512}`,
      `spki ${pub}`,
      `payload ${chunks(payload, 16).join(' ')} sent`,
      'order 3082040201003082 filled 30820100020100',
      `MIICdgIBADAN order ${payload}`,
    ])
      expect(r.redactString(s)).toBe(s);
  });
});

describe('IMAP LOGIN and POP3/FTP PASS', () => {
  it.each([
    ['C: a001 LOGIN trader hunter2pass', `C: a001 LOGIN trader ${R}`],
    ['a001 LOGIN "trader" "hunter 2"\r\n', `a001 LOGIN "trader" "${R}"\r\n`],
    ['A1 login bob s3cret', `A1 login bob ${R}`],
    ['imap> 3 LOGIN desk@example.com foobared', `imap> 3 LOGIN desk@example.com ${R}`],
    ['USER bob\r\nPASS hunter2\r\n', `USER bob\r\nPASS ${R}\r\n`],
    ['> USER ftp\n> PASS hunter2', `> USER ftp\n> PASS ${R}`],
    ['> PASS foobared', `> PASS ${R}`],
    // RFC 3501 literals (at33 F3): raw CRLF, escaped, LITERAL+, a server's go-ahead logged between.
    ['A001 LOGIN {5}\r\nalice {8}\r\nS3cr3tpw', `A001 LOGIN {5}\r\nalice {8}\r\n${R}`],
    ['A001 LOGIN {5}\\r\\nalice {8}\\r\\nS3cr3tpw', `A001 LOGIN {5}\\r\\nalice {8}\\r\\n${R}`],
    ['a1 login alice {10+}\nS3cr3t pw!\r\na2 SELECT INBOX', `a1 login alice {10+}\n${R}\r\na2 SELECT INBOX`],
    [
      'C: a1 LOGIN {5}\r\nS: + Ready\r\nalice {8}\r\n+ go\r\nS3cr3tpw',
      `C: a1 LOGIN {5}\r\nS: + Ready\r\nalice {8}\r\n+ go\r\n${R}`,
    ],
  ])('%j', (s, want) => {
    expect(r.redactString(s)).toBe(want);
  });
  it.each([
    'user login bob ok',
    'a001 OK LOGIN completed',
    'trader login failed',
    ' PASS  src/redaction/x.test.ts (5 tests)',
    'PASS test/a.test.ts',
    'pass the order to desk 2',
    'PASS',
    'risk check PASS for ORD123',
    'a1 LOGIN {5} alice {8} fills',
    'a1 LOGIN {0}\r\nalice {3}',
    'order {12}\nlogin banner {8}\nEURUSD10',
  ])('near miss %j stays', (s) => {
    expect(r.redactString(s)).toBe(s);
  });
});

describe('PuTTY keys and password hashes', () => {
  const ppk = [
    'PuTTY-User-Key-File-3: ssh-ed25519',
    'Encryption: none',
    'Comment: desk-key',
    'Public-Lines: 2',
    'AAAAC3NzaC1lZDI1NTE5AAAAIPublicPartStays0123',
    'AAAApublicsecondline',
    'Private-Lines: 2',
    'AAAAIPrivLineOneQQ7kLm9Zx0123456789abcdefgh',
    'AAAAPrivLineTwoWW81',
    'Private-MAC: 5b1f9c2a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170',
    '',
  ];
  const SECRET = ['PrivLineOneQQ7', 'PrivLineTwoWW81', '5b1f9c2a8e7d6c5b'];
  it('a .ppk in a log string loses its private lines and MAC, nothing else', () => {
    const out = r.redactString(ppk.join('\n'));
    for (const x of SECRET) expect(out).not.toContain(x);
    expect(out).toContain('AAAAC3NzaC1lZDI1NTE5AAAAIPublicPartStays0123');
    expect(out).toContain(`Private-Lines: 2\n${R}\n${R}\nPrivate-MAC: ${R}\n`);
  });
  it('a .ppk in configs/ and indented in YAML (CRLF too)', () => {
    const out = redactConfigText(ppk.join('\r\n'), configFormatOf('configs/desk.ppk'), r).text;
    for (const x of SECRET) expect(out).not.toContain(x);
    expect(out.split('\r\n').length).toBe(ppk.length);
    const yaml = `ssh:\n  identity: |\n${ppk.map((l) => `    ${l}`).join('\n')}\n`;
    const y = redactConfigText(yaml, configFormatOf('configs/ssh.yaml'), r).text;
    for (const x of SECRET) expect(y).not.toContain(x);
    expect(y).toContain(`    Private-Lines: 2\n    ${R}\n    ${R}\n`);
  });
  const bcrypt = '$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC';
  it.each([
    ['trader:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/', `trader:$apr1$${R}`],
    ['trader:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', `trader:{SHA}${R}`],
    [`trader:${bcrypt}`, `trader:$2y$05$${R}`],
    ['root:$6$rounds$Vx1Yy6X8oG0Rj0hE2i0pX8mUHpD2S3/8h1N5a8b0Nf0', `root:$6$${R}`],
    ['users: "ops:$apr1$abc$0123456789abcdefABCDEF"', `users: "ops:$apr1$${R}"`],
  ])('%j', (s, want) => {
    expect(r.redactString(s)).toBe(want);
  });
  it('htpasswd lines in configs/ (.htpasswd, a .conf)', () => {
    const text = `trader:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\nops:${bcrypt}\nro:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n`;
    for (const path of ['configs/.htpasswd', 'configs/nginx/users.conf']) {
      const out = redactConfigText(text, configFormatOf(path), r).text;
      expect(out).toBe(`trader:$apr1$${R}\nops:$2y$05$${R}\nro:{SHA}${R}\n`);
    }
  });
  it.each(['price $2.50 for 1$ lot', 'paid $1$ fee', 'cost $5$ each', 'PnL {SHA} report', 'Private key rotated: yes'])(
    'near miss %j stays',
    (s) => {
      expect(r.redactString(s)).toBe(s);
    },
  );
});

describe('trading protocols', () => {
  it('FIX RawData(96) after RawDataLength(95), any printed SOH', () => {
    expect(r.redactString('8=FIX.4.4|35=A|49=ME|95=8|96=s3cr3tpw|98=0|108=30|10=123|')).toBe(
      `8=FIX.4.4|35=A|49=ME|95=8|96=${R}|98=0|108=30|10=123|`,
    );
    expect(r.redactString('8=FIX.4.2\x0135=A\x0195=12\x0196=SIGbase64xyz\x0110=001\x01')).toBe(
      `8=FIX.4.2\x0135=A\x0195=12\x0196=${R}\x0110=001\x01`,
    );
    expect(r.redactString('35=A^A95=6^A96=pw1234^A98=0')).toBe(`35=A^A95=6^A96=${R}^A98=0`);
  });
  it.each([
    '8=FIX.4.4|35=D|11=ORD96|55=EURUSD|54=1|38=96|44=96.5|10=096|',
    'qty 96=ok',
    '8=FIX.4.4|35=8|37=96|17=EX96|1096=abc|10=1|',
  ])('FIX near miss %j stays', (s) => {
    expect(r.redactString(s)).toBe(s);
  });
  const sig = 'a3f5b0c2d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2';
  it('Bybit websocket auth: key and signature go, the expiry stays (text)', () => {
    expect(r.redactString(`{"op":"auth","args":["XKeY1234abcd",1700000000000,"${sig}"]}`)).toBe(
      `{"op":"auth","args":["${R}",1700000000000,"${R}"]}`,
    );
    expect(r.redactString(`ws send {"req_id": "1", "op": "auth", "args": ["k", 1662350400000, "s"]}`)).toBe(
      `ws send {"req_id": "1", "op": "auth", "args": ["${R}", 1662350400000, "${R}"]}`,
    );
    const keep = '{"op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT"]}';
    expect(r.redactString(keep)).toBe(keep);
  });
  it('Bybit websocket auth as an event object: args goes, a subscribe frame stays', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    audit.log('venue', 'WsSend', { frame: { op: 'auth', args: ['XKeY1234abcd', 1700000000000, sig] } });
    audit.log('venue', 'WsSend', { frame: { op: 'subscribe', args: ['orderbook.50.BTCUSDT'] } });
    await audit.close();
    const all = sink.allLines().join('\n');
    expect(all).not.toContain(sig);
    expect(all).not.toContain('XKeY1234abcd');
    expect(all).toContain('orderbook.50.BTCUSDT');
  });
  const lk = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
  it('Binance listenKey as a query and as the websocket path', () => {
    expect(r.redactString(`wss://stream.binance.com:9443/ws?listenKey=${lk}`)).toBe(
      `wss://stream.binance.com:9443/ws?listenKey=${R}`,
    );
    expect(r.redactString(`PUT /api/v3/userDataStream?listenKey=${lk.slice(0, 40)}&x=1`)).toBe(
      `PUT /api/v3/userDataStream?listenKey=${R}&x=1`,
    );
    expect(r.redactString(`connect wss://fstream.binance.com/ws/${lk}`)).toBe(
      `connect wss://fstream.binance.com/ws/${R}`,
    );
    const pub = 'wss://stream.binance.com:9443/ws/btcusdt@trade';
    expect(r.redactString(pub)).toBe(pub);
  });
  it('lower-case auth after a client prompt; prose with "auth" stays', () => {
    expect(r.redactString('127.0.0.1:6379> auth foobared')).toBe(`127.0.0.1:6379> auth ${R}`);
    expect(r.redactString('redis> auth default foobared')).toBe(`redis> auth default ${R}`);
    for (const s of [
      'auth failed for user trader',
      'order 12345 auth pending review',
      'card auth approved for ORD-77',
      '> auth required',
      'the desk will auth the trade tomorrow',
      'step 3> auth token refreshed ok',
    ])
      expect(r.redactString(s)).toBe(s);
  });
});
