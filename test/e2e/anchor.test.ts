/**
 * End to end: the built CLI with a real TSA (`openssl ts -reply` behind HTTP on 127.0.0.1), as cron
 * and an auditor run it: `export --tsa-url`, `anchor`, `anchor --pack`, `verify --tsa-ca`, and the
 * README's `openssl ts -verify` command; and a pack's token held to the time-stamps the chain
 * recorded (at19 F1): deleted, swapped, or anchored again after the first was removed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync as runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { makeTsaPki, startTsa, type TestTsa, type TsaPki } from '../helpers/tsa.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { bagitValidate, opensslVerify } from '../anchor/helpers.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';

/** Yesterday: a pack's token is expected within days of its day (older ones get a TIMESTAMP_LATE warning). */
const DATE = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

let pki: TsaPki;
let tsa: TestTsa;
let silent: TestTsa;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'auditpack-e2e-tsa-'));
  pki = makeTsaPki(root, 'Desk');
  tsa = await startTsa(pki);
  silent = await startTsa(pki, { mode: 'silent' });
});

afterAll(async () => {
  await Promise.all([tsa?.close(), silent?.close()]);
  rmSync(root, { recursive: true, force: true });
});

describe('auditpack export --tsa-url / anchor / verify --tsa-ca', () => {
  it('exports a time-stamped pack that verify --tsa-ca and openssl ts -verify accept', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    await writeDay(join(cwd, 'logs'), DATE, SAMPLE_EVENTS);
    const r = await runCli(['export', '--date', DATE, '--tsa-url', tsa.url], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/time-stamped 20\d\d-/);
    const pack = join(cwd, 'artifacts', DATE);
    expect(opensslVerify(pack, pki.caCert).out).toContain('Verification: OK');

    const v = await runCli(['verify', pack, '--tsa-ca', pki.caCert, '--require-timestamp'], { cwd });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/✓ time-stamp tokens: 1 pack token\(s\), 0 chain anchor\(s\) verified/);

    const all = await runCli(['verify', join(cwd, 'artifacts'), '--tsa-ca', pki.caCert, '--require-timestamp'], {
      cwd,
    });
    expect(all.code, all.stdout + all.stderr).toBe(0);
    expect(all.stdout).toMatch(/✓ time-stamp tokens: 1 pack token\(s\) \(of 1 packs\), 0 chain anchor\(s\) verified/);

    // The PackExported event says the pack was time-stamped.
    const log = readFileSync(
      join(
        cwd,
        'logs',
        readdirSync(join(cwd, 'logs'))
          .filter((n) => n.endsWith('.jsonl'))
          .sort()
          .at(-1) as string,
      ),
      'utf8',
    );
    expect(log).toMatch(/"event":"PackExported".*"timestamped":true/);

    // Another CA: the token is not trusted, exit 1 with the finding code.
    const other = makeTsaPki(tempDir(), 'Other');
    const bad = await runCli(['verify', pack, '--tsa-ca', other.caCert, '--json'], { cwd });
    expect(bad.code).toBe(1);
    // The only error is the token's; the pack, unsigned and verified alone, also says so (a warning).
    const problems = (JSON.parse(bad.stdout) as { problems: { code: string; severity: string }[] }).problems;
    expect(problems.filter((p) => p.severity === 'error').map((p) => p.code)).toEqual(['TIMESTAMP_UNTRUSTED']);
    expect(problems.map((p) => p.code)).toContain('PACK_UNSIGNED_UNPINNED');

    // The trusted TSA certificate from the config file, which whoever can write the configuration can
    // point at their own CA (attack9 #08): a warning naming the file (exit 0, as warnings are); named
    // on the command line or in the environment it is pinned by whoever runs verify.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'auditpack.config.json'), JSON.stringify({ tsa: { ca: pki.caCert } }));
    const unpinned = async (args: string[], env: Record<string, string | undefined> = {}) => {
      const run = await runCli(['verify', pack, '--require-timestamp', '--json', ...args], {
        cwd,
        env: { AUDITPACK_TSA_CA: undefined, ...env },
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as { problems: { code: string; severity: string; detail: string }[] }).problems
        .filter((p) => p.code === 'TSA_CA_UNPINNED' || p.code === 'TIMESTAMP_NOT_CHECKED')
        .map((p) => `${p.severity} ${p.code}`);
    };
    expect(await unpinned([])).toEqual(['warning TSA_CA_UNPINNED']);
    expect(await unpinned(['--tsa-ca', pki.caCert])).toEqual([]);
    expect(await unpinned([], { AUDITPACK_TSA_CA: pki.caCert })).toEqual([]);

    // The token deleted: the chain's PackExported event says the pack was time-stamped (at19 F1).
    rmSync(join(pack, 'tagmanifest-sha256.txt.tsr'));
    rmSync(join(pack, 'tsa-certs.pem'));
    const gone = await runCli(['verify', join(cwd, 'artifacts'), '--tsa-ca', pki.caCert, '--json'], { cwd });
    expect(gone.code, gone.stdout).toBe(1);
    const errors = (JSON.parse(gone.stdout) as { problems: { code: string; severity: string }[] }).problems
      .filter((p) => p.severity === 'error')
      .map((p) => p.code);
    expect(errors).toEqual(['TIMESTAMP_RECORDED_MISSING']);
  });

  it('a re-exported version whose token was deleted: its PackExported event in the new pack says time-stamped', async () => {
    const { cwd, today } = await exportedTwiceToday();
    const old = join(cwd, 'artifacts', `${today}.v1`);
    rmSync(join(old, 'tagmanifest-sha256.txt.tsr'));
    rmSync(join(old, 'tsa-certs.pem'));
    // Without the live logs: the event is in the new pack's own log.
    const v = await runCli(
      ['verify', join(cwd, 'artifacts'), '--tsa-ca', pki.caCert, '--log-dir', tempDir(), '--json'],
      {
        cwd,
      },
    );
    const errors = (JSON.parse(v.stdout) as { problems: { code: string; severity: string }[] }).problems
      .filter((p) => p.severity === 'error')
      .map((p) => p.code);
    expect(errors).toContain('TIMESTAMP_RECORDED_MISSING');
    const py = pythonPackCheck(join(cwd, 'artifacts'));
    expect(py.errors.map((p) => `${p.code} ${p.file}`)).toEqual([
      `TIMESTAMP_RECORDED_MISSING ${today}.v1/tagmanifest-sha256.txt.tsr`,
    ]);
  });

  it('TSA down: export completes with exit 4 and says so; anchor --pack adds the token later', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    await writeDay(join(cwd, 'logs'), DATE, SAMPLE_EVENTS);
    const t0 = Date.now();
    const r = await runCli(['export', '--date', DATE, '--json'], {
      cwd,
      env: { EXPORT_TSA_URL: silent.url, EXPORT_TSA_TIMEOUT_MS: '500' },
    });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.code, r.stderr).toBe(4);
    const out = JSON.parse(r.stdout) as { ok: boolean; timestamp: { missing: boolean; code: string } };
    expect(out.ok).toBe(true);
    expect(out.timestamp).toMatchObject({ missing: true, code: 'TSA_FAILED' });
    expect(r.stderr).toMatch(/no time-stamp token: .*no answer within 500 ms.*auditpack anchor --pack /);
    const pack = join(cwd, 'artifacts', DATE);
    expect(existsSync(join(pack, 'manifest.json'))).toBe(true);

    expect((await runCli(['verify', pack], { cwd })).code).toBe(0);
    const req = await runCli(['verify', pack, '--require-timestamp', '--json'], { cwd });
    expect(req.code).toBe(1);
    expect(req.stdout).toContain('TIMESTAMP_MISSING');

    const still = await runCli(['anchor', '--pack', pack, '--timeout-ms', '300'], {
      cwd,
      env: { EXPORT_TSA_URL: silent.url },
    });
    expect(still.code).toBe(75);
    expect(still.stderr).toContain('TSA_FAILED');

    const a = await runCli(['anchor', '--pack', pack, '--tsa-url', tsa.url, '--tsa-ca', pki.caCert], { cwd });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/time-stamped .* \(TSA time 20/);
    expect((await runCli(['verify', pack, '--tsa-ca', pki.caCert, '--require-timestamp'], { cwd })).code).toBe(0);
    expect(opensslVerify(pack, pki.caCert).ok).toBe(true);
    expect(bagitValidate(pack).ok).toBe(true);
    const log = readFileSync(
      join(
        cwd,
        'logs',
        readdirSync(join(cwd, 'logs'))
          .filter((n) => n.endsWith('.jsonl'))
          .sort()
          .at(-1) as string,
      ),
      'utf8',
    );
    expect(log).toMatch(/"event":"PackExported".*"timestamped":false/);
    expect(log).toMatch(
      new RegExp(
        `"event":"PackTimestamped".*"path":"${pack.replaceAll('/', '\\/')}".*"manifest_sha256":"[0-9a-f]{64}"`,
      ),
    );
    const sums = spawnSync('sha256sum', ['-c', 'tagmanifest-sha256.txt'], { cwd: pack, encoding: 'utf8' });
    expect(sums.status).toBe(0);
    expect((await runCli(['anchor', '--pack', pack, '--tsa-url', tsa.url], { cwd })).stdout).toMatch(
      /already has a time-stamp token/,
    );
  });

  it('anchor (cron) appends an Anchored event; verify of the logs directory checks it', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    expect((await runCli(['log', 'system', 'Started'], { cwd })).code).toBe(0);
    const a = await runCli(['anchor', '--json'], { cwd, env: { EXPORT_TSA_URL: tsa.url } });
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ ok: true, head_seq: 1 });
    const v = await runCli(['verify', logs, '--tsa-ca', pki.caCert, '--anchor-interval', '60'], { cwd });
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/time-stamp tokens: 0 pack token\(s\), 1 chain anchor\(s\) verified/);

    expect((await runCli(['anchor'], { cwd })).code).toBe(2); // no TSA configured
  });
});

