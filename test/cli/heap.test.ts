/**
 * The CLI's garbage-collector settings (src/cli/heap.ts): in a process of its own (the flags are
 * the whole process's), a churn of short-lived objects leaves the young generation at its first
 * size with them and lets it grow to V8's default without them; a user's own heap flag wins.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMPACT_HEAP_FLAGS, useCompactHeap } from '../../src/cli/heap.js';

const BIN = fileURLToPath(new URL('../../bin/auditpack.js', import.meta.url));
const HEAP = new URL('../../dist/cli/heap.js', import.meta.url).href;
const WORKER = new URL('../../dist/worker/index.js', import.meta.url).href;
const FIXTURE = new URL('../worker/fixture-worker.mjs', import.meta.url).href;
const FIXTURE_JOBS = new URL('../worker/fixture-jobs.mjs', import.meta.url).href;

/**
 * Runs a churn in a fresh node; returns the flags set and the young generation's size in MB. With
 * `thread`, a worker thread (src/worker, the one the export and verify use) is started and has
 * answered a job before the churn: making its heap must not undo the flags for this thread.
 */
function churn(call: boolean, nodeOptions?: string, thread = false): { set: string[]; newSpaceMb: number } {
  const startThread = `
    const { startThread } = await import(${JSON.stringify(WORKER)});
    const { setupFixture } = await import(${JSON.stringify(FIXTURE_JOBS)});
    const t = startThread({ name: 'fixture', script: new URL(${JSON.stringify(FIXTURE)}), init: {}, inline: setupFixture, resourceLimits: { maxYoungGenerationSizeMb: 6 } });
    const answer = await t.run({ type: 'echo', value: 1 });
    if (!(answer.threadId > 0)) throw new Error('the job did not run in a thread');`;
  const script = `
    import v8 from 'node:v8';
    import { useCompactHeap } from ${JSON.stringify(HEAP)};
    const set = ${call} ? useCompactHeap(process.env.NODE_OPTIONS, process.execArgv) : [];
    ${thread ? startThread : ''}
    let keep = [];
    for (let i = 0; i < 2e6; i++) { keep.push({ s: 'x' + i, a: [i] }); if (keep.length > 20000) keep = []; }
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(JSON.stringify({ set, newSpaceMb: ns.space_size / 1048576 }));`;
  const env = { ...process.env, NODE_OPTIONS: nodeOptions ?? '' };
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('useCompactHeap', () => {
  it('keeps the young generation at its first size; without it V8 grows it', () => {
    const compact = churn(true);
    expect(compact.set).toEqual([...COMPACT_HEAP_FLAGS]);
    const grown = churn(false);
    expect(grown.newSpaceMb).toBeGreaterThan(8);
    // Where the young generation settles differs by V8 line and by when the last collection ran
    // (2 MB on Node 20/22, 2-7.25 MB on 24/26, against 32 MB grown): at most half of it.
    expect(compact.newSpaceMb).toBeLessThanOrEqual(grown.newSpaceMb / 2);
  });

  it('keeps it at its first size after a worker thread made its heap (V8 resets the growth factor then)', () => {
    const compact = churn(true, undefined, true);
    expect(compact.set).toEqual([...COMPACT_HEAP_FLAGS]);
    const grown = churn(false, undefined, true);
    expect(grown.newSpaceMb).toBeGreaterThan(8);
    expect(compact.newSpaceMb).toBeLessThanOrEqual(grown.newSpaceMb / 2);
  });

  it("leaves a user's own heap flag alone (NODE_OPTIONS or node's command line)", () => {
    const own = churn(true, '--max-semi-space-size=16');
    expect(own.set).toEqual([]);
    expect(own.newSpaceMb).toBeGreaterThan(8);
    // Without touching this process's heap: a flag on node's command line is seen as well.
    expect(useCompactHeap(undefined, ['--max_semi_space_size=64'])).toEqual([]);
    expect(useCompactHeap('--heap-growing-percent=100', [])).toEqual([]);
  });

  it("keeps the installed binary's young generation at its first size from the start (the CLI's modules load after the settings)", () => {
    // What the CLI's modules allocate as they load grew the young generation to 8 MB when they were
    // loaded before the settings (a static import); the size is read as the process exits.
    const dir = mkdtempSync(join(tmpdir(), 'auditpack-heap-'));
    const probe = join(dir, 'probe.cjs');
    writeFileSync(
      probe,
      `process.on('exit', () => { const s = require('node:v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space'); process.stderr.write('NEW ' + s.space_size / 1048576 + '\\n'); });`,
    );
    const run = (...flags: string[]): number => {
      const r = spawnSync(process.execPath, [...flags, '-r', probe, BIN, '--version'], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      expect(r.status).toBe(0);
      return Number(/NEW ([\d.]+)/.exec(r.stderr)?.[1]);
    };
    try {
      const compact = run();
      // A user's own choice (V8's default growth) turns the settings off: the size V8 grows to.
      const grown = run('--semi-space-growth-factor=2');
      expect(grown).toBeGreaterThanOrEqual(4);
      expect(compact).toBeLessThanOrEqual(grown / 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is what the installed binary calls before the CLI runs', async () => {
    const { readFile } = await import('node:fs/promises');
    const bin = await readFile(fileURLToPath(new URL('../../bin/auditpack.js', import.meta.url)), 'utf8');
    expect(bin).toMatch(
      // Only comments between: the CLI runs right after the heap is set (no keep-alive since n26).
      /useCompactHeap\(process\.env\.NODE_OPTIONS, process\.execArgv\);\s+(?:\/\/[^\n]*\n\s*)*const \{ main \} = await import\('\.\.\/dist\/cli\/main\.js'\);\s+process\.exitCode = await main\(process\.argv\.slice\(2\)\);/,
    );
  });
});
