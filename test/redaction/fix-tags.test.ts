/**
 * FIX logon passwords in a parsed message (s17 F2, rules 12): tags 554, 925, 1402, 1404 as object
 * keys (`{553: 'trader1', 554: pw}`) and as `{tag, value}` fields, as raw FIX text already was.
 */
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { compileRedactor } from '../../src/redaction/index.js';

const PW = 'Sup3rS3cretValue9';

describe('FIX password tags in parsed messages', () => {
  it('as keys and as {tag, value} fields, through the logger', async () => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    a.log('session', 'FixLogonParsed', {
      tags: { 35: 'A', 553: 'trader1', 554: PW, 925: `${PW}n`, 1402: 'e1', 1404: 'e2' },
    });
    a.log('session', 'FixLogonFields', {
      fields: [
        { tag: 553, value: 'trader1' },
        { tag: 554, value: PW },
        { tag: '925', value: `${PW}new` },
        { tag: 1402, value: 'enc1' },
        { tag: 1404, value: 'enc2' },
      ],
    });
    await a.close();
    const text = sink.allLines().join('\n');
    expect(text).not.toContain(PW);
    expect(text).not.toContain('enc1');
    expect(text).not.toContain('"e2"');
    expect(text).toContain('trader1');
    expect(text).toContain('"35":"A"');
  });

  it('the keys, and other tags left alone', () => {
    const r = compileRedactor();
    for (const k of ['554', '925', '1402', '1404']) expect(r.isSensitiveKey(k)).toBe(true);
    for (const k of ['553', '55', '5540', '44', '1403']) expect(r.isSensitiveKey(k)).toBe(false);
  });

  // s18 F2: SOH as logs print it (`^A`, `;`, `<SOH>`, JSON's `\u0001`), and a password holding `^` or `\`.
  it.each([
    [
      '8=FIX.4.4^A9=75^A35=A^A553=trader1^A554=Sup3rSecretPw^A925=N3wSecretPw^A10=123^A',
      '8=FIX.4.4^A9=75^A35=A^A553=trader1^A554=[REDACTED]^A925=[REDACTED]^A10=123^A',
    ],
    ['8=FIX.4.4;35=A;553=trader1;554=Sup3rSecretPw;10=123', '8=FIX.4.4;35=A;553=trader1;554=[REDACTED];10=123'],
    ['8=FIX.4.4;553=trader1;554=Sup;er;Pw;10=123', '8=FIX.4.4;553=trader1;554=[REDACTED];10=123'],
    ['8=FIX.4.4<SOH>35=A<SOH>554=Sup3rSecretPw<SOH>', '8=FIX.4.4<SOH>35=A<SOH>554=[REDACTED]<SOH>'],
    ['8=FIX.4.4|35=A|554=Sup3rSecretPw|10=123', '8=FIX.4.4|35=A|554=[REDACTED]|10=123'],
    ['8=FIX.4.4|554=ab|cd|10=123', '8=FIX.4.4|554=[REDACTED]|10=123'],
    ['8=FIX.4.4\x0135=A\x01554=Xy7^kLm9Qw2\x0110=1\x01', '8=FIX.4.4\x0135=A\x01554=[REDACTED]\x0110=1\x01'],
    ['8=FIX.4.4\x0135=A\x01554=Xy7\\kLm9Qw2\x0110=1\x01', '8=FIX.4.4\x0135=A\x01554=[REDACTED]\x0110=1\x01'],
    [
      '{"raw":"8=FIX.4.4\\u0001554=Xy7^kLm9\\u000110=1\\u0001"}',
      '{"raw":"8=FIX.4.4\\u0001554=[REDACTED]\\u000110=1\\u0001"}',
    ],
    ['8=FIX.4.4\\x01554=pw\\x0110=1', '8=FIX.4.4\\x01554=[REDACTED]\\x0110=1'],
    ['8=FIX.4.4\\001554=pw\\00110=1', '8=FIX.4.4\\001554=[REDACTED]\\00110=1'],
  ])('raw FIX text %j', (input, want) => {
    expect(compileRedactor().redactString(input)).toBe(want);
  });

  it.each([
    '8=FIX.4.4^A35=D^A11=ORD-1554^A55=AAPL^A54=1^A38=100^A44=155.4^A10=201^A',
    '8=FIX.4.4;35=8;37=A1554;17=X925;55=MSFT;10=7',
    'ClOrdID=X1554=7;Symbol=EURUSD',
  ])('other tags stay: %j', (input) => {
    expect(compileRedactor().redactString(input)).toBe(input);
  });
});
