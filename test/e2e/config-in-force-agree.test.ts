/**
 * verify and tools/auditpack_check.py agree on hostile data/config_in_force.json and
 * data/config_snapshot.json bytes in the same (re-hashed, unsigned) pack (docs/FORMAT.md,
 * "config_in_force.json"; docs/decisions.md, "config_in_force.json: what an outside pass found", F5):
 *
 * - `"rules": 20.0` is the integer 20 (JSON has one number type), but not the bytes the writer makes of
 *   it (20): in a file naming config_snapshot both reject it (at58 F5), as they reject 20.5;
 * - the file is UTF-8, decoded strictly: an invalid byte (or a byte order mark) is CONFIG_IN_FORCE_INVALID in both;
 * - lengths are counted in characters (Unicode code points): 3000 astral characters are a path
 *   both accept, 4097 one both reject;
 * - data/config_snapshot.json not UTF-8, not JSON, `{}`, or a record without `snapshot_id` is
 *   CONFIG_IN_FORCE_MISMATCH in both; `{"snapshot": null}` while `config_snapshot` names a snapshot too;
 * - a config_in_force.json over 16 MiB is CONFIG_IN_FORCE_INVALID in both.
 *
 * One day is logged in-process and exported unsigned by the built CLI; each case edits a copy of the
 * pack, fixes its hashes (refreshPack) and runs both checkers on it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bothOn, type Edit, edited, exportedSite } from '../helpers/both-checkers.js';
import { type SnapshotPack, dayAgo, sha256 } from '../helpers/snapshot-day.js';

const D = dayAgo(2);
const SMILE = '\u{1F600}';

type Site = SnapshotPack;

let site: Site;

beforeAll(async () => {
  site = await exportedSite(D);
}, 60_000);

/** An invalid UTF-8 pair (0xff 0xfe) in place of the first "XX". */
const badByte = (text: string | Buffer): Buffer => {
  const b = Buffer.from(text);
  const i = b.indexOf('XX');
  b[i] = 0xff;
  b[i + 1] = 0xfe;
  return b;
};

