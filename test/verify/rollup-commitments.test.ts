/**
 * What an auditpack-rollup/3 record commits to beyond hosts.json: the expected hosts and every other
 * payload file. An unsigned roll-up whose ROLLUP_HOST_MISSING finding was removed (every manifest,
 * digest and chain hash recomputed, as anyone can) is named, because the finding is re-derived
 * from hosts.json and the committed expected hosts; an edited merged file or compliance report is a
 * digest mismatch; a roll-up downgraded to /2 says what /2 does not commit, and breaks the next
 * day's link; a /2 roll-up still verifies, with that warning.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLLUP_COMMITTED_FILES, type RollupChainFields, rollupChainHash } from '../../src/format/rollup.js';
import { rollupDay } from '../../src/rollup/index.js';
import { verifyRollup, verifyRollupDir } from '../../src/verify/index.js';
import { DATE, exportFirmDay, NEXT, type SimHost, writeFirmDay } from '../rollup/hosts-fixture.js';
import { editRecord, reseal } from './helpers/rollup-forge.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 0 },
];
/** gamma is expected but sends nothing: the roll-up has a ROLLUP_HOST_MISSING finding for it. */
const EXPECTED = ['gamma', 'alpha', 'bravo'];

let dir: string;
let rollups: string;

const codes = (r: { problems: readonly { code: string; severity: string }[] }) =>
  [...new Set(r.problems.filter((p) => p.severity !== 'info').map((p) => p.code))].sort();

function copy(): string {
  const to = mkdtempSync(join(dir, 'copy-'));
  cpSync(rollups, to, { recursive: true });
  return to;
}

function editJson(path: string, edit: (doc: Record<string, any>) => void): void {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  edit(doc);
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
}

/** A /3 roll-up rewritten as /2 (hosts.json, findings.json and rollup.json), every hash fixed. */
function downgrade(day: string): void {
  for (const n of ['hosts.json', 'findings.json'])
    editJson(join(day, 'data', n), (d) => {
      d.format = 'auditpack-rollup/2';
    });
  const p = join(day, 'rollup.json');
  const r = JSON.parse(readFileSync(p, 'utf8'));
  const v2: Record<string, unknown> = {
    format: 'auditpack-rollup/2',
    date: r.date,
    created_at: r.created_at,
    hosts: r.hosts,
    tree_root: r.tree_root,
    previous: r.previous,
    chain_hash: '',
    hosts_sha256: createHash('sha256')
      .update(readFileSync(join(day, 'data', 'hosts.json')))
      .digest('hex'),
  };
  v2.chain_hash = rollupChainHash(v2 as unknown as RollupChainFields);
  writeFileSync(p, `${JSON.stringify(v2, null, 2)}\n`);
  reseal(day);
}

