/**
 * The recorded report's findings held as a digest through verify's log pass
 * (src/verify/compliance-findings.ts): equal only for the same findings in the same order.
 */
import { describe, expect, it } from 'vitest';
import { findingsDigest, sameFindings, withoutFindings } from '../../src/verify/compliance-findings.js';

const finding = (id: string, description: string) => ({
  id,
  rule: 'duplicate_order',
  severity: 'warning',
  time: '2025-09-08T00:00:08.255747Z',
  order_ids: ['O-1', 'O-2'],
  symbol: 'EURUSD',
  description,
  evidence: [{ file: 'data/audit.jsonl', seq: 7, line: 7, line_sha256: 'a'.repeat(64) }],
});

describe('recorded findings as a digest', () => {
  const a = finding('duplicate_order:7', 'order O-2 duplicates O-1');
  const b = finding('duplicate_order:9', 'order O-3 duplicates O-1');
  const d = findingsDigest([a, b]);

  it('the same findings, parsed back from the report JSON, are the same', () => {
    expect(sameFindings(d, JSON.parse(JSON.stringify([a, b], null, 2)))).toBe(true);
  });

  it('another order, a changed field, one finding more or less, or a split of the text differ', () => {
    expect(sameFindings(d, [b, a])).toBe(false);
    expect(sameFindings(d, [a, { ...b, description: 'order O-3 duplicates O-2' }])).toBe(false);
    expect(sameFindings(d, [a, { ...b, evidence: [{ ...b.evidence[0], seq: 8 }] }])).toBe(false);
    expect(sameFindings(d, [a])).toBe(false);
    expect(sameFindings(d, [a, b, b])).toBe(false);
    expect(findingsDigest(['x\n', 'y']).sha256).not.toBe(findingsDigest(['x', '\ny']).sha256);
    expect(sameFindings(findingsDigest([null]), [{}])).toBe(false);
  });

  it('the report held through the pass keeps everything but its findings', () => {
    const r = { format: 'auditpack.compliance-report/1', period: { from: 'x', to: 'x' }, findings: [a, b] } as never;
    expect(withoutFindings(r)).toEqual({
      format: 'auditpack.compliance-report/1',
      period: { from: 'x', to: 'x' },
      findings: [],
    });
  });
});
