/**
 * verify on a roll-up: an intact chain of two signed roll-ups of a simulated firm (one host's pack
 * forged, so failed) verifies; each tampering an auditor must catch — an edited hosts.json, a
 * dropped host, merged rows reordered or removed, a changed root, a swapped previous root, a
 * stripped signature, a removed finding — is a named finding, also when the forger fixed every
 * hash a forger can fix. Packs and logs keep their kinds.
 */
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupDay, verifyRollupHosts } from '../../src/rollup/index.js';
import { detectPathKind, verifyPath, verifyRollup } from '../../src/verify/index.js';
import { mth, sha256 } from '../helpers/rfc6962.js';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { DATE, exportFirmDay, NEXT, type SimHost, writeFirmDay } from '../rollup/hosts-fixture.js';
import { forgePack } from './helpers/forge.js';
import { editRecord, reseal } from './helpers/rollup-forge.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 0 },
  { name: 'charlie', skewUs: 0 },
];
const key = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');

let dir: string;
let rollups: string;
let hostArts: Map<string, string>;

/** A copy of the roll-ups directory to tamper with (both days, so the chain link is at hand). */
function copy(): string {
  const to = mkdtempSync(join(dir, 'copy-'));
  cpSync(rollups, to, { recursive: true });
  return to;
}

const codes = (r: { problems: readonly { code: string; severity: string }[] }) =>
  [...new Set(r.problems.filter((p) => p.severity !== 'info').map((p) => p.code))].sort();

/** The CLI in-process (the built binary is the e2e tests' business). */
async function run(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const sink = {
    write: (s: string) => {
      stdout += String(s);
      return true;
    },
  };
  const io: CliIO = { cwd: dir, env: { NO_COLOR: '1' }, stdout: sink, stderr: { write: () => true } };
  const code = await main(args, io);
  return { code, stdout };
}

