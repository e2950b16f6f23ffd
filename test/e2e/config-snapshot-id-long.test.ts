/**
 * A hostile data/config_snapshot.json whose `snapshot_id` is 1 MiB long (at41, minor): both checkers
 * still call the pack's config of record wrong (CONFIG_IN_FORCE_MISMATCH), and neither echoes the whole
 * id: a finding shows a bounded excerpt of a value it did not expect, never a megabyte of it.
 */
import { beforeAll, expect, it } from 'vitest';
import { bothOn, exportedSite } from '../helpers/both-checkers.js';
import { dayAgo, type SnapshotPack } from '../helpers/snapshot-day.js';

let site: SnapshotPack;

beforeAll(async () => {
  site = await exportedSite(dayAgo(2));
}, 60_000);

it('a 1 MiB snapshot_id: both checkers find the mismatch and show at most a few KB of it', () => {
  const r = bothOn(site, {
    snapshot: (bytes) => {
      const v = JSON.parse(bytes.toString('utf8'));
      v.snapshot_id = `${v.snapshot_id}${'x'.repeat(1 << 20)}`;
      return JSON.stringify(v);
    },
  });
  expect(r.verify).toContain('CONFIG_IN_FORCE_MISMATCH');
  expect(r.python).toContain('CONFIG_IN_FORCE_MISMATCH');
  expect(r.details.length).toBeLessThan(8192);
}, 60_000);
