/**
 * configsInForce: what a prune records as each removed file's `config_in_force`, the last
 * ConfigSnapshot event (not `recovered`) of the chain up to the file's end. The walk over a log
 * directory is checked on small hand-written day files (only the fields the walk reads: the chain
 * itself is verify's business). Events without `paths` (earlier versions) give a one-entry list: the
 * prune writes it as `config_in_force` alone, the bytes it wrote before. The prune writing it with the real logger is in
 * test/snapshot/config-events.test.ts and test/e2e/export-pruned-logs.test.ts.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/hash.js';
import { parseObjectLine } from '../../src/fsx/lines-containing.js';
import { configsInForce } from '../../src/retention/config-in-force.js';
import { tempDir } from '../helpers/tmp.js';

const sha = (c: string): string => c.repeat(64);
const snapshotLine = (id: string, c: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ category: 'config', event: 'ConfigSnapshot', snapshot_id: id, record_sha256: sha(c), ...extra });
const prunedLine = (file: string, inForce?: unknown, all?: unknown): string =>
  JSON.stringify({
    category: 'system',
    event: 'LogPruned',
    file,
    sha256: sha('0'),
    ...(inForce === undefined ? {} : { config_in_force: inForce }),
    ...(all === undefined ? {} : { configs_in_force: all }),
  });
const order = JSON.stringify({ category: 'order', event: 'OrderAccepted', order_id: 'O-1' });
/** The chain's first line (an event at seq 1 after the genesis hash): the oldest file starts the chain. */
const start = `{"ts":1767398400.000000,"iso_ts":"2026-01-03T00:00:00.000000Z","seq":1,"category":"system","event":"LoggerStarted","prev":"${'0'.repeat(64)}"}`;

/**
 * A logs directory of day files holding `files`' lines, chained as the logger chains them across the
 * files (each line's `prev` the hash of the line before, last), from a line before the oldest file
 * (the files before it removed): a line that already holds `prev`, or is no JSON object, stays as
 * given and the chain goes on from it.
 */
function logDir(files: Record<string, string[]>): string {
  const dir = join(tempDir(), 'logs');
  mkdirSync(dir);
  let prev = 'f'.repeat(64);
  let seq = 40;
  for (const [day, lines] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const chained = lines.map((l) => {
      const ev = parseObjectLine(Buffer.from(l));
      const line = ev === undefined || 'prev' in ev ? l : JSON.stringify({ ...ev, seq: ++seq, prev });
      if (typeof ev?.seq === 'number') seq = ev.seq;
      prev = hashLine(line);
      return line;
    });
    writeFileSync(join(dir, `audit-${day}.jsonl`), chained.map((l) => `${l}\n`).join(''));
  }
  return dir;
}

const inForce = (id: string, c: string): { snapshot_id: string; record_sha256: string } => ({
  snapshot_id: id,
  record_sha256: sha(c),
});