const TOKEN = 'tagmanifest-sha256.txt.tsr';
const CERTS = 'tsa-certs.pem';

interface Problem {
  code: string;
  severity: string;
  file?: string;
  detail: string;
}

/** `verify artifacts --log-dir logs --tsa-ca` as JSON: its exit code and the problems of the time-stamp rules. */
async function verifyStamps(cwd: string): Promise<{ code: number | null; found: Problem[] }> {
  const v = await runCli(
    ['verify', join(cwd, 'artifacts'), '--log-dir', join(cwd, 'logs'), '--tsa-ca', pki.caCert, '--json'],
    { cwd },
  );
  const problems = (JSON.parse(v.stdout) as { problems: Problem[] }).problems;
  return { code: v.code, found: problems.filter((p) => p.code.startsWith('TIMESTAMP_') && p.severity !== 'info') };
}

/** A token for the same tag manifest, got by anchoring a copy of the pack outside the artifacts (nothing recorded). */
async function foreignToken(pack: string, name: string): Promise<string> {
  const elsewhere = tempDir();
  const copy = join(elsewhere, name);
  cpSync(pack, copy, { recursive: true });
  rmSync(join(copy, TOKEN), { force: true });
  rmSync(join(copy, CERTS), { force: true });
  const a = await runCli(['anchor', '--pack', copy, '--tsa-url', tsa.url], { cwd: elsewhere });
  expect(a.code, a.stderr).toBe(0);
  return copy;
}

