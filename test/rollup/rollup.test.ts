/**
 * Many hosts, one firm-wide day: a simulated firm (separate directories and host names, two writers
 * per host, clocks a little apart) with one host missing, one tampered, one silent for an hour and
 * one whose clock is behind. Every case must be a finding; the roll-up root and the proofs are
 * checked with an independent RFC 6962 implementation (test/helpers/rfc6962.ts), not src/merkle.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLeafData, type ProofFile } from '../../src/format/rollup.js';
import { proveLines, verifyProof } from '../../src/proof/index.js';
import { rollupDay, type RollupResult } from '../../src/rollup/index.js';
import { auditPath, includes, mth, sha256 } from '../helpers/rfc6962.js';
import { forgePack } from '../verify/helpers/forge.js';
import { editRecord } from '../verify/helpers/rollup-forge.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { DATE, exportFirmDay, NEXT, type SimHost, writeFirmDay } from './hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: -5000 }, // 5 ms behind: its fills are stamped before alpha's orders
  { name: 'charlie', skewUs: 300, silent: [10, 11] },
  { name: 'delta', skewUs: -200 },
];
const EXPECTED = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
const key = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');

/** Leaf data of a pack's line tree, by the independent transcription: SHA-256 of each line. */
function lineLeaves(pack: string): Buffer[] {
  const text = readFileSync(join(pack, 'data', 'audit.jsonl'), 'utf8');
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => sha256(Buffer.from(l)));
}

let dir: string;
let sources: { host: string; dir: string }[];
let day1: RollupResult;
let day2: RollupResult;

