/**
 * Export never vouches for a pack version the log does not record (at22 F1, F3, F4, F7): only the
 * chained log does. A version found aside with no current pack (a killed run's, or one put there
 * by hand: the same to the artifacts directory), a current pack whose manifest says `"partial":
 * true`, and one that `--force` supersedes are each asked of the log's PackExported events; one
 * no event records is linked with `supersedes_unrecorded: true` and a warning, never as recorded.
 * A version name past the format's `.v999999` is never made.
 *
 * The crash window of F1 is hit with a real kill -9 of the built CLI between its two renames
 * (test/helpers/kill-after-aside.cjs).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { day } from '../helpers/days.js';

const KILL_AFTER_ASIDE = fileURLToPath(new URL('../helpers/kill-after-aside.cjs', import.meta.url));

const D = day(-3);

interface Site {
  readonly cwd: string;
  readonly logs: string;
  readonly art: string;
}

async function site(): Promise<Site> {
  const cwd = tempDir();
  const logs = join(cwd, 'logs');
  mkdirSync(logs);
  await writeDay(logs, D, SAMPLE_EVENTS);
  return { cwd, logs, art: join(cwd, 'art') };
}

/** A pack of D the log never recorded, built by the real tool from a forger's own log of the day. */
async function forged(s: Site, into: string, more: { partial?: boolean } = {}): Promise<string> {
  const forgedLogs = join(s.cwd, `forged-logs-${into}`);
  const out = join(s.cwd, `forged-${into}`);
  mkdirSync(forgedLogs);
  await writeDay(forgedLogs, D, SAMPLE_EVENTS.slice(0, 3));
  await exportPack({
    date: D,
    logDir: forgedLogs,
    artifactsDir: out,
    version: '0.1.0',
    recordEvent: false,
    compliance: false,
    ...(more.partial ? { partial: true, now: () => Date.parse(`${D}T23:00:00Z`) } : {}),
  });
  mkdirSync(s.art, { recursive: true });
  renameSync(join(out, D), join(s.art, into));
  return manifestHash(join(s.art, into));
}

const manifestHash = (dir: string): string =>
  createHash('sha256')
    .update(readFileSync(join(dir, 'manifest.json')))
    .digest('hex');

function exportCli(s: Site, ...more: string[]) {
  return runCli(['export', '--date', D, '--log-dir', s.logs, '--artifacts-dir', s.art, ...more], { cwd: s.cwd });
}

