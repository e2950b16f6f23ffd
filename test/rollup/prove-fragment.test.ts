/**
 * A recovered torn fragment is never an event (docs/FORMAT.md, "Torn lines and recovery"): anyone
 * with append access to a day file can leave a well-formed but unterminated order line that the next
 * write recovers. `prove` must not vouch for it: a proof is only ever of real events.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { proveLines, verifyProof } from '../../src/proof/index.js';
import { rollupDay } from '../../src/rollup/index.js';
import { at, DATE, exportFirmDay, type SimHost, writeFirmDay } from './hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
];
let dir: string;

/** Appends an unterminated order line with the next seq and a correct prev, as a torn write leaves it. */
function plantFragment(file: string, orderId: string): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const last = lines.at(-1) as string;
  const seq = (JSON.parse(last) as { seq: number }).seq + 1;
  const prev = createHash('sha256').update(last).digest('hex');
  const ts = at(DATE, 12) / 1e6 + 10;
  const iso = new Date(ts * 1000).toISOString().replace('Z', '000Z');
  appendFileSync(
    file,
    `{"ts":${ts.toFixed(6)},"iso_ts":"${iso}","seq":${seq},"category":"order","event":"OrderAccepted","order_id":"${orderId}","symbol":"EURUSD","side":"SELL","quantity":5000000,"price":"0.5","host":"alpha","pid":1,"prev":"${prev}"}`,
  );
}

describe('prove and recovered torn fragments', () => {
  let fragmentSeq = 0;
  let rolled: Awaited<ReturnType<typeof rollupDay>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-prove-frag-'));
    await writeFirmDay(dir, HOSTS, DATE, 2);
    const logDir = join(dir, 'alpha', 'logs');
    const file = join(logDir, `audit-${DATE.replaceAll('-', '')}.jsonl`);
    plantFragment(file, 'FAKE-1');
    fragmentSeq = (JSON.parse(readFileSync(file, 'utf8').split('\n').at(-1) as string) as { seq: number }).seq;
    // The next write recovers the fragment: "\n" and a TornLineRecovered after it.
    let now = at(DATE, 13);
    const log = createAuditLogger({
      logDir,
      handleExit: false,
      host: 'alpha',
      heartbeatMinutes: 0,
      clock: () => now++,
    });
    log.order('OrderAccepted', { orderId: 'REAL-9', symbol: 'EURUSD', side: 'BUY', quantity: 1, price: '1.1' });
    await log.close();
    expect(readFileSync(file, 'utf8')).toContain('"event":"TornLineRecovered"');
    await exportFirmDay(dir, HOSTS, DATE);
    rolled = await rollupDay({ date: DATE, outDir: join(dir, 'rollups'), version: '0.1.0', sources: sources() });
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sources = () => HOSTS.map((h) => ({ dir: join(dir, h.name, 'artifacts') }));

  it('refuses to prove an order that is only in a recovered fragment, and says why', async () => {
    const err = await proveLines({
      date: DATE,
      rollupsDir: join(dir, 'rollups'),
      sources: sources(),
      select: { orderId: 'FAKE-1' },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ROLLUP_NOT_FOUND' });
    expect((err as Error).message).toMatch(/1 matching line\(s\) passed over: recovered torn fragments/);
  }, 60_000);

  it('by seq, proves the real event of that seq and never the fragment', async () => {
    const proof = await proveLines({
      date: DATE,
      rollupsDir: join(dir, 'rollups'),
      sources: sources(),
      select: { seq: fragmentSeq },
      host: 'alpha',
    });
    // The recovery event takes the fragment's seq (the chain goes on from the last event).
    const lines = proof.hosts.flatMap((h) => h.lines.map((l) => JSON.parse(l.line).event));
    expect(lines).toEqual(['TornLineRecovered']);
    expect(verifyProof(JSON.stringify(proof)).problems).toEqual([]);
  }, 60_000);

  it('still proves the real order written after the fragment', async () => {
    const proof = await proveLines({
      date: DATE,
      rollupsDir: join(dir, 'rollups'),
      sources: sources(),
      select: { orderId: 'REAL-9' },
    });
    expect(proof.hosts.flatMap((h) => h.lines.map((l) => JSON.parse(l.line).order_id))).toEqual(['REAL-9']);
    expect(verifyProof(JSON.stringify(proof)).problems).toEqual([]);
  }, 60_000);

  it("the roll-up's checks over the merged stream judge no fragment (and the host packs' neither)", async () => {
    expect(rolled.compliance.findings.filter((f) => f.order_ids.includes('FAKE-1'))).toEqual([]);
    expect(rolled.compliance.findings.filter((f) => f.order_ids.includes('REAL-9')).length).toBeGreaterThan(0);
    const host = JSON.parse(
      readFileSync(join(dir, 'alpha', 'artifacts', DATE, 'data', 'compliance_report.json'), 'utf8'),
    ) as { findings: { order_ids: string[] }[] };
    expect(host.findings.filter((f) => f.order_ids.includes('FAKE-1'))).toEqual([]);
  });
});
