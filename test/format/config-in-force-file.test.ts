import { describe, expect, it } from 'vitest';
import { hasCharsWithin } from '../../src/format/config-in-force.js';
import {
  isCanonicalPath,
  CONFIG_IN_FORCE_SCHEMA,
  type ConfigInForceFile,
  MAX_CONFIG_IN_FORCE_BYTES,
  parseConfigInForceFile,
  POLICY_CONFIG_PATH,
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

describe('data/config_in_force.json: bytes, encoding and lengths (at40 F5)', () => {
  it('the bytes must be UTF-8: an invalid byte or a byte order mark is invalid, never decoded lossily', () => {
    const text = renderConfigInForce({ ...VALUE, other_files: { unknown: 'XX' } });
    const bad = Buffer.from(text);
    bad[bad.indexOf('XX')] = 0xff;
    expect(parseConfigInForceFile(bad)).toEqual({ invalid: 'it is not UTF-8' });
    expect(parseConfigInForceFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual({
      invalid: 'it is not JSON',
    });
    expect('invalid' in parseConfigInForceFile(Buffer.from(text))).toBe(false);
  });

  it('rules is a JSON number with a whole value: 20.0 and 2e1 are 20, 20.5 and 2**53 are not', () => {
    for (const [raw, ok] of [
      ['20.0', true],
      ['2e1', true],
      ['20.5', false],
      ['9007199254740992', false],
    ] as const) {
      const text = withAgain({ snapshot_id: 's', record_sha256: SHA, rules: 20 }).replace(
        '"rules":20',
        `"rules":${raw}`,
      );
      expect('invalid' in parseConfigInForceFile(text), raw).toBe(!ok);
    }
  });

  it('lengths count code points (a surrogate pair is one character, a lone surrogate one)', () => {
    const smile = '\u{1F600}';
    expect(hasCharsWithin(smile.repeat(4096), 4096)).toBe(true);
    expect(hasCharsWithin(smile.repeat(4097), 4096)).toBe(false);
    expect(hasCharsWithin(`${smile.repeat(4095)}\ud800`, 4096)).toBe(true);
    expect(hasCharsWithin(`${smile.repeat(4095)}\ud800a`, 4096)).toBe(false);
    expect(hasCharsWithin('', 4096)).toBe(false);
    const entry = (path: string) => renderConfigInForce({ ...VALUE, files: [{ path, record: null }] });
    expect('invalid' in parseConfigInForceFile(entry(smile.repeat(3000)))).toBe(false);
    expect('invalid' in parseConfigInForceFile(entry(smile.repeat(4097)))).toBe(true);
  });

  it('export never renders more than the bound verify reads: past it the entries that fit, the policy file first, and other_files says the rest', () => {
    const files = [];
    for (let i = 0; i < 60_000; i++)
      files.push({ path: `configs/${String(i).padStart(6, '0')}${'x'.repeat(250)}.yaml`, record: null });
    files.push({ path: POLICY_CONFIG_PATH, record: { snapshot_id: 's', record_sha256: SHA } });
    const text = renderConfigInForce({ ...VALUE, files, other_files: { unknown: 'a gap' } });
    const size = Buffer.byteLength(text);
    expect(size).toBeLessThanOrEqual(MAX_CONFIG_IN_FORCE_BYTES);
    expect(size).toBeGreaterThan(MAX_CONFIG_IN_FORCE_BYTES - 1024);
    const back = parseConfigInForceFile(Buffer.from(text)) as ConfigInForceFile;
    expect('invalid' in back).toBe(false);
    expect(back.files.some((e) => e.path === POLICY_CONFIG_PATH)).toBe(true);
    const left = files.length - back.files.length;
    expect(left).toBeGreaterThan(0);
    expect(back.other_files).toEqual({
      unknown: `${left} of ${files.length} config files are not listed: the file would be larger than ${MAX_CONFIG_IN_FORCE_BYTES} bytes; a gap`,
    });
    // Kept by path after the policy file: the first ones.
    expect(back.files[0]?.path).toBe(files[0]?.path);
    expect(renderConfigInForce(back)).toBe(text);
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