describe('verify a roll-up', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-verify-rollup-'));
    await writeFirmDay(dir, HOSTS, DATE, 6);
    await writeFirmDay(dir, HOSTS, NEXT, 3);
    hostArts = await exportFirmDay(dir, HOSTS, DATE);
    await exportFirmDay(dir, HOSTS, NEXT);
    // charlie's first-day pack is forged (an order line changed, every hash fixed): it fails.
    forgePack(join(hostArts.get('charlie') as string, DATE), {
      payload: (data) => {
        const p = join(data, 'audit.jsonl');
        writeFileSync(p, readFileSync(p, 'utf8').replace('"quantity":1001', '"quantity":9001'));
      },
    });
    rollups = join(dir, 'rollups');
    const sources = HOSTS.map((h) => ({ host: h.name, dir: hostArts.get(h.name) as string }));
    const common = { outDir: rollups, version: '0.1.0', signingKey: key.privateKey, sources };
    await rollupDay({ ...common, date: DATE });
    await rollupDay({ ...common, date: NEXT });
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('proves an intact chain of roll-ups intact, with the trusted key, through verifyPath', async () => {
    expect(await detectPathKind(join(rollups, DATE))).toBe('rollup');
    const r1 = await verifyPath(join(rollups, DATE), { publicKeys: [key.publicKey] });
    expect(r1.kind).toBe('rollup');
    expect(r1.problems).toEqual([]);
    expect(r1.ok).toBe(true);
    expect(r1.checked).toMatchObject({ hosts: 3, signed: 1 });
    const r2 = await verifyRollup(join(rollups, NEXT), { publicKeys: [key.publicKey] });
    expect(r2.problems).toEqual([]);
    expect(r2.hosts?.map((h) => `${h.host} ${h.verdict}`)).toEqual(['alpha ok', 'bravo ok', 'charlie ok']);
    // Without keys the signatures are checked against their own key and said to be unchecked.
    const r3 = await verifyRollup(join(rollups, NEXT));
    expect(r3.ok).toBe(true);
    expect(r3.problems.map((p) => p.code)).toEqual(['PACK_SIGNATURE_NOT_CHECKED']);
  });

  it('a roll-up signed by another key is untrusted', async () => {
    const r = await verifyRollup(join(rollups, DATE), { publicKeys: [other.publicKey] });
    expect(codes(r)).toEqual(['PACK_SIGNATURE_UNTRUSTED']);
    expect(r.problems.map((p) => p.file).sort()).toEqual(['rollup.json.sig', 'tagmanifest-sha256.txt.sig']);
  });

  it('an edited hosts.json (a failed host made ok) is named', async () => {
    const c = copy();
    const p = join(c, DATE, 'data', 'hosts.json');
    writeFileSync(p, readFileSync(p, 'utf8').replace('"verdict": "failed"', '"verdict": "ok"'));
    const r = await verifyRollup(join(c, DATE), { publicKeys: [key.publicKey] });
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(expect.arrayContaining(['PACK_FILE_HASH_MISMATCH', 'ROLLUP_HOSTS_MISMATCH']));
  });

  it('a dropped host is named even when every hash is fixed, and the next day no longer links to it', async () => {
    const c = copy();
    const day = join(c, DATE);
    const p = join(day, 'data', 'hosts.json');
    const doc = JSON.parse(readFileSync(p, 'utf8'));
    doc.hosts = doc.hosts.filter((h: { host: string }) => h.host !== 'alpha');
    doc.hosts.forEach((h: { leaf: number | null; verdict: string }, i: number) => {
      h.leaf = h.verdict === 'ok' ? i : null;
    });
    writeFileSync(p, `${JSON.stringify(doc, null, 2)}\n`);
    const leaves = doc.hosts
      .filter((h: { verdict: string }) => h.verdict === 'ok')
      .map((h: { host: string; manifest_sha256: string }) =>
        Buffer.concat([Buffer.from(h.host), Buffer.from([0]), Buffer.from(h.manifest_sha256, 'hex')]),
      );
    editRecord(day, (r) => {
      r.hosts = leaves.length;
      r.tree_root = mth(leaves).toString('hex');
      r.hosts_sha256 = sha256(readFileSync(p)).toString('hex');
    });
    reseal(day);
    const r = await verifyRollup(day);
    // alpha's rows are still in the merged files, and the next day's link names the old chain hash.
    expect(codes(r)).toEqual(['ROLLUP_MERGED_INVALID']);
    expect(r.problems[0]?.detail).toMatch(/host "alpha", which is not in hosts.json/);
    const next = await verifyRollup(join(c, NEXT));
    // The re-sealed day is no longer signed by the key that signed the next one, which carried from it.
    expect(codes(next)).toEqual(['ROLLUP_CARRY_MISMATCH', 'ROLLUP_PREVIOUS_MISMATCH']);
    expect(next.problems.find((p) => p.code === 'ROLLUP_CARRY_MISMATCH')?.detail).toMatch(
      /not signed by the key that signed this roll-up/,
    );
    // With the trusted key, the missing signature is the first thing named.
    expect(codes(await verifyRollup(day, { publicKeys: [key.publicKey] }))).toContain('PACK_UNSIGNED');
  });

  it('merged rows reordered, or one removed, are named (hashes fixed)', async () => {
    const c = copy();
    const day = join(c, DATE);
    const p = join(day, 'data', 'orders.csv');
    const rows = readFileSync(p, 'utf8').split('\r\n');
    [rows[2], rows[3]] = [rows[3] as string, rows[2] as string];
    writeFileSync(p, rows.join('\r\n'));
    const f = join(day, 'data', 'fills.csv');
    const fills = readFileSync(f, 'utf8').split('\r\n');
    fills.splice(1, 1);
    writeFileSync(f, fills.join('\r\n'));
    reseal(day);
    const r = await verifyRollup(day);
    expect(codes(r)).toEqual(['ROLLUP_MERGED_COUNT_MISMATCH', 'ROLLUP_MERGED_ORDER']);
    expect(r.problems.find((x) => x.code === 'ROLLUP_MERGED_ORDER')?.file).toBe('data/orders.csv');
  });

  it('a changed root is named (chain hash recomputed, signatures stripped)', async () => {
    const c = copy();
    const day = join(c, DATE);
    editRecord(day, (r) => {
      r.tree_root = 'ab'.repeat(32);
    });
    reseal(day);
    expect(codes(await verifyRollup(day))).toEqual(['ROLLUP_TREE_MISMATCH']);
    // An edited root left as it was (no hash fixed) breaks the chain hash, the tag manifest and both signatures.
    const c2 = copy();
    const p = join(c2, DATE, 'rollup.json');
    writeFileSync(p, readFileSync(p, 'utf8').replace(/"tree_root": "[0-9a-f]+"/, `"tree_root": "${'cd'.repeat(32)}"`));
    expect(codes(await verifyRollup(join(c2, DATE)))).toEqual([
      'PACK_SIGNATURE_INVALID',
      'PACK_TAG_HASH_MISMATCH',
      'ROLLUP_CHAIN_HASH_MISMATCH',
      'ROLLUP_TREE_MISMATCH',
    ]);
  });

  it('a swapped previous root is named; a previous roll-up not at hand is a warning', async () => {
    const c = copy();
    editRecord(join(c, NEXT), (r) => {
      r.previous.chain_hash = 'ef'.repeat(32);
    });
    reseal(join(c, NEXT));
    const r = await verifyRollup(join(c, NEXT));
    expect(codes(r)).toEqual(['ROLLUP_PREVIOUS_MISMATCH']);
    expect(r.problems[0]?.detail).toContain(`the roll-up of ${DATE} beside it has`);
    const alone = mkdtempSync(join(dir, 'alone-'));
    cpSync(join(rollups, NEXT), join(alone, NEXT), { recursive: true });
    const a = await verifyRollup(join(alone, NEXT));
    expect(a.ok).toBe(true);
    expect(codes(a)).toEqual(['ROLLUP_PREVIOUS_UNCHECKED']);
    // The previous day removed while an earlier roll-up stays beside it: a gap, an error.
    const gap = copy();
    cpSync(join(gap, DATE), join(gap, '2000-01-01'), { recursive: true });
    rmSync(join(gap, DATE), { recursive: true });
    const g = await verifyRollup(join(gap, NEXT));
    expect(g.ok).toBe(false);
    expect(codes(g)).toEqual(['ROLLUP_DAY_MISSING']);
    expect(g.problems.find((p) => p.code === 'ROLLUP_DAY_MISSING')?.detail).toContain(`(${DATE}, chain_hash`);
    // A chain restarted (previous null) beside an earlier roll-up is named too.
    const c2 = copy();
    editRecord(join(c2, NEXT), (r) => {
      r.previous = null;
    });
    reseal(join(c2, NEXT));
    expect(codes(await verifyRollup(join(c2, NEXT)))).toEqual(['ROLLUP_PREVIOUS_MISMATCH']);
  });

  it('a stripped signature is named', async () => {
    const c = copy();
    unlinkSync(join(c, DATE, 'rollup.json.sig'));
    const one = await verifyRollup(join(c, DATE));
    expect(codes(one)).toEqual(['PACK_SIGNATURE_INVALID']);
    expect(one.problems.find((p) => p.severity === 'error')?.file).toBe('rollup.json.sig');
    unlinkSync(join(c, DATE, 'tagmanifest-sha256.txt.sig'));
    const both = await verifyRollup(join(c, DATE), { publicKeys: [key.publicKey] });
    expect(codes(both)).toEqual(['PACK_UNSIGNED']);
    const unkeyed = await verifyRollup(join(c, DATE));
    expect(unkeyed.ok).toBe(true);
    expect(unkeyed.checked.signed).toBe(0);
  });

  it('a roll-up verified alone without a trusted key warns PACK_UNSIGNED_UNPINNED, signed or not', async () => {
    const signedAlone = await verifyPath(join(rollups, NEXT));
    expect(signedAlone.ok).toBe(true);
    const note = signedAlone.problems.find((p) => p.code === 'PACK_UNSIGNED_UNPINNED');
    expect(note).toMatchObject({ severity: 'warning' });
    expect(note?.detail).toMatch(/roll-up is signed, but by a key nobody trusted/);
    const c = copy();
    unlinkSync(join(c, DATE, 'rollup.json.sig'));
    unlinkSync(join(c, DATE, 'tagmanifest-sha256.txt.sig'));
    const unsigned = await verifyPath(join(c, DATE));
    expect(unsigned.ok).toBe(true);
    expect(codes(unsigned)).toEqual(['PACK_UNSIGNED_UNPINNED']);
    expect(unsigned.problems.find((p) => p.code === 'PACK_UNSIGNED_UNPINNED')?.detail).toMatch(/roll-up is unsigned/);
    // The library's verifyRollup reports the roll-up itself; the note is verifyPath's, as for packs.
    expect(codes(await verifyRollup(join(c, DATE)))).toEqual([]);
  });

  it("a failed host's finding removed from findings.json is named", async () => {
    const c = copy();
    const day = join(c, DATE);
    const p = join(day, 'data', 'findings.json');
    const doc = JSON.parse(readFileSync(p, 'utf8'));
    doc.findings = doc.findings.filter((x: { code: string }) => x.code !== 'ROLLUP_HOST_FAILED');
    writeFileSync(p, `${JSON.stringify(doc, null, 2)}\n`);
    reseal(day);
    expect(codes(await verifyRollup(day))).toEqual(['ROLLUP_FINDINGS_INVALID']);
    writeFileSync(p, '{"format": "auditpack-rollup/2", "findings": 3}\n');
    reseal(day);
    expect(codes(await verifyRollup(day))).toEqual(['ROLLUP_FINDINGS_INVALID']);
  });

  it('hostile shapes are findings, never a crash', async () => {
    const c = copy();
    const day = join(c, DATE);
    writeFileSync(join(day, 'data', 'hosts.json'), '{"format": "auditpack-rollup/2", "hosts": [1]}');
    writeFileSync(join(day, 'data', 'extra.txt'), 'x');
    writeFileSync(join(day, 'rollup.json'), '[]');
    const r = await verifyRollup(day);
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(expect.arrayContaining(['PACK_FILE_UNEXPECTED', 'ROLLUP_RECORD_INVALID']));
    // An unclosed quote would make the rest of a merged CSV one record: reading stops at 16 MiB.
    const c2 = copy();
    const csv = join(c2, DATE, 'data', 'fills.csv');
    writeFileSync(
      csv,
      `${readFileSync(csv, 'utf8')}2025-09-09T10:00:00.000000Z,alpha,"${'x'.repeat(17 * 1024 * 1024)}`,
    );
    const big = await verifyRollup(join(c2, DATE));
    expect(big.problems.find((p) => p.code === 'ROLLUP_MERGED_INVALID')?.detail).toContain('longer than 16 MiB');
  });

  it('with the host packs at hand (--from), each is verified again and held to hosts.json', async () => {
    const all = HOSTS.map((h) => ({ host: h.name, dir: hostArts.get(h.name) as string }));
    const r = await verifyRollupHosts(join(rollups, DATE), { sources: all });
    expect(codes(r)).toEqual([]);
    expect(r.checked.host_packs).toBe(3);
    // The keys given are trusted for the host packs too: these were never signed, so now they fail.
    const keyed = await verifyRollupHosts(join(rollups, DATE), { sources: all, publicKeys: [key.publicKey] });
    expect(keyed.problems.map((p) => `${p.code} ${p.file}`)).toEqual([
      'ROLLUP_HOST_PACK_MISMATCH alpha',
      'ROLLUP_HOST_PACK_MISMATCH bravo',
    ]);
    // bravo's pack swapped for its pack of the next day: another manifest, and of another day.
    const fake = mkdtempSync(join(dir, 'swap-'));
    cpSync(join(hostArts.get('bravo') as string, NEXT), join(fake, DATE), { recursive: true });
    const swapped = all.map((s) => (s.host === 'bravo' ? { host: 'bravo', dir: fake } : s));
    const w = await verifyRollupHosts(join(rollups, DATE), { sources: swapped });
    expect(codes(w)).toEqual(['ROLLUP_HOST_PACK_MISMATCH']);
    expect(w.problems.find((p) => p.code === 'ROLLUP_HOST_PACK_MISMATCH')?.file).toBe('bravo');
    // One host's pack not given: not checked, a warning.
    const some = await verifyRollupHosts(join(rollups, DATE), { sources: all.slice(1) });
    expect(some.ok).toBe(true);
    expect(some.problems.filter((p) => p.code === 'ROLLUP_HOST_PACK_UNCHECKED').map((p) => p.file)).toEqual(['alpha']);
  });

  it('with the host packs at hand, a host left out of hosts.json (every hash fixed) is named', async () => {
    const c = copy();
    const day = join(c, DATE);
    const p = join(day, 'data', 'hosts.json');
    const doc = JSON.parse(readFileSync(p, 'utf8'));
    doc.hosts = doc.hosts.filter((h: { host: string }) => h.host !== 'charlie');
    writeFileSync(p, `${JSON.stringify(doc, null, 2)}\n`);
    const f = join(day, 'data', 'findings.json');
    const fd = JSON.parse(readFileSync(f, 'utf8'));
    fd.findings = fd.findings.filter((x: { host: string }) => x.host !== 'charlie');
    writeFileSync(f, `${JSON.stringify(fd, null, 2)}\n`);
    editRecord(day, (r) => {
      r.hosts_sha256 = sha256(readFileSync(p)).toString('hex');
    });
    reseal(day);
    // charlie failed, so it had no rows and no leaf: the roll-up alone cannot tell.
    expect(codes(await verifyRollup(day))).toEqual([]);
    const all = HOSTS.map((h) => ({ host: h.name, dir: hostArts.get(h.name) as string }));
    const r = await verifyRollupHosts(day, { sources: all });
    expect(codes(r)).toEqual(['ROLLUP_HOST_PACK_MISMATCH']);
    expect(r.problems.find((x) => x.code === 'ROLLUP_HOST_PACK_MISMATCH')?.detail).toContain(
      'hosts.json does not list',
    );
  });

  it('auditpack verify <roll-up> --from HOST=DIR re-verifies the host packs; --from on a pack is a usage error', async () => {
    const args = HOSTS.flatMap((h) => ['--from', `${h.name}=${hostArts.get(h.name)}`]);
    const r = await run(['verify', '--json', join(rollups, DATE), ...args]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).checked.host_packs).toBe(3);
    const human = await run(['verify', join(rollups, DATE), ...args]);
    expect(human.stdout).toContain('✓ host packs verified again against hosts.json (--from)');
    const pack = join(hostArts.get('alpha') as string, DATE);
    expect((await run(['verify', pack, '--from', `alpha=${hostArts.get('alpha')}`])).code).toBe(2);
  });

  it('auditpack verify <roll-up> renders the roll-up checks and exits 1 on a finding, 0 when intact', async () => {
    const ok = await run(['verify', join(rollups, NEXT)]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('(roll-up)');
    expect(ok.stdout).toContain('Merkle root over the host packs (RFC 6962)');
    // No host pack was read: never a ✓ for the check --from runs.
    expect(ok.stdout).not.toContain('host packs verified again');
    expect(ok.stdout).toContain('- host packs: not verified again (no --from or --from-archive given)');
    const c = copy();
    editRecord(join(c, DATE), (r) => {
      r.tree_root = 'ab'.repeat(32);
    });
    const bad = await run(['verify', '--json', join(c, DATE)]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report.kind).toBe('rollup');
    expect(report.problems.map((p: { code: string }) => p.code)).toContain('ROLLUP_TREE_MISMATCH');
  });
});
