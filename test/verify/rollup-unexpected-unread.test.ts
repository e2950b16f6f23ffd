/**
 * A file a roll-up's layout does not define is an error whatever it holds (PACK_FILE_UNEXPECTED),
 * so `verify` never reads it: a sparse file costs no disk whatever its size, and verify of a roll-up
 * hashed it before naming it (hours for a terabyte; at62 F2, as a pack's was before at58 F8).
 * Counted opens, never timed.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { rollupDay } from '../../src/rollup/index.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, exportFirmDay, type SimHost, writeFirmDay } from '../rollup/hosts-fixture.js';
import { expectUnexpectedUnread } from './helpers/unexpected-unread.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 0 },
];
let root: string;
let day: string;

beforeAll(async () => {
  root = tempDir();
  await writeFirmDay(root, HOSTS, DATE, 2);
  const arts = await exportFirmDay(root, HOSTS, DATE);
  const sources = HOSTS.map((h) => ({ host: h.name, dir: arts.get(h.name) as string }));
  await rollupDay({ outDir: join(root, 'rollups'), version: '0.1.0', sources, date: DATE });
  day = join(root, 'rollups', DATE);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("files a roll-up's layout does not define", () => {
  it('verify never opens them (data/zz, junk at the root): PACK_FILE_UNEXPECTED for each', () => {
    expectUnexpectedUnread(day, root);
  });
});
