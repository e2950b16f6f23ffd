/**
 * Many loggers in one process (a real subprocess, built library): opened and closed in mixed
 * orders, in the main thread and in worker threads, each busy enough to start its writer thread.
 * A native lock module that is not safe to load in a second isolate aborts the whole process here.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';

const CHILD = fileURLToPath(new URL('../helpers/many-loggers-child.mjs', import.meta.url));

describe('many loggers per process', () => {
  it('main thread and worker threads, opened and closed in any order: no abort, every event chained once', () => {
    const dir = tempDir();
    const r = spawnSync(process.execPath, [CHILD, dir, '2'], { encoding: 'utf8', timeout: 90_000 });
    expect(r.stderr.split('\n').filter((l) => /Check failed|Fatal|Error/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    const total = Number(/done (\d+)/.exec(r.stdout)?.[1]);
    expect(total).toBe(2 * (1 + 300 + 600 + 300 + 600 + 900));
    const check = pythonCheck(dir);
    expect(check.problems).toEqual([]);
    expect(check).toMatchObject({ ok: true, lines: total, last_seq: total });
  });
});
