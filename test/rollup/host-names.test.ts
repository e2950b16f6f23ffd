/**
 * The host a pack is rolled up under is the host its lines say (docs/FORMAT.md, "Roll-ups"): a
 * `--from HOST=DIR` naming a pack no line of which is of HOST (two hosts' days swapped) is refused,
 * and a proven line that says another host than its leaf's is a proof finding.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { proveLines, verifyProof } from '../../src/proof/index.js';
import { rollupDay } from '../../src/rollup/index.js';
import { at, DATE, exportFirmDay, type SimHost, writeFirmDay } from './hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 0 },
];
const key = generateKeyPairSync('ed25519');
let dir: string;
let arts: Map<string, string>;

describe('rollup: the --from host name against the pack lines', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-host-names-'));
    await writeFirmDay(dir, HOSTS, DATE, 2);
    // alpha's log directory is shared for a moment: a writer of bravo adds one order to its chain.
    let now = at(DATE, 13);
    const shared = createAuditLogger({
      logDir: join(dir, 'alpha', 'logs'),
      handleExit: false,
      host: 'bravo',
      pid: 103,
      heartbeatMinutes: 0,
      clock: () => now++,
    });
    shared.order('OrderAccepted', { orderId: 'SHARED-1', symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' });
    await shared.close();
    arts = await exportFirmDay(dir, HOSTS, DATE);
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('swapped --from names are ROLLUP_HOST_CONTRADICTED, and nothing is written', async () => {
    const out = join(dir, 'rollups-swapped');
    const err = await rollupDay({
      date: DATE,
      outDir: out,
      version: '0.1.0',
      signingKey: key.privateKey,
      sources: [
        { host: 'alpha', dir: arts.get('bravo') as string },
        { host: 'bravo', dir: arts.get('alpha') as string },
      ],
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ROLLUP_HOST_CONTRADICTED' });
    // bravo's pack named alpha: no line of it says alpha. alpha's pack holds one bravo line (shared),
    // so the name bravo does not contradict every line of it.
    expect((err as Error).message).toMatch(/alpha \(.*: its lines say "bravo"\)/);
    expect((err as Error).message).not.toMatch(/; bravo \(/);
    expect(existsSync(join(out, DATE))).toBe(false);
  });

  it('a proven line of a shared log directory that says another host is PROOF_LINE_HOST_MISMATCH', async () => {
    const outDir = join(dir, 'rollups');
    const sources = HOSTS.map((h) => ({ host: h.name, dir: arts.get(h.name) as string }));
    await rollupDay({ date: DATE, outDir, version: '0.1.0', signingKey: key.privateKey, sources });
    const trust = { publicKeys: [key.publicKey] };
    const own = await proveLines({ date: DATE, rollupsDir: outDir, sources, select: { orderId: `${DATE}-O1` } });
    expect(verifyProof(JSON.stringify(own), trust).problems).toEqual([]);
    const shared = await proveLines({ date: DATE, rollupsDir: outDir, sources, select: { orderId: 'SHARED-1' } });
    expect(shared.hosts.map((h) => h.host)).toEqual(['alpha']);
    const r = verifyProof(JSON.stringify(shared), trust);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.code)).toContain('PROOF_LINE_HOST_MISMATCH');
    expect(r.problems.find((p) => p.code === 'PROOF_LINE_HOST_MISMATCH')?.detail).toContain(
      `is in alpha's pack but says host "bravo"`,
    );
  });
});
