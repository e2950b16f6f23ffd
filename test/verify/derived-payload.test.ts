/**
 * An unsigned pack made by the real exporter, edited by someone who recomputes every manifest: a CSV
 * cell, an alert line dropped with rows.alerts lowered, report.html edited or removed. Counts and
 * seq values still agree with the log; only re-deriving (re-rendering) from data/audit.jsonl and
 * the report catches it.
 */
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/export.js';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { writeTagManifest } from './helpers/pack-fixture.js';
import { PYTHON } from '../helpers/python.js';

const CHECKER = join(import.meta.dirname, '../../tools/auditpack_check.py');
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function exportedPack(): Promise<string> {
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const artifacts = join(dir, 'artifacts');
  let now = Date.UTC(2025, 8, 9, 8) * 1000;
  const log = createAuditLogger({ logDir, handleExit: false, clock: () => (now += 997_003), host: 'desk-1', pid: 42 });
  for (let i = 0; i < 30; i++) {
    log.order('OrderAccepted', {
      orderId: `O${i}`,
      symbol: 'EURUSD',
      side: 'BUY',
      quantity: 1000,
      price: '1.10050',
      note: 'Ünïcode ✓ "q", x',
    });
    log.fill({ orderId: `O${i}`, dealId: `D${i}`, symbol: 'EURUSD', side: 'BUY', quantity: 1000, price: '1.10051' });
    if (i % 5 === 0) log.alert({ alertType: 'risk', message: `drawdown ${i}%`, severity: 'HIGH' });
  }
  await log.close();
  await exportPack({
    logDir,
    artifactsDir: artifacts,
    date: '2025-09-09',
    version: '0.1.0',
    snapshot: false,
    recordEvent: false,
  });
  const pack = join(artifacts, '2025-09-09');
  for (const p of [pack, join(pack, 'data')]) chmodSync(p, 0o755);
  for (const n of readdirSync(join(pack, 'data'))) chmodSync(join(pack, 'data', n), 0o644);
  for (const n of readdirSync(pack)) if (n !== 'data') chmodSync(join(pack, n), 0o644);
  return pack;
}

/** Recomputes every hash and count a forger without a key would (the pack is unsigned). */
function reseal(dir: string, rows?: Partial<Record<'orders' | 'fills' | 'alerts', number>>): void {
  const names = readdirSync(join(dir, 'data')).sort();
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  let total = 0;
  const lines: string[] = [];
  const before = m.files;
  m.files = {};
  for (const n of names) {
    const b = readFileSync(join(dir, 'data', n));
    m.files[`data/${n}`] = { ...before[`data/${n}`], size: b.length, sha256: sha(b) };
    total += b.length;
    lines.push(`${sha(b)}  data/${n}\n`);
  }
  m.summary = { total_files: names.length, total_size: total };
  if (rows !== undefined) m.rows = { ...m.rows, ...rows };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
  writeFileSync(join(dir, 'manifest-sha256.txt'), lines.join(''));
  const info = readFileSync(join(dir, 'bag-info.txt'), 'utf8').replace(
    /Payload-Oxum: .*/,
    `Payload-Oxum: ${total}.${names.length}`,
  );
  writeFileSync(join(dir, 'bag-info.txt'), info);
  writeTagManifest(dir);
}

const edit = (p: string, f: (s: string) => string): void => writeFileSync(p, f(readFileSync(p, 'utf8')));
const errorCodes = (r: { problems: readonly { code: string; severity: string }[] }): string[] =>
  [...new Set(r.problems.filter((p) => p.severity === 'error').map((p) => p.code))].sort();

describe('the derived payload is checked against the log, not only counted', () => {
  it('an untouched (and a resealed, unchanged) exported pack has no finding', async () => {
    const pack = await exportedPack();
    expect(errorCodes(await verifyPack(pack))).toEqual([]);
    reseal(pack);
    expect(errorCodes(await verifyPack(pack))).toEqual([]);
  });

  it('a quantity cell in orders.csv, hashes recomputed', async () => {
    const pack = await exportedPack();
    edit(join(pack, 'data/orders.csv'), (s) => s.replace(',BUY,1000,1.10050,', ',BUY,9000,1.10050,'));
    reseal(pack);
    const r = await verifyPack(pack);
    expect(errorCodes(r)).toEqual(['PACK_CSV_MISMATCH']);
    expect(r.problems.find((p) => p.code === 'PACK_CSV_MISMATCH')?.file).toBe('data/orders.csv');
  });

  it('a price in fills.csv, hashes recomputed', async () => {
    const pack = await exportedPack();
    edit(join(pack, 'data/fills.csv'), (s) => s.replace('1.10051', '1.00051'));
    reseal(pack);
    expect(errorCodes(await verifyPack(pack))).toEqual(['PACK_CSV_MISMATCH']);
  });

  it('an alert line dropped and rows.alerts lowered, hashes recomputed', async () => {
    const pack = await exportedPack();
    const p = join(pack, 'data/alerts.jsonl');
    const lines = readFileSync(p, 'utf8').split('\n');
    lines.splice(2, 1);
    writeFileSync(p, lines.join('\n'));
    reseal(pack, { alerts: lines.length - 1 });
    const r = await verifyPack(pack);
    expect(errorCodes(r)).toEqual(['PACK_ALERTS_MISMATCH']);
    expect(r.problems.find((x) => x.code === 'PACK_ALERTS_MISMATCH')?.file).toBe('data/alerts.jsonl');
  });

  it('report.html edited (a severity renamed, a script added) or removed, hashes recomputed', async () => {
    for (const change of ['rename', 'script', 'remove'] as const) {
      const pack = await exportedPack();
      const p = join(pack, 'data/report.html');
      if (change === 'remove') rmSync(p);
      else
        edit(p, (s) =>
          change === 'rename'
            ? s.replaceAll('critical', 'cleared')
            : s.replace('</body>', '<script>fetch("//x")</script></body>'),
        );
      reseal(pack);
      const r = await verifyPack(pack);
      expect(errorCodes(r), change).toEqual(['COMPLIANCE_REPORT_MISMATCH']);
      expect(r.problems.find((x) => x.code === 'COMPLIANCE_REPORT_MISMATCH')?.file, change).toBe('data/report.html');
    }
  });

  it('the reference checker, which does not re-run the compliance checks, says so', async () => {
    const pack = await exportedPack();
    edit(join(pack, 'data/report.html'), (s) => s.replaceAll('critical', 'cleared'));
    reseal(pack);
    const out = JSON.parse(execFileSync(PYTHON, [CHECKER, pack, '--json'], { encoding: 'utf8' })) as {
      ok: boolean;
      findings: { code: string; severity: string }[];
    };
    expect(out.findings.filter((x) => x.code === 'COMPLIANCE_NOT_CHECKED').map((x) => x.severity)).toEqual(['info']);
  });
});
