import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { NEEDS_ESCAPE } from '../../src/logger/json-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

/** Characters that steer the scan: delimiters, escapes, surrogates, scheme words, pair syntax. */
const PIECES = [
  ...'ab Z9_-.:=/@<>"\\\n\r\t\u0000\u001f\u007f\u00e9\u20ac'.split(''),
  '\ud83d\ude00',
  '\ud800',
  '\udfff',
  'Bearer ',
  'Digest ',
  'username=',
  'password=hunter2 ',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----',
  'mysql -pS3cret ',
  'postgres://u:pw@h ',
  'rebalanced per mandate ',
];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }).map((a) => a.join(''));

describe('redactor: lastJsonPlain (the scan tells the writer a string needs no JSON escaping)', () => {
  it('is true only for a string returned unchanged that holds nothing JSON escapes', () => {
    const r = compileRedactor();
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit: 'binary', maxLength: 300 })), (s) => {
        const out = r.redactString(s);
        if (r.lastJsonPlain) {
          expect(out).toBe(s);
          expect(NEEDS_ESCAPE.test(s)).toBe(false);
        }
        // And when it is claimed, quoting without the test gives JSON.stringify's text.
        if (r.lastJsonPlain) expect(`"${s}"`).toBe(JSON.stringify(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('is claimed for long clean free text, and not for text with a quote, a control character or a secret', () => {
    const r = compileRedactor();
    const note = 'client requested amend after partial fill, venue latency spread widened '.repeat(20);
    expect(r.redactString(note)).toBe(note);
    expect(r.lastJsonPlain).toBe(true);
    r.redactString(`${note}"quoted"`);
    expect(r.lastJsonPlain).toBe(false);
    r.redactString(`${note}\u0001`);
    expect(r.lastJsonPlain).toBe(false);
    r.redactString(`${note}\ud800`);
    expect(r.lastJsonPlain).toBe(false);
    expect(r.redactString(`${note} token=ghp_abcdefghijklmnopqrstuvwxyz0123456789`)).not.toContain('ghp_');
    expect(r.lastJsonPlain).toBe(false);
    // A later short or cached string does not inherit the earlier answer.
    r.redactString(note);
    r.redactString('ab');
    expect(r.lastJsonPlain).toBe(false);
  });

  it('leaves the logged lines byte-identical to JSON.stringify of the values', async () => {
    const sink = new MemorySink();
    const logger = createAuditLogger({ sink, handleExit: false });
    const notes = [
      'client requested amend after partial fill '.repeat(30),
      `${'spread widened '.repeat(30)}"quoted" back\\slash`,
      `${'hedge ratio '.repeat(30)}\u0007 bell \ud83d\ude00 \ud800 lone`,
    ];
    for (const note of notes) logger.log('risk', 'NoteTaken', { note });
    // Nested strings and an error's message take the same path (a trade field never asks the redactor).
    for (const note of notes) {
      const err = Object.assign(new Error(note), { code: note.slice(0, 40) });
      logger.log('risk', 'Nested', { detail: { text: note, symbol: note.slice(0, 30) }, err, list: [note] });
    }
    await logger.close();
    const lines = sink.allLines();
    expect(lines).toHaveLength(2 * notes.length);
    notes.forEach((note, i) => {
      expect(lines[i]).toContain(`"note":${JSON.stringify(note)}`);
      expect((JSON.parse(lines[i] as string) as { note: string }).note).toBe(note);
      const nested = lines[notes.length + i] as string;
      expect(nested).toContain(
        `"detail":{"text":${JSON.stringify(note)},"symbol":${JSON.stringify(note.slice(0, 30))}}`,
      );
      expect(nested).toContain(`"message":${JSON.stringify(note)}`);
      expect(nested).toContain(`"code":${JSON.stringify(note.slice(0, 40))}`);
      expect(nested).toContain(`"list":[${JSON.stringify(note)}]`);
      const parsed = JSON.parse(nested) as { detail: { text: string }; err: { message: string }; list: string[] };
      expect([parsed.detail.text, parsed.err.message, parsed.list[0]]).toEqual([note, note, note]);
    });
  });
});
