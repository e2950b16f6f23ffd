/**
 * `auditpack verify <roll-ups directory>` with the built CLI: the directory is recognised as roll-ups
 * (not read as an artifacts directory), every day is verified with the trusted key, and the days side
 * by side: a middle day removed, a day held twice or moved, a stray entry, each a finding.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectPathKind } from '../../src/verify/index.js';
import { verifyRollupDir } from '../../src/verify/rollup-dir.js';
import { runCli } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { DATE, exportFirmDay, NEXT, type SimHost, writeFirmDay } from '../rollup/hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
];
const THIRD = '2025-09-11';
const DAYS = [DATE, NEXT, THIRD];
const FROM = ['--from', 'alpha=alpha/artifacts', '--from', 'bravo=bravo/artifacts'];
const KEY = ['--pubkey', 'keys/auditpack_ed25519.pub'];
const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
let dir: string;
let n = 0;

interface Found {
  code: string;
  severity: string;
  file: string;
}

/** A fresh copy of the roll-ups directory to tamper with. */
function copy(): string {
  const to = `r${n++}`;
  cpSync(join(dir, 'rollups'), join(dir, to), { recursive: true });
  return to;
}

function verifyJson(target: string, key = KEY) {
  const r = runCli(['verify', target, ...key, '--json'], { cwd: dir });
  const out = JSON.parse(r.stdout) as { ok: boolean; kind: string; problems: Found[]; checked: Record<string, number> };
  return { code: r.code, out, found: out.problems.map((p) => `${p.severity} ${p.code} ${p.file}`) };
}

