/**
 * JSON nested thousands of levels deep, well inside a pack file's size bound, is valid JSON that
 * V8's JSON.parse reads but JSON.stringify (and any recursive walk) overflows the stack on. Such a
 * manifest.json or compliance_report.json made verify crash (exit 70, INTERNAL) instead of naming
 * the file (at58 F3). The files are read with the depth bound of a log line (docs/FORMAT.md
 * "Verifying / A pack").
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { forgePack } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';

const DATE = '2026-11-28';
const DEEP = `${'['.repeat(6000)}${']'.repeat(6000)}`;

let root: string;
let pack: string;

/** A copy of the exported pack to forge. */
function copyPack(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

beforeAll(async () => {
  root = tempDir();
  const logDir = join(root, 'logs');
  mkdirSync(logDir);
  await writeDay(logDir, DATE, SAMPLE_EVENTS);
  pack = (
    await exportPack({
      date: DATE,
      logDir,
      artifactsDir: join(root, 'artifacts'),
      version: '0.1.0',
      recordEvent: false,
    })
  ).path;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('JSON nested deeper than the format allows', () => {
  it('in manifest.json (a field 6,000 levels deep): PACK_MANIFEST_JSON_INVALID, no crash', async () => {
    const dir = copyPack(pack, join(root, 'm'));
    forgePack(dir, { manifestText: (t) => t.replace(/"csv_rules": 3/, `"csv_rules": ${DEEP}`) });
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toContain('[[[[');
    const r = await verifyPack(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.find((p) => p.code === 'PACK_MANIFEST_JSON_INVALID')?.detail).toMatch(/64 levels/);
    // The Python checker holds the same bound, in the same words.
    const py = pythonPackCheck(dir);
    expect(py.errors.find((p) => p.code === 'PACK_MANIFEST_JSON_INVALID')?.detail).toMatch(/64 levels/);
  });

  for (const field of ['summary', 'totals', 'policy']) {
    it(`in compliance_report.json (${field} 6,000 levels deep): COMPLIANCE_REPORT_INVALID, no crash`, async () => {
      const dir = copyPack(pack, join(root, field));
      forgePack(dir, {
        payload: (data) => {
          const p = join(data, 'compliance_report.json');
          const text = readFileSync(p, 'utf8');
          const edited = text.replace(new RegExp(`\\n  "${field}": `), `\n  "${field}": ${DEEP},\n  "was": `);
          expect(edited).not.toBe(text);
          writeFileSync(p, edited);
        },
      });
      const r = await verifyPack(dir);
      expect(r.ok).toBe(false);
      expect(r.problems.find((p) => p.code === 'COMPLIANCE_REPORT_INVALID')?.detail).toMatch(/64 levels/);
    });
  }
});
