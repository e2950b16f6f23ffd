import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrunedLedger, parsePrunedLine, renderPrunedLine } from '../../src/format/pruned-ledger.js';
import { findPreviousPack, readPrunedLedger } from '../../src/pack/layout.js';

const SHA = 'ab'.repeat(32);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function artifacts(ledger: string): string {
  const d = mkdtempSync(join(tmpdir(), 'pruned-ledger-'));
  dirs.push(d);
  writeFileSync(join(d, 'pruned.jsonl'), ledger);
  return d;
}

describe('pruned.jsonl, one schema', () => {
  it('renders the exact bytes prune appends, with the retention and its source, relied_on only when set', () => {
    const base = {
      export_date: '2025-01-02',
      manifest_sha256: SHA,
      path: '2025-01-02',
      pruned_at: '2025-03-01T00:00:00.000Z',
      retention_days: 30,
      retention_source: 'environment' as const,
    };
    expect(renderPrunedLine(base)).toBe(
      `{"export_date":"2025-01-02","manifest_sha256":"${SHA}","path":"2025-01-02","pruned_at":"2025-03-01T00:00:00.000Z","retention_days":30,"retention_source":"environment"}\n`,
    );
    expect(renderPrunedLine({ ...base, manifest_sha256: null, relied_on: 's3://b/k version 1' })).toBe(
      '{"export_date":"2025-01-02","manifest_sha256":null,"path":"2025-01-02","pruned_at":"2025-03-01T00:00:00.000Z","retention_days":30,"retention_source":"environment","relied_on":"s3://b/k version 1"}\n',
    );
    expect(parsePrunedLine(renderPrunedLine(base).trimEnd())).toEqual(base);
  });

  it('reads a line written before prune recorded its retention (neither member)', () => {
    const old = `{"export_date":"2025-01-02","manifest_sha256":"${SHA}","path":"2025-01-02","pruned_at":"2025-03-01T00:00:00.000Z"}`;
    expect(parsePrunedLine(old)).toEqual({
      export_date: '2025-01-02',
      manifest_sha256: SHA,
      path: '2025-01-02',
      pruned_at: '2025-03-01T00:00:00.000Z',
    });
  });

  it('refuses a retention that is not a whole number of days with a known source, or one without the other', () => {
    const line = (extra: string) => `{"export_date":"2025-01-02","manifest_sha256":"${SHA}"${extra}}`;
    expect(parsePrunedLine(line(',"retention_days":0,"retention_source":"command_line"'))).toBeDefined();
    for (const extra of [
      ',"retention_days":30',
      ',"retention_source":"default"',
      ',"retention_days":"30","retention_source":"default"',
      ',"retention_days":-1,"retention_source":"default"',
      ',"retention_days":1.5,"retention_source":"default"',
      ',"retention_days":1e9,"retention_source":"default"',
      ',"retention_days":30,"retention_source":"cron"',
      ',"retention_days":30,"retention_source":null',
    ])
      expect(parsePrunedLine(line(extra))).toBeUndefined();
  });

  it('refuses lines that do not meet the schema, and numbers them', () => {
    const good = renderPrunedLine({
      export_date: '2025-01-02',
      manifest_sha256: SHA,
      path: '2025-01-02',
      pruned_at: 'x',
      retention_days: 90,
      retention_source: 'default',
    });
    const bad = [
      '',
      'not json',
      '[]',
      'null',
      `{"export_date":"2025-02-30","manifest_sha256":"${SHA}"}`,
      '{"export_date":"2025-01-02","manifest_sha256":"ZZ"}',
      '{"export_date":"2025-01-02"}',
      `{"export_date":20250102,"manifest_sha256":"${SHA}"}`,
    ];
    const { entries, invalid } = parsePrunedLedger(`${good}${bad.join('\n')}\n${good}`);
    expect(entries.map((e) => e.line)).toEqual([1, 10]);
    expect(invalid).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('export never links a new pack to a ledger line whose hash is not a SHA-256', () => {
    const forged = '{"export_date":"2025-01-01","manifest_sha256":"not-a-hash","path":"2025-01-01","pruned_at":"x"}\n';
    const dir = artifacts(forged);
    expect(readPrunedLedger(dir)).toEqual([]);
    expect(findPreviousPack(dir, '2025-01-05')).toBeNull();
    const real = `{"export_date":"2025-01-01","manifest_sha256":"${SHA}","path":"2025-01-01","pruned_at":"x"}\n`;
    expect(findPreviousPack(artifacts(forged + real), '2025-01-05')).toEqual({
      export_date: '2025-01-01',
      manifest_sha256: SHA,
    });
  });
});