describe('verify <roll-ups directory>', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-e2e-rollup-dir-'));
    for (const d of DAYS) await writeFirmDay(dir, HOSTS, d, 2);
    for (const d of DAYS) await exportFirmDay(dir, HOSTS, d);
    expect(runCli(['keygen', '--out', 'keys'], { cwd: dir }).code).toBe(0);
    expect(runCli(['keygen', '--out', 'other'], { cwd: dir }).code).toBe(0);
    for (const d of DAYS) {
      const r = runCli(['rollup', '--date', d, ...FROM, '--signing-key', 'keys/auditpack_ed25519'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies every day and the chain across them, and names the newest roll-up to compare', () => {
    const t = runCli(['verify', 'rollups', ...KEY], { cwd: dir });
    expect(t.code, t.stdout).toBe(0);
    expect(t.stdout).toContain('auditpack verify rollups (roll-ups directory)');
    expect(t.stdout).toContain('signatures: 3 of 3 roll-ups signed');
    expect(t.stdout).toMatch(/newest evidence: roll-up 2025-09-11 of 2025-09-11 .*chain_hash [0-9a-f]{64}/);
    expect(t.stdout).toMatch(/intact: 3 days, 0 replaced, \d+ files/);
    expect(t.stdout).not.toMatch(/PACK_FILE_UNEXPECTED|PACK_FILE_MISSING/);
    const j = verifyJson('rollups');
    expect([j.code, j.out.kind, j.out.checked.days, j.found]).toEqual([0, 'rollup-dir', 3, []]);
    // One day alone, as JSON: the shape schemas/verify.json ships (runCli checks every --json output).
    expect(runCli(['verify', `rollups/${THIRD}`, ...KEY, '--json'], { cwd: dir }).code).toBe(0);
    // Without a trusted key: one note for the directory, not one per day.
    const alone = verifyJson('rollups', []).found.filter((x) => !x.startsWith('info '));
    expect(alone).toEqual(['warning PACK_UNSIGNED_UNPINNED .']);
  });

  it('a middle day removed is an error; the oldest removed leaves the new oldest unchecked', () => {
    const r = copy();
    renameSync(join(dir, r, NEXT), join(dir, `aside-${r}`));
    const j = verifyJson(r);
    expect([j.code, j.found]).toEqual([1, [`error ROLLUP_DAY_MISSING ${THIRD}/rollup.json`]]);
    const first = copy();
    rmSync(join(dir, first, DATE), { recursive: true });
    const k = verifyJson(first);
    expect([k.code, k.found]).toEqual([0, [`warning ROLLUP_PREVIOUS_UNCHECKED ${NEXT}/rollup.json`]]);
  });

  it('each day signed by the trusted key: another key is named per day', () => {
    const j = verifyJson('rollups', ['--pubkey', 'other/auditpack_ed25519.pub']);
    expect(j.code).toBe(1);
    for (const d of DAYS) expect(j.found).toContain(`error PACK_SIGNATURE_UNTRUSTED ${d}/tagmanifest-sha256.txt.sig`);
  });

  it('a day held twice, days swapped, a stray entry: each a finding', () => {
    const dup = copy();
    cpSync(join(dir, dup, NEXT), join(dir, dup, '2025-09-12'), { recursive: true });
    const d = verifyJson(dup);
    expect(d.code).toBe(1);
    expect(d.found).toContain('error ROLLUP_DAY_DUPLICATE 2025-09-12/rollup.json');
    expect(d.found).toContain('error ROLLUP_DAY_OUT_OF_ORDER 2025-09-12/rollup.json');

    const swap = copy();
    renameSync(join(dir, swap, NEXT), join(dir, swap, 'x'));
    renameSync(join(dir, swap, THIRD), join(dir, swap, NEXT));
    renameSync(join(dir, swap, 'x'), join(dir, swap, THIRD));
    const s = verifyJson(swap);
    expect(s.code).toBe(1);
    expect(s.found).toContain(`error ROLLUP_DAY_OUT_OF_ORDER ${THIRD}/rollup.json`);

    const stray = copy();
    writeFileSync(join(dir, stray, 'notes.txt'), 'x');
    writeFileSync(join(dir, stray, '2025-09-20'), 'x');
    mkdirSync(join(dir, stray, `${NEXT}.v1`));
    cpSync(join(dir, stray, NEXT), join(dir, stray, `${NEXT}.v1`), { recursive: true });
    const t = verifyJson(stray);
    expect(t.code).toBe(1);
    expect(t.found).toEqual(['error ROLLUP_ENTRY_UNEXPECTED 2025-09-20', 'warning ROLLUP_ENTRY_UNEXPECTED notes.txt']);
    expect(t.out.checked.replaced).toBe(1);
  });

  it('is recognised without the lock, by its first day; findings are bounded per code over all entries', () => {
    const r = copy();
    rmSync(join(dir, r, '.rollup.lock'));
    for (let i = 0; i < 250; i++) writeFileSync(join(dir, r, `stray-${i}`), '');
    const j = verifyJson(r);
    expect([j.code, j.out.kind, j.out.checked.days]).toEqual([0, 'rollup-dir', 3]);
    expect(j.found.filter((x) => x.includes('ROLLUP_ENTRY_UNEXPECTED'))).toHaveLength(200);
    const cut = j.out.problems.find((p) => p.code === 'FINDINGS_TRUNCATED') as Found & { detail: string };
    expect([cut.severity, cut.detail]).toEqual(['warning', expect.stringContaining('50 more ROLLUP_ENTRY_UNEXPECTED')]);
  });

  it('an artifacts directory with a roll-up planted and its lock gone is not taken for roll-ups (at21 C4)', () => {
    // A garbage .tar.gz pack, no .export.lock, a real roll-up copied in under its own date.
    mkdirSync(join(dir, 'c4'));
    writeFileSync(join(dir, 'c4', `${DATE}.tar.gz`), gzipSync('not a pack'));
    cpSync(join(dir, 'rollups', NEXT), join(dir, 'c4', NEXT), { recursive: true });
    // Text, not --json: an archive report with an unreadable .tar.gz does not follow schemas/verify.json (apart).
    const r = runCli(['verify', 'c4', ...KEY, '--log-dir', 'alpha/logs'], { cwd: dir });
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toContain('auditpack verify c4 (artifacts directory)');
    expect(r.stdout).toMatch(new RegExp(`✗ ${DATE}\\.tar\\.gz/\\. PACK_TAR_INVALID`));
    expect(r.stdout).toContain(`✗ ${NEXT} ROLLUP_ENTRY_UNEXPECTED`);
    // The reference checker reads it the same way: an artifacts directory, the tar and the roll-up named.
    const py = pythonPackCheck(join(dir, 'c4'));
    expect(py.status).toBe(1);
    expect(py.errors.map((e) => `${e.code} ${e.file}`)).toEqual(
      expect.arrayContaining([`PACK_TAR_INVALID ${DATE}.tar.gz`, `ROLLUP_ENTRY_UNEXPECTED ${NEXT}`]),
    );
  });

  it('an honest roll-ups directory stays intact; the reference checker leaves it to verify (exit 2)', () => {
    const j = verifyJson('rollups');
    expect([j.code, j.out.kind, j.found]).toEqual([0, 'rollup-dir', []]);
    const py = spawnSync(PYTHON, [CHECKER, join(dir, 'rollups')], { encoding: 'utf8' });
    expect([py.status, py.stderr]).toEqual([2, expect.stringContaining('a roll-ups directory (rollup --out)')]);
  });

  it('the reference checker given one roll-up says it is a roll-up, not a pack (exit 2, no pack findings)', () => {
    for (const day of [`rollups/${THIRD}`, `rollups/${THIRD}/`]) {
      for (const json of [[], ['--json']]) {
        const py = spawnSync(PYTHON, [CHECKER, join(dir, day), ...json], { encoding: 'utf8' });
        expect([py.status, py.stdout]).toEqual([2, '']);
        expect(py.stderr).toContain('a roll-up (rollup.json, no manifest.json), not a pack');
        expect(py.stderr).not.toMatch(/PACK_|BAG_/);
      }
    }
    // A pack that gained a rollup.json is still checked as a pack: the stray file is named.
    const pack = join(dir, 'alpha', 'artifacts', DATE);
    const copyOf = join(dir, `pack-with-rollup-json-${n++}`, DATE);
    cpSync(pack, copyOf, { recursive: true });
    writeFileSync(join(copyOf, 'rollup.json'), '{}\n');
    const p = pythonPackCheck(copyOf);
    expect(p.status).toBe(1);
  });

  it('a roll-ups directory with a .tar.gz pack in it is read as artifacts; verifyRollupDir on it names the tar an error', async () => {
    const r = copy();
    writeFileSync(join(dir, r, `${DATE}.tar.gz`), gzipSync('not a pack'));
    expect(await detectPathKind(join(dir, r))).toBe('archive');
    const rep = await verifyRollupDir(join(dir, r));
    const tar = rep.problems.find((p) => p.file === `${DATE}.tar.gz`);
    expect([rep.ok, tar?.code, tar?.severity]).toEqual([false, 'ROLLUP_ENTRY_UNEXPECTED', 'error']);
  });

  it('--log-dir and --min-retention-days are for an artifacts directory: a usage error for roll-ups', () => {
    for (const [target, flag] of [
      ['rollups', ['--log-dir', 'alpha/logs']],
      ['rollups', ['--logs', 'alpha/logs']],
      ['rollups', ['--min-retention-days', '3']],
      [`rollups/${DATE}`, ['--log-dir', 'alpha/logs']],
    ] as const) {
      const r = runCli(['verify', target, ...KEY, ...flag], { cwd: dir });
      expect([r.code, r.stderr]).toEqual([2, expect.stringContaining(`${flag[0]} is for an artifacts directory`)]);
    }
    expect(runCli(['verify', 'rollups', ...KEY, '--no-logs'], { cwd: dir }).code).toBe(0);
  });

  it('--from is for one roll-up, not the directory', () => {
    const r = runCli(['verify', 'rollups', ...FROM], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('--from and --from-archive are for a roll-up')]);
  });
});
