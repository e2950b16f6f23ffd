import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance, findingsCsv } from '../../src/compliance/index.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, TEST_POLICY, writeEvents, writePolicy } from './helpers.js';

describe('values quoted in findings', () => {
  it('cuts a long order id or symbol to its start, length and hash; evidence names the whole line', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, TEST_POLICY);
    const big = 'O'.repeat(20_000);
    const sym = `${'S'.repeat(63)}\u{1F600}${'S'.repeat(10_000)}`; // an emoji across the cut
    await writeEvents(join(cwd, 'logs'), [
      ['10:00:00', 'order', 'OrderAccepted', { order_id: big, symbol: sym, quantity: 9e9, price: 1e9, user: 'nobody' }],
      ['10:00:01', 'fill', 'Filled', { order_id: 'NONE', symbol: sym, quantity: 1, price: 1 }],
    ]);
    const r = await checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, policyFile });
    expect(r.findings.length).toBeGreaterThan(2);
    const hash = (v: string) => createHash('sha256').update(v).digest('hex').slice(0, 16);
    const json = JSON.stringify(r.findings);
    expect(json.length).toBeLessThan(20_000);
    expect(findingsCsv(r).length).toBeLessThan(20_000);
    for (const f of r.findings) {
      expect(f.description.length).toBeLessThanOrEqual(2000);
      expect(f.evidence.length).toBeGreaterThan(0);
      if (f.symbol !== null)
        expect(f.symbol).toBe(`${'S'.repeat(63)}…(${sym.length} characters, sha256 ${hash(sym)}…)`);
      for (const id of f.order_ids)
        if (id !== 'NONE') expect(id).toBe(`${'O'.repeat(64)}…(20000 characters, sha256 ${hash(big)}…)`);
    }
    expect(r.findings.some((f) => f.description.includes(`sha256 ${hash(big)}`))).toBe(true);
    expect(json).not.toMatch(/O{65}|S{64}/);
    // Short values are quoted whole.
    expect(r.findings.find((f) => f.order_ids[0] === 'NONE')?.description).toContain('NONE');
  });
});
