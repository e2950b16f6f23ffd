/**
 * Prune appends to a pruned.jsonl whose last line was torn (a crash mid-append, here the torn bytes
 * written by hand, as a kill -9 between two write() calls leaves them): its lines start a line of
 * their own, so only the torn line is invalid and the checkers read every line after it. Before,
 * the next prune's good line ran on from the torn bytes and was lost with them (the link to its pack
 * then broke in both checkers).
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appendDurably } from '../../src/fsx/append.js';
import { exportPack } from '../../src/pack/export.js';
import { prune } from '../../src/retention/index.js';
import { formatAllowedSignersLine } from '../../src/signing/keys.js';
import { verifyArchive } from '../../src/verify/index.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { days } from '../verify/helpers/archive-days.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const KEY = generateKeyPairSync('ed25519');
const NOW = Date.parse('2026-12-01T00:20:00Z');

describe('appendDurably', () => {
  it('starts a new line when the file does not end with one, and only then', () => {
    const p = join(tempDir(), 'ledger.jsonl');
    appendDurably(p, '{"a":1}\n');
    appendDurably(p, '{"b":2}\n');
    appendFileSync(p, '{"torn');
    appendDurably(p, '{"c":3}\n');
    expect(readFileSync(p, 'utf8')).toBe('{"a":1}\n{"b":2}\n{"torn\n{"c":3}\n');
    writeFileSync(p, '');
    appendDurably(p, '{"d":4}\n');
    expect(readFileSync(p, 'utf8')).toBe('{"d":4}\n');
  });
});

describe('a prune after a torn pruned.jsonl line', () => {
  it('writes its line on a line of its own: both checkers report the torn line only and read the later one', async () => {
    const { root, logDir, artifactsDir, dates, opts } = await days();
    for (const d of dates) await exportPack(opts(d, { signingKey: KEY.privateKey }));
    const signers = join(root, 'allowed_signers');
    writeFileSync(signers, formatAllowedSignersLine('ops@example.com', KEY.publicKey));
    const run = (retentionDays: number, now: number) =>
      prune({
        artifactsDir,
        retentionDays,
        now,
        eventLogDir: logDir,
        loggerClock: () => now * 1000,
        signingKey: KEY.privateKey,
      });
    expect((await run(5, NOW)).result?.packs.map((p) => p.name)).toEqual(['2026-11-25']);
    const ledger = join(artifactsDir, 'pruned.jsonl');
    const first = readFileSync(ledger, 'utf8');
    // What a prune killed mid-write leaves: the start of a line, no newline.
    appendFileSync(ledger, first.slice(0, 40));
    expect((await run(4, NOW + 60_000)).result?.packs.map((p) => p.name)).toEqual(['2026-11-26']);
    const lines = readFileSync(ledger, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(first.slice(0, 40));
    expect(JSON.parse(lines[2] as string).export_date).toBe('2026-11-26');

    const report = await verifyArchive(artifactsDir, {
      publicKeys: [KEY.publicKey],
      logDir,
      now: () => NOW + 3_600_000,
      minRetentionDays: 0,
    });
    const v = report.problems.filter((p) => p.severity === 'error').map((p) => `${p.code}:${p.line ?? ''}`);
    expect(v).toEqual(['ARCHIVE_PRUNED_LEDGER_INVALID:2']);
    const out = spawnSync(
      PYTHON,
      [CHECKER, artifactsDir, '--json', '--allowed-signers', signers, '--min-retention-days', '0'],
      { encoding: 'utf8' },
    );
    const py = (JSON.parse(out.stdout) as { findings: { code: string; severity: string; line: number | null }[] })
      .findings;
    expect(py.filter((f) => f.severity === 'error').map((f) => `${f.code}:${f.line ?? ''}`)).toEqual([
      'ARCHIVE_PRUNED_LEDGER_INVALID:2',
    ]);
  });
});
