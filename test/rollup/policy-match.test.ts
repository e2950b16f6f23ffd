/**
 * The roll-up's merged compliance report runs, without --policy, under the policy the host packs
 * recorded in common, and names every host whose own report ran under other policies: run on
 * another machine with its own (or the built-in) policy, it would otherwise be silently weaker.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, PolicyTimeline, policyFromText } from '../../src/compliance/index.js';
import { exportPack } from '../../src/pack/export.js';
import { rollupDay } from '../../src/rollup/index.js';
import { DATE, exportFirmDay, type SimHost, writeFirmDay } from './hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
];
let dir: string;

const FIRM = defaultPolicy().text.replace('restricted_symbols: []', 'restricted_symbols: [USDRUB]');
const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

/** `arts` names each host's artifacts directory (default: the packs made with the built-in policy). */
const rollup = (out: string, policy?: PolicyTimeline, arts: (host: string) => string = () => 'artifacts') =>
  rollupDay({
    date: DATE,
    outDir: join(dir, out),
    version: '0.1.0',
    sources: HOSTS.map((h) => ({ dir: join(dir, h.name, arts(h.name)) })),
    ...(policy === undefined ? {} : { policy }),
  });
const mismatches = (r: Awaited<ReturnType<typeof rollup>>) =>
  r.findings.filter((f) => f.code === 'ROLLUP_POLICY_MISMATCH').map((f) => [f.host, f.severity]);

describe('roll-up policy against the hosts recorded ones', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-rollup-policy-'));
    await writeFirmDay(dir, HOSTS, DATE, 3);
    await exportFirmDay(dir, HOSTS, DATE);
    // The same day exported again under the firm's policy file (recorded in each pack's report).
    writeFileSync(join(dir, 'firm.yaml'), FIRM);
    for (const h of HOSTS)
      await exportPack({
        logDir: join(dir, h.name, 'logs'),
        artifactsDir: join(dir, h.name, 'firm-artifacts'),
        date: DATE,
        version: '0.1.0',
        snapshot: false,
        recordEvent: false,
        compliance: { cwd: dir, policyFile: join(dir, 'firm.yaml') },
        now: () => Date.parse(`${DATE}T00:00:00Z`) + 25 * 3_600_000,
      });
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

  it('without --policy, the policy the hosts recorded in common is used, not the built-in one', async () => {
    const r = await rollup('common', undefined, () => 'firm-artifacts');
    expect(r.compliance.policies.map((p) => p.sha256)).toEqual([sha(FIRM)]);
    expect(mismatches(r)).toEqual([]);
  });

  it('hosts that recorded different policies: the fallback is used, and the other host is named with its hash', async () => {
    const r = await rollup('differ', undefined, (h) => (h === 'alpha' ? 'firm-artifacts' : 'artifacts'));
    expect(r.compliance.policies.map((p) => p.sha256)).toEqual([sha(defaultPolicy().text)]);
    expect(mismatches(r)).toEqual([['alpha', 'warning']]);
    expect(r.findings.find((f) => f.code === 'ROLLUP_POLICY_MISMATCH')?.detail).toContain(sha(FIRM).slice(0, 12));
  });
});
