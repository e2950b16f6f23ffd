/**
 * An export killed after its pack is in place but before its PackExported event is chained (plain
 * or --force, with or without --compress), as the built CLI leaves it, and a pack (or .tar.gz) put
 * in place by hand before the day's export: the re-run never vouches for a pack it did not build, it
 * keeps it aside as the next version and exports the day afresh (at21 C3, M2).
 *
 * The state is rebuilt faithfully rather than hit with a racing kill -9: the export runs to the end,
 * then the live log is cut back to its length before the run (the event is the run's only write to
 * it, appended last, so this is exactly the log a kill before the event leaves) and, for a killed
 * --force --compress, the day's .tar.gz is put back as it was (the old version's archive still named
 * `D.tar.gz`, the new one's not written) with the `.tmp-*` leftover of the killed archive.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { loadSigningKey } from '../../src/signing/index.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { day } from '../helpers/days.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const D = day(-3);
const LATER = day(-2);

interface Site {
  readonly cwd: string;
  readonly logs: string;
  readonly art: string;
  readonly key: string;
}

async function site(): Promise<Site> {
  const cwd = tempDir();
  const logs = join(cwd, 'logs');
  mkdirSync(logs);
  await writeDay(logs, D, SAMPLE_EVENTS);
  await writeDay(logs, LATER, SAMPLE_EVENTS);
  expect(runCli(['keygen', '--out', 'keys'], { cwd }).code).toBe(0);
  return { cwd, logs, art: join(cwd, 'art'), key: join(cwd, 'keys', 'auditpack_ed25519') };
}

function exportCli(s: Site, date: string, ...more: string[]) {
  return runCli(
    ['export', '--date', date, '--log-dir', s.logs, '--artifacts-dir', s.art, '--signing-key', s.key, ...more],
    { cwd: s.cwd },
  );
}

/** Runs `export` to the end, then cuts the live log back to what it was: the event never written. */
function exportKilledBeforeEvent(s: Site, date: string, ...more: string[]): void {
  killedBeforeEvent(s, date, () => exportCli(s, date, ...more));
}

function killedBeforeEvent(s: Site, date: string, run: () => CliRun): void {
  const before = new Map(readdirSync(s.logs).map((n) => [n, statSync(join(s.logs, n)).size]));
  const events = exportEvents(s, date).length;
  const r = run();
  expect(r.code, r.stderr).toBe(0);
  // Cut each log at the first PackExported line the run wrote: what it wrote before (the
  // ConfigSnapshot event of a snapshot it took) was on disk before its pack was, as after a kill.
  for (const n of readdirSync(s.logs)) {
    const size = before.get(n) ?? 0;
    const text = readFileSync(join(s.logs, n));
    let cut = text.length;
    for (let at = size; at < text.length; ) {
      const end = text.indexOf(10, at);
      const next = end < 0 ? text.length : end + 1;
      if (text.subarray(at, next).includes('"PackExported"')) {
        cut = at;
        break;
      }
      at = next;
    }
    if (cut === 0 && !before.has(n)) rmSync(join(s.logs, n));
    else truncateSync(join(s.logs, n), cut);
  }
  expect(exportEvents(s, date).length).toBe(events);
}

/** The manifest hashes the live log's PackExported events of `date` record. */
function exportEvents(s: Site, date: string): string[] {
  return readdirSync(s.logs)
    .flatMap((n) => readFileSync(join(s.logs, n), 'utf8').split('\n'))
    .filter((l) => l.includes('"PackExported"'))
    .map((l) => JSON.parse(l) as { date: string; manifest_sha256: string })
    .filter((e) => e.date === date)
    .map((e) => e.manifest_sha256);
}

const manifestHash = (dir: string): string =>
  createHash('sha256')
    .update(readFileSync(join(dir, 'manifest.json')))
    .digest('hex');

function verify(s: Site): { code: number | null; problems: { code: string; severity: string; file: string }[] } {
  const r = runCli(['verify', s.art, '--log-dir', s.logs, '--pubkey', `${s.key}.pub`, '--json'], { cwd: s.cwd });
  const problems = (JSON.parse(r.stdout) as { problems: { code: string; severity: string; file: string }[] }).problems;
  return { code: r.code, problems: problems.map(({ code, severity, file }) => ({ code, severity, file })) };
}

/** The re-run's --json, with its exit code and stderr. */
function rerun(s: Site, ...more: string[]) {
  const r = exportCli(s, D, '--json', ...more);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as {
    resumed: string | null;
    manifest_sha256: string;
    archive: string | null;
    superseded: { path: string; manifest_sha256: string; unrecorded: boolean } | null;
    warnings: string[];
  };
  return { out, stderr: r.stderr };
}

