/**
 * The hosts' start states a roll-up unites (src/rollup/carry.ts hostsStartState) share one bound,
 * the one a state's readers hold to: each was read up to 256 MB and all were held at once, so the
 * roll-up's memory grew with the hosts. A host whose state does not fit is not carried, and said
 * (`missing`, ROLLUP_HOST_NO_CARRY), never silently left out.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACK_PATH } from '../../src/format/pack.js';
import { hostsStartState } from '../../src/rollup/carry.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, makeFixture } from '../review/helpers.js';

describe("the hosts' start states share one bound", () => {
  it('three hosts whose states fit two and a half times: the third is missing, with why', async () => {
    const f = await makeFixture(tempDir());
    const size = statSync(join(f.pack, PACK_PATH.complianceStateStart)).size;
    const hosts = ['a', 'b', 'c'].map((host) => ({ host, packDir: f.pack }));
    const all = hostsStartState(hosts, DATE);
    expect(all.missing).toEqual([]);
    const cut = hostsStartState(hosts, DATE, Math.floor(size * 2.5));
    expect(cut.missing.map((m) => m.host)).toEqual(['c']);
    expect(cut.missing[0]?.why).toMatch(/more than the \d+ bytes the hosts' states may take together/);
    expect(cut.carried.note).toMatch(/2 host pack\(s\) \(a, b\); nothing carried from c/);
  });
});
