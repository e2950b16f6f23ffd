/**
 * compliance_report.json and config_in_force.json are the exact bytes their writers make
 * (JSON.stringify(…, null, 2) of the documented members, in order, and a newline). With every hash
 * re-made, a member added to either, the members reordered, or the text re-spaced verified intact
 * in both checkers (at58 F4, F5): bytes in an exported file that no export writes. docs/FORMAT.md
 * "Verifying / A pack", items 8 and 10.
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

// The demo's day: its pack has a compliance report and a config_in_force.json naming config_snapshot.
beforeAll(() => {
  root = tempDir();
  pack = demoPack(root);
  expect(readFileSync(join(pack, 'data', 'config_in_force.json'), 'utf8')).toContain('"config_snapshot"');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the pack with `file` (under data/) rewritten by `edit`, every hash re-made. */
function edited(name: string, file: string, edit: (text: string) => string): string {
  const dir = join(root, name);
  cpSync(pack, dir, { recursive: true });
  forgePack(dir, {
    payload: (data) => {
      const text = readFileSync(join(data, file), 'utf8');
      const out = edit(text);
      expect(out).not.toBe(text);
      writeFileSync(join(data, file), out);
    },
  });
  return dir;
}

/** Re-serialised after `change` of the parsed value. */
const reshaped =
  (change: (v: Record<string, unknown>) => Record<string, unknown>) =>
  (text: string): string =>
    `${JSON.stringify(change(JSON.parse(text)), null, 2)}\n`;

const codes = (ps: readonly { code: string; severity: string }[]): string[] =>
  ps.filter((p) => p.severity === 'error').map((p) => p.code);

describe('compliance_report.json not as export writes it', () => {
  const cases: [string, (t: string) => string][] = [
    ['a member added', reshaped((r) => ({ ...r, approved_by: 'Chief Compliance Officer' }))],
    ['its members reordered', reshaped(({ rules, ...rest }) => ({ rules, ...rest }))],
    ['CRLF line ends', (t) => t.replace(/\n/g, '\r\n')],
  ];
  for (const [what, edit] of cases) {
    it(`${what}: COMPLIANCE_REPORT_MISMATCH or _INVALID`, async () => {
      const dir = edited(`report-${what.replace(/\W+/g, '-')}`, 'compliance_report.json', edit);
      const r = await verifyPack(dir);
      expect(r.ok).toBe(false);
      expect(
        codes(r.problems).some((c) => c === 'COMPLIANCE_REPORT_MISMATCH' || c === 'COMPLIANCE_REPORT_INVALID'),
      ).toBe(true);
    });
  }
});

describe('config_in_force.json not as export writes it', () => {
  const cases: [string, (t: string) => string][] = [
    ['a member added', reshaped((v) => ({ ...v, note: 'all configs approved' }))],
    [
      'a member added to an entry',
      reshaped((v) => ({ ...v, files: (v.files as object[]).map((e) => ({ ...e, ok: true })) })),
    ],
    ['its members reordered', reshaped(({ files, ...rest }) => ({ files, ...rest }))],
    ['CRLF line ends', (t) => t.replace(/\n/g, '\r\n')],
  ];
  for (const [what, edit] of cases) {
    it(`${what}: CONFIG_IN_FORCE_INVALID in both checkers`, async () => {
      const dir = edited(`cif-${what.replace(/\W+/g, '-')}`, 'config_in_force.json', edit);
      const r = await verifyPack(dir);
      expect(codes(r.problems)).toContain('CONFIG_IN_FORCE_INVALID');
      expect(codes(pythonPackCheck(dir).errors)).toContain('CONFIG_IN_FORCE_INVALID');
    });
  }

  it('the exported files themselves pass both', async () => {
    expect((await verifyPack(pack)).ok).toBe(true);
    expect(pythonPackCheck(pack).errors).toEqual([]);
  });
});
