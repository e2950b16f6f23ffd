import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashLine, isHashHex } from '../../src/chain/index.js';
import { scanLines, type ScannedLine } from '../../src/chain/lines.js';
import { tempDir } from '../helpers/tmp.js';

describe('hashLine', () => {
  it('is SHA-256 hex of the UTF-8 bytes, for text and bytes alike', () => {
    const s = '{"a":"é€😀"}';
    const want = createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');
    expect(hashLine(s)).toBe(want);
    expect(hashLine(Buffer.from(s, 'utf8'))).toBe(want);
    expect(isHashHex(want)).toBe(true);
    expect(isHashHex(GENESIS_HASH)).toBe(true);
    expect(isHashHex(want.toUpperCase())).toBe(false);
  });
});

async function scan(
  path: string,
  options = {},
): Promise<{ lines: ScannedLine[]; kept: (string | undefined)[]; size: number }> {
  const lines: ScannedLine[] = [];
  const kept: (string | undefined)[] = [];
  const size = await scanLines(
    path,
    (l) => {
      lines.push(l);
      kept.push(l.bytes?.toString('latin1'));
    },
    options,
  );
  return { lines, kept, size };
}

describe('scanLines', () => {
  it('splits exactly like split("\\n") at every chunk size, with offsets, hashes and the torn tail (property)', async () => {
    const dir = tempDir();
    const path = join(dir, 'f');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ maxLength: 40 }).map((s) => s.replace(/\n/g, '')),
          { maxLength: 20 },
        ),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        async (parts, terminated, chunkBytes, view) => {
          const text = parts.join('\n') + (terminated && parts.length > 0 ? '\n' : '');
          const data = Buffer.from(text, 'latin1');
          writeFileSync(path, data);
          const { lines, kept, size } = await scan(path, { chunkBytes, view });
          expect(size).toBe(data.length);
          const expected = text.split('\n');
          if (expected[expected.length - 1] === '') expected.pop();
          expect(kept).toEqual(expected);
          let offset = 0;
          lines.forEach((l, i) => {
            expect(l.offset).toBe(offset);
            expect(l.lineNumber).toBe(i + 1);
            expect(l.hash).toBe(
              createHash('sha256')
                .update(Buffer.from(expected[i] as string, 'latin1'))
                .digest('hex'),
            );
            expect(l.terminated).toBe(i < lines.length - 1 || text.endsWith('\n'));
            offset += l.length + 1;
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hashes but does not keep lines over the bound, whatever their size', async () => {
    const dir = tempDir();
    const path = join(dir, 'big');
    const big = 'x'.repeat(3 * 1024 * 1024 + 7);
    writeFileSync(path, `short\n${big}\nafter\n${big}`);
    const { lines, kept } = await scan(path, { maxLineBytes: 1024 * 1024, chunkBytes: 64 * 1024 });
    expect(kept).toEqual(['short', undefined, 'after', undefined]);
    expect(lines[1]?.length).toBe(big.length);
    expect(lines[1]?.hash).toBe(createHash('sha256').update(big).digest('hex'));
    expect(lines[3]?.terminated).toBe(false);
  });
});
