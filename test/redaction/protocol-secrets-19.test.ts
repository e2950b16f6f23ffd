/**
 * Rules 19: SMTP/IMAP `AUTH CRAM-MD5` (RFC 2195). The server sends `334 <challenge>`, the client
 * answers with base64 of `user HMAC-MD5(password, challenge)`: a dictionary attack's input, which
 * rules 18 left in clear; and the mechanism's name itself was taken for a password (`AUTH
 * [REDACTED]`), which hid what the transcript was about.
 */
import { expectIdempotent } from '../helpers/redact-idempotent.js';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const CH = 'PDQxOTI5NDIzNDEuMTI4Mjg0NzJAc291cmNlZm91ci5hbmRyZXcuY211LmVkdT4=';
const ANSWER = 'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw';

describe('AUTH CRAM-MD5: the client answer goes, the mechanism and challenge stay', () => {
  it.each([
    [
      `C: AUTH CRAM-MD5\r\nS: 334 ${CH}\r\nC: ${ANSWER}\r\nS: 235 2.7.0 ok`,
      `C: AUTH CRAM-MD5\r\nS: 334 ${CH}\r\nC: [REDACTED]\r\nS: 235 2.7.0 ok`,
    ],
    [
      `C: AUTH CRAM-MD5\\r\\nS: 334 ${CH}\\r\\nC: ${ANSWER}\\r\\n`,
      `C: AUTH CRAM-MD5\\r\\nS: 334 ${CH}\\r\\nC: [REDACTED]\\r\\n`,
    ],
    [`AUTH CRAM-MD5\n334 ${CH}\n${ANSWER}\n`, `AUTH CRAM-MD5\n334 ${CH}\n[REDACTED]\n`],
    [`>>> AUTH CRAM-MD5\n<<< 334 ${CH}\n>>> ${ANSWER}`, `>>> AUTH CRAM-MD5\n<<< 334 ${CH}\n>>> [REDACTED]`],
  ])('%j', (text, want) => {
    const out = r.redactString(text);
    expect(out).toBe(want);
    expect(r.redactString(out)).toBe(out);
  });
});

describe('near misses: capabilities, a cancelled exchange, trading text after it', () => {
  it.each([
    'S: 250-AUTH CRAM-MD5 PLAIN LOGIN\r\nS: 250 OK\r\nMSFT 100 @ 1.25 ORDABCDEF123',
    `C: AUTH CRAM-MD5\r\nS: 334 ${CH}\r\nC: *\r\nS: 501 5.7.0 cancelled`,
    'C: AUTH SCRAM-SHA-256\r\nS: 334 cj1meWtvK2QybGJiRmdPTlJ2OQ==',
  ])('%j', (text) => {
    expect(r.redactString(text)).toBe(text);
  });
});

describe('idempotent around SMTP transcripts', () => {
  it('redacting twice is redacting once', () => {
    expectIdempotent(
      r,
      [
        'C: AUTH CRAM-MD5',
        'AUTH PLAIN',
        `S: 334 ${CH}`,
        'S: 334',
        `C: ${ANSWER}`,
        ANSWER,
        '\r\n',
        '\\r\\n',
        '\n',
        ' ',
        'EURUSD 100 @ 1.25',
        // at35: lower case, IMAP's AUTHENTICATE and the `+` continuation, a log prefix on each line.
        'C: auth cram-md5',
        'a1 AUTHENTICATE CRAM-MD5',
        `S: + ${CH}`,
        '+ ',
        '[smtp] >> ',
        '[smtp] << 334 ',
      ],
      20261205,
    );
  });
});

/**
 * Rules 19: RawData(96) of a FIX Logon without its RawDataLength(95): some venues take the logon's
 * password or signature in 96 and some logs drop 95. Rules 18 took 96 only right after 95.
 */
describe('FIX Logon RawData(96) without 95', () => {
  it.each([
    [
      '8=FIX.4.4|9=80|35=A|49=ME|56=VENUE|96=s3cr3tSig+x/9|98=0|108=30|10=123|',
      '8=FIX.4.4|9=80|35=A|49=ME|56=VENUE|96=[REDACTED]|98=0|108=30|10=123|',
    ],
    [
      '8=FIX.4.2\x019=70\x0135=A\x0149=ME\x0196=SIGbase64xyz\x0198=0\x0110=001\x01',
      '8=FIX.4.2\x019=70\x0135=A\x0149=ME\x0196=[REDACTED]\x0198=0\x0110=001\x01',
    ],
    ['8=FIX.4.4^A35=A^A96=pw1234^A98=0^A10=5^A', '8=FIX.4.4^A35=A^A96=[REDACTED]^A98=0^A10=5^A'],
  ])('%j', (text, want) => {
    const out = r.redactString(text);
    expect(out).toBe(want);
    expect(r.redactString(out)).toBe(out);
  });
  it.each([
    '8=FIX.4.4|35=8|37=96|17=EX96|1096=abc|96=newsraw|10=1|',
    '8=FIX.4.4|35=A|49=ME|108=30|10=1|\n8=FIX.4.4|35=B|96=headline raw|10=2|',
    '8=FIX.4.4|35=A|49=ME|108=30|10=1|8=FIX.4.4|35=D|55=EURUSD|96=rawfield|38=100|10=2|',
    'qty 96=ok 35=A',
    'tag 135=A|96=x1|',
  ])('stays: %j', (text) => {
    expect(r.redactString(text)).toBe(text);
  });
});
