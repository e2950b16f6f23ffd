/**
 * The pack rules of docs/FORMAT.md that a forger without the key could break while keeping every
 * hash consistent: each must be a finding. Packs are made by the real exporter from a real log.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { verifyPack, type VerifyReport } from '../../src/verify/index.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack, type ForgeSteps } from './helpers/forge.js';

const DATE = '2025-09-08';
const errorCodes = (r: VerifyReport): string[] =>
  [...new Set(r.problems.filter((p) => p.severity === 'error').map((p) => p.code))].sort();

async function exported(): Promise<string> {
  const root = tempDir();
  const logDir = join(root, 'logs');
  mkdirSync(logDir);
  await writeDay(logDir, DATE, SAMPLE_EVENTS);
  const r = await exportPack({
    date: DATE,
    logDir,
    artifactsDir: join(root, 'artifacts'),
    version: '0.1.0',
    now: () => Date.parse('2025-09-09T00:10:00Z'),
    recordEvent: false,
  });
  return r.path;
}

/** Each case: what a forger does, and the finding it must produce. */
export const PACK_RULE_CASES: readonly { name: string; steps: ForgeSteps; code: string }[] = [
  {
    name: 'bag-info.txt labels reordered',
    steps: { bagInfo: (t) => `${t.split('\n').filter(Boolean).reverse().join('\n')}\n` },
    code: 'PACK_BAG_INFO_INVALID',
  },
  {
    name: 'bag-info.txt with an extra label',
    steps: { bagInfo: (t) => `${t}Contact-Name: someone\n` },
    code: 'PACK_BAG_INFO_INVALID',
  },
  {
    name: 'garbage Bagging-Date',
    steps: { bagInfo: (t) => t.replace(/Bagging-Date: .*/, 'Bagging-Date: 2025-13-45') },
    code: 'PACK_BAG_INFO_INVALID',
  },
  {
    name: 'Bagging-Date not the day created_at says',
    steps: { bagInfo: (t) => t.replace(/Bagging-Date: .*/, 'Bagging-Date: 2025-09-10') },
    code: 'PACK_BAG_INFO_INVALID',
  },
  {
    name: "Auditpack-Version not manifest.json's",
    steps: { bagInfo: (t) => t.replace(/Auditpack-Version: .*/, 'Auditpack-Version: 9.9.9') },
    code: 'PACK_BAG_INFO_INVALID',
  },
  {
    name: 'manifest-sha256.txt unsorted',
    steps: { manifestSha: (t) => `${t.split('\n').filter(Boolean).reverse().join('\n')}\n` },
    code: 'PACK_MANIFEST_INVALID',
  },
  {
    name: 'manifest-sha256.txt in binary mode (" *")',
    steps: { manifestSha: (t) => t.replaceAll('  data/', ' *data/') },
    code: 'PACK_MANIFEST_INVALID',
  },
  {
    name: 'manifest-sha256.txt in uppercase hex',
    steps: { manifestSha: (t) => t.replace(/^[0-9a-f]{64}/gm, (h) => h.toUpperCase()) },
    code: 'PACK_MANIFEST_INVALID',
  },
  {
    name: 'tagmanifest-sha256.txt unsorted',
    steps: { tagmanifest: (t) => `${t.split('\n').filter(Boolean).reverse().join('\n')}\n` },
    code: 'PACK_TAGMANIFEST_INVALID',
  },
  {
    name: 'manifest.json compact (not canonical)',
    steps: { manifestText: (t) => `${JSON.stringify(JSON.parse(t))}\n` },
    code: 'PACK_MANIFEST_JSON_INVALID',
  },
  {
    name: 'manifest.json without its final newline',
    steps: { manifestText: (t) => t.slice(0, -1) },
    code: 'PACK_MANIFEST_JSON_INVALID',
  },
  {
    name: 'manifest.json fields reordered',
    steps: {
      manifest: (m) => {
        const { format, ...rest } = m;
        for (const k of Object.keys(m)) delete m[k];
        Object.assign(m, rest, { format });
      },
    },
    code: 'PACK_MANIFEST_JSON_INVALID',
  },
  {
    name: 'manifest.json with an extra field',
    steps: {
      manifest: (m) => {
        m.comment = 'ok';
      },
    },
    code: 'PACK_MANIFEST_JSON_INVALID',
  },
  {
    name: 'auditpack_version: 12',
    steps: {
      manifest: (m) => {
        m.auditpack_version = 12;
      },
    },
    code: 'PACK_MANIFEST_JSON_INVALID',
  },
  {
    name: 'created_at: "yesterday"',
    steps: {
      manifest: (m) => {
        m.created_at = 'yesterday';
      },
    },
    code: 'PACK_MANIFEST_JSON_INVALID',
  },
  {
    name: 'created_at not a real instant',
    steps: {
      manifest: (m) => {
        m.created_at = '2025-02-30T00:10:00.000Z';
      },
    },
    code: 'PACK_MANIFEST_JSON_INVALID',
  },
  {
    name: 'alert_filter removed',
    steps: {
      manifest: (m) => {
        delete m.alert_filter;
      },
    },
    code: 'PACK_MANIFEST_JSON_INVALID',
  },
  {
    name: 'a 7th payload file, listed everywhere',
    steps: { payload: (d) => writeFileSync(join(d, 'notes.txt'), 'nothing to see\n') },
    code: 'PACK_FILE_UNEXPECTED',
  },
  {
    name: 'a payload file removed from the pack and every manifest',
    steps: { payload: (d) => rmSync(join(d, 'config.diff')) },
    code: 'PACK_FILE_MISSING',
  },
];

describe('pack rules a forger without the key could break', () => {
  it('a pack forged with no edit at all is clean (the forger is faithful)', async () => {
    const dir = await exported();
    forgePack(dir, {});
    expect((await verifyPack(dir)).problems).toEqual([]);
  });

  it.each(PACK_RULE_CASES)('$name → $code', async ({ steps, code }) => {
    const dir = await exported();
    forgePack(dir, steps);
    const r = await verifyPack(dir);
    expect(r.ok).toBe(false);
    expect(errorCodes(r)).toContain(code);
  });

  it('a root file the format does not have is an error, not a warning', async () => {
    const dir = await exported();
    forgePack(dir, {});
    appendFileSync(join(dir, 'README.txt'), 'hello\n');
    expect(errorCodes(await verifyPack(dir))).toEqual(['PACK_FILE_UNEXPECTED']);
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toBe('hello\n');
  });
});
