/**
 * readSnapshotFile (src/verify/compliance-bytes.ts) reads a pack's data/config_snapshot.json through
 * the one handle it opened and sized: a file put at the path after that open is never what is read.
 *
 * The race is made deterministic by wrapping openRegular (the only way the module opens a file): after
 * each real open of the watched path, another file is renamed onto that path, as a writer winning the
 * race would. A second open of the path (the file read again for its bytes) would see the planted one.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readSnapshotFile } from '../../src/verify/compliance-bytes.js';
import { tempDir } from '../helpers/tmp.js';

const race = vi.hoisted(() => ({ path: '', planted: '', opens: 0 }));

vi.mock('../../src/fsx/regular.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/fsx/regular.js')>();
  const { renameSync: rename, writeFileSync: write } = await import('node:fs');
  return {
    ...real,
    openRegular: async (...args: Parameters<typeof real.openRegular>) => {
      const fh = await real.openRegular(...args);
      if (args[0] === race.path) {
        race.opens++;
        write(`${race.path}.planted`, race.planted);
        rename(`${race.path}.planted`, race.path);
      }
      return fh;
    },
  };
});

afterEach(() => {
  race.path = '';
  race.opens = 0;
});

function watched(content: string, planted: string): string {
  const p = join(tempDir(), 'config_snapshot.json');
  writeFileSync(p, content);
  Object.assign(race, { path: p, planted, opens: 0 });
  return p;
}

describe('readSnapshotFile opens the file once', () => {
  it('within the bound: the bytes are the opened file, not the one put in its place', async () => {
    const honest = '{\n  "format": "auditpack.config-snapshot.v1",\n  "snapshot_id": "S1"\n}\n';
    const p = watched(honest, '{"planted":true}\n');
    const got = await readSnapshotFile(p, 1024);
    expect(Buffer.isBuffer(got) ? got.toString('utf8') : got).toBe(honest);
    expect(race.opens).toBe(1);
    expect(readFileSync(p, 'utf8')).toBe('{"planted":true}\n'); // the swap did happen
  });

  it('past the bound: the hash and the id are the opened file', async () => {
    const honest = `{\n  "format": "f",\n  "snapshot_id": "S1",\n  "pad": "${'x'.repeat(2000)}"\n}\n`;
    const p = watched(honest, `{\n  "format": "f",\n  "snapshot_id": "S2"\n}\n`);
    const got = await readSnapshotFile(p, 100);
    expect(got).toEqual({ large: true, sha256: createHash('sha256').update(honest).digest('hex'), id: 'S1' });
    expect(race.opens).toBe(1);
  });
});
