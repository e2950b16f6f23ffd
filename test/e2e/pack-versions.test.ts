/**
 * Pack versions the log does not record (at23 F2, F1, F5, F7): artifacts/ is writable by whoever
 * plants a pack; only the chained log vouches. The forged packs are built by the library's own
 * export from a copy of the real day's log (an attacker with read access to it), without recording
 * their event; the honest side runs the built CLI. Export must never link an unrecorded pack as
 * `previous_pack`, nor move a planted archive aside in silence; verify must hold a link to an
 * unrecorded pack, a `.v999999`, and a version no crash leaves, as errors; a stray file at a higher
 * version name must not stop the completion of a `--force` killed between its renames.
 */
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { recordExport } from '../../src/pack/export-record.js';
import { runCli } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { manifestHashOf as manifestHash } from '../verify/helpers/forge.js';
import { day } from '../helpers/days.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));

const C = day(-4);
const D = day(-3);
const E = day(-2);

interface Site {
  readonly cwd: string;
  readonly logs: string;
  readonly art: string;
}

async function site(...days: string[]): Promise<Site> {
  const cwd = tempDir();
  const logs = join(cwd, 'logs');
  mkdirSync(logs);
  for (const d of days) await writeDay(logs, d, SAMPLE_EVENTS);
  return { cwd, logs, art: join(cwd, 'art') };
}

function exportCli(s: Site, date: string, ...more: string[]) {
  return runCli(['export', '--date', date, '--log-dir', s.logs, '--artifacts-dir', s.art, ...more], { cwd: s.cwd });
}

/** A pack of `date` built by the library from `logDir` into `out`, its event not recorded. */
async function unrecordedPack(logDir: string, out: string, date: string, compress = false): Promise<string> {
  await exportPack({
    date,
    logDir,
    artifactsDir: out,
    compliance: false,
    version: '0.1.0',
    recordEvent: false,
    compress,
  });
  return join(out, date);
}

/** A forger's copy of the real day's log (read access), cut to its first `lines` lines when given. */
function copyOfLog(s: Site, date: string, name: string, lines?: number): string {
  const dir = join(s.cwd, name);
  mkdirSync(dir);
  const file = `audit-${date.replaceAll('-', '')}.jsonl`;
  const text = readFileSync(join(s.logs, file), 'utf8');
  const kept = lines === undefined ? text : `${text.split('\n').slice(0, lines).join('\n')}\n`;
  writeFileSync(join(dir, file), kept);
  return dir;
}

type Problem = { code: string; severity: string; file: string };

function verify(s: Site): { code: number | null; problems: Problem[] } {
  const r = runCli(['verify', s.art, '--log-dir', s.logs, '--json'], { cwd: s.cwd });
  const problems = (JSON.parse(r.stdout) as { problems: Problem[] }).problems;
  return { code: r.code, problems: problems.map(({ code, severity, file }) => ({ code, severity, file })) };
}

function checker(art: string): Problem[] {
  const py = spawnSync(PYTHON, [CHECKER, art, '--json'], { encoding: 'utf8' });
  return (JSON.parse(py.stdout) as { findings: Problem[] }).findings.map(({ code, severity, file }) => ({
    code,
    severity,
    file,
  }));
}

const previousOf = (s: Site, date: string): unknown =>
  JSON.parse(readFileSync(join(s.art, date, 'manifest.json'), 'utf8')).previous_pack;

