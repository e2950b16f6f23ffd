/**
 * CSV rules 2 and 3 (docs/FORMAT.md, "Formula injection"): a formula character after a `;` (rules
 * 2) or a CR or LF (rules 3) in a CSV cell is neutralised, since Excel in `;`-separator locales
 * splits a `.csv` at `;` and then ends the record at a line break inside a cell. A pack records
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
  // CSV rules 3: a `;`-splitting reader ends the record at a CR or LF inside a cell.
  log.log('order', 'OrderAccepted', {
    order_id: 'L-1\n=1+1;',
    symbol: 'EURUSD\r\n@SUM(2+2);',
    side: "BUY\r\"=cmd|' /C calc'!A0;",
    quantity: 5,
    price: 1.1,
  });
  log.log('fill', 'Filled', { order_id: 'L-2\r=4+4;', deal_id: 'D1\n-2+3;', quantity: 5, price: 1.1 });
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

/** The pack's CSVs as rules 2 wrote them: a formula character after CR or LF was left as it was. */
function toRules2(dataDir: string, reportRules: number | undefined = 16): void {
  for (const name of ['orders.csv', 'fills.csv', 'compliance_findings.csv']) {
    const p = join(dataDir, name);
    writeFileSync(p, readFileSync(p, 'utf8').replace(/([\r\n])((?:"")?)'/g, '$1$2'));
  }
  if (reportRules === undefined) return;
  const report = join(dataDir, 'compliance_report.json');
  const r = JSON.parse(readFileSync(report, 'utf8'));
  r.rules = reportRules; // the last rules before compliance_findings.csv's cells were neutralised after CR and LF
  writeFileSync(report, `${JSON.stringify(r, null, 2)}\n`);
}

/** The pack's CSVs as rules 1 wrote them: only a cell's first character was neutralised. */
function toRules1(dataDir: string): void {
  toRules2(dataDir);
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

/**
 * Every cell of a pack CSV that starts like a formula for a `;`-separator reader (Excel in de-DE,
 * fr-FR…): it splits at `;`, takes a `"` as a quote only at the start of a field, and ends the
 * record at CR, LF or CRLF outside such quotes. A signed decimal number is a number, not a formula.
 */
function formulaCellsAfterSemicolon(dataDir: string): string[] {
  const script = `
import os, re, sys
def rows(t):
    out, row, i, n = [], [], 0, len(t)
    while i < n:
        f = ""
        if t[i] == '"':
            i += 1
            while i < n:
                if t[i] == '"':
                    if i + 1 < n and t[i + 1] == '"':
                        f += '"'; i += 2; continue
                    i += 1; break
                f += t[i]; i += 1
        j = i
        while j < n and t[j] not in ";\\r\\n":
            j += 1
        f += t[i:j]; i = j
        row.append(f)
        if i < n and t[i] == ";":
            i += 1; continue
        if i < n and t[i] == "\\r":
            i += 1
        if i < n and t[i] == "\\n":
            i += 1
        out.append(row); row = []
    return out
num = re.compile(r"^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?$")
bad = []
for name in ("orders.csv", "fills.csv", "compliance_findings.csv"):
    text = open(os.path.join(sys.argv[1], name), encoding="utf-8", newline="").read()
    for row in rows(text):
        bad += [name + ": " + c[:40] for c in row if c[:1] in ("=", "@", "\\t", "\\r") or (c[:1] in ("+", "-") and not num.match(c))]
print("\\n".join(bad))
`;
  const r = spawnSync(PYTHON, ['-c', script, dataDir], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('CSV rules (formula characters after a `;`, a CR or a LF)', () => {
  it('a new pack records csv_rules 3, has no `;`-cell that starts like a formula, and verifies', {
    timeout: 120_000,
  }, async () => {
    const pack = await hostilePack();
    expect(JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8')).csv_rules).toBe(3);
    const orders = readFileSync(join(pack, 'data/orders.csv'), 'utf8');
    expect(orders).toContain("A-1;'=HYPERLINK(E2&F2);x");
    expect(orders).toContain('"C;""\'=1"');
    expect(orders).toContain('""user"":""t\\u003b=3+3;""');
    expect(orders).toContain(`"L-1\n'=1+1;"`);
    expect(orders).toContain(`"EURUSD\r\n'@SUM(2+2);"`);
    expect(orders).toContain(`"BUY\r""'=cmd|' /C calc'!A0;"`);
    const fills = readFileSync(join(pack, 'data/fills.csv'), 'utf8');
    expect(fills).toContain(`"L-2\r'=4+4;"`);
    expect(fills).toContain(`"D1\n'-2+3;"`);
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

  it('a pack made under csv_rules 2 (rules-2 CSVs, a rules-16 report) still verifies, here and in Python', {
    timeout: 120_000,
  }, async () => {
    const pack = await hostilePack();
    forgePack(pack, {
      payload: (d) => toRules2(d),
      manifest: (m) => {
        m.csv_rules = 2;
      },
    });
    expect(formulaCellsAfterSemicolon(join(pack, 'data')).length).toBeGreaterThan(4); // the rules-2 rendering
    const r = await verifyPack(pack);
    expect(errorsOf(r)).toEqual([]);
    expect(pythonPackCheck(pack).errors).toEqual([]);
  });

  it('a new pack whose CSVs are swapped for the rules-2 rendering is found (the manifest says rules 3)', {
    timeout: 120_000,
  }, async () => {
    const pack = await hostilePack();
    forgePack(pack, { payload: (d) => toRules2(d, undefined) });
    const codes = errorsOf(await verifyPack(pack)).map((p) => p.code);
    expect(codes).toContain('PACK_CSV_MISMATCH');
    expect(pythonPackCheck(pack).errors.map((p) => p.code)).toContain('PACK_CSV_MISMATCH');
  });

  it('a new pack whose CSVs are swapped for the old rendering is found (the manifest says rules 3)', {
    timeout: 120_000,
  }, async () => {
    const pack = await hostilePack();
    forgePack(pack, { payload: toRules1 });
    const codes = errorsOf(await verifyPack(pack)).map((p) => p.code);
    expect(codes).toContain('PACK_CSV_MISMATCH');
    expect(pythonPackCheck(pack).errors.map((p) => p.code)).toContain('PACK_CSV_MISMATCH');
  });

  it('a csv_rules other than 2 or 3 is a malformed manifest', { timeout: 120_000 }, async () => {
    const pack = await hostilePack();
    forgePack(pack, {
      manifest: (m) => {
        m.csv_rules = 4;
      },
    });
    const codes = errorsOf(await verifyPack(pack)).map((p) => p.code);
    expect(codes).toContain('PACK_MANIFEST_JSON_INVALID');
    expect(pythonPackCheck(pack).errors.map((p) => p.code)).toContain('PACK_MANIFEST_JSON_INVALID');
  });
});
