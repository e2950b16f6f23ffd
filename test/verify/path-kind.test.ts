/**
 * What a directory is taken for decides what is checked: a log file's name planted in an artifacts
 * directory (or a roll-ups directory) must not turn it into a logs directory, whose check ignores
 * every pack in it (at58 F1: a tampered pack verified intact, in verify and, when the packs were all
 * `.tar.gz`, in tools/auditpack_check.py). docs/FORMAT.md "Verifying".
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPathKind, verifyPath } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { exportSampleDay } from '../pack/helpers.js';
import { pythonPackCheck } from './helpers/python-check.js';

const DAY = '2026-11-28';
const LOG_NAME = 'audit-20261128.jsonl';

/** An artifacts directory whose one pack has an orders.csv row edited (no hash re-made). */
async function tamperedArtifacts(): Promise<{ root: string; art: string; pack: string }> {
  const root = tempDir();
  const art = join(root, 'artifacts');
  const pack = await exportSampleDay(root, art);
  chmodSync(pack, 0o755);
  chmodSync(join(pack, 'data'), 0o755);
  const csv = join(pack, 'data', 'orders.csv');
  chmodSync(csv, 0o644);
  const text = readFileSync(csv, 'utf8');
  writeFileSync(csv, text.replace('EURUSD', 'EURGBP'));
  expect(readFileSync(csv, 'utf8')).not.toBe(text);
  return { root, art, pack };
}

describe('a log file planted in an artifacts directory', () => {
  it('beside pack directories: still an artifacts directory, and the tampered pack is found', async () => {
    const { root, art, pack } = await tamperedArtifacts();
    copyFileSync(join(pack, 'data', 'audit.jsonl'), join(art, LOG_NAME));
    expect(await detectPathKind(art)).toBe('archive');
    const r = await verifyPath(art, { logDir: join(root, 'no-logs') });
    expect(r.kind).toBe('archive');
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.code)).toContain('PACK_FILE_HASH_MISMATCH');
    const py = pythonPackCheck(art);
    expect(py.kind).toBe('archive');
    expect(py.errors.length).toBeGreaterThan(0);
    rmSync(root, { recursive: true, force: true });
  });

  it('beside .tar.gz packs only: still an artifacts directory in both checkers', async () => {
    const { root, art, pack } = await tamperedArtifacts();
    execFileSync('tar', ['czf', join(art, `${DAY}.tar.gz`), '-C', art, DAY]);
    copyFileSync(join(pack, 'data', 'audit.jsonl'), join(art, LOG_NAME));
    rmSync(pack, { recursive: true, force: true });
    expect(await detectPathKind(art)).toBe('archive');
    const r = await verifyPath(art, { logDir: join(root, 'no-logs') });
    expect(r.ok).toBe(false);
    const py = pythonPackCheck(art);
    expect(py.kind).toBe('archive');
    expect(py.errors.length).toBeGreaterThan(0);
    rmSync(root, { recursive: true, force: true });
  });

  it('a logs directory stays one (its lock file, day files); a pruned.jsonl beside log files makes it an artifacts directory', async () => {
    const root = tempDir();
    const pack = await exportSampleDay(root);
    const logs = join(root, 'logs');
    expect(await detectPathKind(logs)).toBe('log-dir');
    expect(pythonPackCheck(logs).kind).toBe('log-dir');
    const mixed = join(root, 'mixed');
    mkdirSync(mixed);
    copyFileSync(join(pack, 'data', 'audit.jsonl'), join(mixed, LOG_NAME));
    writeFileSync(join(mixed, 'pruned.jsonl'), '');
    expect(await detectPathKind(mixed)).toBe('archive');
    expect(pythonPackCheck(mixed).kind).toBe('archive');
    rmSync(root, { recursive: true, force: true });
  });
});
