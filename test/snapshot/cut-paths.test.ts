/**
 * A ConfigSnapshot event's `paths` is never read as cut (docs/FORMAT.md, "ConfigSnapshot"; at42 F3):
 * the writer leaves `paths` and `changed_files` out rather than let the logger's bounds cut them
 * (`full` stays, the record then says which files it holds), and a reader takes an event whose
 * `validation` notes (or `redacted`) name `paths` as one without `paths`. Day files are written by
 * hand, as in full-snapshot.test.ts: a kept file starting the chain.
 */
import { describe, expect, it } from 'vitest';
import { advanceHeld, heldConfigOf, pathsAltered } from '../../src/format/config-in-force.js';
import { LIMITS } from '../../src/logger/index.js';
import { ConfigEventIndex } from '../../src/snapshot/config-events.js';
import { snapshotEventFields } from '../../src/snapshot/event-fields.js';
import type { ConfigSnapshot } from '../../src/snapshot/types.js';
import { configEvent as ev, handDay, handLogs as logs, holder } from '../helpers/snapshot-day.js';

const { P, R, A, B, DAY } = handDay;
const CUT = { validation: ['changed_files: array of 2 items cut to 1', 'paths: array of 2 items cut to 1'] };

function snapshotOf(paths: string[]): ConfigSnapshot {
  const files = Object.fromEntries(paths.map((p) => [p, {}]));
  return {
    snapshot_id: A.snapshot_id,
    reason: 'r',
    files,
    changes: { added: paths, removed: [], changed: [] },
    previous_snapshot_id: null,
  } as unknown as ConfigSnapshot;
}

describe('the writer never lets the bounds cut paths', () => {
  it('writes both lists when they fit, and neither (full kept) past the item or body bound', () => {
    const few = snapshotEventFields(snapshotOf([P, R]), A.record_sha256, true);
    expect(few.paths).toEqual([P, R]);
    expect(few.changed_files).toEqual([P, R]);
    const bounds = { maxArrayItems: 1, maxBodyChars: LIMITS.maxBodyChars };
    const many = snapshotEventFields(snapshotOf([P, R]), A.record_sha256, false, bounds);
    expect(Object.hasOwn(many, 'paths') || Object.hasOwn(many, 'changed_files')).toBe(false);
    expect(many.full).toBe(false);
    expect(many.file_count).toBe(2);
  });

  it('3,000 paths of ~210 characters (past 1 MiB with both lists): left out, as the logger would cut them to 256', () => {
    const paths = Array.from({ length: 3000 }, (_, i) => `configs/a/${String(i).padStart(200, '0')}.yaml`);
    const f = snapshotEventFields(snapshotOf(paths), A.record_sha256, true);
    expect(Object.hasOwn(f, 'paths')).toBe(false);
    expect(Object.hasOwn(f, 'changed_files')).toBe(false);
    expect(f.full).toBe(true);
    // 10,001 short paths: past the item bound.
    const items = Array.from({ length: LIMITS.maxArrayItems + 1 }, (_, i) => `c/${i}.yaml`);
    expect(Object.hasOwn(snapshotEventFields(snapshotOf(items), A.record_sha256, true), 'paths')).toBe(false);
  });
});

describe('a reader never trusts a cut list', () => {
  it('heldConfigOf: a validation note or a redacted entry on paths: no paths, full kept', () => {
    const parse = (f: Record<string, unknown>) => heldConfigOf(JSON.parse(ev(A, f)) as Record<string, unknown>);
    expect(parse({ paths: [R], full: true, ...CUT })).toEqual({ ...A, full: true });
    expect(parse({ paths: [R, '[REDACTED]'], full: false, redacted: ['paths[1]'] })).toEqual({ ...A, full: false });
    expect(parse({ full: true })).toEqual({ ...A, full: true });
    // Notes on other fields change nothing; an event of an earlier version stays the whole config.
    expect(parse({ paths: [R], full: true, validation: ['reason: string of 70000 chars cut to 65536'] })).toEqual({
      ...A,
      paths: [R],
      full: true,
    });
    expect(parse({})).toEqual(A);
    expect(pathsAltered({ validation: ['paths_x: y'] })).toBe(false);
  });

  it('a full event whose paths were cut (the policy cut off) holds the policy by its record, after a narrow one', async () => {
    const dir = logs([ev(A, { paths: [R], full: true, ...CUT }), ev(B, { paths: [R], full: false })]);
    expect((await holder(dir, P)).got).toEqual({ kind: 'found', value: A.snapshot_id });
    expect((await holder(dir, R)).got).toEqual({ kind: 'found', value: B.snapshot_id });
  });

  it('a full event without paths still ends a file its record does not hold: none', async () => {
    const dir = logs([ev(A, { paths: [P, R], full: true }), ev(B, { full: true })]);
    expect((await holder(dir, P)).got).toEqual({ kind: 'none' });
  });

  it('a narrow event whose paths were cut or left out is passed for a file its record does not hold', async () => {
    for (const narrow of [{ paths: [R], full: false, ...CUT }, { full: false }]) {
      const dir = logs([ev(A, { paths: [P, R], full: true }), ev(B, narrow)]);
      expect((await holder(dir, P)).got).toEqual({ kind: 'found', value: A.snapshot_id });
      // The walk over every event goes on past it to the full one (not "the whole config").
      const all = await holder(dir, null);
      expect(all.got).toEqual({ kind: 'none' });
      expect(all.seen).toEqual([B.snapshot_id, A.snapshot_id]);
    }
  });

  it('config of record: a narrow event without paths says full: false', async () => {
    const dir = logs([ev(A, { paths: [P, R], full: true }), ev(B, { full: false })]);
    const got = await new ConfigEventIndex({ logDir: dir }).configOfRecord(DAY);
    expect(got).toMatchObject({ kind: 'event', snapshot: B, full: false });
  });

  it('the prune’s configs_in_force never carries a cut list: the entry has no paths (its record answers)', () => {
    const cut = heldConfigOf(JSON.parse(ev(B, { paths: [R], full: false, ...CUT })) as Record<string, unknown>);
    expect(advanceHeld([{ ...A, paths: [P, R] }], cut as NonNullable<typeof cut>)).toEqual([B]);
  });
});
