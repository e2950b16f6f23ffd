/**
 * Pack versions the chain never recorded (at22 F2, F8): whoever can write artifacts/ can plant a
 * pack version, with a log of their own; only a chained PackExported event vouches. The forged
 * packs are built by the library's own export from a forged log, without recording their event,
 * exactly as a forger with the tool (and no access to the live log) would; the honest side runs the
 * built CLI. Verify (with the live log) and the Python checker must name each planted version, and
 * never take a planted version's log for the chain's record of exports.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/index.js';
import { runCli } from '../helpers/cli.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { writeDay } from '../pack/helpers.js';
import { day } from '../helpers/days.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));

const P = day(-4);
const D = day(-3);
const E = day(-2);

/** A day of orders, `qty` each: the honest log has 100, the forger's 999999. */
const orders = (date: string, qty: number) => [
  { category: 'auth', event: 'Login', fields: { user: 'alice', source_ip: '10.0.0.7' } },
  {
    category: 'order',
    event: 'OrderAccepted',
    fields: { order_id: `A-${date}`, symbol: 'EURUSD', side: 'BUY', quantity: qty, price: '1.1' },
  },
];

/** A pack of `date` built by the library from `logDir`, its event recorded (in `logDir`) or not. */
async function libExport(logDir: string, art: string, date: string, whenIso: string, recordEvent: boolean) {
  let t = Date.parse(whenIso) * 1000;
  await exportPack({
    date,
    logDir,
    artifactsDir: art,
    compliance: false,
    version: '0.1.0',
    recordEvent,
    loggerClock: () => (t += 1_000_000),
  });
}

interface Verdict {
  readonly code: number | null;
  readonly problems: { code: string; severity: string; file: string }[];
}

function verify(cwd: string, art: string, logs: string): Verdict {
  const r = runCli(['verify', art, '--log-dir', logs, '--json'], { cwd });
  const problems = (JSON.parse(r.stdout) as Verdict).problems;
  return { code: r.code, problems: problems.map(({ code, severity, file }) => ({ code, severity, file })) };
}

function checker(art: string): { status: number | null; findings: { code: string; file: string }[] } {
  const py = spawnSync(PYTHON, [CHECKER, art, '--json'], { encoding: 'utf8' });
  return {
    status: py.status,
    findings: (JSON.parse(py.stdout) as { findings: { code: string; file: string }[] }).findings,
  };
}

/** A forged pack of D (999999 per order), built by the tool from the forger's own log, unrecorded. */
async function forgedPackOfD(cwd: string): Promise<string> {
  const flogs = join(cwd, 'forgedlogs');
  await writeDay(flogs, D, orders(D, 999999));
  await libExport(flogs, join(cwd, 'forged'), D, `${E}T00:05:00Z`, false);
  return join(cwd, 'forged', D);
}

const unvouched = (file: string) => ({ code: 'ARCHIVE_VERSION_UNRECORDED', severity: 'error', file });

describe('a pack version no chained event records (at22 F2)', () => {
  it('(a) a forged pack planted as the current D, kept aside as D.v1 by the plain re-run: an error on D.v1', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const art = join(cwd, 'art');
    await writeDay(logs, D, orders(D, 100));
    cpSync(await forgedPackOfD(cwd), join(art, D), { recursive: true });
    const r = runCli(['export', '--date', D, '--log-dir', logs, '--artifacts-dir', art], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const v = verify(cwd, art, logs);
    expect(v.code).toBe(1);
    expect(v.problems).toEqual([unvouched(`${D}.v1/manifest.json`)]);
    const py = checker(art);
    expect(py.status).toBe(1);
    expect(py.findings).toContainEqual(
      expect.objectContaining({ code: 'ARCHIVE_VERSION_UNRECORDED', file: `${D}.v1/manifest.json` }),
    );
  });

  it('(b) an orphan forged D.v7 beside the honest, recorded D: an error on D.v7', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const art = join(cwd, 'art');
    await writeDay(logs, D, orders(D, 100));
    expect(runCli(['export', '--date', D, '--log-dir', logs, '--artifacts-dir', art], { cwd }).code).toBe(0);
    expect(verify(cwd, art, logs)).toEqual({ code: 0, problems: [] });
    cpSync(await forgedPackOfD(cwd), join(art, `${D}.v7`), { recursive: true });
    const v = verify(cwd, art, logs);
    expect(v.code).toBe(1);
    expect(v.problems).toEqual([unvouched(`${D}.v7/manifest.json`)]);
    const py = checker(art);
    expect(py.status).toBe(1);
    expect(py.findings).toContainEqual(
      expect.objectContaining({ code: 'ARCHIVE_VERSION_UNRECORDED', file: `${D}.v7/manifest.json` }),
    );
  });
});

describe("a planted version's own log is not believed over the chain (at22 F8)", () => {
  it('a forged D.v7 whose log records two later exports of P: no rollback of P reported, an error on D.v7', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const art = join(cwd, 'art');
    // Honest: each day exported the morning after (its PackExported event in the next day's log).
    await writeDay(logs, P, orders(P, 100));
    await libExport(logs, art, P, `${D}T00:05:00Z`, true);
    await writeDay(logs, D, orders(D, 100));
    await libExport(logs, art, D, `${E}T00:05:00Z`, true);
    await writeDay(logs, E, orders(E, 100));
    await libExport(logs, art, E, `${E}T23:59:00Z`, true);
    expect(verify(cwd, art, logs)).toEqual({ code: 0, problems: [] });
    // The forger: the honest log of P, two exports of P recorded by auditpack's own code, a D of their own.
    const flogs = join(cwd, 'flogs');
    mkdirSync(flogs);
    cpSync(join(logs, `audit-${P.replaceAll('-', '')}.jsonl`), join(flogs, `audit-${P.replaceAll('-', '')}.jsonl`));
    await libExport(flogs, join(cwd, 'scratch1'), P, `${D}T00:05:00Z`, true);
    await libExport(flogs, join(cwd, 'scratch2'), P, `${D}T00:07:00Z`, true);
    await writeDay(flogs, D, orders(D, 100));
    await libExport(flogs, join(cwd, 'fart'), D, `${E}T00:05:00Z`, false);
    cpSync(join(cwd, 'fart', D), join(art, `${D}.v7`), { recursive: true });

    const v = verify(cwd, art, logs);
    expect(v.code).toBe(1);
    expect(v.problems).toEqual([unvouched(`${D}.v7/manifest.json`)]);
    const py = checker(art);
    expect(py.status).toBe(1);
    expect(py.findings.filter((f) => f.code.startsWith('ARCHIVE_'))).toEqual([
      expect.objectContaining({ code: 'ARCHIVE_VERSION_UNRECORDED', file: `${D}.v7/manifest.json` }),
    ]);
  });
});
