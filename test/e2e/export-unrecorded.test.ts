/**
 * An export killed after its pack is in place but before its PackExported event is chained (plain
 * or --force, with or without --compress), as the built CLI leaves it and repairs it.
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
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

function day(offset: number): string {
  return new Date((Math.floor(Date.now() / 86_400_000) + offset) * 86_400_000).toISOString().slice(0, 10);
}

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
  for (const n of readdirSync(s.logs)) {
    const size = before.get(n);
    if (size === undefined) rmSync(join(s.logs, n));
    else truncateSync(join(s.logs, n), size);
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

describe('export killed after its pack is in place, before its PackExported event', () => {
  it('plain --compress: verify warns even once a later pack exists; the plain re-run checks the pack and records the event', async () => {
    const s = await site();
    exportKilledBeforeEvent(s, D, '--compress');
    expect(exportCli(s, LATER, '--compress').code).toBe(0);
    // The pack of D is no longer the newest: still named.
    expect(verify(s).problems).toContainEqual({
      code: 'ARCHIVE_EXPORT_UNRECORDED',
      severity: 'warning',
      file: `${D}/manifest.json`,
    });

    const again = exportCli(s, D, '--compress', '--json');
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout) as { resumed: string; manifest_sha256: string; archive: string };
    expect(out.resumed).toBe('event');
    expect(out.manifest_sha256).toBe(manifestHash(join(s.art, D)));
    expect(out.archive).toBe(join(s.art, `${D}.tar.gz`));
    expect(exportEvents(s, D)).toEqual([manifestHash(join(s.art, D))]);
    expect(verify(s)).toEqual({ code: 0, problems: [] });
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
    expect(partial.code, partial.stderr).toBe(0);
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

  it('--force without --compress: verify names the crash and the repair; the plain re-run records the event (exit 0)', async () => {
    const s = await site();
    expect(exportCli(s, D).code).toBe(0);
    exportKilledBeforeEvent(s, D, '--force');
    const v = runCli(['verify', s.art, '--log-dir', s.logs, '--pubkey', `${s.key}.pub`], { cwd: s.cwd });
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('ARCHIVE_EXPORT_MISMATCH');
    expect(v.stdout).toContain(`its export was killed before recording it. \`auditpack export --date ${D}\``);

    const again = exportCli(s, D);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      'without its PackExported event (an interrupted export): checked, event recorded now',
    );
    expect(exportEvents(s, D)).toEqual([manifestHash(join(s.art, `${D}.v1`)), manifestHash(join(s.art, D))]);
    expect(verify(s)).toEqual({ code: 0, problems: [] });
  });

  it('--force --compress killed before its .tar.gz: the stale archive goes to the old version, the new one is built', async () => {
    const s = await site();
    expect(exportCli(s, D, '--compress').code).toBe(0);
    exportKilledBeforeEvent(s, D, '--force', '--compress');
    // As the kill leaves it: the old version's archive still named D.tar.gz, the new one half-written.
    rmSync(join(s.art, `${D}.tar.gz`));
    renameSync(join(s.art, `${D}.v1.tar.gz`), join(s.art, `${D}.tar.gz`));
    writeFileSync(join(s.art, `.tmp-${D}-1-2.tar.gz`), 'half');
    expect(verify(s).code).toBe(1);

    const again = exportCli(s, D, '--compress');
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(s.art, `.tmp-${D}-1-2.tar.gz`))).toBe(false);
    expect(
      readdirSync(s.art)
        .filter((n) => n.startsWith(D))
        .sort(),
    ).toEqual([D, `${D}.tar.gz`, `${D}.v1`, `${D}.v1.tar.gz`]);
    expect(verify(s)).toEqual({ code: 0, problems: [] });
  });

  it("a pack dropped in that holds only the start of the day's log is refused (73), and no event is recorded", async () => {
    const s = await site();
    const elsewhere = join(s.cwd, 'other-logs');
    mkdirSync(elsewhere);
    await writeDay(elsewhere, D, SAMPLE_EVENTS.slice(0, 2));
    await exportPack({ date: D, logDir: elsewhere, artifactsDir: s.art, version: '0.1.0', recordEvent: false });
    const r = exportCli(s, D);
    expect(r.code).toBe(73);
    expect(r.stderr).toMatch(
      /PACK_EXISTS: .* no PackExported event records it, and it does not check out \(its data\/audit\.jsonl has \d+ bytes, \S+audit-\d{8}\.jsonl \d+\)/,
    );
    expect(exportEvents(s, D)).toEqual([]);
  });

  it('a pack of this log signed by another key is refused by the signing export (73)', async () => {
    const s = await site();
    expect(runCli(['keygen', '--out', 'other'], { cwd: s.cwd }).code).toBe(0);
    const other = join(s.cwd, 'other', 'auditpack_ed25519');
    killedBeforeEvent(s, D, () =>
      runCli(['export', '--date', D, '--log-dir', s.logs, '--artifacts-dir', s.art, '--signing-key', other], {
        cwd: s.cwd,
      }),
    );
    const r = exportCli(s, D);
    expect(r.code).toBe(73);
    expect(r.stderr).toMatch(/does not check out \(verify finds /);
    expect(r.stderr).not.toContain('[REDACTED]');
    expect(exportEvents(s, D)).toEqual([]);
  });
});
