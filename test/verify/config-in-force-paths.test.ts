/**
 * An entry of data/config_in_force.json that names data/config_snapshot.json's snapshot names a
 * file that record holds: export writes such an entry only for a file it found in the record. With
 * every hash re-made, the policy file's entry renamed to a path the record does not hold verified
 * intact in both checkers (at58 F6); it is CONFIG_IN_FORCE_MISMATCH in both now.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { demoPack } from './helpers/demo-pack.js';
import { forgePack } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';

let root: string;
let pack: string;

beforeAll(() => {
  root = tempDir();
  pack = demoPack(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("config_in_force.json's entries of the pack's own record", () => {
  it('the policy file entry renamed to a path the record does not hold: CONFIG_IN_FORCE_MISMATCH in both', async () => {
    const dir = join(root, 'renamed');
    cpSync(pack, dir, { recursive: true });
    forgePack(dir, {
      payload: (data) => {
        const p = join(data, 'config_in_force.json');
        const v = JSON.parse(readFileSync(p, 'utf8'));
        const own = JSON.parse(readFileSync(join(data, 'config_snapshot.json'), 'utf8')).snapshot_id;
        expect(v.files[0].record.snapshot_id).toBe(own);
        v.files[0].path = 'configs/compliance_policy.yml';
        writeFileSync(p, `${JSON.stringify(v, null, 2)}\n`);
      },
    });
    const r = await verifyPack(dir);
    const mismatch = r.problems.filter((p) => p.code === 'CONFIG_IN_FORCE_MISMATCH').map((p) => p.detail);
    expect(mismatch).toEqual([expect.stringMatching(/^configs\/compliance_policy\.yml: .*holds no such file/)]);
    const py = pythonPackCheck(dir)
      .errors.filter((p) => p.code === 'CONFIG_IN_FORCE_MISMATCH')
      .map((p) => p.detail);
    expect(py).toEqual([expect.stringMatching(/^configs\/compliance_policy\.yml: .*holds no such file/)]);
  });

  // A member the schema does not define: renaming config_snapshot turned the file into one of an
  // earlier version (no binding of config_snapshot.json, no canonical bytes) with a stray member.
  for (const [what, edit] of [
    [
      'config_snapshot renamed',
      (v: Record<string, unknown>) => ({ ...v, config_0snapshot: v.config_snapshot, config_snapshot: undefined }),
    ],
    [
      'a member in an entry',
      (v: Record<string, unknown>) => ({ ...v, files: (v.files as object[]).map((e) => ({ ...e, ok: 1 })) }),
    ],
  ] as const) {
    it(`${what}: CONFIG_IN_FORCE_INVALID in both, whatever the file's version`, async () => {
      const dir = join(root, what.replace(/\W+/g, '-'));
      cpSync(pack, dir, { recursive: true });
      forgePack(dir, {
        payload: (data) => {
          const p = join(data, 'config_in_force.json');
          writeFileSync(p, `${JSON.stringify(edit(JSON.parse(readFileSync(p, 'utf8'))), null, 2)}\n`);
        },
      });
      const ts = (await verifyPack(dir)).problems
        .filter((p) => p.code === 'CONFIG_IN_FORCE_INVALID')
        .map((p) => p.detail);
      expect(ts).toEqual([expect.stringMatching(/a member the schema does not define/)]);
      const py = pythonPackCheck(dir)
        .errors.filter((p) => p.code === 'CONFIG_IN_FORCE_INVALID')
        .map((p) => p.detail);
      expect(py).toEqual([expect.stringMatching(/a member the schema does not define/)]);
    });
  }

  it('the exported pack passes both', async () => {
    expect((await verifyPack(pack)).ok).toBe(true);
    expect(pythonPackCheck(pack).errors).toEqual([]);
  });
});
