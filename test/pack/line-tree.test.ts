/**
 * manifest.json `line_tree`: the RFC 6962 root over data/audit.jsonl's lines (leaf data = the line's
 * SHA-256), made in the export's one pass and checked by verify and by the Python checker.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { verifyPack } from '../../src/verify/index.js';
import { mth, sha256 } from '../helpers/rfc6962.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from '../verify/helpers/forge.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { SAMPLE_EVENTS, writeDay } from './helpers.js';

const DATE = '2025-09-09';

async function packWith(extra: string): Promise<string> {
  const dir = tempDir();
  const logDir = join(dir, 'logs');
  await writeDay(logDir, DATE, SAMPLE_EVENTS);
  if (extra !== '') appendFileSync(join(logDir, 'audit-20250909.jsonl'), extra);
  const artifacts = join(dir, 'artifacts');
  await exportPack({
    logDir,
    artifactsDir: artifacts,
    date: DATE,
    version: '0.1.0',
    snapshot: false,
    recordEvent: false,
  });
  return join(artifacts, DATE);
}

function expectedTree(pack: string): { leaves: number; root: string } {
  const bytes = readFileSync(join(pack, 'data', 'audit.jsonl'));
  const parts = bytes.toString('latin1').split('\n');
  if (parts[parts.length - 1] === '') parts.pop(); // the file ends with "\n": no tail
  const leafData = parts.map((p) => sha256(Buffer.from(p, 'latin1')));
  return { leaves: leafData.length, root: mth(leafData).toString('hex') };
}

const manifestOf = (pack: string) => JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8'));

describe('line_tree in manifest.json', () => {
  it('is the RFC 6962 tree of every line, a malformed line and a torn tail included', async () => {
    for (const extra of ['', 'not json\n', 'not json\n{"torn":']) {
      const pack = await packWith(extra);
      const m = manifestOf(pack);
      expect(m.line_tree, JSON.stringify(extra)).toEqual(expectedTree(pack));
      expect(Object.keys(m).slice(-2)).toEqual(['line_tree', 'csv_rules']);
      expect(m.line_tree.leaves).toBe(m.events.total + m.events.malformed_lines);
      // The malformed lines are findings of their own (LOG_*), the tree is not.
      const r = await verifyPack(pack);
      expect(r.problems.filter((p) => p.severity === 'error' && !p.code.startsWith('LOG_'))).toEqual([]);
      expect(pythonPackCheck(pack).errors.filter((e) => !e.code.startsWith('LOG_'))).toEqual([]);
    }
  });

  it('an empty day has the empty tree', async () => {
    const dir = tempDir();
    const artifacts = join(dir, 'artifacts');
    mkdirSync(join(dir, 'logs'));
    await exportPack({
      logDir: join(dir, 'logs'),
      artifactsDir: artifacts,
      date: DATE,
      version: '0.1.0',
      snapshot: false,
      recordEvent: false,
    });
    expect(manifestOf(join(artifacts, DATE)).line_tree).toEqual({ leaves: 0, root: sha256().toString('hex') });
  });

  it('a forged root or count is PACK_LINE_TREE_MISMATCH for verify and the Python checker', async () => {
    for (const edit of [
      (t: { leaves: number; root: string }) => {
        t.root = `${t.root.slice(0, 63)}${t.root.endsWith('0') ? '1' : '0'}`;
      },
      (t: { leaves: number; root: string }) => {
        t.leaves += 1;
      },
    ]) {
      const pack = await packWith('');
      forgePack(pack, { manifest: (m) => edit(m.line_tree) });
      const codes = (await verifyPack(pack)).problems.map((p) => p.code);
      expect(codes).toContain('PACK_LINE_TREE_MISMATCH');
      expect(pythonPackCheck(pack).errors.map((e) => e.code)).toContain('PACK_LINE_TREE_MISMATCH');
    }
  });

  it('a pack made before the field existed (no line_tree) is still valid', async () => {
    const pack = await packWith('');
    forgePack(pack, { manifest: (m) => delete m.line_tree });
    const r = await verifyPack(pack);
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(pythonPackCheck(pack).errors).toEqual([]);
  });
});
