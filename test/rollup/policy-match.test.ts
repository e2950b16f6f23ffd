/**
 * The roll-up's merged compliance report names every host whose own report ran under other policies:
 * run without --policy on another machine, it would otherwise be silently weaker than the hosts'.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import { rollupDay } from '../../src/rollup/index.js';
import { DATE, exportFirmDay, type SimHost, writeFirmDay } from './hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
];
let dir: string;

const rollup = (out: string, policy?: PolicyTimeline) =>
  rollupDay({
    date: DATE,
    outDir: join(dir, out),
    version: '0.1.0',
    sources: HOSTS.map((h) => ({ dir: join(dir, h.name, 'artifacts') })),
    ...(policy === undefined ? {} : { policy }),
  });
const mismatches = (r: Awaited<ReturnType<typeof rollup>>) =>
  r.findings.filter((f) => f.code === 'ROLLUP_POLICY_MISMATCH').map((f) => [f.host, f.severity]);

describe('roll-up policy against the hosts recorded ones', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-rollup-policy-'));
    await writeFirmDay(dir, HOSTS, DATE, 3);
    await exportFirmDay(dir, HOSTS, DATE);
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the same policy as the hosts: no finding', async () => {
    expect(mismatches(await rollup('same'))).toEqual([]);
  });

  it('another policy: each host is named, as a warning', async () => {
    const text = defaultPolicy().text.replace('restricted_symbols: []', 'restricted_symbols: [USDRUB]');
    expect(text).not.toBe(defaultPolicy().text);
    const other = new PolicyTimeline([
      policyFromText(text, { from: null, source: 'file', snapshot_id: null, path: 'firm.yaml' }),
    ]);
    const r = await rollup('other', other);
    expect(mismatches(r)).toEqual([
      ['alpha', 'warning'],
      ['bravo', 'warning'],
    ]);
    expect(r.findings.find((f) => f.code === 'ROLLUP_POLICY_MISMATCH')?.detail).toMatch(/firm-wide report/);
  });
});
