import { describe, expect, it } from 'vitest';
import {
  isCanonicalPath,
  CONFIG_IN_FORCE_SCHEMA,
  type ConfigInForceFile,
  parseConfigInForceFile,
  renderConfigInForce,
} from '../../src/format/config-in-force-file.js';

const SHA = 'ab'.repeat(32);
const VALUE: ConfigInForceFile = {
  schema: CONFIG_IN_FORCE_SCHEMA,
  export_date: '2025-09-08',
  files: [
    { path: 'configs/risk.yaml', record: { unknown: 'the chain cannot tell' } },
    {
      path: 'configs/compliance_policy.yaml',
      record: { snapshot_id: '20250908T080000.000000Z-000', record_sha256: SHA },
    },
    { path: 'configs/old.yaml', record: null },
  ],
  other_files: { unknown: 'a gap' },
};

describe('data/config_in_force.json', () => {
  it('renders sorted two-space JSON and parses back to the same entries', () => {
    const text = renderConfigInForce(VALUE);
    expect(text.endsWith('}\n')).toBe(true);
    const v = JSON.parse(text) as { files: { path: string; record: unknown; reason?: string }[]; other_files: unknown };
    expect(v.files.map((e) => e.path)).toEqual([
      'configs/compliance_policy.yaml',
      'configs/old.yaml',
      'configs/risk.yaml',
    ]);
    expect(v.files[2]).toEqual({ path: 'configs/risk.yaml', record: 'unknown', reason: 'the chain cannot tell' });
    expect(v.other_files).toEqual({ record: 'unknown', reason: 'a gap' });
    const back = parseConfigInForceFile(text);
    expect('invalid' in back).toBe(false);
    expect(renderConfigInForce(back as ConfigInForceFile)).toBe(text);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['another schema', JSON.stringify({ ...JSON.parse(renderConfigInForce(VALUE)), schema: 'x/1' })],
    ['a bad date', renderConfigInForce({ ...VALUE, export_date: '2025-9-8' })],
    ['a path twice', renderConfigInForce({ ...VALUE, files: [VALUE.files[0], VALUE.files[0]] as never })],
    ['an unknown without reason', renderConfigInForce({ ...VALUE, files: [{ path: 'a', record: { unknown: '' } }] })],
    [
      'a short hash',
      renderConfigInForce({ ...VALUE, files: [{ path: 'a', record: { snapshot_id: 's', record_sha256: 'ab' } }] }),
    ],
    ['other_files missing', JSON.stringify({ schema: CONFIG_IN_FORCE_SCHEMA, export_date: '2025-09-08', files: [] })],
    ['config_snapshot_redacted_again null', withAgain(null)],
    ['config_snapshot_redacted_again without rules', withAgain({ snapshot_id: 's', record_sha256: SHA })],
    ['config_snapshot_redacted_again with rules 0', withAgain({ snapshot_id: 's', record_sha256: SHA, rules: 0 })],
    [
      'config_snapshot_redacted_again with rules "20"',
      withAgain({ snapshot_id: 's', record_sha256: SHA, rules: '20' }),
    ],
    [
      'config_snapshot_redacted_again with a short hash',
      withAgain({ snapshot_id: 's', record_sha256: 'ab', rules: 20 }),
    ],
  ])('%s is invalid (hostile input: a reason, never a throw)', (_n, text) => {
    expect('invalid' in parseConfigInForceFile(text)).toBe(true);
  });

  it('config_snapshot_redacted_again: absent unless given (the bytes of a pack without it are unchanged); given, it renders last and parses back', () => {
    expect(renderConfigInForce(VALUE)).not.toContain('config_snapshot_redacted_again');
    const again = { snapshot_id: 's', record_sha256: SHA, rules: 20 };
    const text = renderConfigInForce({ ...VALUE, config_snapshot_redacted_again: again });
    expect(Object.keys(JSON.parse(text)).at(-1)).toBe('config_snapshot_redacted_again');
    const back = parseConfigInForceFile(text) as ConfigInForceFile;
    expect(back.config_snapshot_redacted_again).toEqual(again);
    expect(renderConfigInForce(back)).toBe(text);
  });

  it('config_snapshot: absent unless given; null or a record renders after export_date and parses back; anything else is invalid', () => {
    expect(JSON.parse(renderConfigInForce(VALUE))).not.toHaveProperty('config_snapshot');
    for (const named of [null, { snapshot_id: '20250908T080000.000000Z-000', record_sha256: SHA }]) {
      const text = renderConfigInForce({ ...VALUE, config_snapshot: named });
      expect(Object.keys(JSON.parse(text)).slice(0, 3)).toEqual(['schema', 'export_date', 'config_snapshot']);
      const back = parseConfigInForceFile(text) as ConfigInForceFile;
      expect(back.config_snapshot).toEqual(named);
      expect(renderConfigInForce(back)).toBe(text);
    }
    for (const bad of [
      {},
      'x',
      { snapshot_id: 'x', record_sha256: 'AB'.repeat(32) },
      { snapshot_id: '', record_sha256: SHA },
    ]) {
      const text = JSON.stringify({ ...JSON.parse(renderConfigInForce(VALUE)), config_snapshot: bad });
      expect(parseConfigInForceFile(text)).toEqual({
        invalid: 'config_snapshot is neither null nor {"snapshot_id": …, "record_sha256": …}',
      });
    }
  });
});

function withAgain(v: unknown): string {
  return JSON.stringify({ ...JSON.parse(renderConfigInForce(VALUE)), config_snapshot_redacted_again: v });
}

describe('canonical paths (at40 F2)', () => {
  it('a path as snapshots record it: no ./, //, trailing /, or .. after a name; a leading ../ run and an absolute path are', () => {
    for (const p of ['configs/a.yaml', 'a', '../out/x.yaml', '../../x', '/etc/x.yaml', 'configs/a..yaml', '...'])
      expect(isCanonicalPath(p), p).toBe(true);
    for (const p of [
      './configs/a.yaml',
      'configs//a.yaml',
      'configs/',
      'configs/./a',
      'configs/../a',
      '/../x',
      '.',
      '//x',
    ])
      expect(isCanonicalPath(p), p).toBe(false);
  });
});
