/**
 * censoredCopiesAgree and the Python checker's censored_copies_agree (fx58a): two redacted copies of
 * one policy file agree line by line but for spans either replaced by the censor. Honest pairs are the
 * texts export records of one file whose copies were stored under two rule sets (the redactor of
 * src/redaction, more or fewer sensitive keys), both redacted again by export; forged pairs change a
 * line outside a censored span, add one, or hide a line break in a censored span.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { redactConfigText } from '../../src/redaction/config-text.js';
import { censoredCopiesAgree } from '../../src/verify/censored-lines.js';
import { TEST_POLICY } from '../compliance/helpers.js';
import { PYTHON } from '../helpers/python.js';

const RAW = `${TEST_POLICY}# api_key: hunter22\n# desk_ref: D-99 and a note\n`;
const LAX = TEST_POLICY.replace('restricted_symbols: [NORD]', 'restricted_symbols: []');
/** The file stored under `extraKeys` as sensitive too, then redacted again by export's default rules. */
const recorded = (raw: string, extraKeys: string[]): string => {
  const stored = redactConfigText(raw, 'yaml', compileRedactor({ keys: extraKeys })).text;
  return redactConfigText(stored, 'yaml', compileRedactor()).text;
};

const HONEST: [string, string][] = [
  [recorded(RAW, []), recorded(RAW, ['desk_ref'])],
  [recorded(RAW, ['desk_ref']), recorded(RAW, [])],
  [RAW, recorded(RAW, [])],
  ['a: "[REDACTED]"\nb: 1\n', 'a: "x[REDACTED]"\nb: 1\n'],
  ['k: x [REDACTED] y\n', 'k: [REDACTED] z [REDACTED] y\n'],
  ['x\r\ny\n', 'x\r\ny\n'],
];
const FORGED: [string, string][] = [
  [`${LAX}# api_key: hunter22\n`, recorded(`${TEST_POLICY}# api_key: hunter22\n`, [])],
  [`${LAX}# api_key: [REDACTED]\n`, recorded(`${TEST_POLICY}# api_key: hunter22\n`, [])],
  [`${TEST_POLICY}require_risk_check: false\n# api_key: x\n`, `${TEST_POLICY}# api_key: [REDACTED]\n`],
  ['# api_key: x\rrequire_risk_check: false\n', '# api_key: [REDACTED]\n'],
  ['a: [REDACTED]1\n', 'a: 2\n'],
  ['k: x[REDACTED]\n', 'k: y[REDACTED]\n'],
  ['k: [REDACTED]x\n', 'k: [REDACTED]y\n'],
  ['k: ab[REDACTED]ba\n', 'k: aba\n'],
];

describe('censoredCopiesAgree', () => {
  it('agrees on copies of one file redacted under two rule sets, and on no forged pair', () => {
    expect(recorded(RAW, ['desk_ref'])).not.toBe(recorded(RAW, []));
    for (const [a, b] of HONEST) expect([censoredCopiesAgree(a, b), censoredCopiesAgree(b, a)]).toEqual([true, true]);
    for (const [a, b] of FORGED) expect([censoredCopiesAgree(a, b), censoredCopiesAgree(b, a)]).toEqual([false, false]);
  });

  it('the Python checker gives the same answers', () => {
    const tools = fileURLToPath(new URL('../../tools', import.meta.url));
    const script = [
      'import sys, json',
      `sys.path.insert(0, ${JSON.stringify(tools)})`,
      'import auditpack_check as c',
      'print(json.dumps([[c.censored_copies_agree(a, b), c.censored_copies_agree(b, a)] for a, b in json.load(sys.stdin)]))',
    ].join('\n');
    const cases = [...HONEST, ...FORGED];
    const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(
      cases.map((c) => [censoredCopiesAgree(...c), censoredCopiesAgree(c[1], c[0])]),
    );
    expect(JSON.parse(r.stdout)).toEqual([...HONEST.map(() => [true, true]), ...FORGED.map(() => [false, false])]);
  });
});
