/**
 * The YAML parses of untrusted config text leave the parser's errors unprettified: its default
 * (`prettyErrors`) cuts the error's whole source line out again for every error, so one line of
 * many errors (`k: "x" "x" …`, an error per extra scalar) was quadratic (80 kB 18 s, 250 kB 132 s).
 * Checked by structure, not by time: no error carries the line position or excerpt prettifying adds.
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { redactConfigText } from '../../src/redaction/config-text.js';
import { parseYamlDocument, parseYamlStream } from '../../src/redaction/yaml-untrusted.js';
import { parsePolicy } from '../../src/compliance/policy.js';

const HOSTILE = `k: ${'"x" '.repeat(2000)}\n`;

describe('YAML parses of untrusted text', () => {
  it('a line of many errors: every error left as the parser made it (no line cut per error)', () => {
    const docs = parseYamlStream(HOSTILE);
    const errors = docs.flatMap((d) => d.errors);
    expect(errors.length).toBeGreaterThan(1000);
    expect(errors.filter((e) => e.linePos !== undefined || e.message.includes(' at line '))).toEqual([]);
    const doc = parseYamlDocument(HOSTILE);
    expect(doc.errors.length).toBeGreaterThan(1000);
    expect(doc.errors.filter((e) => e.linePos !== undefined || e.message.includes(' at line '))).toEqual([]);
  });

  it('a line of many errors under a sensitive key is still redacted, the next line kept', () => {
    const text = `password: "s3cretPw" ${'"x" '.repeat(50)}\nqty: 100\n`;
    const out = redactConfigText(text, 'yaml', compileRedactor()).text;
    expect(out).not.toContain('s3cretPw');
    expect(out).toContain('\nqty: 100\n');
  });

  it('a policy that is not YAML still says where (line and column), found once', () => {
    expect(() => parsePolicy('require_login: true\nmax_findings: [\nx: "a" "b"\n', 'p.yaml')).toThrow(
      /p\.yaml: not valid YAML or JSON: .* at line 3, column 1$/,
    );
  });
});
