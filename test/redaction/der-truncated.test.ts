/**
 * Rules 19: a bare DER key cut off inside a JSON array of lines (a log truncated mid-key) lost
 * only its first line: since at33 F1 a key short of its declared length after punctuation was its
 * first line, so a forged header would not blank `"EURUSD", "BUY"` after it. The lines of exactly
 * the first's width (a base64 line's: 40 and up, a multiple of 4) now go with it. A key whose first
 * line is under 40 characters before punctuation (wrapped at 16-36, or a short first piece of a
 * concatenation) goes when it runs, in lines of one width, exactly to its declared length.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'der', type: 'pkcs8' })
  .toString('base64');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'der', type: 'sec1' })
  .toString('base64');
const lines = (k: string, n: number): string[] => k.match(new RegExp(`.{1,${n}}`, 'g')) as string[];
const shown = (out: string, ls: string[]): string[] => ls.filter((l) => out.includes(l));

describe('a real DER key cut off inside a JSON array of lines loses every full line', () => {
  it.each([64, 76, 60, 48, 44, 40])('wrapped at %i', (w) => {
    const cut = lines(rsa, w).slice(0, 7);
    const text = `{"k": ${JSON.stringify([...cut, 'EURUSD', 'BUY', '100000'])}, "qty": 5}`;
    const out = r.redactString(text);
    expect(shown(out, cut)).toEqual([]);
    expect(out).toBe('{"k": ["[REDACTED]","EURUSD","BUY","100000"], "qty": 5}');
  });
  it('spaced and over lines, as a pretty-printer writes it', () => {
    const cut = lines(rsa, 64).slice(0, 5);
    const text = `{"k": [\n  "${cut.join('",\n  "')}",\n  "EURUSD",\n  "BUY"\n]}`;
    const out = r.redactString(text);
    expect(shown(out, cut)).toEqual([]);
    expect(out).toBe('{"k": [\n  "[REDACTED]",\n  "EURUSD",\n  "BUY"\n]}');
  });
});

describe('a key whose first line is under 40 characters before punctuation', () => {
  it.each([
    ['RSA', rsa],
    ['EC SEC1', ec],
  ])('%s wrapped at 16-36 in a JSON array: every line goes', (_n, key) => {
    for (const w of [16, 20, 24, 28, 32, 36]) {
      const ls = lines(key, w);
      const out = r.redactString(`${JSON.stringify({ k: [...ls, 'EURUSD', 'BUY'] })}`);
      expect(shown(out, ls), `width ${w}`).toEqual([]);
      expect(out).toBe('{"k":["[REDACTED]","EURUSD","BUY"]}');
    }
  });
  it('a short first piece of a concatenation, then 64-wide pieces', () => {
    const rest = lines(rsa.slice(20), 64);
    const text = `const k = "${rsa.slice(0, 20)}" +\n  "${rest.join('" +\n  "')}"; qty=100`;
    const out = r.redactString(text);
    expect(shown(out, rest)).toEqual([]);
    expect(out).toBe('const k = "[REDACTED]"; qty=100');
  });
});

describe('near misses: ordinary values after a key header stay', () => {
  const H20 = rsa.slice(0, 20); // a real header, cut at 20 characters
  const H20_1216 = 'MIIEvAIBADANBgkqhkiG';
  const H20_1215 = 'MIIEuwIBADANBgkqhkiG';
  const FORGED = 'MIL//wIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA'; // 44 characters declaring 64 kB
  it.each([
    // a truncated narrow key: its first line is no key (under 40 characters), the values after it kept
    [`["${H20}", "EURUSD", "BUY", "100000", "ORD-12345"]`, `["${H20}", "EURUSD", "BUY", "100000", "ORD-12345"]`],
    // 20-wide order ids (base64url digits) that do not end at the declared length. The header is a
    // fixed one (a 1,216-byte PKCS#8 RSA key's, 1,624 base64 digits): the random key's header
    // declared 1,215 bytes in about one run in several, exactly 81 runs of 20 digits, and its ids
    // then did end at the declared length (the CI pre-check's Node 24 line, 2026-12-05)
    [
      `["${H20_1216}", ${Array.from({ length: 90 }, (_, i) => `"ORD-2026-12-05-${String(i).padStart(5, '0')}"`).join(', ')}]`,
      `["${H20_1216}", ${Array.from({ length: 90 }, (_, i) => `"ORD-2026-12-05-${String(i).padStart(5, '0')}"`).join(', ')}]`,
    ],
    // the same ids after a header declaring exactly 81 runs of 20 digits (1,215 bytes) do end there
    [
      `["${H20_1215}", ${Array.from({ length: 90 }, (_, i) => `"ORD-2026-12-05-${String(i).padStart(5, '0')}"`).join(', ')}]`,
      `["[REDACTED]", ${Array.from({ length: 10 }, (_, i) => `"ORD-2026-12-05-${String(80 + i).padStart(5, '0')}"`).join(', ')}]`,
    ],
    // a forged header, then values wider or narrower than it
    [
      `["${FORGED}", "${'ORDx'.repeat(12)}", "${'ORDx'.repeat(10)}", "EURUSD"]`,
      `["[REDACTED]", "${'ORDx'.repeat(12)}", "${'ORDx'.repeat(10)}", "EURUSD"]`,
    ],
    // a header of a width no base64 line has (51): its run only
    [`["${rsa.slice(0, 51)}", "${rsa.slice(51, 102)}", "EURUSD"]`, `["[REDACTED]", "${rsa.slice(51, 102)}", "EURUSD"]`],
    ['fills ["MSFT", "MCD", "MIIX"] 35=8|55=MSFT|44=1.25|', 'fills ["MSFT", "MCD", "MIIX"] 35=8|55=MSFT|44=1.25|'],
  ])('%#', (text, want) => {
    expect(r.redactString(text)).toBe(want);
  });
});

describe('idempotent and bounded', () => {
  const PIECES = [
    ...lines(rsa, 64).slice(0, 4),
    ...lines(rsa, 20).slice(0, 4),
    'MIL//wIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA',
    'EURUSD',
    'BUY',
    'ORD-2026-12-05-00001',
    // at35: hex digests after a header (they stay), and two keys' base64 glued (both go in one pass).
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    'MC4CAQAwBQYDK2VwBCIEIPQ9Yc0WcyGcdnPfD1H3mpq7vL8rWbq1Ns0H0hzEpo/W',
    '", "',
    '" +\n "',
    '\n',
    ' ',
    '[',
    ']',
  ];
  it('redacting twice is redacting once', () => {
    const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, (t) => {
        const once = r.redactString(t);
        expect(r.redactString(once)).toBe(once);
      }),
      { numRuns: 400, seed: 20261205 },
    );
  });
  it('a 2 MB line of narrow headers and equal-width ids: each walk stops at the next header', () => {
    // The work bound: every walk ends before the next key start, so the redacted text keeps each id.
    const unit = `"${rsa.slice(0, 20)}", "ORD-2026-12-05-00001", `;
    const text = `[${unit.repeat(Math.ceil(2_000_000 / unit.length))}"EURUSD"]`;
    const out = r.redactString(text);
    expect(out.split('ORD-2026-12-05-00001').length).toBe(text.split('ORD-2026-12-05-00001').length);
    expect(out.endsWith('"EURUSD"]')).toBe(true);
  });
});
