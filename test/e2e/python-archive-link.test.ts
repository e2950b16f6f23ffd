/**
 * The Python checker's archive mode reads some of a pack's files a second time by path (the policy in
 * force, the lost-note and carry questions, fx44c noticed): those reads followed a symbolic link, so
 * a pack whose data/config_snapshot.json (or compliance_report.json, audit.jsonl) is a link to a FIFO
 * hung the checker for ever, and one to /dev/zero would fill its memory. The pack's own check calls
 * the link NOT_A_REGULAR_FILE; the second reads now open without following it, without blocking, and
 * read only a regular file. `auditpack verify` of the same directory is held to the same.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportedSite } from '../helpers/both-checkers.js';
import { PYTHON } from '../helpers/python.js';
import { dayAgo, type SnapshotPack } from '../helpers/snapshot-day.js';
import { tempDir } from '../helpers/tmp.js';

const CHECKER = new URL('../../tools/auditpack_check.py', import.meta.url).pathname;
const CLI = new URL('../../bin/auditpack.js', import.meta.url).pathname;
const D = dayAgo(2);

let site: SnapshotPack;
let fifo = '';

beforeAll(async () => {
  site = await exportedSite(D);
  fifo = join(tempDir(), 'fifo');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
}, 60_000);

describe('an artifacts directory whose pack holds a file as a link to a FIFO: a finding, not a hang', () => {
  for (const name of ['config_snapshot.json', 'compliance_report.json', 'audit.jsonl']) {
    it(`data/${name}`, () => {
      const art = join(tempDir(), 'art');
      cpSync(join(site.cwd, 'art'), art, { recursive: true });
      const file = join(art, D, 'data', name);
      rmSync(file);
      symlinkSync(fifo, file);
      for (const argv of [
        [PYTHON, CHECKER, art, '--json'],
        [process.execPath, CLI, 'verify', art, '--json'],
      ]) {
        const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
        expect(r.signal, `${argv[1]} was killed at its 30 s timeout: it hung`).toBeNull();
        const out = JSON.parse(r.stdout) as { problems?: { code: string }[]; findings?: { code: string }[] };
        expect((out.problems ?? out.findings ?? []).map((p) => p.code)).toContain('NOT_A_REGULAR_FILE');
        expect(r.status).toBe(1);
      }
    }, 90_000);
  }
});