describe('verify and the Python checker agree on config_in_force.json and config_snapshot.json', () => {
  it('an unedited pack passes both', () => {
    expect(bothOn(site, {})).toMatchObject({ verify: [], python: [] });
  }, 60_000);

  it("rules: 20 is the writer's bytes; 20.0 and 2e1 (the integer, written otherwise) and 20.5 are not", () => {
    for (const [rules, errors] of [
      ['20', []],
      ['20.0', ['CONFIG_IN_FORCE_INVALID']],
      ['2e1', ['CONFIG_IN_FORCE_INVALID']],
      ['20.5', ['CONFIG_IN_FORCE_INVALID']],
    ] as const) {
      const got = bothOn(site, {
        // The file is the record redacted again (its bytes changed): the declaration then holds.
        snapshot: (b) => b.toString('utf8').replace('"reason": "r"', '"reason": "redacted again"'),
        inForce: (text) =>
          edited((v) => {
            v.config_snapshot_redacted_again = { snapshot_id: site.id, record_sha256: site.sha, rules: 20 };
          })(text).replace('"rules": 20', `"rules": ${rules}`),
      });
      // 20.5: the declaration does not hold, so verify's compliance re-check also holds the file's
      // own hash to the log (COMPLIANCE_REPORT_MISMATCH, a check the Python checker does not make).
      for (const codes of [got.verify, got.python])
        if (errors.length === 0) expect(codes, `${rules}: ${got.details}`).toEqual([]);
        else expect(codes, `${rules}: ${got.details}`).toContain('CONFIG_IN_FORCE_INVALID');
    }
  }, 120_000);

  it('an invalid UTF-8 byte in a reason, or a byte order mark, is CONFIG_IN_FORCE_INVALID in both', () => {
    for (const inForce of [
      (text: string) =>
        badByte(
          edited((v) => {
            v.other_files = { record: 'unknown', reason: 'XX' };
          })(text),
        ),
      (text: string) => `\ufeff${text}`,
    ]) {
      const got = bothOn(site, { inForce });
      expect(got.verify).toEqual(['CONFIG_IN_FORCE_INVALID']);
      expect(got.python).toEqual(['CONFIG_IN_FORCE_INVALID']);
    }
  }, 120_000);

  it('lengths are code points: 3000 astral characters are a path, 4097 are not; likewise reason and snapshot_id', () => {
    const cases: [(v: Record<string, unknown> & { files: Record<string, unknown>[] }) => void, string[]][] = [
      [(v) => v.files.push({ path: SMILE.repeat(3000), record: null }), []],
      [(v) => v.files.push({ path: SMILE.repeat(4097), record: null }), ['CONFIG_IN_FORCE_INVALID']],
      [(v) => v.files.push({ path: 'configs/u.yaml', record: 'unknown', reason: SMILE.repeat(8192) }), []],
      [
        (v) => v.files.push({ path: 'configs/u.yaml', record: 'unknown', reason: SMILE.repeat(8193) }),
        ['CONFIG_IN_FORCE_INVALID'],
      ],
      [
        (v) =>
          v.files.push({
            path: 'configs/u.yaml',
            record: { snapshot_id: SMILE.repeat(128), record_sha256: 'a'.repeat(64) },
          }),
        [],
      ],
      [
        (v) =>
          v.files.push({
            path: 'configs/u.yaml',
            record: { snapshot_id: SMILE.repeat(129), record_sha256: 'a'.repeat(64) },
          }),
        ['CONFIG_IN_FORCE_INVALID'],
      ],
    ];
    for (const [f, errors] of cases) {
      const got = bothOn(site, { inForce: edited(f) });
      expect(got.verify, got.details).toEqual(errors);
      expect(got.python, got.details).toEqual(errors);
    }
  }, 240_000);

  it('config_snapshot.json not UTF-8, not JSON, {}, a record without snapshot_id, or {"snapshot": null}: CONFIG_IN_FORCE_MISMATCH in both', () => {
    const snapshots: ((b: Buffer) => Buffer | string)[] = [
      (b) => badByte(b.toString('utf8').replace('"reason": "r"', '"reason": "XX"')),
      () => 'garbage\n',
      () => '{}\n',
      (b) => {
        const v = JSON.parse(b.toString('utf8'));
        delete v.snapshot_id;
        return `${JSON.stringify(v, null, 2)}\n`;
      },
      () => `${JSON.stringify({ snapshot: null, reason: 'CONFIG_OF_RECORD_UNKNOWN: planted' }, null, 2)}\n`,
    ];
    for (const snapshot of snapshots) {
      const got = bothOn(site, { snapshot });
      expect(got.verify, got.details).toContain('CONFIG_IN_FORCE_MISMATCH');
      expect(got.python, got.details).toContain('CONFIG_IN_FORCE_MISMATCH');
    }
    // With config_snapshot null, a malformed file still is (nothing else would hold it), in both.
    const got = bothOn(site, {
      snapshot: () => 'garbage\n',
      inForce: edited((v) => {
        v.config_snapshot = null;
        for (const e of v.files) e.record = null;
      }),
    });
    expect(got.verify, got.details).toContain('CONFIG_IN_FORCE_MISMATCH');
    expect(got.python, got.details).toContain('CONFIG_IN_FORCE_MISMATCH');
  }, 240_000);

  it('a valid config_in_force.json over 16 MiB is CONFIG_IN_FORCE_INVALID in both', () => {
    const got = bothOn(site, {
      inForce: edited((v) => {
        for (let i = 0; i < 60_000; i++)
          v.files.push({ path: `configs/${String(i).padStart(6, '0')}${'x'.repeat(250)}.yaml`, record: null });
      }),
    });
    expect(got.details).toContain('16777216');
    expect(got.verify).toEqual(['CONFIG_IN_FORCE_INVALID']);
    expect(got.python).toEqual(['CONFIG_IN_FORCE_INVALID']);
  }, 120_000);

  it('a config_snapshot.json past 16 MiB: its opening is matched on bytes in both (a 256-byte format, an astral or escaped one)', () => {
    /** A record past the bound whose `format` is `fmt` (raw JSON string text), config_in_force.json following its hash. */
    const big = (fmt: string): Edit => {
      // Of a snapshot the pack's log does not record (else its hash is held to the event there).
      const id = `${D.replaceAll('-', '')}T230000.000000Z-000`;
      const head = `{\n  "format": "${fmt}",\n  "snapshot_id": ${JSON.stringify(id)},\n  "pad": "`;
      const bytes = Buffer.concat([Buffer.from(head), Buffer.alloc(17 * 1024 * 1024, 0x61), Buffer.from('"\n}\n')]);
      return {
        snapshot: () => bytes,
        // Its config_snapshot only: the policy file's entry still names the snapshot holding it, which
        // the report ends under (an entry naming the big record would contradict the report: fx54a).
        inForce: edited((v) => {
          v.config_snapshot = { snapshot_id: id, record_sha256: sha256(bytes) };
        }),
      };
    };
    const agree = (fmt: string): string[] => {
      const got = bothOn(site, big(fmt));
      expect(got.verify, got.details).toEqual(got.python);
      return got.verify;
    };
    expect(agree('auditpack.config-snapshot/1')).toEqual([]);
    expect(agree(SMILE.repeat(64))).toEqual([]); // 256 bytes
    expect(agree(SMILE.repeat(65))).toEqual(['CONFIG_IN_FORCE_MISMATCH']); // 260 bytes, 65 code points
    expect(agree(SMILE.repeat(200))).toEqual(['CONFIG_IN_FORCE_MISMATCH']);
    expect(agree('a\\\rb')).toEqual([]); // an escape of a carriage return
  }, 240_000);
});