describe('previous_pack links only a pack the log records (at23 F2)', () => {
  it('a forged current D kept in place by a planted D.v999999: the next export links none and says so; verify errors', async () => {
    const s = await site(C, D, E);
    expect(exportCli(s, C).code).toBe(0);
    const flogs = copyOfLog(s, D, 'flogs');
    renameSync(await unrecordedPack(flogs, join(s.cwd, 'f1'), D), join(s.art, D));
    renameSync(await unrecordedPack(flogs, join(s.cwd, 'f2'), D), join(s.art, `${D}.v999999`));
    expect(exportCli(s, D).code).toBe(73); // the cron's run of D: no version name left
    const e = exportCli(s, E);
    expect(e.code, e.stderr).toBe(3);
    expect(e.stderr).toContain(`PREVIOUS_PACK_UNRECORDED: no PackExported event in ${s.logs} records the pack of ${D}`);
    expect(previousOf(s, E)).toBeNull();
    const v = verify(s);
    expect(v.code).toBe(1);
    expect(v.problems).toContainEqual({
      code: 'ARCHIVE_VERSION_UNRECORDED',
      severity: 'error',
      file: `${D}.v999999/manifest.json`,
    });
    expect(v.problems).toContainEqual({ code: 'ARCHIVE_LINK_MISSING', severity: 'error', file: `${E}/manifest.json` });
  });

  it('the current D unrecorded, a recorded D.v1 beside it: the next export links D.v1, with the warning', async () => {
    const s = await site(C, D, E);
    expect(exportCli(s, C).code).toBe(0);
    expect(exportCli(s, D).code).toBe(0);
    const recorded = manifestHash(join(s.art, D));
    renameSync(join(s.art, D), join(s.art, `${D}.v1`));
    renameSync(await unrecordedPack(copyOfLog(s, D, 'flogs'), join(s.cwd, 'f1'), D), join(s.art, D));
    const e = exportCli(s, E);
    expect(e.code, e.stderr).toBe(3);
    expect(e.stderr).toContain(`previous_pack links ${D}.v1, the newest version of that day the log records`);
    expect(previousOf(s, E)).toEqual({ export_date: D, manifest_sha256: recorded });
  });

  it('the log files that would record it are gone (log retention): linked, and said to be unchecked', async () => {
    const s = await site(C, D); // E holds no events: its pack is empty, and links D all the same
    // D exported late on its own day (as a partial pack is, before the chain went on): its event is
    // in D's own day file.
    let t = Date.parse(`${D}T23:50:00Z`) * 1000;
    await exportPack({
      date: D,
      logDir: s.logs,
      artifactsDir: s.art,
      compliance: false,
      version: '0.1.0',
      loggerClock: () => (t += 1_000_000),
    });
    expect(exportCli(s, C).code).toBe(0);
    const linked = manifestHash(join(s.art, D));
    // Log retention removed the day files of C and D: D's event went with them.
    for (const d of [C, D]) rmSync(join(s.logs, `audit-${d.replaceAll('-', '')}.jsonl`));
    const e = exportCli(s, E);
    expect(e.code, e.stderr).toBe(3);
    expect(e.stderr).toContain(`PREVIOUS_PACK_UNCHECKED: previous_pack links ${D}`);
    expect(previousOf(s, E)).toEqual({ export_date: D, manifest_sha256: linked });
  });

  it('verify: a later pack linking a current pack the log does not record is an error against the log', async () => {
    const s = await site(D, E);
    await unrecordedPack(s.logs, s.art, D);
    // E made by an export that links without asking the log (here: the library with the event off,
    // its event then recorded), as exports before this check did.
    await unrecordedPack(s.logs, s.art, E);
    expect(previousOf(s, E)).toEqual({ export_date: D, manifest_sha256: manifestHash(join(s.art, D)) });
    await recordExport(s.logs, undefined, {
      date: E,
      path: join(s.art, E),
      manifest_sha256: manifestHash(join(s.art, E)),
      events: SAMPLE_EVENTS.length,
    });
    const v = verify(s);
    expect(v.code).toBe(1);
    expect(v.problems).toContainEqual({
      code: 'ARCHIVE_EXPORT_UNRECORDED',
      severity: 'error',
      file: `${D}/manifest.json`,
    });
  });
});

describe('an unrecorded version is a warning only when an honest crash leaves it (at23 F1, F5)', () => {
  it('F1: a non-partial D.v1 built from the first line of the ended day log, named by no supersedes: an error', async () => {
    const s = await site(D);
    expect(exportCli(s, D).code).toBe(0);
    renameSync(await unrecordedPack(copyOfLog(s, D, 'flogs', 1), join(s.cwd, 'f1'), D), join(s.art, `${D}.v1`));
    const v = verify(s);
    expect(v.code).toBe(1);
    const named = { code: 'ARCHIVE_VERSION_UNRECORDED', severity: 'error', file: `${D}.v1/manifest.json` };
    expect(v.problems).toEqual([named]);
    // The Python checker, without the live log, once a pack holds the log of the day D.v1 was made.
    expect(runCli(['log', 'order', 'OrderAccepted', 'order_id=A'], { cwd: s.cwd }).code).toBe(0);
    expect(exportCli(s, day(0), '--partial').code).toBe(0);
    expect(checker(s.art)).toContainEqual(named);
  });

  it('F5: a forged D.tar.gz moved aside by --force: said on stderr (ARCHIVE_KEPT_ASIDE), an error in verify', async () => {
    const s = await site(D);
    expect(exportCli(s, D, '--compress').code).toBe(0);
    const forged = join(s.cwd, 'f1');
    await unrecordedPack(copyOfLog(s, D, 'flogs'), forged, D, true);
    rmSync(join(s.art, `${D}.tar.gz`));
    cpSync(join(forged, `${D}.tar.gz`), join(s.art, `${D}.tar.gz`));
    const f = exportCli(s, D, '--force');
    expect(f.code, f.stderr).toBe(3);
    expect(f.stderr).toContain(`ARCHIVE_KEPT_ASIDE: ${join(s.art, `${D}.tar.gz`)} held a pack of ${D}`);
    expect(f.stderr).toContain(`Kept as ${join(s.art, `${D}.v1.tar.gz`)}`);
    const v = verify(s);
    expect(v.code).toBe(1);
    expect(v.problems).toEqual([{ code: 'ARCHIVE_VERSION_UNRECORDED', severity: 'error', file: `${D}.v1.tar.gz` }]);
  });
});

describe('completing a --force killed between its renames (at23 F7)', () => {
  it('a stray D.v2.tar.gz above the moved D.v1 does not stop the re-run from linking D.v1', async () => {
    const s = await site(D);
    expect(exportCli(s, D, '--compress').code).toBe(0);
    const moved = manifestHash(join(s.art, D));
    renameSync(join(s.art, D), join(s.art, `${D}.v1`)); // what the kill leaves
    renameSync(join(s.art, `${D}.tar.gz`), join(s.art, `${D}.v2.tar.gz`)); // a file at a higher version name
    const r = exportCli(s, D, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).resumed).toBe('supersede');
    const m = JSON.parse(readFileSync(join(s.art, D, 'manifest.json'), 'utf8'));
    expect(m.supersedes).toEqual({ manifest_sha256: moved, moved_to: `${D}.v1` });
  });
});
