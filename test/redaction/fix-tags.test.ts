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
});
