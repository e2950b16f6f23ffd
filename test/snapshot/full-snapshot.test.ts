/**
 * A full snapshot's event (`full: true`: taken over the configured patterns) says what the whole
 * config is (docs/FORMAT.md, "ConfigSnapshot"; at40 F4): ConfigEventIndex.holderAt stops at one that
 * does not hold the file (not in force: none), passes a narrow one (`full: false`) and one of an
 * earlier version (no `full`) as before; with path null it visits every event and LogPruned entry
 * back to the first that decides the whole config (what config_in_force.json lists, at40 F1).
 * The prune's list (advanceHeld) ends at a full snapshot. Discovery records canonical keys (at40 F2).
 * Day files are written by hand: a kept file starting the chain (seq 1 after the genesis hash).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { advanceHeld, type HeldConfig, heldConfigOf } from '../../src/format/config-in-force.js';
import { ConfigEventIndex } from '../../src/snapshot/config-events.js';
import { discoverConfigFiles } from '../../src/snapshot/discover.js';
import { configEvent, handDay, handLogs as logs, holder } from '../helpers/snapshot-day.js';
import { tempDir } from '../helpers/tmp.js';

const { P, R, A, B, DAY } = handDay;
const ev = (s: typeof A, paths: string[] | undefined, full?: boolean): string =>
  configEvent(s, { ...(paths === undefined ? {} : { paths }), ...(full === undefined ? {} : { full }) });

describe('holderAt and a full snapshot (at40 F4)', () => {
  it('a full snapshot that leaves the policy file out: not in force (none), not the older record', async () => {
    const { got } = await holder(logs([ev(A, [P, R], true), ev(B, [R], true)]), P);
    expect(got).toEqual({ kind: 'none' });
    // The one it holds is found as before.
    expect((await holder(logs([ev(A, [P, R], true), ev(B, [R], true)]), R)).got).toEqual({
      kind: 'found',
      value: B.snapshot_id,
    });
  });

  it('a narrow one (full: false) and one of an earlier version (no full) are passed as before', async () => {
    for (const full of [false, undefined]) {
      const { got } = await holder(logs([ev(A, [P, R], true), ev(B, [R], full)]), P);
      expect(got).toEqual({ kind: 'found', value: A.snapshot_id });
    }
  });

  it("a full event holding the file 'skip' (a policy that does not parse) walks on to the one before it (at52 H3b)", async () => {
    const dir = logs([ev(A, [P, R], true), ev(B, [P, R], true)]);
    const got = await new ConfigEventIndex({ logDir: dir }).holderAt(DAY, P, async (e) =>
      e.snapshot_id === B.snapshot_id ? ('skip' as const) : e.snapshot_id,
    );
    expect(got).toEqual({ kind: 'found', value: A.snapshot_id });
  });

  it('a full event naming the file whose record does not hold it: none, never an older record', async () => {
    const { got } = await holder(logs([ev(A, [P, R], true), ev(B, [P, R], true)]), P, [R]);
    expect(got).toEqual({ kind: 'none' });
  });
});

describe('holderAt with path null: every event back to the whole config (at40 F1)', () => {
  it('visits the narrow events and the full one, newest first, and stops there: none', async () => {
    const C = { snapshot_id: '20260104T120000.000000Z-000', record_sha256: 'c'.repeat(64) };
    const dir = logs([ev(C, [P], false), ev(A, [P, R], true), ev(B, [R], false), ev(C, [P], false)]);
    const { got, seen } = await holder(dir, null);
    expect(got).toEqual({ kind: 'none' });
    expect(seen).toEqual([C.snapshot_id, B.snapshot_id, A.snapshot_id]);
  });

  it('an event without paths (the whole config) ends it too; the chain’s start ends it: none', async () => {
    expect((await holder(logs([ev(A, undefined), ev(B, [R], false)]), null)).got).toEqual({ kind: 'none' });
    expect((await holder(logs([ev(A, [P, R], false), ev(B, [R], false)]), null)).got).toEqual({ kind: 'none' });
  });

  it('an event of an earlier version with paths and no full: unknown (what it left out cannot be told)', async () => {
    const { got, seen } = await holder(logs([ev(A, [P, R]), ev(B, [R], false)]), null);
    expect(got).toEqual({ kind: 'unknown', why: expect.stringContaining('earlier version') });
    expect(seen).toEqual([B.snapshot_id, A.snapshot_id]);
  });

  it('a removed file’s LogPruned list: every entry visited; complete with paths, unknown when its last has none', async () => {
    const run = async (held: HeldConfig[]) => {
      const dir = join(tempDir(), 'logs');
      mkdirSync(dir);
      const pruned = JSON.stringify({
        category: 'system',
        event: 'LogPruned',
        file: 'audit-20260103.jsonl',
        sha256: '0'.repeat(64),
        config_in_force: { snapshot_id: held[0]?.snapshot_id, record_sha256: held[0]?.record_sha256 },
        configs_in_force: held,
      });
      writeFileSync(join(dir, 'audit-20260104.jsonl'), `${pruned}\n`);
      const seen: string[] = [];
      const got = await new ConfigEventIndex({ logDir: dir }).holderAt(DAY - 1, null, async (e) => {
        seen.push(e.snapshot_id);
        return 'no' as const;
      });
      return { got, seen };
    };
    const both = await run([
      { ...B, paths: [R] },
      { ...A, paths: [P] },
    ]);
    expect(both).toEqual({ got: { kind: 'none' }, seen: [B.snapshot_id, A.snapshot_id] });
    const open = await run([{ ...B, paths: [R] }, { ...A }]);
    expect(open.got).toEqual({ kind: 'unknown', why: expect.stringContaining('every file no newer entry names') });
  });
});

describe('the prune’s list at a full snapshot', () => {
  it('a full event is the whole list, with its paths and without `full`; a narrow one keeps the rest', () => {
    const before: HeldConfig[] = [{ ...A, paths: [P, R] }];
    const full = heldConfigOf(JSON.parse(ev(B, [R], true))) as HeldConfig;
    expect(full.full).toBe(true);
    expect(advanceHeld(before, full)).toEqual([{ ...B, paths: [R] }]);
    const narrow = heldConfigOf(JSON.parse(ev(B, [R], false))) as HeldConfig;
    expect(advanceHeld(before, narrow)).toEqual([
      { ...B, paths: [R] },
      { ...A, paths: [P] },
    ]);
  });
});

describe('discovery records one key per file (at40 F2)', () => {
  it('./x, x/../x and x//y are the canonical relative path; a path climbing out of cwd is the absolute one', async () => {
    const root = tempDir();
    const cwd = join(root, 'app');
    mkdirSync(join(cwd, 'configs'), { recursive: true });
    mkdirSync(join(root, 'out'));
    writeFileSync(join(cwd, 'configs', 'a.yaml'), 'a: 1\n');
    writeFileSync(join(cwd, 'configs', 'b.yaml'), 'b: 1\n');
    writeFileSync(join(cwd, 'configs', 'c.yaml'), 'c: 1\n');
    writeFileSync(join(root, 'out', 'x.yaml'), 'x: 1\n');
    const got = await discoverConfigFiles({
      cwd,
      patterns: ['./configs/a.yaml', 'configs/../configs/b.yaml', 'configs//c.yaml', 'configs/a.yaml', '../out/x.yaml'],
    });
    expect(got).toEqual([join(root, 'out', 'x.yaml'), 'configs/a.yaml', 'configs/b.yaml', 'configs/c.yaml']);
  });
});
