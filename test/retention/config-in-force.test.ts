/**
 * configsInForce: what a prune records as each removed file's `config_in_force`, the last
 * ConfigSnapshot event (not `recovered`) of the chain up to the file's end. The walk over a log
 * directory is checked on small hand-written day files (only the fields the walk reads: the chain
 * itself is verify's business); the prune writing it with the real logger is in
 * test/snapshot/config-events.test.ts and test/e2e/export-pruned-logs.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configsInForce } from '../../src/retention/config-in-force.js';
import { tempDir } from '../helpers/tmp.js';

const sha = (c: string): string => c.repeat(64);
const snapshotLine = (id: string, c: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ category: 'config', event: 'ConfigSnapshot', snapshot_id: id, record_sha256: sha(c), ...extra });
const prunedLine = (file: string, inForce?: unknown): string =>
  JSON.stringify({
    category: 'system',
    event: 'LogPruned',
    file,
    sha256: sha('0'),
    ...(inForce === undefined ? {} : { config_in_force: inForce }),
  });
const order = JSON.stringify({ category: 'order', event: 'OrderAccepted', order_id: 'O-1' });

function logDir(files: Record<string, string[]>): string {
  const dir = join(tempDir(), 'logs');
  mkdirSync(dir);
  for (const [day, lines] of Object.entries(files))
    writeFileSync(join(dir, `audit-${day}.jsonl`), lines.map((l) => `${l}\n`).join(''));
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
      'audit-20260101.jsonl': inForce('B', 'b'),
      'audit-20260102.jsonl': inForce('B', 'b'),
      'audit-20260103.jsonl': inForce('D', 'd'),
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
      'audit-20260103.jsonl': inForce('X', 'e'),
    });
    // A file kept past the window (no pack yet) between them: its snapshot is the newer one.
    const kept = logDir({
      '20260102': [snapshotLine('K', 'f')],
      '20260103': [order],
      '20260105': [prunedLine('audit-20260101.jsonl', inForce('X', 'e'))],
    });
    expect(Object.fromEntries(await configsInForce(kept, ['audit-20260103.jsonl']))).toEqual({
      'audit-20260103.jsonl': inForce('K', 'f'),
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
});
