/**
 * A LogPruned `configs_in_force` entry keeps `full` (docs/FORMAT.md, "LogPruned"; at43 F3). A full
 * snapshot of so many config files that its event carries no `paths` (at42 F3) used to become an
 * entry without paths and without `full`: once the day files holding it were pruned, a file its
 * record does not hold (no policy file at all, say) read as *unknown* there, and every export warned
 * COMPLIANCE_POLICY_UNKNOWN until a full snapshot was logged in a kept day. Now the entry carries
 * `full: true` and such a file is none, as the full event itself said; an entry without `full`
 * (older LogPruned events, or a narrow snapshot carried past a gap) reads as before.
 * Day files are written by hand (only the fields the walks read), as in cut-paths.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashLine } from '../../src/chain/hash.js';
import { advanceHeld, carriedOf, parseConfigsInForce } from '../../src/format/config-in-force.js';
import { configsInForce } from '../../src/retention/config-in-force.js';
import { dayNumberOfIsoDate } from '../../src/rotation/index.js';
import { ConfigEventIndex } from '../../src/snapshot/config-events.js';
import { tempDir } from '../helpers/tmp.js';

const P = 'configs/compliance_policy.yaml';
const R = 'configs/risk.yaml';
/** A: a full snapshot without paths, its record holding R only (no policy file). B: narrow, R. */
const A = { snapshot_id: '20260101T080000.000000Z-000', record_sha256: 'a'.repeat(64) };
const B = { snapshot_id: '20260102T080000.000000Z-000', record_sha256: 'b'.repeat(64) };

describe('the configs_in_force entry of a full snapshot without paths', () => {
  it('advanceHeld keeps full: true on it, through a narrow snapshot; other entries carry no full', () => {
    const full = advanceHeld([], { ...A, full: true });
    expect(full).toEqual([{ ...A, full: true }]);
    expect(advanceHeld(full, { ...B, paths: [R], full: false })).toEqual([
      { ...B, paths: [R] },
      { ...A, full: true },
    ]);
    // A full event with its paths: the only entry, with its paths (a file it does not name: no entry).
    expect(advanceHeld(full, { ...B, paths: [R], full: true })).toEqual([{ ...B, paths: [R] }]);
    // A narrow event without paths (its list left out), or one of an earlier version: no full.
    expect(advanceHeld([], { ...A, full: false })).toEqual([A]);
    expect(advanceHeld([], A)).toEqual([A]);
  });

  it('parses full: true on the last entry without paths only; any other full is malformed', () => {
    expect(
      parseConfigsInForce([
        { ...B, paths: [R] },
        { ...A, full: true },
      ]),
    ).toEqual([
      { ...B, paths: [R] },
      { ...A, full: true },
    ]);
    expect(parseConfigsInForce([{ ...A, full: false }])).toBeUndefined();
    expect(parseConfigsInForce([{ ...A, full: 'yes' }])).toBeUndefined();
    expect(parseConfigsInForce([{ ...B, paths: [R], full: true }, A])).toBeUndefined();
    // Malformed: the reader falls back to config_in_force alone (no full), as for any bad list.
    expect(carriedOf({ config_in_force: A, configs_in_force: [{ ...A, full: 1 }] })).toEqual([A]);
  });
});

/** A logs directory whose day files hold `files`' lines, chained from the chain's first line. */
function logDir(files: Record<string, string[]>): string {
  const dir = join(tempDir(), 'logs');
  mkdirSync(dir);
  let prev = GENESIS_HASH;
  let seq = 0;
  for (const [day, lines] of Object.entries(files)) {
    const chained = lines.map((l) => {
      const line = JSON.stringify({ seq: ++seq, prev, ...JSON.parse(l) });
      prev = hashLine(line);
      return line;
    });
    writeFileSync(join(dir, `audit-${day}.jsonl`), chained.map((l) => `${l}\n`).join(''));
  }
  return dir;
}
const snapshotLine = (s: typeof A, extra: Record<string, unknown>): string =>
  JSON.stringify({ category: 'config', event: 'ConfigSnapshot', ...s, ...extra });
const order = JSON.stringify({ category: 'order', event: 'OrderAccepted', order_id: 'O-1' });

describe('the prune records it', () => {
  it('a full event without paths, then a narrow one: the last entry keeps full; alone, it is written as a list too', async () => {
    const dir = logDir({
      '20260101': [order, snapshotLine(A, { full: true })],
      '20260102': [snapshotLine(B, { paths: [R], full: false })],
      '20260103': [order],
    });
    const got = Object.fromEntries(await configsInForce(dir, ['audit-20260101.jsonl', 'audit-20260102.jsonl']));
    expect(got).toEqual({
      'audit-20260101.jsonl': [{ ...A, full: true }],
      'audit-20260102.jsonl': [
        { ...B, paths: [R] },
        { ...A, full: true },
      ],
    });
  });
});

describe('a reader crossing the pruned days', () => {
  const DAY = dayNumberOfIsoDate('2026-01-03') as number;
  /** Days 01-02 removed by retention (no pack copy), their LogPruned events in the kept day 03. */
  function pruned(entry: Record<string, unknown>): string {
    const dir = join(tempDir(), 'logs');
    mkdirSync(dir);
    const lines = ['01', '02'].map((d) =>
      JSON.stringify({
        category: 'system',
        event: 'LogPruned',
        file: `audit-202601${d}.jsonl`,
        sha256: '0'.repeat(64),
        config_in_force: d === '01' ? A : B,
        configs_in_force: d === '01' ? [entry] : [{ ...B, paths: [R] }, entry],
      }),
    );
    writeFileSync(join(dir, 'audit-20260103.jsonl'), `${lines.join('\n')}\n`);
    return dir;
  }
  /** A's record holds R only, B's R. */
  const holder = (dir: string, path: string | null) =>
    new ConfigEventIndex({ logDir: dir }).holderAt(DAY, path, async (e) =>
      path === R && e.snapshot_id === B.snapshot_id ? 'B' : ('no' as const),
    );

  it('full: a file its record does not hold is none, for one path and for the whole config (other_files)', async () => {
    const dir = pruned({ ...A, full: true });
    expect(await holder(dir, P)).toEqual({ kind: 'none' });
    expect(await holder(dir, null)).toEqual({ kind: 'none' });
    expect(await holder(dir, R)).toEqual({ kind: 'found', value: 'B' });
  });

  it('without full (older LogPruned events, or a narrow one past a gap): unknown, as before', async () => {
    const dir = pruned(A);
    expect(await holder(dir, P)).toEqual({
      kind: 'unknown',
      why: expect.stringContaining(`names snapshot ${A.snapshot_id} for every file no newer entry names`),
    });
    expect(await holder(dir, null)).toMatchObject({ kind: 'unknown' });
  });
});
