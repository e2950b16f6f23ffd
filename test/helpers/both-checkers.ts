/**
 * Both checkers (the built CLI's `verify` and tools/auditpack_check.py) on a re-hashed copy of a
 * pack with its config_in_force.json and/or config_snapshot.json edited: the e2e tests that hold
 * the two checkers to one verdict on hostile bytes (config-in-force-agree, config-in-force-order).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { refreshPack } from '../verify/helpers/tamper-corpus.js';
import { runCli } from './cli.js';
import { logOrderDay } from './days.js';
import { exportDay, recordSha, type SnapshotPack, site, snap } from './snapshot-day.js';
import { tempDir } from './tmp.js';

/** A site whose narrow snapshot (configs/*.yaml, at 06:00) and order day `date` were exported: the pack the cases edit. */
export async function exportedSite(date: string): Promise<SnapshotPack> {
  const cwd = site();
  const id = await snap(cwd, `${date}T06:00:00Z`, ['configs/*.yaml']);
  await logOrderDay(join(cwd, 'logs'), date);
  return { cwd, pack: exportDay(cwd, date).pack, id, sha: recordSha(cwd, id) };
}

/** What a case changes in the copy: config_in_force.json's text, config_snapshot.json's bytes. */
export interface Edit {
  inForce?: (text: string) => Buffer | string;
  snapshot?: (bytes: Buffer) => Buffer | string;
}

/** Both checkers' error codes (sorted, each once) and every error's detail, on a re-hashed copy of `site.pack` with `edit` applied. */
export function bothOn(site: SnapshotPack, edit: Edit): { verify: string[]; python: string[]; details: string } {
  const pack = join(tempDir(), site.pack.split('/').pop() as string);
  cpSync(site.pack, pack, { recursive: true });
  const cif = join(pack, 'data', 'config_in_force.json');
  const snap = join(pack, 'data', 'config_snapshot.json');
  if (edit.inForce) writeFileSync(cif, edit.inForce(readFileSync(cif, 'utf8')));
  if (edit.snapshot) writeFileSync(snap, edit.snapshot(readFileSync(snap)));
  refreshPack(pack);
  const v = JSON.parse(runCli(['verify', pack, '--json'], { cwd: site.cwd }).stdout) as {
    problems: { code: string; severity: string; detail: string }[];
  };
  const errors = v.problems.filter((p) => p.severity === 'error');
  const py = pythonPackCheck(pack).errors;
  return {
    verify: [...new Set(errors.map((p) => p.code))].sort(),
    python: [...new Set(py.map((p) => p.code))].sort(),
    details: [...errors.map((p) => p.detail), ...py.map((p) => p.detail ?? '')].join('\n'),
  };
}

/** An `inForce` edit: config_in_force.json parsed, changed by `f`, written back (2-space JSON, as export writes it). */
export const edited =
  (f: (v: Record<string, unknown> & { files: Record<string, unknown>[] }) => void) =>
  (text: string): string => {
    const v = JSON.parse(text);
    f(v);
    return `${JSON.stringify(v, null, 2)}\n`;
  };