describe('verify: what an auditpack-rollup/3 record commits to', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-rollup-commit-'));
    await writeFirmDay(dir, HOSTS, DATE, 3);
    await writeFirmDay(dir, HOSTS, NEXT, 2);
    const arts = await exportFirmDay(dir, HOSTS, DATE);
    await exportFirmDay(dir, HOSTS, NEXT);
    rollups = join(dir, 'rollups');
    const sources = HOSTS.map((h) => ({ host: h.name, dir: arts.get(h.name) as string }));
    const common = { outDir: rollups, version: '0.1.0', sources, expected: EXPECTED };
    await rollupDay({ ...common, date: DATE });
    await rollupDay({ ...common, date: NEXT });
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rollup.json names the expected hosts (sorted) and the digest of every payload file but hosts.json', async () => {
    const r = JSON.parse(readFileSync(join(rollups, DATE, 'rollup.json'), 'utf8'));
    expect(r.format).toBe('auditpack-rollup/3');
    expect(r.expected_hosts).toEqual(['alpha', 'bravo', 'gamma']);
    for (const c of ROLLUP_COMMITTED_FILES) expect(r[c.field]).toMatch(/^[0-9a-f]{64}$/);
    const v = await verifyRollup(join(rollups, DATE));
    expect(codes(v)).toEqual([]);
    expect(v.ok).toBe(true);
  });

  it('a removed ROLLUP_HOST_MISSING finding is named, though every hash was recomputed', async () => {
    const day = join(copy(), DATE);
    editJson(join(day, 'data', 'findings.json'), (d) => {
      d.findings = d.findings.filter((x: { code: string }) => x.code !== 'ROLLUP_HOST_MISSING');
    });
    reseal(day);
    const r = await verifyRollup(day);
    expect(codes(r)).toEqual(['ROLLUP_FINDINGS_INVALID']);
    expect(r.problems[0]?.detail).toContain('no ROLLUP_HOST_MISSING finding names gamma');
    // With rollup.json left as it was, the digest names the edited file first.
    const day2 = join(copy(), DATE);
    editJson(join(day2, 'data', 'findings.json'), (d) => {
      d.findings = [];
    });
    reseal(day2, false);
    const r2 = await verifyRollup(day2);
    expect(codes(r2)).toEqual(['ROLLUP_FINDINGS_INVALID', 'ROLLUP_PAYLOAD_MISMATCH']);
    expect(r2.problems.find((p) => p.code === 'ROLLUP_PAYLOAD_MISMATCH')?.file).toBe('data/findings.json');
  });

  it('an invented finding of a derived code is named', async () => {
    const day = join(copy(), DATE);
    editJson(join(day, 'data', 'findings.json'), (d) => {
      d.findings.push({ code: 'ROLLUP_HOST_SILENT', severity: 'error', host: 'alpha', detail: 'made up' });
    });
    reseal(day);
    const r = await verifyRollup(day);
    expect(codes(r)).toEqual(['ROLLUP_FINDINGS_INVALID']);
    expect(r.problems[0]?.detail).toContain('a ROLLUP_HOST_SILENT finding names alpha');
  });

  it('the merged files and the compliance report are committed: an edit is a digest mismatch', async () => {
    for (const n of ['orders.csv', 'compliance_report.json', 'compliance_findings.csv']) {
      const day = join(copy(), DATE);
      const p = join(day, 'data', n);
      writeFileSync(p, `${readFileSync(p, 'utf8')} `);
      reseal(day, false);
      const r = await verifyRollup(day);
      expect(r.problems.filter((x) => x.code === 'ROLLUP_PAYLOAD_MISMATCH').map((x) => x.file)).toEqual([`data/${n}`]);
      expect(r.ok).toBe(false);
    }
  });

  it('an expected host dropped from rollup.json (chain hash recomputed) breaks the next day’s link', async () => {
    const c = copy();
    editJson(join(c, DATE, 'data', 'findings.json'), (d) => {
      d.findings = d.findings.filter((x: { code: string }) => x.code !== 'ROLLUP_HOST_MISSING');
    });
    editRecord(join(c, DATE), (r) => {
      r.expected_hosts = ['alpha', 'bravo'];
    });
    reseal(join(c, DATE));
    // Alone the day is consistent (an unsigned record can be rewritten whole) …
    expect(codes(await verifyRollup(join(c, DATE)))).toEqual([]);
    // … but the next day's roll-up committed the old chain hash.
    expect(codes(await verifyRollup(join(c, NEXT)))).toEqual(['ROLLUP_PREVIOUS_MISMATCH']);
  });

  it('a /2 roll-up verifies with a warning naming what /2 does not commit; a downgraded /3 breaks the chain', async () => {
    const c = copy();
    downgrade(join(c, DATE));
    const r = await verifyRollup(join(c, DATE));
    expect(r.ok).toBe(true);
    expect(codes(r)).toEqual(['ROLLUP_FORMAT_OLD']);
    expect(r.problems[0]?.detail).toMatch(/commits neither findings\.json.*nor the expected hosts/);
    // /2 never committed the expected hosts: the missing host's finding can go unseen there.
    expect(codes(await verifyRollup(join(c, NEXT)))).toEqual(['ROLLUP_PREVIOUS_MISMATCH']);
    const d = join(copy(), NEXT);
    downgrade(d);
    editJson(join(d, 'data', 'findings.json'), (doc) => {
      doc.findings = doc.findings.filter((x: { code: string }) => x.code !== 'ROLLUP_HOST_MISSING');
    });
    reseal(d);
    expect(codes(await verifyRollup(d))).toEqual(['ROLLUP_FORMAT_OLD']);
  });

  it('a malformed /3 field is a record finding, never a crash', async () => {
    for (const bad of [
      (r: Record<string, any>) => (r.expected_hosts = 'gamma'),
      (r: Record<string, any>) => (r.expected_hosts = ['bravo', 'alpha']),
      (r: Record<string, any>) => (r.expected_hosts = ['a\nb']),
      (r: Record<string, any>) => delete r.findings_sha256,
      (r: Record<string, any>) => (r.orders_sha256 = 7),
    ]) {
      const day = join(copy(), DATE);
      const p = join(day, 'rollup.json');
      editJson(p, bad);
      reseal(day, false);
      const r = await verifyRollup(day);
      expect(codes(r)).toEqual(['ROLLUP_RECORD_INVALID']);
    }
  });

  it('a well-shaped date that is no day (2025-09-31) is a record finding, never a crash', async () => {
    for (const [at, bad] of [
      ['date', '2025-09-31'],
      ['date', '2025-13-01'],
      ['previous', '2025-02-30'],
    ] as const) {
      const top = mkdtempSync(join(dir, 'noday-'));
      const dayName = at === 'date' ? bad : NEXT;
      const day = join(top, dayName);
      mkdirSync(top, { recursive: true });
      cpSync(join(rollups, NEXT), day, { recursive: true });
      if (at === 'date') {
        for (const n of ['hosts.json', 'findings.json'])
          editJson(join(day, 'data', n), (d) => {
            if ('date' in d) d.date = bad;
          });
        const info = join(day, 'bag-info.txt');
        writeFileSync(info, readFileSync(info, 'utf8').replace(/Export-Date: .*/, `Export-Date: ${bad}`));
        reseal(day);
        editRecord(day, (r) => {
          r.date = bad;
        });
      } else {
        reseal(day);
        editRecord(day, (r) => {
          r.previous = { date: bad, chain_hash: r.previous.chain_hash };
        });
      }
      reseal(day, false);
      const r = await verifyRollup(day);
      expect(r.ok).toBe(false);
      expect(codes(r)).toContain('ROLLUP_RECORD_INVALID');
      expect(r.problems.find((p) => p.code === 'ROLLUP_RECORD_INVALID')?.detail).toMatch(/not a real day/);
      const all = await verifyRollupDir(top);
      expect(all.ok).toBe(false);
    }
  });
});
