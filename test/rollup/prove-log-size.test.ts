/**
 * `prove` reads a host pack's log only when it is as long as the pack's manifest (the one the roll-up
 * records) says: a log swapped for a sparse file (no disk, any size) was read whole, twice, before the
 * line-tree check refused it (a terabyte: hours; at62 F5). Counted opens, never timed.
 */
import { closeSync, cpSync, ftruncateSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWritable } from '../../src/fsx/dirs.js';
import { rollupDay } from '../../src/rollup/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, exportFirmDay, type SimHost, writeFirmDay } from './hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 0 },
];
let root: string;
let arts: Map<string, string>;

beforeAll(async () => {
  root = tempDir();
  await writeFirmDay(root, HOSTS, DATE, 2);
  arts = await exportFirmDay(root, HOSTS, DATE);
  const sources = HOSTS.map((h) => ({ host: h.name, dir: arts.get(h.name) as string }));
  await rollupDay({ outDir: join(root, 'rollups'), version: '0.1.0', sources, date: DATE });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('prove and a host log that is not the manifest’s', () => {
  it('a log longer than its manifest says is refused before it is opened', () => {
    const copy = join(root, 'swapped');
    cpSync(arts.get('bravo') as string, copy, { recursive: true });
    makeWritable(copy);
    const fd = openSync(join(copy, DATE, 'data', 'audit.jsonl'), 'r+');
    ftruncateSync(fd, 64 * 1024 * 1024); // sparse: the log's bytes, then zeros
    closeSync(fd);
    const r = runCli(
      [
        'prove',
        '--date',
        DATE,
        '--order',
        `${DATE}-O1`,
        '--from',
        `alpha=${arts.get('alpha')}`,
        '--from',
        `bravo=${copy}`,
      ],
      {
        cwd: root,
        env: {
          NODE_OPTIONS: `--require ${fileURLToPath(new URL('../helpers/count-opens.cjs', import.meta.url))}`,
          AUDITPACK_COUNT_OPENS: '/swapped/.*/audit\\.jsonl$',
        },
      },
    );
    expect(r.code).toBe(66);
    expect(r.stderr).toMatch(
      /ROLLUP_NOT_FOUND: .*its log is not the one its manifest records \(67108864 bytes, the manifest says \d+\)/,
    );
    expect(Number(/opens: (\d+)/.exec(r.stderr)?.[1])).toBe(0);
  });
});
