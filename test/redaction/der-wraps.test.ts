/**
 * A bare DER private key wrapped in any of the ways long values are wrapped (rules 18): followed by
 * its declared length across the wrapping characters, so no line of its body after the first stays
 * in clear. Before, each wrapping was enumerated (line breaks + indent, one `\n` escape) and the
 * others (a `.properties` or YAML `\` continuation, a YAML list or JSON array of lines, tabs, a
 * doubly escaped `\\n`, `%0A`, `"…" +` concatenation) kept all but the key's first line.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'der', type: 'pkcs8' })
  .toString('base64');
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ format: 'der', type: 'pkcs1' })
  .toString('base64');
const lines = (k: string, n = 40): string[] => k.match(new RegExp(`.{1,${n}}`, 'g')) as string[];
/** The pieces of the key a leak would show: every wrapped line, and its last 12 characters. */
function leaked(out: string, key: string): string[] {
  return [...lines(key), key.slice(-12)].filter((p) => out.includes(p.replace(/=+$/, '')));
}

describe.each([
  ['EC PKCS#8', ec],
  ['RSA PKCS#1', rsa],
])('a wrapped %s DER key', (_name, key) => {
  const w = (sep: string): string => lines(key).join(sep);
  it.each([
    ['tabs', `key ${w('\t')} qty=100`],
    ['blanks', `key ${w(' ')} qty=100`],
    ['doubly escaped \\\\n', `key ${w('\\\\n')} qty=100`],
    ['triply escaped \\\\\\r\\\\\\n', `key ${w('\\\\\\r\\\\\\n')} qty=100`],
    ['%0A', `key=${w('%0A')}&qty=100`],
    ['%0D%0A', `key=${w('%0D%0A')}&qty=100`],
    ['"…" + concatenation', `const key = "${w('" +\n    "')}"; qty=100`],
    ["'…' + concatenation", `key = '${w("' +\n  '")}' qty=100`],
    ['a JSON array', `{"k": ["${w('", "')}"], "qty": 100}`],
    ['a JSON array over lines', `{"k": [\n  "${w('",\n  "')}"\n], "qty": 100}`],
  ])('in a log string: %s', (_wrap, text) => {
    const out = r.redactString(text);
    expect(leaked(out, key)).toEqual([]);
    expect(out).toMatch(/qty"?[=:] ?100/);
  });

  it.each([
    ['properties', 'a .properties \\ continuation', `tls.key=${w('\\\n    ')}\nrisk.max_qty=100\n`],
    ['yaml', 'a YAML double-quoted \\ continuation', `tls:\n  key: "${w('\\\n    ')}"\n  max_qty: 100\n`],
    ['yaml', 'a YAML list of lines', `tls:\n  blob:\n    - ${w('\n    - ')}\n  max_qty: 100\n`],
    ['json', 'a JSON array of lines', `{"tls": {"k": ["${w('", "')}"]}, "max_qty": 100}`],
    ['json', 'a JSON array over lines', `{"tls": {"k": [\n  "${w('",\n  "')}"\n]}, "max_qty": 100}\n`],
  ] as const)('in a %s config: %s, the layout kept', (format, _wrap, text) => {
    const out = redactConfigText(text, format, r).text;
    expect(leaked(out, key)).toEqual([]);
    expect(out).toContain('max_qty');
    expect(out.split('\n').length).toBe(text.split('\n').length);
  });
});

describe('near misses: trading text with M-words and wrapping characters stays', () => {
  it.each([
    'MSFT, MCD, MMM + "MA" rolled to Mar; MIIX fills: 100 @ 1.25',
    'orders ["MSFT", "MCD", "META"] + ["MU"]\n  - MRK\n  - MO',
    'venue=MIC%0AXNAS%0Dqty=5',
    'note: MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX "MIIB" (truncated sample id), px 1.25',
  ])('%j', (text) => {
    expect(r.redactString(text)).toBe(text);
  });
});

describe('a line break written as markup (XML character references, <br>, U+2028): the key goes', () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ format: 'der', type: 'pkcs8' })
    .toString('base64');
  const seps = ['&#10;', '&#13;&#10;', '&#xA;', '&#xD;&#xA;', '&#x0a;', '<br>', '<br/>', '<BR />', '\u2028', '\u2029'];
  it.each(seps)('joined by %j, in free text and in an .xml config', (sep) => {
    const joined = lines(key, 64).join(sep);
    const free = r.redactString(`loaded signer ${joined} ok qty=100`);
    expect(leaked(free, key)).toEqual([]);
    expect(free).toContain('ok qty=100');
    const xml = `<appSettings>\n  <add key="signer" value="${joined}"/>\n  <add key="max_qty" value="100"/>\n</appSettings>\n`;
    const out = redactConfigText(xml, 'xml', r).text;
    expect(leaked(out, key)).toEqual([]);
    expect(out).toContain('<add key="max_qty" value="100"/>');
  });
  it('near misses: markup between M-words and short base64 stays', () => {
    for (const t of [
      'MSFT&#10;MCD&#xA;MMM<br>MO<br/>MU\u2028MRK',
      'note MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX&#10;EURUSD&#10;BUY',
      '<p>MIIX fills<br />100 @ 1.25&#13;&#10;ok</p>',
    ])
      expect(r.redactString(t)).toBe(t);
  });
});