function swapToken(pack: string, from: string): void {
  rmSync(join(pack, TOKEN), { force: true });
  rmSync(join(pack, CERTS), { force: true });
  cpSync(join(from, TOKEN), join(pack, TOKEN));
  cpSync(join(from, CERTS), join(pack, CERTS));
}

/** Today's partial pack exported with the TSA, then again with --force: `<today>.v1` and `<today>`, each with its token. */
async function exportedTwiceToday(): Promise<{ cwd: string; today: string }> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'logs'));
  const today = new Date().toISOString().slice(0, 10);
  const env = { EXPORT_TSA_URL: tsa.url };
  expect((await runCli(['export', '--date', today, '--partial'], { cwd, env })).code).toBe(0);
  expect((await runCli(['export', '--date', today, '--partial', '--force'], { cwd, env })).code).toBe(0);
  return { cwd, today };
}

async function dayWithLogs(): Promise<string> {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'logs'));
  await writeDay(join(cwd, 'logs'), DATE, SAMPLE_EVENTS);
  return cwd;
}

describe('a pack token held to the time-stamps the chain recorded', () => {
  it('anchor --pack: clean; the token deleted is an error; anchored again, a warning naming the first', async () => {
    const cwd = await dayWithLogs();
    expect((await runCli(['export', '--date', DATE], { cwd })).code).toBe(0);
    const pack = join(cwd, 'artifacts', DATE);
    const a = await runCli(['anchor', '--pack', pack, '--tsa-url', tsa.url], { cwd });
    expect(a.code, a.stderr).toBe(0);
    const first = /"event":"PackTimestamped".*"tsa_serial":"([0-9a-f]+)"/.exec(
      readdirSync(join(cwd, 'logs'))
        .map((n) => readFileSync(join(cwd, 'logs', n), 'utf8'))
        .join(''),
    )?.[1] as string;
    expect(first).toMatch(/^[0-9a-f]+$/);
    expect(await verifyStamps(cwd)).toEqual({ code: 0, found: [] });

    rmSync(join(pack, TOKEN));
    rmSync(join(pack, CERTS));
    const gone = await verifyStamps(cwd);
    expect(gone.code).toBe(1);
    expect(gone.found.map((p) => `${p.severity} ${p.code} ${p.file}`)).toEqual([
      `error TIMESTAMP_RECORDED_MISSING ${DATE}/${TOKEN}`,
    ]);
    expect(gone.found[0]?.detail).toContain(`PackTimestamped event`);
    expect(gone.found[0]?.detail).toContain(first);

    // Anchored again: a token the chain recorded too, but not the first one.
    expect((await runCli(['anchor', '--pack', pack, '--tsa-url', tsa.url], { cwd })).code).toBe(0);
    const again = await verifyStamps(cwd);
    expect(again.code).toBe(0);
    expect(again.found.map((p) => `${p.severity} ${p.code}`)).toEqual(['warning TIMESTAMP_REANCHORED']);
    expect(again.found[0]?.detail).toContain(`token serial ${first}`);

    // Today's pack: its own log holds the PackTimestamped events, the evidence without the live log.
    const today = new Date().toISOString().slice(0, 10);
    expect((await runCli(['export', '--date', today, '--partial'], { cwd })).code).toBe(0);
    expect(pythonPackCheck(join(cwd, 'artifacts')).errors).toEqual([]);
    rmSync(join(pack, TOKEN));
    rmSync(join(pack, CERTS));
    const packsOnly = await runCli(['verify', join(cwd, 'artifacts'), '--tsa-ca', pki.caCert, '--json'], {
      cwd: tempDir(),
    });
    expect(packsOnly.code).toBe(1);
    const errors = (JSON.parse(packsOnly.stdout) as { problems: Problem[] }).problems.filter(
      (p) => p.severity === 'error',
    );
    expect(errors.map((p) => `${p.code} ${p.file}`)).toEqual([`TIMESTAMP_RECORDED_MISSING ${DATE}/${TOKEN}`]);
    expect(pythonPackCheck(join(cwd, 'artifacts')).errors.map((p) => `${p.code} ${p.file}`)).toEqual([
      `TIMESTAMP_RECORDED_MISSING ${DATE}/${TOKEN}`,
    ]);
  });

  it('anchor --pack, then the directory deleted: the --compress tar left holds no token, TIMESTAMP_RECORDED_MISSING', async () => {
    const cwd = await dayWithLogs();
    expect((await runCli(['export', '--compress', '--date', DATE], { cwd })).code).toBe(0);
    const pack = join(cwd, 'artifacts', DATE);
    const a = await runCli(['anchor', '--pack', pack, '--tsa-url', tsa.url], { cwd });
    expect(a.code, a.stderr).toBe(0);
    // Made before the anchoring, the tar never held the token: with the directory there, nothing to say.
    expect(await verifyStamps(cwd)).toEqual({ code: 0, found: [] });
    rmSync(pack, { recursive: true, force: true });
    const gone = await verifyStamps(cwd);
    expect(gone.code).toBe(1);
    expect(gone.found.map((p) => `${p.severity} ${p.code} ${p.file}`)).toEqual([
      `error TIMESTAMP_RECORDED_MISSING ${DATE}.tar.gz/${TOKEN}`,
    ]);
    expect(gone.found[0]?.detail).toContain('PackTimestamped event');
    expect(gone.found[0]?.detail).toContain('no pack directory of it is left');
    // Today's pack: its own log holds the PackTimestamped event, what the Python checker reads.
    const today = new Date().toISOString().slice(0, 10);
    expect((await runCli(['export', '--date', today, '--partial'], { cwd })).code).toBe(0);
    expect(
      pythonPackCheck(join(cwd, 'artifacts'))
        .errors.filter((p) => p.code.startsWith('TIMESTAMP_'))
        .map((p) => `${p.code} ${p.file}`),
    ).toEqual([`TIMESTAMP_RECORDED_MISSING ${DATE}.tar.gz/${TOKEN}`]);
  });

  it('export with a TSA and a re-export: clean; a token swapped for another of the same manifest is an error', async () => {
    // Today, partial: the re-export's own log holds the first export's PackExported (the Python checker reads the packs' logs only).
    const { cwd, today } = await exportedTwiceToday();
    const pack = join(cwd, 'artifacts', today);
    // anchor --pack of a pack that has its token adds nothing.
    expect((await runCli(['anchor', '--pack', pack, '--tsa-url', tsa.url], { cwd })).code).toBe(0);
    expect(await verifyStamps(cwd)).toEqual({ code: 0, found: [] });
    expect(pythonPackCheck(join(cwd, 'artifacts')).errors).toEqual([]);

    const old = join(cwd, 'artifacts', `${today}.v1`);
    swapToken(old, await foreignToken(old, today));
    const swapped = await verifyStamps(cwd);
    expect(swapped.code).toBe(1);
    expect(swapped.found.map((p) => `${p.severity} ${p.code} ${p.file}`)).toEqual([
      `error TIMESTAMP_RECORD_MISMATCH ${today}.v1/${TOKEN}`,
    ]);
    expect(swapped.found[0]?.detail).toContain('PackExported event');
    expect(pythonPackCheck(join(cwd, 'artifacts')).errors.map((p) => `${p.code} ${p.file}`)).toEqual([
      `TIMESTAMP_RECORD_MISMATCH ${today}.v1/${TOKEN}`,
    ]);
  });
});