describe('rollup of a simulated firm', () => {
  beforeAll(async () => {
    // Made in beforeAll, so removed in afterAll (tempDir's afterEach is not registered from a hook).
    dir = mkdtempSync(join(tmpdir(), 'auditpack-rollup-'));
    await writeFirmDay(dir, HOSTS, DATE, 12);
    await writeFirmDay(dir, HOSTS, NEXT, 3);
    const arts = await exportFirmDay(dir, HOSTS, DATE, 'charlie');
    await exportFirmDay(dir, HOSTS, NEXT);
    // delta's pack of the first day: one order line's quantity changed, every hash a forger can fix
    // fixed, its line_tree included (only the signature is beyond the forger).
    forgePack(join(arts.get('delta') as string, DATE), {
      payload: (data) => {
        const p = join(data, 'audit.jsonl');
        writeFileSync(p, readFileSync(p, 'utf8').replace('"quantity":1003', '"quantity":9003'));
      },
      manifest: (m) => {
        const leaves = lineLeaves(join(arts.get('delta') as string, DATE));
        m.line_tree = { leaves: leaves.length, root: mth(leaves).toString('hex') };
      },
    });
    sources = HOSTS.map((h) => ({ host: h.name, dir: arts.get(h.name) as string }));
    const common = { outDir: join(dir, 'rollups'), version: '0.1.0', signingKey: key.privateKey, expected: EXPECTED };
    // Sources given without names: the host is read from the packs' lines.
    day1 = await rollupDay({ ...common, date: DATE, sources: sources.map((s) => ({ dir: s.dir })) });
    day2 = await rollupDay({ ...common, date: NEXT, sources });
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names every case: missing, tampered, silent, skewed', () => {
    const codes = day1.findings.map((f) => `${f.code} ${f.host}`).sort();
    expect(codes).toEqual([
      'ROLLUP_CLOCK_SKEW bravo',
      'ROLLUP_HOST_FAILED delta',
      'ROLLUP_HOST_LATE charlie',
      'ROLLUP_HOST_MISSING echo',
      'ROLLUP_HOST_SILENT charlie',
    ]);
    const skew = day1.findings.find((f) => f.code === 'ROLLUP_CLOCK_SKEW');
    expect(skew?.detail).toMatch(/behind alpha's by at least 3\.000 ms/);
    // charlie's last line before its silent hour is its own order at 09:58; the next, a heartbeat at 11:00.
    const silent = day1.hosts.find((h) => h.host === 'charlie')?.silent;
    expect(silent).toEqual([{ from: '2025-09-09T09:58:00.001Z', to: '2025-09-09T11:00:00.000Z', seconds: 3720 }]);
    expect(day1.hosts.filter((h) => h.silent.length > 0).map((h) => h.host)).toEqual(['charlie']);
  });

  it('hosts.json records each host: pack hash, seq range, chain end, counts, verdict', () => {
    const hosts = JSON.parse(readFileSync(join(day1.dir, 'data', 'hosts.json'), 'utf8')).hosts as Record<string, any>[];
    expect(hosts.map((h) => [h.host, h.verdict])).toEqual([
      ['alpha', 'ok'],
      ['bravo', 'ok'],
      ['charlie', 'ok'],
      ['delta', 'failed'],
    ]);
    for (const h of hosts) {
      const pack = join(dir, h.host, 'artifacts', DATE);
      const m = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));
      expect(h.manifest_sha256).toBe(
        createHash('sha256')
          .update(readFileSync(join(pack, 'manifest.json')))
          .digest('hex'),
      );
      expect(h.chain).toEqual(m.chain);
      expect(h.events).toBe(m.events.total);
      expect(h.heartbeat_s).toBe(900);
    }
    expect(hosts[1]?.clock_behind).toMatchObject({ behind_of: 'alpha', behind_us: 3000 });
  });

  it('merges the verified hosts orders and fills by iso_ts, host, seq (delta left out)', () => {
    for (const name of ['orders.csv', 'fills.csv']) {
      const rows = readFileSync(join(day1.dir, 'data', name), 'utf8')
        .trimEnd()
        .split('\r\n');
      expect(rows[0]).toMatch(/^iso_ts,host,seq,event,order_id,/);
      const keys = rows.slice(1).map((r) => r.split(','));
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.some((k) => k[1] === 'delta')).toBe(false);
      const sorted = [...keys].sort((x, y) =>
        x[0] !== y[0]
          ? (x[0] as string) < (y[0] as string)
            ? -1
            : 1
          : x[1] !== y[1]
            ? (x[1] as string) < (y[1] as string)
              ? -1
              : 1
            : Number(x[2]) - Number(y[2]),
      );
      expect(keys).toEqual(sorted);
    }
    // alpha's 12, and charlie's own orders outside its silent hour (5 of 12).
    expect(day1.rows).toEqual({ orders: 12 + 5, fills: 12 });
  });

  it('the root is the RFC 6962 tree of the verified host packs sorted by host, chained to the day before', () => {
    // delta failed: it is in hosts.json (with no leaf), not in the tree.
    const ok = day1.hosts.filter((h) => h.verdict === 'ok');
    expect(ok.map((h) => [h.host, h.leaf])).toEqual([
      ['alpha', 0],
      ['bravo', 1],
      ['charlie', 2],
    ]);
    expect(day1.hosts.find((h) => h.host === 'delta')?.leaf).toBeNull();
    const leaves = ok.map((h) => hostLeafData(h.host, h.manifest_sha256));
    expect(day1.record.tree_root).toBe(mth(leaves).toString('hex'));
    expect(day1.record.hosts).toBe(3);
    expect(day1.record.previous).toBeNull();
    const hostsSha = sha256(readFileSync(join(day1.dir, 'data', 'hosts.json'))).toString('hex');
    expect(day1.record.hosts_sha256).toBe(hostsSha);
    // Version 3: the expected hosts (sorted, as bytes), then each committed payload file's digest, by name.
    const digests = (d: string) =>
      ['compliance_findings.csv', 'compliance_report.json', 'fills.csv', 'findings.json', 'orders.csv']
        .map((n) => `${sha256(readFileSync(join(d, 'data', n))).toString('hex')}  ${n}\n`)
        .join('');
    const want = [...EXPECTED].sort();
    expect(day1.record.expected_hosts).toEqual(want);
    const expected = `expected ${want.length}\n${want.map((h) => `${h}\n`).join('')}`;
    const text1 = `auditpack-rollup/3\n${DATE}\n3\n${day1.record.tree_root}\n${hostsSha}\n${'0'.repeat(64)}\n${expected}${digests(day1.dir)}`;
    expect(day1.record.chain_hash).toBe(sha256(Buffer.from(text1)).toString('hex'));
    expect(day2.record.previous).toEqual({ date: DATE, chain_hash: day1.record.chain_hash });
    const text = `auditpack-rollup/3\n${NEXT}\n4\n${day2.record.tree_root}\n${day2.record.hosts_sha256}\n${day1.record.chain_hash}\n${expected}${digests(day2.dir)}`;
    expect(day2.record.chain_hash).toBe(sha256(Buffer.from(text)).toString('hex'));
    expect(day2.findings.map((f) => `${f.code} ${f.host}`).sort()).toEqual([
      'ROLLUP_CLOCK_SKEW bravo',
      'ROLLUP_HOST_MISSING echo',
      'ROLLUP_HOST_SILENT charlie',
    ]);
  });

  it('proves an order across two hosts; an independent RFC 6962 check agrees', async () => {
    const id = `${DATE}-O4`;
    const proof = await proveLines({ date: DATE, rollupsDir: join(dir, 'rollups'), sources, select: { orderId: id } });
    expect(proof.hosts.map((h) => [h.host, h.lines.length])).toEqual([
      ['alpha', 1],
      ['bravo', 1],
    ]);
    const r = verifyProof(JSON.stringify(proof), { publicKeys: [key.publicKey] });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    const record = JSON.parse(proof.rollup);
    for (const h of proof.hosts) {
      const mSha = sha256(Buffer.from(h.manifest)).toString('hex');
      expect(includes(hostLeafData(h.host, mSha), h.index, record.hosts, h.path, record.tree_root)).toBe(true);
      const lt = JSON.parse(h.manifest).line_tree;
      for (const l of h.lines) {
        expect(JSON.parse(l.line).order_id).toBe(id);
        expect(includes(sha256(Buffer.from(l.line)), l.index, lt.leaves, l.path, lt.root)).toBe(true);
      }
    }
  });

  it('a proof by seq; tampered proofs and a wrong key are refused', async () => {
    const proof = await proveLines({
      date: DATE,
      rollupsDir: join(dir, 'rollups'),
      sources,
      select: { seq: 5 },
      host: 'charlie',
    });
    expect(verifyProof(JSON.stringify(proof)).ok).toBe(true);
    const edit = (f: (p: any) => void): string[] => {
      const p = JSON.parse(JSON.stringify(proof)) as ProofFile & Record<string, any>;
      f(p);
      return verifyProof(JSON.stringify(p), { publicKeys: [key.publicKey] }).problems.map((x) => x.code);
    };
    expect(edit((p) => (p.hosts[0].lines[0].line = p.hosts[0].lines[0].line.replace('"seq":5', '"seq":6')))).toContain(
      'PROOF_LINE_NOT_INCLUDED',
    );
    expect(edit((p) => (p.hosts[0].lines[0].index += 1))).toContain('PROOF_LINE_NOT_INCLUDED');
    expect(edit((p) => (p.hosts[0].host = 'alpha'))).toContain('PROOF_HOST_NOT_INCLUDED');
    expect(edit((p) => (p.hosts[0].manifest = p.hosts[0].manifest.replace('"total"', '"total" ')))).toContain(
      'PROOF_HOST_NOT_INCLUDED',
    );
    expect(edit((p) => (p.rollup = p.rollup.replace(/"hosts": 3/, '"hosts": 5')))).toEqual(
      expect.arrayContaining(['PROOF_ROLLUP_INVALID', 'PROOF_SIGNATURE_INVALID']),
    );
    expect(edit((p) => (p.signature = null))).toContain('PROOF_UNSIGNED');
    // A version 1 record (whose tree also held failed packs) is refused even when it hashes right.
    const v1 = edit((p) => {
      const r = JSON.parse(p.rollup);
      r.format = 'auditpack-rollup/1';
      p.rollup = JSON.stringify(r, null, 2);
    });
    expect(v1).toContain('PROOF_ROLLUP_INVALID');
    expect(verifyProof(JSON.stringify(proof), { publicKeys: [other.publicKey] }).problems.map((x) => x.code)).toEqual([
      'PROOF_SIGNER_UNTRUSTED',
    ]);
    for (const junk of [
      '',
      'null',
      '[]',
      '{"format":"auditpack-proof/1"}',
      '{"format":"auditpack-proof/1","rollup":"x","hosts":[1,null,{}]}',
    ])
      expect(verifyProof(junk).ok, junk).toBe(false);
  });

  it('duplicate, unnamed, unexpected, empty sources and a host without heartbeats are findings', async () => {
    const out = join(dir, 'rollups-odd');
    const { mkdirSync } = await import('node:fs');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    // A host whose log has events but no heartbeat, and a host with an empty day (no name in it).
    await writeDay(join(dir, 'quiet', 'logs'), DATE, SAMPLE_EVENTS);
    mkdirSync(join(dir, 'ghost', 'logs'), { recursive: true });
    await exportFirmDay(
      dir,
      [
        { name: 'quiet', skewUs: 0 },
        { name: 'ghost', skewUs: 0 },
      ],
      DATE,
    );
    const r = await rollupDay({
      date: DATE,
      outDir: out,
      version: '0.1.0',
      expected: ['alpha'],
      sources: [
        { dir: sources[0]!.dir },
        { dir: sources[0]!.dir }, // alpha again
        { host: 'bravo', dir: sources[1]!.dir },
        { dir: empty },
        { dir: join(dir, 'quiet', 'artifacts') },
        { dir: join(dir, 'ghost', 'artifacts') },
      ],
    });
    expect(r.findings.map((f) => `${f.code} ${f.host}`).sort()).toEqual([
      'ROLLUP_CLOCK_SKEW bravo',
      'ROLLUP_HOST_DUPLICATE alpha',
      'ROLLUP_HOST_NO_HEARTBEAT test-host',
      'ROLLUP_HOST_UNEXPECTED bravo',
      'ROLLUP_HOST_UNEXPECTED test-host',
      'ROLLUP_HOST_UNNAMED null',
      'ROLLUP_SOURCE_EMPTY null',
    ]);
    expect(r.record.hosts).toBe(3);
  });

  it('a line of the tampered host cannot be proven: prove refuses, a hand-made proof is refused', async () => {
    await expect(
      proveLines({ date: DATE, rollupsDir: join(dir, 'rollups'), sources, select: { seq: 3 }, host: 'delta' }),
    ).rejects.toMatchObject({ code: 'PROOF_HOST_FAILED' });
    // The forger builds the proof of the edited line by hand, from delta's forged pack and the signed
    // roll-up: the line is in the forged line tree (checked independently), so only the roll-up tree
    // can refuse it, whatever leaf index and tree the forger assumes.
    const pack = join(dir, 'delta', 'artifacts', DATE);
    const manifest = readFileSync(join(pack, 'manifest.json'), 'utf8');
    const lt = JSON.parse(manifest).line_tree;
    const lines = readFileSync(join(pack, 'data', 'audit.jsonl'), 'utf8')
      .slice(0, -1)
      .split('\n');
    const at = lines.findIndex((l) => l.includes('"quantity":9003'));
    const leaves = lineLeaves(pack);
    expect(includes(leaves[at] as Buffer, at, lt.leaves, auditPath(leaves, at), lt.root)).toBe(true);
    const hosts = JSON.parse(readFileSync(join(day1.dir, 'data', 'hosts.json'), 'utf8')).hosts as any[];
    const mSha = sha256(Buffer.from(manifest)).toString('hex');
    expect(hosts.find((h) => h.host === 'delta').manifest_sha256).toBe(mSha);
    const asIfCommitted = hosts.map((h) => hostLeafData(h.host, h.manifest_sha256)); // every received host
    for (const [index, path] of [
      [3, auditPath(asIfCommitted, 3)],
      [2, auditPath(asIfCommitted.slice(0, 3), 2)],
      [3, auditPath([...asIfCommitted.slice(0, 3), hostLeafData('delta', mSha)], 3)],
    ] as const) {
      const proof = {
        format: 'auditpack-proof/1',
        rollup: readFileSync(join(day1.dir, 'rollup.json'), 'utf8'),
        signature: readFileSync(join(day1.dir, 'rollup.json.sig'), 'utf8'),
        hosts: [
          {
            host: 'delta',
            manifest,
            index,
            path,
            lines: [{ line: lines[at], index: at, path: auditPath(leaves, at) }],
          },
        ],
      };
      const r = verifyProof(JSON.stringify(proof), { publicKeys: [key.publicKey] });
      expect(r.ok).toBe(false);
      expect(r.problems.map((p) => p.code)).toContain('PROOF_HOST_NOT_INCLUDED');
    }
  });

  it('an edited hosts.json (a failed verdict turned ok) is refused by prove, and breaks the chain hash', async () => {
    const copy = join(dir, 'rollups-edited');
    cpSync(join(dir, 'rollups'), copy, { recursive: true });
    const p = join(copy, DATE, 'data', 'hosts.json');
    chmodSync(p, 0o644);
    writeFileSync(p, readFileSync(p, 'utf8').replace('"verdict": "failed"', '"verdict": "ok"'));
    await expect(
      proveLines({ date: DATE, rollupsDir: copy, sources, select: { seq: 3 }, host: 'delta' }),
    ).rejects.toMatchObject({ code: 'ROLLUP_INVALID' });
    // Also with rollup.json's hosts_sha256 made to match: the chain hash no longer holds.
    const rp = join(copy, DATE, 'rollup.json');
    chmodSync(rp, 0o644);
    const newSha = sha256(readFileSync(p)).toString('hex');
    writeFileSync(rp, readFileSync(rp, 'utf8').replace(day1.record.hosts_sha256, newSha));
    await expect(
      proveLines({ date: DATE, rollupsDir: copy, sources, select: { seq: 3 }, host: 'delta' }),
    ).rejects.toMatchObject({ code: 'ROLLUP_INVALID' });
    const proof = await proveLines({ date: DATE, rollupsDir: copy, sources, select: { seq: 3 }, host: 'alpha' }).catch(
      (e: unknown) => e,
    );
    expect(proof).toMatchObject({ code: 'ROLLUP_INVALID' }); // delta's leaf is not in tree_root either
    writeFileSync(rp, readFileSync(rp, 'utf8').replace('auditpack-rollup/3', 'auditpack-rollup/1'));
    await expect(
      proveLines({ date: DATE, rollupsDir: copy, sources, select: { seq: 3 }, host: 'alpha' }),
    ).rejects.toThrow(/not auditpack-rollup\/3: roll the day up again/);
  });

  it("a hostile hosts.json (digests recomputed), a host named twice or another day's roll-up: ROLLUP_INVALID, never a crash", async () => {
    const edits: ((hosts: Record<string, unknown>[]) => unknown[])[] = [
      (h) => [null, ...h],
      () => [5, 'x', [], {}],
      (h) => h.map((e) => ({ ...e, manifest_sha256: 5 })),
      (h) => [h[0], h[0], ...h.slice(1)],
      (h) => h.map((e) => ({ ...e, verdict: e.verdict === 'failed' ? 'maybe' : e.verdict })),
    ];
    for (const [i, edit] of edits.entries()) {
      const copy = join(dir, `rollups-hostile-${i}`);
      cpSync(join(dir, 'rollups'), copy, { recursive: true });
      const p = join(copy, DATE, 'data', 'hosts.json');
      chmodSync(p, 0o644);
      const doc = JSON.parse(readFileSync(p, 'utf8'));
      doc.hosts = edit(doc.hosts);
      writeFileSync(p, `${JSON.stringify(doc, null, 2)}\n`);
      const rp = join(copy, DATE, 'rollup.json');
      chmodSync(rp, 0o644);
      editRecord(join(copy, DATE), (r) => {
        r.hosts_sha256 = sha256(readFileSync(p)).toString('hex');
      });
      const err = await proveLines({ date: DATE, rollupsDir: copy, sources, select: { seq: 3 }, host: 'alpha' }).catch(
        (e: unknown) => e,
      );
      expect(err, `edit ${i}`).toMatchObject({ code: 'ROLLUP_INVALID' });
      expect((err as Error).message, `edit ${i}`).toMatch(/data\/hosts\.json: /);
    }
    // The next day's roll-up in this day's place.
    const moved = join(dir, 'rollups-moved');
    cpSync(join(dir, 'rollups', NEXT), join(moved, DATE), { recursive: true });
    await expect(
      proveLines({ date: DATE, rollupsDir: moved, sources, select: { seq: 3 }, host: 'alpha' }),
    ).rejects.toThrow(new RegExp(`is the roll-up of ${NEXT}, not of ${DATE}`));
  });

  it('a proof replayed against another roll-up (the next day, or a roll-up without the host) is refused', async () => {
    const proof = await proveLines({
      date: DATE,
      rollupsDir: join(dir, 'rollups'),
      sources,
      select: { orderId: `${DATE}-O4` },
    });
    const other = (d: string) => ({
      ...proof,
      rollup: readFileSync(join(dir, 'rollups', d, 'rollup.json'), 'utf8'),
      signature: readFileSync(join(dir, 'rollups', d, 'rollup.json.sig'), 'utf8'),
    });
    const next = verifyProof(JSON.stringify(other(NEXT)), { publicKeys: [key.publicKey] });
    expect(next.ok).toBe(false);
    expect(new Set(next.problems.map((p) => p.code))).toEqual(
      new Set(['PROOF_HOST_NOT_INCLUDED', 'PROOF_LINE_NOT_INCLUDED']),
    );
    // The same host entry claimed twice, and at an index beyond the tree: refused, never a crash.
    const twice = { ...proof, hosts: [proof.hosts[0], { ...proof.hosts[0], index: 7 }] };
    const r = verifyProof(JSON.stringify(twice), { publicKeys: [key.publicKey] });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.code)).toContain('PROOF_HOST_NOT_INCLUDED');
  });

  it("a pack of another day in the day's place fails, and is not in the tree", async () => {
    const swap = join(dir, 'swap');
    cpSync(join(dir, 'alpha', 'artifacts', NEXT), join(swap, DATE), { recursive: true });
    const r = await rollupDay({
      date: DATE,
      outDir: join(dir, 'rollups-swap'),
      version: '0.1.0',
      sources: [{ host: 'alpha', dir: swap }],
    });
    expect(r.hosts.map((h) => [h.host, h.verdict, h.problems, h.leaf])).toEqual([
      ['alpha', 'failed', ['PACK_DATE_MISMATCH', 'ROLLUP_PACK_WRONG_DAY'], null],
    ]);
    expect(r.findings.map((f) => f.code)).toContain('ROLLUP_HOST_FAILED');
    expect(r.record.hosts).toBe(0);
  });
});