describe('a forged or truncated key header does not eat the values after it (at33 F1)', () => {
  // The first 51 characters of an RSA PKCS#8 key: its header declares 1,217 bytes.
  const H = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC';
  // A 16-character header declaring 64 kB (SEQUENCE, length 0xFFFF, INTEGER 0, SEQUENCE, OID).
  const FORGED = 'MIL//wIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA';
  it.each([
    [
      `["${H}", "EURUSD", "BUY", "100000", "ORD-12345", "acct-77"]`,
      '["[REDACTED]", "EURUSD", "BUY", "100000", "ORD-12345", "acct-77"]',
    ],
    [`fields: ${H}, EURUSD, BUY, ORDABC123, acct77`, 'fields: [REDACTED], EURUSD, BUY, ORDABC123, acct77'],
    [`key_prefix=${H} ["EURUSD", "BUY", "QTY100000"]`, 'key_prefix=[REDACTED] ["EURUSD", "BUY", "QTY100000"]'],
    [`k=${H}\nsymbols: [EURUSD]`, 'k=[REDACTED]\nsymbols: [EURUSD]'],
    [`k=${H}\\n  - EURUSD\\n  - GBPUSD`, 'k=[REDACTED]\\n  - EURUSD\\n  - GBPUSD'],
    [`k="${H}" + "EURUSD" + "GBPUSD"`, 'k="[REDACTED]" + "EURUSD" + "GBPUSD"'],
  ])('%j: its first run only', (text, want) => {
    expect(r.redactString(text)).toBe(want);
  });
  it('in a YAML config, the next line keeps its key', () => {
    const text = `signer: ${H}\nsymbols:\n  - EURUSD\nmax_qty: 100\n`;
    expect(redactConfigText(text, 'yaml', r).text).toBe('signer: [REDACTED]\nsymbols:\n  - EURUSD\nmax_qty: 100\n');
  });
  it('a header declaring 64 kB, then base64-like values across punctuation: only its own run goes', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `"${`ORD${i}`.padEnd(60, 'x')}"`).join(', ');
    const text = `["${FORGED}", ${ids}, "EURUSD"]`;
    const out = r.redactString(text);
    expect(out).toBe(`["[REDACTED]", ${ids}, "EURUSD"]`);
  });
  it('a truncated real key across line breaks still loses every line it has', () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'der', type: 'pkcs8' })
      .toString('base64');
    const cut = lines(key, 64).slice(0, 8);
    const out = r.redactString(`key ${cut.join('\n')}\nqty=100`);
    expect(cut.filter((l) => out.includes(l))).toEqual([]);
    expect(out).toContain('qty=100');
  });
});
