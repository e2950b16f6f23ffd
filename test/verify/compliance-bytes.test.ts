/**
 * The compliance re-check holds compliance_findings.csv and report.html to what export writes, byte
 * for byte. An id holding a lone surrogate (a JS string cut inside a UTF-16 pair, logged through the
 * library) is shown in those files as its code, `\u{D83D}`, as every invisible character is: a
 * genuine pack must verify, and an edit of such a file must still be found.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPack } from '../../src/verify/index.js';
import { exportTestDay, writeEvents } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from './helpers/forge.js';

const CUT = 'ORD-\ud83d'; // half of an emoji's surrogate pair

async function surrogatePack(): Promise<string> {
  const cwd = tempDir();
  await writeEvents(join(cwd, 'logs'), [
    ['09:00:00', 'order', 'OrderAccepted', { order_id: CUT, symbol: 'EURUSD', side: 'BUY', quantity: 5, price: 1 }],
  ]);
  const r = await exportTestDay(cwd, { snapshot: false, compliance: { cwd } });
  return r.path;
}

const mismatches = (r: Awaited<ReturnType<typeof verifyPack>>) =>
  r.problems.filter((p) => p.code === 'COMPLIANCE_REPORT_MISMATCH').map((p) => p.file);

describe('an id with a lone surrogate in the compliance files', () => {
  it('a genuine pack verifies: the half pair is shown as its code, nothing becomes U+FFFD', async () => {
    const dir = await surrogatePack();
    const csv = readFileSync(join(dir, 'data', 'compliance_findings.csv'), 'utf8');
    expect(csv).toContain('ORD-\\u{D83D}'); // the finding's row names the order, the half pair as its code
    expect(csv).not.toContain('\ufffd');
    expect(readFileSync(join(dir, 'data', 'report.html'), 'utf8')).toContain('ORD-\\u{D83D}');
    const r = await verifyPack(dir);
    expect(mismatches(r)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('an edited row next to it is still found', async () => {
    const dir = await surrogatePack();
    forgePack(dir, {
      payload: (data) => {
        const p = join(data, 'compliance_findings.csv');
        writeFileSync(p, readFileSync(p, 'utf8').replace('ORD-\\u{D83D}', 'ORD-X'));
      },
    });
    expect(mismatches(await verifyPack(dir))).toContain('data/compliance_findings.csv');
  });
});
