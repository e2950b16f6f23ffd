import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanLines, type ScanOptions } from '../../src/chain/lines.js';
import { tempDir } from '../helpers/tmp.js';

interface Seen {
  text: string | undefined;
  length: number;
  offset: number;
  lineNumber: number;
  terminated: boolean;
  hash: string;
}

async function scan(path: string, options: ScanOptions): Promise<{ seen: Seen[]; size: number }> {
  const seen: Seen[] = [];
  const size = await scanLines(
    path,
    (l) =>
      seen.push({
        text: l.bytes?.toString('latin1'),
        length: l.length,
        offset: l.offset,
        lineNumber: l.lineNumber,
        terminated: l.terminated,
        hash: l.hash,
      }),
    options,
  );
  return { seen, size };
}

const sha = (s: string): string => createHash('sha256').update(Buffer.from(s, 'latin1')).digest('hex');

describe('scanLines with a byte range (start, end, firstLineNumber)', () => {
  it('scans [start, end) exactly as a file holding only those bytes, with file offsets (property)', async () => {
    const dir = tempDir();
    const path = join(dir, 'f');
    const other = join(dir, 'slice');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ maxLength: 30 }).map((s) => s.replace(/\n/g, '')),
          { maxLength: 12 },
        ),
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 48 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 1000 }),
        async (parts, terminated, a, b, chunkBytes, view, first) => {
          const data = Buffer.from(parts.join('\n') + (terminated && parts.length > 0 ? '\n' : ''), 'latin1');
          writeFileSync(path, data);
          const start = data.length === 0 ? 0 : a % (data.length + 1);
          const end = start + (b % (data.length - start + 2)); // may lie past the end of the file
          writeFileSync(other, data.subarray(start, end));
          const whole = await scan(other, { chunkBytes });
          const ranged = await scan(path, { chunkBytes, view, start, end, firstLineNumber: first });
          expect(ranged.size).toBe(Math.min(end, data.length));
          expect(ranged.seen).toEqual(
            whole.seen.map((l) => ({ ...l, offset: l.offset + start, lineNumber: l.lineNumber + first - 1 })),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('two ranges split at a line start give the lines of one scan, once each', async () => {
    const dir = tempDir();
    const path = join(dir, 'log');
    const lines = Array.from({ length: 50 }, (_, i) => `{"seq":${i + 1},"pad":"${'x'.repeat(i * 7)}"}`);
    const text = `${lines.join('\n')}\n`;
    writeFileSync(path, text);
    const all = await scan(path, { chunkBytes: 64 });
    for (let k = 0; k <= lines.length; k++) {
      const at = k === lines.length ? text.length : text.indexOf(lines[k] as string);
      const head = await scan(path, { chunkBytes: 64, end: at });
      const tail = await scan(path, { chunkBytes: 64, start: at, firstLineNumber: k + 1 });
      expect(head.size).toBe(at);
      expect(tail.size).toBe(text.length);
      expect([...head.seen, ...tail.seen]).toEqual(all.seen);
    }
    expect(all.seen[3]).toEqual({
      text: lines[3],
      length: (lines[3] as string).length,
      offset: text.indexOf(lines[3] as string),
      lineNumber: 4,
      terminated: true,
      hash: sha(lines[3] as string),
    });
  });

  it('a range that ends inside a line yields it unterminated; an empty range yields nothing', async () => {
    const dir = tempDir();
    const path = join(dir, 'log');
    writeFileSync(path, 'alpha\nbravo\ncharlie\n');
    const { seen, size } = await scan(path, { start: 6, end: 9 });
    expect(size).toBe(9);
    expect(seen).toEqual([{ text: 'bra', length: 3, offset: 6, lineNumber: 1, terminated: false, hash: sha('bra') }]);
    expect(await scan(path, { start: 12, end: 12 })).toEqual({ seen: [], size: 12 });
    expect(await scan(path, { start: 100 })).toEqual({ seen: [], size: 100 });
  });

  it('a callback that throws ends the scan with its error while the next read is in flight', async () => {
    const dir = tempDir();
    const path = join(dir, 'log');
    writeFileSync(path, 'x\n'.repeat(5000));
    let n = 0;
    const boom = new Error('stop');
    await expect(
      scanLines(
        path,
        () => {
          if (++n === 100) throw boom;
        },
        { chunkBytes: 64, view: true },
      ),
    ).rejects.toBe(boom);
    expect(n).toBe(100);
  });
});

describe('scanLines with afterChunk (a consumer that writes chunks asynchronously)', () => {
  it('reads no further chunk until the promise afterChunk returned settles, and loses no line', async () => {
    const path = join(tempDir(), 'log');
    const text = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`).join('\n');
    writeFileSync(path, `${text}\n`);
    const events: string[] = [];
    const lines: string[] = [];
    let held = 0;
    await scanLines(path, (l) => lines.push((l.bytes as Buffer).toString()), {
      chunkBytes: 1024,
      view: true,
      onChunk: () => events.push('chunk'),
      afterChunk: () => {
        if (held % 2 === 1) {
          held++;
          return undefined; // room now: no wait
        }
        held++;
        return new Promise<void>((res) =>
          setTimeout(() => {
            events.push('released');
            res();
          }, 5),
        );
      },
    });
    expect(lines).toEqual(text.split('\n'));
    // Every chunk after a held one comes only after its release.
    for (let i = 0, k = 0; i < events.length; i++) {
      if (events[i] !== 'chunk') continue;
      if (k % 2 === 1) expect(events[i - 1]).toBe('released');
      k++;
    }
    expect(events.filter((e) => e === 'chunk').length).toBeGreaterThan(10);
  });
});