/** The PackExported events of D in the live log. */
function exportEvents(s: Site): Record<string, unknown>[] {
  return readdirSync(s.logs)
    .flatMap((n) => readFileSync(join(s.logs, n), 'utf8').split('\n'))
    .filter((l) => l.includes('"PackExported"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.date === D);
}

interface ExportJson {
  resumed: string | null;
  manifest_sha256: string;
  superseded: { path: string; manifest_sha256: string | null; unrecorded: boolean } | null;
  warnings: string[];
}

/** A run that superseded the version `kept` (now at `D.v<n>`) without vouching for it: warned, and logged so. */
function expectUnvouched(s: Site, args: string[], kept: string, n: number): ExportJson {
  const r = exportCli(s, '--json', ...args);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as ExportJson;
  const aside = join(s.art, `${D}.v${n}`);
  expect(manifestHash(aside)).toBe(kept);
  expect(out.superseded).toEqual({ path: aside, manifest_sha256: kept, unrecorded: true });
  expect(out.warnings).toEqual([expect.stringContaining(`it was not vouched for; it is kept as ${aside}`)]);
  expect(r.stderr).toContain('no PackExported event records');
  const last = exportEvents(s).pop();
  expect(last).toMatchObject({
    manifest_sha256: out.manifest_sha256,
    supersedes: kept,
    moved_to: `${D}.v${n}`,
    supersedes_unrecorded: true,
  });
  expect(exportEvents(s).map((e) => e.manifest_sha256)).not.toContain(kept);
  return out;
}

/** Runs export killed with SIGKILL right after it moved the current pack aside (its first rename). */
function exportKilledBetweenRenames(s: Site, ...more: string[]): void {
  const r = runCli(['export', '--date', D, '--log-dir', s.logs, '--artifacts-dir', s.art, ...more], {
    cwd: s.cwd,
    env: { NODE_OPTIONS: `--require ${KILL_AFTER_ASIDE}` },
  });
  expect(r.code, r.stderr).toBeNull();
  // What the kill left: the day's pack moved aside, the new one still in its build directory.
  expect(existsSync(join(s.art, D))).toBe(false);
  expect(readdirSync(s.art).some((n) => n.startsWith('.tmp-'))).toBe(true);
}

describe('a version found aside with no current pack (F1)', () => {
  it("planted before the day's first export: linked only as unrecorded, with a warning", async () => {
    const s = await site();
    const planted = await forged(s, `${D}.v1`);
    const out = expectUnvouched(s, [], planted, 1);
    expect(out.resumed).toBe('supersede');
    expect(out.manifest_sha256).toBe(manifestHash(join(s.art, D)));
  });

  it('a plain re-run over an unrecorded pack killed -9 between its two renames: the next run does not vouch for it either', async () => {
    const s = await site();
    const planted = await forged(s, D);
    exportKilledBetweenRenames(s);
    expect(manifestHash(join(s.art, `${D}.v1`))).toBe(planted);
    expect(exportEvents(s)).toEqual([]);
    const out = expectUnvouched(s, [], planted, 1);
    expect(out.resumed).toBe('supersede');
  });

  it('a --force over a recorded pack killed -9 between its two renames: completed as a recorded supersede, no warning', async () => {
    const s = await site();
    expect(exportCli(s).code).toBe(0);
    const first = manifestHash(join(s.art, D));
    exportKilledBetweenRenames(s, '--force');
    const r = exportCli(s, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as ExportJson;
    expect(out.resumed).toBe('supersede');
    expect(out.superseded).toEqual({ path: join(s.art, `${D}.v1`), manifest_sha256: first, unrecorded: false });
    expect(out.warnings).toEqual([]);
    const last = exportEvents(s).pop();
    expect(last).toMatchObject({ supersedes: first, moved_to: `${D}.v1` });
    expect(last).not.toHaveProperty('supersedes_unrecorded');
  });
});

describe('a current pack the log does not record', () => {
  it('whose manifest says "partial": true (F7): kept aside unrecorded, never replaced as a recorded partial', async () => {
    const s = await site();
    const planted = await forged(s, D, { partial: true });
    expect((JSON.parse(readFileSync(join(s.art, D, 'manifest.json'), 'utf8')) as { partial: boolean }).partial).toBe(
      true,
    );
    expectUnvouched(s, [], planted, 1);
  });

  it('superseded by --force (F3): the event says it was never recorded, and the run warns', async () => {
    const s = await site();
    const planted = await forged(s, D);
    expectUnvouched(s, ['--force'], planted, 1);
  });
});

describe('no version name past .v999999 (F4)', () => {
  it('an empty D.v999999.tar.gz: --force and the re-run over an unrecorded pack refuse (PACK_EXISTS), nothing moved', async () => {
    for (const how of ['--force', '--force --compress', 'unrecorded'] as const) {
      const s = await site();
      let current: string;
      if (how === 'unrecorded') current = await forged(s, D);
      else {
        expect(exportCli(s).code).toBe(0);
        current = manifestHash(join(s.art, D));
      }
      writeFileSync(join(s.art, `${D}.v999999.tar.gz`), '');
      const events = exportEvents(s).length;
      const r = exportCli(s, ...(how === 'unrecorded' ? [] : how.split(' ')));
      expect(r.code, how).toBe(73);
      expect(r.stderr).toContain('PACK_EXISTS');
      expect(r.stderr).toContain(`${D}.v999999`);
      expect(
        readdirSync(s.art)
          .filter((n) => n.startsWith(D))
          .sort(),
        how,
      ).toEqual([D, `${D}.v999999.tar.gz`]);
      expect(manifestHash(join(s.art, D))).toBe(current);
      expect(exportEvents(s).length).toBe(events);
    }
  });

  it("the day's first export beside a planted D.v999999.tar.gz needs no version name: it is made", async () => {
    const s = await site();
    mkdirSync(s.art);
    writeFileSync(join(s.art, `${D}.v999999.tar.gz`), '');
    const r = exportCli(s, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as ExportJson).superseded).toBeNull();
  });
});
