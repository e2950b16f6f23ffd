/**
 * A JSON string may hold a lone surrogate, escaped ("\ud800": what JSON.stringify itself writes for
 * one). tools/auditpack_check.py compares some files with their canonical JSON text, and encoded
 * Python's json.dumps(ensure_ascii=False) of such a string to UTF-8: a UnicodeEncodeError traceback,
 * exit 2, where verify names a finding or passes (at58 F2). It now writes the escape as
 * JSON.stringify does, and agrees with verify.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { verifyArchive, verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { exportSampleDay, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { forgePack, manifestHashOf } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';

const DAY = '2026-11-28';
let root: string;
let art: string;

beforeAll(async () => {
  root = tempDir();
  art = join(root, 'artifacts');
  await exportSampleDay(root, art);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the artifacts directory. */
function copyArt(name: string): string {
  const to = join(root, name);
  cpSync(art, to, { recursive: true });
  return to;
}

describe('an escaped lone surrogate where the Python checker re-serialises JSON', () => {
  it('in manifest.json (an alert_filter event): both checkers pass it, with the same warning', async () => {
    const dir = join(copyArt('m'), DAY);
    forgePack(dir, { manifest: (m) => void m.alert_filter.events.push('x.\ud800') });
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toContain('"x.\\ud800"');
    const ts = await verifyPack(dir);
    const py = pythonPackCheck(dir);
    expect(py.status).toBe(0);
    expect(ts.ok).toBe(true);
    expect(py.errors).toEqual([]);
  });

  it('in a review record line (reason): REVIEW_RECORD_INVALID in both, no traceback', async () => {
    const dir = copyArt('r');
    const sha = manifestHashOf(join(dir, DAY));
    mkdirSync(join(dir, 'reviews', DAY), { recursive: true });
    const line = `{"format":"auditpack-review/2","seq":1,"at":"2026-12-07T00:00:00.000Z","pack_date":"${DAY}","manifest_sha256":"${sha}","actor":"me","kind":"transition","action":"submit","from":"DRAFT","to":"PENDING_REVIEW","reason":"\\ud800","submission":null,"approval":null,"prev":"${'0'.repeat(64)}"}\n`;
    writeFileSync(join(dir, 'reviews', DAY, `${sha}.jsonl`), line);
    const ts = await verifyArchive(dir, { logDir: join(root, 'no-logs') });
    const py = pythonPackCheck(dir);
    expect(py.status).toBe(1);
    expect(ts.problems.filter((p) => p.severity === 'error').map((p) => p.code)).toContain('REVIEW_RECORD_INVALID');
    expect(py.errors.map((p) => p.code)).toContain('REVIEW_RECORD_INVALID');
  });

  it("in the report's built-in policy text: COMPLIANCE_REPORT_MISMATCH in both, no traceback", async () => {
    const top = join(root, 'c');
    mkdirSync(join(top, 'logs'), { recursive: true });
    await writeDay(join(top, 'logs'), DAY, SAMPLE_EVENTS);
    const made = await exportPack({
      date: DAY,
      logDir: join(top, 'logs'),
      artifactsDir: join(top, 'art'),
      version: '0.1.0',
      recordEvent: false,
    });
    forgePack(made.path, {
      payload: (data) => {
        const p = join(data, 'compliance_report.json');
        const r = JSON.parse(readFileSync(p, 'utf8'));
        expect(r.policies[0].source).toBe('built-in');
        r.policies[0].text += '\ud800';
        writeFileSync(p, `${JSON.stringify(r, null, 2)}\n`);
      },
    });
    const ts = await verifyPack(made.path);
    const py = pythonPackCheck(made.path);
    expect(ts.problems.map((p) => p.code)).toContain('COMPLIANCE_REPORT_MISMATCH');
    expect(py.status).toBe(1);
    expect(py.errors.map((p) => p.code)).toContain('COMPLIANCE_REPORT_MISMATCH');
  });

  it("in a pruned.jsonl line's signature: ARCHIVE_PRUNE_SIGNATURE_INVALID, no traceback", async () => {
    const dir = copyArt('p');
    writeFileSync(join(dir, 'pruned.jsonl'), '{"date":"2020-01-01","signature":"\\ud800"}\n');
    const ts = await verifyArchive(dir, { logDir: join(root, 'no-logs') });
    const py = pythonPackCheck(dir);
    expect(ts.ok).toBe(false);
    expect(py.status).toBe(1);
    expect(py.errors.map((p) => p.code)).toContain('ARCHIVE_PRUNE_SIGNATURE_INVALID');
  });
});
