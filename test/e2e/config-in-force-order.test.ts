/**
 * config_in_force.json's `files` is sorted by path as UTF-8 bytes (docs/FORMAT.md,
 * "config_in_force.json"): verify and tools/auditpack_check.py both reject another order with
 * CONFIG_IN_FORCE_INVALID (at42, minor: both accepted it). UTF-8 byte order is not JavaScript's
 * code-unit order: U+FF01 sorts before an astral character by bytes and after it by code units; a
 * lone surrogate (a `\ud800` escape) counts as U+FFFD in both checkers, as verify's encoder writes it.
 *
 * One day is logged in-process and exported unsigned by the built CLI; each case edits a copy of the
 * pack, fixes its hashes (refreshPack) and runs both checkers on it (as config-in-force-agree.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bothOn, edited, exportedSite } from '../helpers/both-checkers.js';
import { dayAgo, type SnapshotPack } from '../helpers/snapshot-day.js';

const D = dayAgo(2);

let site: SnapshotPack;

beforeAll(async () => {
  site = await exportedSite(D);
}, 60_000);

describe('config_in_force.json files out of order', () => {
  it('both checkers reject a files list not sorted by path as UTF-8 bytes, and accept the sorted one', () => {
    const FULLWIDTH = 'configs/\uff01.yaml';
    const ASTRAL = 'configs/\u{1F600}.yaml';
    const put =
      (...paths: string[]) =>
      (v: Record<string, unknown> & { files: Record<string, unknown>[] }): void => {
        v.files.push(...paths.map((path) => ({ path, record: null })));
      };
    const cases: [string, (v: Record<string, unknown> & { files: Record<string, unknown>[] }) => void, string[]][] = [
      ['as written', () => {}, []],
      ['two entries swapped', (v) => v.files.reverse(), ['CONFIG_IN_FORCE_INVALID']],
      ['bytes order', put(FULLWIDTH, ASTRAL), []],
      ['code-unit order', put(ASTRAL, FULLWIDTH), ['CONFIG_IN_FORCE_INVALID']],
      ['a lone surrogate (U+FFFD) before U+E000', put('configs/\ud800', 'configs/\ue000'), ['CONFIG_IN_FORCE_INVALID']],
      ['a lone surrogate (U+FFFD) after U+E000', put('configs/\ue000', 'configs/\ud800'), []],
    ];
    for (const [name, f, errors] of cases) {
      const got = bothOn(site, { inForce: edited(f) });
      expect(got.verify, `${name}: ${got.details}`).toEqual(errors);
      expect(got.python, `${name}: ${got.details}`).toEqual(errors);
      if (errors.length > 0) expect(got.details).toContain('not sorted by path (as UTF-8 bytes)');
    }
  }, 240_000);
});
