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