describe('the config in force a prune records for each removed log file', () => {
  it("is the file's last own ConfigSnapshot, else the one before it, carried through files with none", async () => {
    const dir = logDir({
      '20260101': [order, snapshotLine('A', 'a'), snapshotLine('B', 'b'), snapshotLine('C', 'c', { recovered: true })],
      '20260102': [order],
      '20260103': [snapshotLine('D', 'd'), order],
      '20260104': [order],
    });
    const got = await configsInForce(dir, ['audit-20260101.jsonl', 'audit-20260102.jsonl', 'audit-20260103.jsonl']);
    expect(Object.fromEntries(got)).toEqual({
      'audit-20260101.jsonl': [inForce('B', 'b')],
      'audit-20260102.jsonl': [inForce('B', 'b')],
      'audit-20260103.jsonl': [inForce('D', 'd')],
    });
  });

  it('takes over what the LogPruned event of an earlier removed file carried; a kept older file counts as well', async () => {
    const dir = logDir({
      '20260103': [order],
      '20260105': [prunedLine('audit-20260101.jsonl', inForce('X', 'e')), prunedLine('audit-20260102.jsonl')],
      '20260106': [order],
    });
    // 02's event carried nothing (an earlier version, or unknown then): 03 has no config in force.
    expect(Object.fromEntries(await configsInForce(dir, ['audit-20260103.jsonl']))).toEqual({});
    const carried = logDir({
      '20260103': [order],
      '20260105': [prunedLine('audit-20260101.jsonl'), prunedLine('audit-20260102.jsonl', inForce('X', 'e'))],
    });
    expect(Object.fromEntries(await configsInForce(carried, ['audit-20260103.jsonl']))).toEqual({
      'audit-20260103.jsonl': [inForce('X', 'e')],
    });
    // A file kept past the window (no pack yet) between them: its snapshot is the newer one.
    const kept = logDir({
      '20260102': [snapshotLine('K', 'f')],
      '20260103': [order],
      '20260105': [prunedLine('audit-20260101.jsonl', inForce('X', 'e'))],
    });
    expect(Object.fromEntries(await configsInForce(kept, ['audit-20260103.jsonl']))).toEqual({
      'audit-20260103.jsonl': [inForce('K', 'f')],
    });
  });

  it('gives nothing for hostile values: a malformed config_in_force or record hash, a LogPruned of another category', async () => {
    const dir = logDir({
      '20260103': [order, snapshotLine('Z', 'n')],
      '20260105': [
        prunedLine('audit-20260101.jsonl', { snapshot_id: 'X', record_sha256: 'not-a-hash' }),
        JSON.stringify({
          category: 'order',
          event: 'LogPruned',
          file: 'audit-20260102.jsonl',
          config_in_force: inForce('Y', 'a'),
        }),
        '{not json',
      ],
    });
    expect(Object.fromEntries(await configsInForce(dir, ['audit-20260103.jsonl']))).toEqual({});
  });

  it('keeps an earlier snapshot in force for the paths a narrower one did not name (at27 F3)', async () => {
    const P = 'configs/compliance_policy.yaml';
    const R = 'configs/risk.yaml';
    const V = 'configs/venues.json';
    const dir = logDir({
      '20260101': [start, snapshotLine('A', 'a', { paths: [P, R, V] }), order],
      '20260102': [snapshotLine('B', 'b', { paths: [R] })],
      '20260103': [snapshotLine('C', 'c', { paths: [V, R] }), order],
      '20260104': [snapshotLine('D', 'd'), order], // an earlier version's event: the whole config
      '20260105': [snapshotLine('E', 'e', { paths: [R] })],
    });
    const got = Object.fromEntries(
      await configsInForce(
        dir,
        ['20260101', '20260102', '20260103', '20260104', '20260105'].map((d) => `audit-${d}.jsonl`),
      ),
    );
    expect(got).toEqual({
      'audit-20260101.jsonl': [{ ...inForce('A', 'a'), paths: [P, R, V] }],
      'audit-20260102.jsonl': [
        { ...inForce('B', 'b'), paths: [R] },
        { ...inForce('A', 'a'), paths: [P, V] },
      ],
      'audit-20260103.jsonl': [
        { ...inForce('C', 'c'), paths: [R, V] },
        { ...inForce('A', 'a'), paths: [P] },
      ],
      'audit-20260104.jsonl': [inForce('D', 'd')],
      'audit-20260105.jsonl': [{ ...inForce('E', 'e'), paths: [R] }, inForce('D', 'd')],
    });
  });

  it('takes over the configs_in_force of a removed file; a malformed one, or one its config_in_force does not head, counts as config_in_force alone', async () => {
    const P = 'configs/compliance_policy.yaml';
    const R = 'configs/risk.yaml';
    const carried = [
      { ...inForce('B', 'b'), paths: [R] },
      { ...inForce('A', 'a'), paths: [P] },
    ];
    const walk = async (all: unknown, head = inForce('B', 'b')): Promise<unknown> =>
      Object.fromEntries(
        await configsInForce(
          logDir({
            '20260103': [snapshotLine('C', 'c', { paths: [R] })],
            '20260105': [prunedLine('audit-20260102.jsonl', head, all)],
          }),
          ['audit-20260103.jsonl'],
        ),
      )['audit-20260103.jsonl'];
    expect(await walk(carried)).toEqual([
      { ...inForce('C', 'c'), paths: [R] },
      { ...inForce('A', 'a'), paths: [P] },
    ]);
    const whole = [{ ...inForce('C', 'c'), paths: [R] }, inForce('B', 'b')];
    expect(await walk(undefined)).toEqual(whole); // written by an earlier version
    expect(await walk(carried, inForce('A', 'a'))).toEqual([{ ...inForce('C', 'c'), paths: [R] }, inForce('A', 'a')]);
    expect(await walk([{ ...inForce('B', 'b'), paths: 'configs' }])).toEqual(whole);
    expect(await walk([inForce('B', 'b'), { ...inForce('A', 'a'), paths: [P] }])).toEqual(whole); // paths-less not last
    expect(await walk([])).toEqual(whole);
  });

  it('past a day it cannot tell about, a narrower snapshot is carried without paths, never as the only one recording its paths (at31)', async () => {
    const P = 'configs/compliance_policy.yaml';
    const R = 'configs/risk.yaml';
    const files = ['20260103', '20260104', '20260105'].map((d) => `audit-${d}.jsonl`);
    // 02 was removed by a prune of an earlier version (its LogPruned carries no config_in_force).
    const removed = logDir({
      '20260103': [order],
      '20260104': [snapshotLine('B', 'b', { paths: [R] }), order],
      '20260105': [
        prunedLine('audit-20260102.jsonl'),
        snapshotLine('C', 'c', { paths: [R] }),
        snapshotLine('D', 'd', { paths: [P, R] }),
      ],
      '20260106': [order],
    });
    expect(Object.fromEntries(await configsInForce(removed, files))).toEqual({
      'audit-20260104.jsonl': [inForce('B', 'b')],
      'audit-20260105.jsonl': [{ ...inForce('D', 'd'), paths: [P, R] }, inForce('B', 'b')],
    });
    // The files before the oldest one removed with no record at all (its first line does not start the chain).
    const byHand = logDir({
      '20260103': [JSON.stringify({ seq: 40, prev: 'a'.repeat(64) }), snapshotLine('B', 'b', { paths: [R] })],
      '20260104': [snapshotLine('C', 'c', { paths: [R] })],
    });
    expect(Object.fromEntries(await configsInForce(byHand, files.slice(0, 2)))).toEqual({
      'audit-20260103.jsonl': [inForce('B', 'b')],
      'audit-20260104.jsonl': [{ ...inForce('C', 'c'), paths: [R] }, inForce('B', 'b')],
    });
    // The chain starting in the oldest file: nothing before it, the paths stand.
    const fromStart = logDir({
      '20260103': [start, snapshotLine('B', 'b', { paths: [R] })],
    });
    expect(Object.fromEntries(await configsInForce(fromStart, files.slice(0, 1)))).toEqual({
      'audit-20260103.jsonl': [{ ...inForce('B', 'b'), paths: [R] }],
    });
  });

  it('a file put before the kept ones, or a kept file removed, is a day it cannot tell about: the chain must run through the kept files (at35 F6)', async () => {
    const P = 'configs/compliance_policy.yaml';
    const R = 'configs/risk.yaml';
    const doomed = ['20260102', '20260103', '20260104'].map((d) => `audit-${d}.jsonl`);
    // The files before 03 removed by hand (no record), then an older file holding the chain's first
    // line alone: a valid event at seq 1 after the genesis hash, which the chain does not continue from.
    const forged = logDir({
      '20260103': [order, snapshotLine('B', 'b', { paths: [R] })],
      '20260104': [snapshotLine('C', 'c', { paths: [R] })],
    });
    writeFileSync(join(forged, 'audit-20260102.jsonl'), `${start}\n`);
    expect(Object.fromEntries(await configsInForce(forged, doomed))).toEqual({
      'audit-20260103.jsonl': [inForce('B', 'b')],
      'audit-20260104.jsonl': [{ ...inForce('C', 'c'), paths: [R] }, inForce('B', 'b')],
    });
    // The same file starting the chain that runs on into 03: the paths stand.
    const honest = logDir({
      '20260102': [start],
      '20260103': [order, snapshotLine('B', 'b', { paths: [R] })],
      '20260104': [snapshotLine('C', 'c', { paths: [R] })],
    });
    expect(Object.fromEntries(await configsInForce(honest, doomed))).toEqual({
      'audit-20260103.jsonl': [{ ...inForce('B', 'b'), paths: [R] }],
      'audit-20260104.jsonl': [{ ...inForce('C', 'c'), paths: [R] }],
    });
    // A kept file removed by hand between two kept ones (it held the policy file's newer snapshot):
    // the next kept file's first line does not link to the last line of the one before it.
    const files = {
      '20260101': [start],
      '20260102': [snapshotLine('A', 'a', { paths: [P, R] })],
      '20260103': [snapshotLine('B', 'b', { paths: [P] })],
      '20260104': [order, snapshotLine('C', 'c', { paths: [R] })],
    };
    const gap = logDir(files);
    rmSync(join(gap, 'audit-20260103.jsonl'));
    expect(Object.fromEntries(await configsInForce(gap, doomed))).toEqual({
      'audit-20260102.jsonl': [{ ...inForce('A', 'a'), paths: [P, R] }],
      'audit-20260104.jsonl': [inForce('C', 'c')],
    });
    // Removed by a prune (its LogPruned recorded, in a later file): the record stands for it.
    const pruned = logDir({
      ...files,
      '20260105': [
        prunedLine('audit-20260103.jsonl', inForce('B', 'b'), [
          { ...inForce('B', 'b'), paths: [P] },
          { ...inForce('A', 'a'), paths: [R] },
        ]),
      ],
    });
    rmSync(join(pruned, 'audit-20260103.jsonl'));
    expect(Object.fromEntries(await configsInForce(pruned, doomed))['audit-20260104.jsonl']).toEqual([
      { ...inForce('C', 'c'), paths: [R] },
      { ...inForce('B', 'b'), paths: [P] },
    ]);
  });

  it('a kept file that does not link to the end_hash its removed predecessor recorded is a gap (at35 F6)', async () => {
    const P = 'configs/compliance_policy.yaml';
    const R = 'configs/risk.yaml';
    const doomed = ['audit-20260102.jsonl', 'audit-20260105.jsonl'];
    const walk = async (byHand: string[]): Promise<unknown> => {
      const dir = logDir({
        '20260101': [start],
        '20260102': [snapshotLine('A', 'a', { paths: [P, R] })],
        '20260103': [snapshotLine('B', 'b', { paths: [P] })],
        '20260104': [snapshotLine('D', 'd', { paths: [P] })],
        '20260105': [order, snapshotLine('C', 'c', { paths: [R] })],
      });
      // 03 removed by a prune: its LogPruned (in 06) records where its chain ended.
      const lines03 = readFileSync(join(dir, 'audit-20260103.jsonl'), 'utf8').trimEnd().split('\n');
      const carried = [
        { ...inForce('B', 'b'), paths: [P] },
        { ...inForce('A', 'a'), paths: [R] },
      ];
      const pruned = JSON.parse(prunedLine('audit-20260103.jsonl', inForce('B', 'b'), carried));
      const endHash = hashLine(lines03[lines03.length - 1] as string);
      writeFileSync(join(dir, 'audit-20260106.jsonl'), `${JSON.stringify({ ...pruned, end_hash: endHash })}\n`);
      rmSync(join(dir, 'audit-20260103.jsonl'));
      for (const day of byHand) rmSync(join(dir, `audit-${day}.jsonl`));
      return Object.fromEntries(await configsInForce(dir, doomed))['audit-20260105.jsonl'];
    };
    // 04 kept: it links to 03's end_hash, and its snapshot of the policy file stays in force.
    expect(await walk([])).toEqual([
      { ...inForce('C', 'c'), paths: [R] },
      { ...inForce('D', 'd'), paths: [P] },
    ]);
    // 04 removed by hand: 05 does not link to 03's end_hash, and what 04 held is unknown.
    expect(await walk(['20260104'])).toEqual([inForce('C', 'c')]);
  });
});
