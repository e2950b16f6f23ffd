/**
 * CSV rules 2 (docs/FORMAT.md, "Formula injection"): a formula character after a `;` in a CSV
 * cell is neutralised, since Excel in `;`-separator locales splits a `.csv` there. A pack records
 * the rules it was written by (manifest.json `csv_rules`); verify and tools/auditpack_check.py
 * derive its CSVs again under those rules, so a pack made before them (no `csv_rules`, CSVs and a
 * compliance report of the old rules) still verifies, and a new pack's CSVs cannot be swapped
 * for the old, unsafe rendering.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { exportPack } from '../../src/pack/export.js';
import { verifyPack } from '../../src/verify/index.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';

const DATE = '2026-11-28';

/** A pack of hostile order and fill values, made by the real exporter (unsigned). */
async function hostilePack(): Promise<string> {
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  const artifacts = join(dir, 'artifacts');
  let now = Date.parse(`${DATE}T10:00:00Z`) * 1000;
  const log = createAuditLogger({ logDir, handleExit: false, clock: () => (now += 1_000_000), host: 'h', pid: 1 });
  log.log('order', 'OrderAccepted', {
    order_id: 'A-1;=HYPERLINK(E2&F2);x',
    user: 't;=3+3;',
    symbol: 'http://evil.example/?;=WEBSERVICE(E2);',
    side: 'BUY;@SUM(1+1);',
    quantity: 5,
    price: 1.1,
  });
  log.log('order', 'OrderAccepted', { order_id: 'C;"=1', symbol: { s: ';@x' }, quantity: '5;=1', price: '-1.5' });
  log.log('fill', 'Filled', { order_id: 'B-9;=2+2;', deal_id: 'D;-cmd|calc;', quantity: 5, price: 1.1 });
  await log.close();
  await exportPack({
    logDir,
    artifactsDir: artifacts,
    date: DATE,
    version: '0.1.0',
    snapshot: false,
    recordEvent: false,
  });
  return join(artifacts, DATE);
}

/** The pack's CSVs as rules 1 wrote them: only a cell's first character was neutralised. */
function toRules1(dataDir: string): void {
  for (const name of ['orders.csv', 'fills.csv', 'compliance_findings.csv']) {
    const p = join(dataDir, name);
    writeFileSync(
      p,
      readFileSync(p, 'utf8').replaceAll(";'", ';').replaceAll(';""\'', ';""').replaceAll('\\u003b', ';'),
    );
  }
  const report = join(dataDir, 'compliance_report.json');
  const r = JSON.parse(readFileSync(report, 'utf8'));
  r.rules = 11; // the last rules before compliance_findings.csv's cells were neutralised after `;`
  writeFileSync(report, `${JSON.stringify(r, null, 2)}\n`);
}

const errorsOf = (r: Awaited<ReturnType<typeof verifyPack>>) => r.problems.filter((p) => p.severity === 'error');

/** Every `;`-separated cell of a pack CSV that starts like a formula, read as Python's csv module does. */
function formulaCellsAfterSemicolon(dataDir: string): string[] {
  const script = `
import csv, io, os, sys
bad = []
for name in ("orders.csv", "fills.csv", "compliance_findings.csv"):
    text = open(os.path.join(sys.argv[1], name), encoding="utf-8", newline="").read()
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        bad += [name + ": " + c[:40] for c in row[1:] if c[:1] in ("=", "+", "-", "@", "\\t", "\\r")]
print("\\n".join(bad))
`;
  const r = spawnSync(PYTHON, ['-c', script, dataDir], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('CSV rules (formula characters after a `;`)', () => {
  it('a new pack records csv_rules 2, has no `;`-cell that starts like a formula, and verifies', {
    timeout: 120_000,
  }, async () => {
    const pack = await hostilePack();
    expect(JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8')).csv_rules).toBe(2);
    const orders = readFileSync(join(pack, 'data/orders.csv'), 'utf8');
    expect(orders).toContain("A-1;'=HYPERLINK(E2&F2);x");
    expect(orders).toContain('"C;""\'=1"');
    expect(orders).toContain('""user"":""t\\u003b=3+3;""');
    expect(formulaCellsAfterSemicolon(join(pack, 'data'))).toEqual([]);
    expect(errorsOf(await verifyPack(pack))).toEqual([]);
    expect(pythonPackCheck(pack).errors).toEqual([]);
  });

  it('a pack made before csv_rules (rules-1 CSVs, a rules-11 report) still verifies, here and in Python', {
    timeout: 120_000,
  }, async () => {
    const pack = await hostilePack();
    forgePack(pack, {
      payload: toRules1,
      manifest: (m) => {
        delete m.csv_rules;
      },
    });
    expect(formulaCellsAfterSemicolon(join(pack, 'data')).length).toBeGreaterThan(5); // the old, unsafe rendering
    const r = await verifyPack(pack);
    expect(errorsOf(r)).toEqual([]);
    expect(r.problems.map((p) => p.code)).not.toContain('COMPLIANCE_RULES_CHANGED');
    expect(pythonPackCheck(pack).errors).toEqual([]);
  });

  it('a new pack whose CSVs are swapped for the old rendering is found (the manifest says rules 2)', {
    timeout: 120_000,
  }, async () => {
    const pack = await hostilePack();
    forgePack(pack, { payload: toRules1 });
    const codes = errorsOf(await verifyPack(pack)).map((p) => p.code);
    expect(codes).toContain('PACK_CSV_MISMATCH');
    expect(pythonPackCheck(pack).errors.map((p) => p.code)).toContain('PACK_CSV_MISMATCH');
  });

  it('a csv_rules other than 2 is a malformed manifest', { timeout: 120_000 }, async () => {
    const pack = await hostilePack();
    forgePack(pack, {
      manifest: (m) => {
        m.csv_rules = 3;
      },
    });
    const codes = errorsOf(await verifyPack(pack)).map((p) => p.code);
    expect(codes).toContain('PACK_MANIFEST_JSON_INVALID');
    expect(pythonPackCheck(pack).errors.map((p) => p.code)).toContain('PACK_MANIFEST_JSON_INVALID');
  });
});
