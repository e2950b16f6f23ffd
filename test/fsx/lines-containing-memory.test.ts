/**
 * linesContaining's memory over a large file (src/fsx/lines-containing.ts), in a process of its
 * own: export and verify search a whole day's log with it before their pass (the chain's
 * ConfigSnapshot events). A new buffer a chunk left tens of MB of dead buffers for V8 to collect
 * (it collects them by their count of external bytes, not at once), and glibc kept their pages:
 * the base day's export and verify peaked there (docs/PERFORMANCE.md, pm39).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const LINES = new URL('../../dist/fsx/lines-containing.js', import.meta.url).href;
const MIB = 1024 * 1024;

/** A 96 MiB log of 301-byte lines (they straddle the 1 MiB chunks) with a line to find every 50,000. */
function writeDay(path: string): string[] {
  const fd = openSync(path, 'w');
  const want: string[] = [];
  try {
    const filler = `{"ts":"2025-09-08T10:00:00.000Z","category":"order","event":"New","note":"${'x'.repeat(224)}"}\n`;
    const block: string[] = [];
    let n = 0;
    while (n * filler.length < 96 * MIB) {
      if (n % 50_000 === 0) {
        const l = `{"category":"config","event":"ConfigSnapshot","n":${n}}`;
        block.push(`${l}\n`);
        want.push(l);
      }
      block.push(filler);
      n++;
      if (block.length >= 4096) writeSync(fd, block.splice(0).join(''));
    }
    writeSync(fd, block.join(''));
  } finally {
    closeSync(fd);
  }
  return want;
}

/** The lines found, and the most ArrayBuffer memory seen while the search ran (sampled between its reads). */
function search(path: string): { lines: string[]; maxArrayBuffersMb: number } {
  const script = `
    const { linesContaining } = await import(${JSON.stringify(LINES)});
    let max = 0;
    const sample = () => { max = Math.max(max, process.memoryUsage().arrayBuffers); };
    const timer = setInterval(sample, 1);
    const found = await linesContaining(${JSON.stringify(path)}, Buffer.from('"ConfigSnapshot"'));
    clearInterval(timer);
    sample();
    console.log(JSON.stringify({ lines: found.map((b) => b.toString('utf8')), maxArrayBuffersMb: max / ${MIB} }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('linesContaining over a large file', () => {
  it('holds a few MiB of buffers whatever the file size, and finds the same lines', () => {
    const path = join(tempDir(), 'audit-20250908.jsonl');
    const want = writeDay(path);
    const got = search(path);
    expect(got.lines).toEqual(want);
    // One 2 MiB buffer reused (the carry and a 1 MiB chunk), the found lines, Node's 8 KiB pool; a
    // new buffer a chunk reached 28-64 MiB here before V8 collected them.
    expect(got.maxArrayBuffersMb).toBeLessThan(8);
  });
});