/** The PackExported events of `date` in the live log, whole. */
function exportEventObjects(s: Site, date: string): Record<string, unknown>[] {
  return readdirSync(s.logs)
    .flatMap((n) => readFileSync(join(s.logs, n), 'utf8').split('\n'))
    .filter((l) => l.includes('"PackExported"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.date === date);
}

/** verify passes (exit 0), naming only the versions the re-run kept aside unrecorded (a warning each). */
/** The re-run kept the pack it found (manifest `kept`) aside as `D.v<n>`, unrecorded, and recorded only its own. */
function expectKeptAside(s: Site, r: ReturnType<typeof rerun>, kept: string, n: number, recordedBefore: string[]) {
  const aside = join(s.art, `${D}.v${n}`);
  expect(manifestHash(aside)).toBe(kept);
  expect(r.out.resumed).toBeNull();
  expect(r.out.superseded).toEqual({ path: aside, manifest_sha256: kept, unrecorded: true });
  expect(r.out.manifest_sha256).toBe(manifestHash(join(s.art, D)));
  expect(r.out.manifest_sha256).not.toBe(kept);
  expect(r.out.warnings).toEqual([expect.stringContaining(`it was not vouched for; it is kept as ${aside}`)]);
  expect(r.stderr).toContain(`no PackExported event records`);
  expect(exportEvents(s, D)).toEqual([...recordedBefore, r.out.manifest_sha256]);
  const last = exportEventObjects(s, D).pop();
  expect(last).toMatchObject({ supersedes: kept, moved_to: `${D}.v${n}`, supersedes_unrecorded: true });
  expect(JSON.parse(readFileSync(join(s.art, D, 'manifest.json'), 'utf8')).supersedes).toEqual({
    manifest_sha256: kept,
    moved_to: `${D}.v${n}`,
  });
}

/**
 * What verify says once the re-run kept version `n` aside: exit 0, the version (and its .tar.gz)
 * named unvouched, a warning since its log is the day's (at22 F2: every version no event records).
 */
function keptWarned(n: number, tar = false) {
  const w = (file: string) => ({ code: 'ARCHIVE_VERSION_UNRECORDED', severity: 'warning', file });
  return {
    code: 0,
    problems: [w(`${D}.v${n}/manifest.json`), ...(tar ? [w(`${D}.v${n}.tar.gz`)] : [])],
  };
}

describe('export killed after its pack is in place, before its PackExported event', () => {
  it('plain --compress: verify warns even once a later pack exists; the plain re-run keeps that pack aside unrecorded and exports afresh', async () => {
    const s = await site();
    exportKilledBeforeEvent(s, D, '--compress');
    // The next day's export links no pack the log does not record: it says so (exit 3), links none.
    const later = exportCli(s, LATER, '--compress');
    expect(later.code, later.stderr).toBe(3);
    expect(later.stderr).toContain(
      `PREVIOUS_PACK_UNRECORDED: no PackExported event in ${s.logs} records the pack of ${D}`,
    );
    expect(JSON.parse(readFileSync(join(s.art, LATER, 'manifest.json'), 'utf8')).previous_pack).toBeNull();
    // The pack of D is no longer the newest: still named.
    expect(verify(s).problems).toContainEqual({
      code: 'ARCHIVE_EXPORT_UNRECORDED',
      severity: 'warning',
      file: `${D}/manifest.json`,
    });
    const kept = manifestHash(join(s.art, D));
    const keptTar = readFileSync(join(s.art, `${D}.tar.gz`));

    const r = rerun(s, '--compress');
    expectKeptAside(s, r, kept, 1, []);
    expect(r.out.archive).toBe(join(s.art, `${D}.tar.gz`));
    // Its .tar.gz went aside with it; the day's .tar.gz is the new pack's.
    expect(readFileSync(join(s.art, `${D}.v1.tar.gz`)).equals(keptTar)).toBe(true);
    expect(readFileSync(join(s.art, `${D}.tar.gz`)).equals(keptTar)).toBe(false);
    // The later pack links nothing; the fresh D, made after it, records it as `inserted_before`
    // (a back-filled day): the chain is whole again, the kept version a warning.
    expect(verify(s)).toEqual(keptWarned(1, true));
    // Finished: a third run is the ordinary PACK_EXISTS, and records nothing more.
    expect(exportCli(s, D, '--compress').code).toBe(73);
    expect(exportEvents(s, D).length).toBe(1);
  });

  it("without the live log: the packs' logs show it too once a pack of the day it was made exists (verify and the Python checker)", async () => {
    const s = await site();
    exportKilledBeforeEvent(s, D);
    // Today's partial pack holds today's log, where the killed export's event would be.
    expect(runCli(['log', 'order', 'OrderAccepted', 'order_id=A'], { cwd: s.cwd }).code).toBe(0);
    const partial = exportCli(s, day(0), '--partial');
    expect(partial.code, partial.stderr).toBe(3); // its previous pack, D, is not recorded: not linked
    expect(partial.stderr).toContain('PREVIOUS_PACK_UNRECORDED');
    const r = runCli(['verify', s.art, '--pubkey', `${s.key}.pub`, '--json'], { cwd: s.cwd });
    const codes = (JSON.parse(r.stdout) as { problems: { code: string; file: string }[] }).problems;
    expect(codes).toContainEqual(
      expect.objectContaining({ code: 'ARCHIVE_EXPORT_UNRECORDED', file: `${D}/manifest.json` }),
    );
    const py = spawnSync(PYTHON, [CHECKER, s.art, '--json'], { encoding: 'utf8' });
    expect((JSON.parse(py.stdout) as { findings: { code: string; file: string }[] }).findings).toContainEqual(
      expect.objectContaining({ code: 'ARCHIVE_EXPORT_UNRECORDED', file: `${D}/manifest.json` }),
    );
  });

  it('--force without --compress: verify names the crash; the plain re-run keeps the unrecorded version aside (exit 0)', async () => {
    const s = await site();
    expect(exportCli(s, D).code).toBe(0);
    const first = manifestHash(join(s.art, D));
    exportKilledBeforeEvent(s, D, '--force');
    const v = runCli(['verify', s.art, '--log-dir', s.logs, '--pubkey', `${s.key}.pub`], { cwd: s.cwd });
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('ARCHIVE_EXPORT_MISMATCH');
    const kept = manifestHash(join(s.art, D));

    const r = rerun(s);
    expectKeptAside(s, r, kept, 2, [first]);
    expect(manifestHash(join(s.art, `${D}.v1`))).toBe(first);
    expect(verify(s)).toEqual(keptWarned(2));
    const py = spawnSync(PYTHON, [CHECKER, s.art, '--json'], { encoding: 'utf8' });
    expect(py.status, py.stdout).toBe(0);
    // Once a pack holds the re-run's event (today's partial pack holds today's log), the packs' logs
    // name the kept version too, without the live log: verify and the Python checker alike.
    const partial = exportCli(s, day(0), '--partial');
    expect(partial.code, partial.stderr).toBe(0);
    const named = { code: 'ARCHIVE_VERSION_UNRECORDED', severity: 'warning', file: `${D}.v2/manifest.json` };
    const alone = runCli(['verify', s.art, '--no-logs', '--pubkey', `${s.key}.pub`, '--json'], { cwd: s.cwd });
    const found = (JSON.parse(alone.stdout) as { problems: { code: string; severity: string; file: string }[] })
      .problems;
    expect(found.map(({ code, severity, file }) => ({ code, severity, file }))).toContainEqual(named);
    const py2 = spawnSync(PYTHON, [CHECKER, s.art, '--json'], { encoding: 'utf8' });
    const pyFound = (JSON.parse(py2.stdout) as { findings: { code: string; severity: string; file: string }[] })
      .findings;
    expect(pyFound.map(({ code, severity, file }) => ({ code, severity, file }))).toContainEqual(named);
    expect(pyFound.filter((x) => x.code === 'ARCHIVE_VERSION_UNRECORDED')).toHaveLength(1);
  });

  it('--force --compress killed before its .tar.gz: the stale archive goes to the old version, the unrecorded pack aside, a new one is built', async () => {
    const s = await site();
    expect(exportCli(s, D, '--compress').code).toBe(0);
    exportKilledBeforeEvent(s, D, '--force', '--compress');
    // As the kill leaves it: the old version's archive still named D.tar.gz, the new one half-written.
    rmSync(join(s.art, `${D}.tar.gz`));
    renameSync(join(s.art, `${D}.v1.tar.gz`), join(s.art, `${D}.tar.gz`));
    writeFileSync(join(s.art, `.tmp-${D}-1-2.tar.gz`), 'half');
    expect(verify(s).code).toBe(1);
    const kept = manifestHash(join(s.art, D));

    const r = rerun(s, '--compress');
    expectKeptAside(s, r, kept, 2, [manifestHash(join(s.art, `${D}.v1`))]);
    expect(existsSync(join(s.art, `.tmp-${D}-1-2.tar.gz`))).toBe(false);
    expect(
      readdirSync(s.art)
        .filter((n) => n.startsWith(D))
        .sort(),
    ).toEqual([D, `${D}.tar.gz`, `${D}.v1`, `${D}.v1.tar.gz`, `${D}.v2`]);
    expect(verify(s)).toEqual(keptWarned(2));
  });
});

/** A pack of D built by the library from the day's log and signed by the site's key, with no event. */
async function plant(s: Site, more: { compress?: boolean; compliance?: false }): Promise<void> {
  const signingKey = loadSigningKey(s.key);
  await exportPack({
    date: D,
    logDir: s.logs,
    artifactsDir: s.art,
    version: '0.1.0',
    recordEvent: false,
    signingKey,
    ...more,
  });
}

describe("a pack put in place before the day's export (at21 C3, M2): never vouched for", () => {
  it('built by the real tool from the same log and key, without the compliance policy: kept aside, not recorded', async () => {
    const s = await site();
    await plant(s, { compliance: false });
    const planted = manifestHash(join(s.art, D));
    const r = rerun(s);
    expectKeptAside(s, r, planted, 1, []);
    expect(existsSync(join(s.art, D, 'data', 'compliance_report.json'))).toBe(true);
    expect(existsSync(join(s.art, `${D}.v1`, 'data', 'compliance_report.json'))).toBe(false);
    expect(verify(s)).toEqual(keptWarned(1));
  });

  it("holding only the start of the day's log, or signed by another key: kept aside, not recorded", async () => {
    for (const plant of ['start', 'other key'] as const) {
      const s = await site();
      const elsewhere = join(s.cwd, 'other-logs');
      mkdirSync(elsewhere);
      await writeDay(elsewhere, D, plant === 'start' ? SAMPLE_EVENTS.slice(0, 2) : SAMPLE_EVENTS);
      expect(runCli(['keygen', '--out', 'other'], { cwd: s.cwd }).code).toBe(0);
      const other = join(s.cwd, 'other', 'auditpack_ed25519');
      await exportPack({
        date: D,
        logDir: elsewhere,
        artifactsDir: s.art,
        version: '0.1.0',
        recordEvent: false,
        ...(plant === 'other key' ? { signingKey: loadSigningKey(other) } : {}),
      });
      const planted = manifestHash(join(s.art, D));
      expectKeptAside(s, rerun(s), planted, 1, []);
    }
  });

  it("a .tar.gz holding the planted pack's manifest.json but an edited orders.csv goes aside with it, never kept as the new pack's", async () => {
    const s = await site();
    await plant(s, { compress: true });
    const x = join(s.cwd, 'x');
    mkdirSync(x);
    execFileSync('tar', ['xzf', join(s.art, `${D}.tar.gz`), '-C', x]);
    const orders = join(x, D, 'data', 'orders.csv');
    writeFileSync(orders, `${readFileSync(orders, 'utf8')}X\n`);
    rmSync(join(s.art, `${D}.tar.gz`));
    execFileSync('tar', ['czf', join(s.art, `${D}.tar.gz`), '-C', x, D]);
    const tampered = readFileSync(join(s.art, `${D}.tar.gz`));
    const planted = manifestHash(join(s.art, D));

    const r = rerun(s, '--compress');
    expectKeptAside(s, r, planted, 1, []);
    expect(readFileSync(join(s.art, `${D}.v1.tar.gz`)).equals(tampered)).toBe(true);
    expect(readFileSync(join(s.art, `${D}.tar.gz`)).equals(tampered)).toBe(false);
    // verify names the tampered archive as the kept version's, not the day's current one.
    const problems = verify(s).problems;
    const files = problems.map((p) => p.file.split('/')[0]);
    expect(files.length).toBeGreaterThan(0);
    expect(new Set(files), JSON.stringify(problems)).toEqual(new Set([`${D}.v1`, `${D}.v1.tar.gz`]));
  });

  it("without --compress, a .tar.gz of the planted pack at the day's name goes aside too", async () => {
    const s = await site();
    await plant(s, { compress: true });
    const tar = readFileSync(join(s.art, `${D}.tar.gz`));
    const r = rerun(s);
    expectKeptAside(s, r, manifestHash(join(s.art, `${D}.v1`)), 1, []);
    expect(existsSync(join(s.art, `${D}.tar.gz`))).toBe(false);
    expect(readFileSync(join(s.art, `${D}.v1.tar.gz`)).equals(tar)).toBe(true);
    expect(verify(s)).toEqual(keptWarned(1, true));
  });
});
