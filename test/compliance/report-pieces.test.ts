/**
 * compliance_report.json written in pieces (reportJsonPieces, as export writes it) is byte for byte
 * reportJson: the manifests hash the file as written, and a piece indented one space off would still
 * parse, so only the bytes tell.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCompliance, type ComplianceReport, reportJson, reportJsonPieces } from '../../src/compliance/index.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, TEST_POLICY, writeEvents, writePolicy } from './helpers.js';

async function hostileReport(): Promise<ComplianceReport> {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, TEST_POLICY);
  await writeEvents(join(cwd, 'logs'), [
    [
      '10:00:00',
      'fill',
      'Filled',
      { order_id: 'a\n  "findings": []', symbol: '</script>"\u2028😀', quantity: 1, price: '1' },
    ],
    ['10:00:01', 'order', 'Cancelled', { order_id: '@SUM(A1)', symbol: '+1,"2"\r\n3' }],
    ['10:00:02', 'order', 'Cancelled', { order_id: 'x'.repeat(300) }],
  ]);
  return checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, policyFile });
}

const joined = (r: ComplianceReport): string => [...reportJsonPieces(r)].join('');

describe('reportJsonPieces', () => {
  it('joins to reportJson for a report of hostile findings, and for one without findings', async () => {
    const r = await hostileReport();
    expect(r.findings.length).toBe(3);
    expect(joined(r)).toBe(reportJson(r));
    expect([...reportJsonPieces(r)].length).toBeGreaterThan(3);
    const none = { ...r, findings: [] };
    expect(joined(none)).toBe(reportJson(none));
  });

  it('joins to reportJson for any findings (strings with newlines, quotes, the key itself, nesting)', async () => {
    const r = await hostileReport();
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    const tricky = fc.constantFrom('\n  "findings": []', '\n', '\\n    ', '],', '"findings"', '');
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        text,
        tricky,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.oneof(text, tricky), tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    const finding = fc.dictionary(fc.oneof(text, tricky), value, { maxKeys: 5 });
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 6 }), fc.oneof(text, tricky), (findings, note) => {
        const report = { ...r, policy_notes: [note], findings } as unknown as ComplianceReport;
        expect(joined(report)).toBe(reportJson(report));
      }),
      { numRuns: 300 },
    );
  });
});
