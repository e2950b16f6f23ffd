/**
 * The Node.js lines auditpack supports are the ones CI runs, `engines` admits each of them, and every
 * production dependency — the whole installed tree, as `npm ci` lays it — accepts the first supported
 * release of each line, so no dependency drops a line while our own range still promises it
 * (docs/decisions.md, "Node 20 stays, and dependencies that leave it are pinned").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ROOT, productionPackages } from './helpers/install.js';

/** The first release of each supported line that auditpack works on (ESM through require: 20.19, 22.12). */
const FIRST_SUPPORTED = ['20.19.0', '22.12.0', '24.0.0', '26.0.0'];

function json(path: string): { name?: string; version?: string; engines?: { node?: string } } {
  return JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string; engines?: { node?: string } };
}

describe('supported Node.js lines', () => {
  const range = json(join(ROOT, 'package.json')).engines?.node ?? '';

  it('package.json engines admits each supported line from its first supported release, and nothing older', () => {
    for (const v of FIRST_SUPPORTED) expect([v, semver.satisfies(v, range)]).toEqual([v, true]);
    for (const v of ['18.20.0', '20.18.3', '22.11.0']) expect([v, semver.satisfies(v, range)]).toEqual([v, false]);
  });

  it('CI runs the suite on every supported line: the machine line plus AUDITPACK_CI_LINES in .ci/run', () => {
    const run = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const extra = /AUDITPACK_CI_LINES-([\d ]+)\}/.exec(run)?.[1]?.trim().split(/\s+/) ?? [];
    expect([String(semver.major(FIRST_SUPPORTED[0] as string)), ...extra]).toEqual(
      FIRST_SUPPORTED.map((v) => String(semver.major(v))),
    );
  });

  it('every installed production dependency accepts the first supported release of every line', () => {
    const dirs = productionPackages();
    expect(dirs.length).toBeGreaterThan(10);
    const refused: string[] = [];
    for (const dir of dirs) {
      const pkg = json(join(dir, 'package.json'));
      const needs = pkg.engines?.node;
      if (needs === undefined) continue;
      for (const v of FIRST_SUPPORTED)
        if (!semver.satisfies(v, needs))
          refused.push(`${pkg.name}@${pkg.version} (engines ${needs}) refuses Node.js ${v}`);
    }
    expect(refused).toEqual([]);
  });
});
