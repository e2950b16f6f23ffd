import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack, PAYLOAD_FILES, type ExportPackOptions } from '../../src/pack/index.js';
import { formatAllowedSignersLine } from '../../src/signing/index.js';
import { verifyPack } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonCsvRows, SAMPLE_EVENTS, writeDay } from './helpers.js';
import { PYTHON } from '../helpers/python.js';

/** The payload files these exports write: every one but config_in_force.json (no snapshot store: the chain decides none). */
const WRITTEN = PAYLOAD_FILES.filter((f) => f !== 'config_in_force.json');

const DATE = '2025-09-08';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function setup(): {
  root: string;
  logDir: string;
  artifactsDir: string;
  opts: (o?: Partial<ExportPackOptions>) => ExportPackOptions;
} {
  const root = tempDir();
  const logDir = join(root, 'logs');
  const artifactsDir = join(root, 'artifacts');
  mkdirSync(logDir);
  return {
    root,
    logDir,
    artifactsDir,
    opts: (o = {}) => ({
      date: DATE,
      logDir,
      artifactsDir,
      version: '0.1.0',
      now: () => Date.parse('2025-09-09T00:10:00Z'),
      ...o,
    }),
  };
}

describe('exportPack', () => {
  it('builds a BagIt pack whose manifests sha256sum -c accepts, with the day byte for byte', async () => {
    const { logDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const logBytes = readFileSync(join(logDir, 'audit-20250908.jsonl'));
    const r = await exportPack(opts());
    const dir = r.path;

    expect(readdirSync(dir).sort()).toEqual([
      'bag-info.txt',
      'bagit.txt',
      'data',
      'manifest-sha256.txt',
      'manifest.json',
      'tagmanifest-sha256.txt',
    ]);
    expect(readdirSync(join(dir, 'data')).sort()).toEqual([...WRITTEN]);
    expect(readFileSync(join(dir, 'data/audit.jsonl')).equals(logBytes)).toBe(true);
    expect(readFileSync(join(dir, 'bagit.txt'), 'utf8')).toBe(
      'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
    );

    const payloadBytes = WRITTEN.reduce((n, f) => n + statSync(join(dir, 'data', f)).size, 0);
    expect(readFileSync(join(dir, 'bag-info.txt'), 'utf8')).toBe(
      `Bagging-Date: 2025-09-09\nPayload-Oxum: ${payloadBytes}.${WRITTEN.length}\nExternal-Identifier: auditpack-${DATE}\nExport-Date: ${DATE}\nAuditpack-Version: 0.1.0\n`,
    );
    const manifestLines = readFileSync(join(dir, 'manifest-sha256.txt'), 'utf8').split('\n').filter(Boolean);
    expect(manifestLines.map((l) => l.split('  ')[1])).toEqual(WRITTEN.map((f) => `data/${f}`));
    expect(
      execFileSync('sha256sum', ['-c', '--strict', 'manifest-sha256.txt'], { cwd: dir, encoding: 'utf8' }),
    ).toContain('data/audit.jsonl: OK');
    expect(
      execFileSync('sha256sum', ['-c', '--strict', 'tagmanifest-sha256.txt'], { cwd: dir, encoding: 'utf8' })
        .trim()
        .split('\n'),
    ).toEqual(['bag-info.txt: OK', 'bagit.txt: OK', 'manifest-sha256.txt: OK', 'manifest.json: OK']);

    const manifestText = readFileSync(join(dir, 'manifest.json'), 'utf8');
    expect(r.manifestSha256).toBe(sha(manifestText));
    expect(manifestText.endsWith('}\n')).toBe(true);
    const m = JSON.parse(manifestText);
    expect(m).toMatchObject({
      format: 'auditpack-pack/1',
      created_at: '2025-09-09T00:10:00.000Z',
      export_date: DATE,
      auditpack_version: '0.1.0',
      summary: { total_files: WRITTEN.length, total_size: payloadBytes },
      events: {
        total: 9,
        by_category: { alert: 1, auth: 2, config: 1, fill: 2, order: 2, system: 1 },
        malformed_lines: 0,
        late: 0,
      },
      rows: { orders: 2, fills: 2, alerts: 4 },
      previous_pack: null,
      supersedes: null,
    });
    expect(m.files['data/audit.jsonl']).toMatchObject({ size: logBytes.length, sha256: sha(logBytes) });
    // Chain facts: the first line's prev and the hash of the last line.
    const lines = logBytes.toString('utf8').split('\n').slice(0, -1);
    expect(m.chain).toEqual({
      first_seq: 1,
      last_seq: 9,
      start_prev: '0'.repeat(64),
      end_hash: sha(lines.at(-1) as string),
    });
    // Alerts: failed login, reject, config change, alert — copied byte for byte, in order.
    expect(readFileSync(join(dir, 'data/alerts.jsonl'), 'utf8')).toBe(
      `${[lines[0], lines[5], lines[6], lines[7]].join('\n')}\n`,
    );
    // Read-only pack.
    expect(statSync(join(dir, 'data/orders.csv')).mode & 0o777).toBe(0o444);
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o555);
    expect(statSync(dir).mode & 0o777).toBe(0o555);
  });

  it('writes RFC 4180 CSVs that Python reads back in strict mode, with formulas neutralised and numbers exact', async () => {
    const { logDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const r = await exportPack(opts());
    const raw = readFileSync(join(r.path, 'data/orders.csv'));
    expect(raw[0]).not.toBe(0xef); // no BOM
    expect(raw.toString('utf8').split('\r\n').length).toBe(4); // header, 2 rows, final empty
    const rows = pythonCsvRows(join(r.path, 'data/orders.csv'));
    expect(rows[0]).toEqual(['iso_ts', 'seq', 'event', 'order_id', 'symbol', 'side', 'quantity', 'price', 'extra']);
    expect(rows[1]?.slice(0, 8)).toEqual([
      '2025-09-08T09:00:03.000000Z',
      '3',
      'OrderAccepted',
      'A-1',
      'EURUSD',
      'BUY',
      '100000',
      '1.10050',
    ]);
    expect(JSON.parse(rows[1]?.[8] as string)).toEqual({ note: 'a, "b"', host: 'test-host', pid: 42 });
    expect(rows[2]?.slice(0, 8)).toEqual([
      '2025-09-08T09:00:06.000000Z',
      '6',
      'Rejected',
      `'=HYPERLINK("x")`,
      "'@SUM(1)",
      'SELL',
      '1',
      '-1.5',
    ]);
    expect(JSON.parse(rows[2]?.[8] as string)).toMatchObject({ reason: 'line1\nline2' });
    const fills = pythonCsvRows(join(r.path, 'data/fills.csv'));
    expect(fills.map((f) => f.slice(0, 9))).toEqual([
      ['iso_ts', 'seq', 'event', 'order_id', 'deal_id', 'symbol', 'side', 'quantity', 'price'],
      ['2025-09-08T09:00:04.000000Z', '4', 'PartiallyFilled', 'A-1', 'D-1', 'EURUSD', 'BUY', '40000', '1.10049'],
      ['2025-09-08T09:00:05.000000Z', '5', 'Filled', 'A-1', 'D-2', 'EURUSD', 'BUY', '60000', '1.10051'],
    ]);
  });

  it('keeps numbers exactly as the log wrote them, in columns and in extra', async () => {
    const { logDir, opts } = setup();
    // Hand-written lines (a foreign writer): numbers JSON.parse would change.
    const line =
      '{"ts":1757322000.000000,"iso_ts":"2025-09-08T09:00:00.000000Z","seq":7,"category":"order","event":"OrderAccepted","order_id":12345678901234567890,"quantity":1.0E3,"price":1.10050,"limits":{"max":2.50},"prev":"' +
      'a'.repeat(64) +
      '"}';
    writeFileSync(join(logDir, 'audit-20250908.jsonl'), `${line}\n`);
    const r = await exportPack(opts({ recordEvent: false }));
    const rows = pythonCsvRows(join(r.path, 'data/orders.csv'));
    expect(rows[1]).toEqual([
      '2025-09-08T09:00:00.000000Z',
      '7',
      'OrderAccepted',
      '12345678901234567890',
      '',
      '',
      '1.0E3',
      '1.10050',
      '{"limits":{"max":2.50}}',
    ]);
    expect(r.manifest.chain).toMatchObject({ first_seq: 7, last_seq: 7, start_prev: 'a'.repeat(64) });
  });

  it('carries malformed lines into the pack, counts and describes them, and keeps going', async () => {
    const { logDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS.slice(0, 3));
    const file = join(logDir, 'audit-20250908.jsonl');
    appendFileSync(file, 'not json\n[1,2]\n{"no":"category"}\n');
    await writeDay(join(logDir), DATE, SAMPLE_EVENTS.slice(3, 4), '10:00:00');
    appendFileSync(file, '{"torn":'); // a torn tail
    const bytes = readFileSync(file);
    const r = await exportPack(opts({ recordEvent: false }));
    expect(readFileSync(join(r.path, 'data/audit.jsonl')).equals(bytes)).toBe(true);
    expect(r.manifest.events).toMatchObject({ total: 4, malformed_lines: 4 });
    expect(r.malformed.map((m) => [m.line, m.reason])).toEqual([
      [4, 'invalid-json'],
      [5, 'not-an-event'],
      [6, 'not-an-event'],
      [8, 'unterminated'],
    ]);
    // end_hash: the last complete line, not the fragment.
    const complete = bytes.toString('utf8').split('\n').slice(0, -1);
    expect(r.manifest.chain.end_hash).toBe(sha(complete.at(-1) as string));
  });

  it('makes a valid empty pack for a day without a log, and refuses a missing logs dir', async () => {
    const { root, opts } = setup();
    const r = await exportPack(opts({ recordEvent: false }));
    expect(readFileSync(join(r.path, 'data/orders.csv'), 'utf8')).toBe(
      'iso_ts,seq,event,order_id,symbol,side,quantity,price,extra\r\n',
    );
    expect(readFileSync(join(r.path, 'data/audit.jsonl')).length).toBe(0);
    expect(r.manifest.events).toEqual({ total: 0, by_category: {}, malformed_lines: 0, late: 0 });
    expect(r.manifest.chain).toEqual({ first_seq: null, last_seq: null, start_prev: null, end_hash: null });
    expect(execFileSync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: r.path, encoding: 'utf8' })).toContain('OK');
    await expect(exportPack(opts({ logDir: join(root, 'nope') }))).rejects.toMatchObject({ code: 'LOGS_DIR_MISSING' });
  });

  it('refuses a day after today (DATE_NOT_ENDED), today without partial, or before 1970 (USAGE), writing nothing; today as partial and 1970-01-01 are exported', async () => {
    const { artifactsDir, opts } = setup();
    // The clock says 2025-09-09: the 10th, the far future and year 0 are refused; today needs partial.
    for (const date of ['2025-09-10', '9999-12-31', '2025-09-09']) {
      await expect(exportPack(opts({ date, recordEvent: false }))).rejects.toMatchObject({
        code: 'DATE_NOT_ENDED',
        details: { date },
      });
    }
    for (const date of ['0000-01-01', '1969-12-31']) {
      await expect(exportPack(opts({ date, recordEvent: false }))).rejects.toMatchObject({
        code: 'USAGE',
        details: { date },
      });
    }
    expect(existsSync(artifactsDir)).toBe(false);
    expect(
      (await exportPack(opts({ date: '2025-09-09', partial: true, recordEvent: false }))).manifest.export_date,
    ).toBe('2025-09-09');
    for (const date of ['1970-01-01', '2024-02-29']) {
      expect((await exportPack(opts({ date, recordEvent: false }))).manifest.export_date).toBe(date);
    }
  });

  it('never overwrites: PACK_EXISTS, then --force keeps the old pack as .v1, .v2 and records what it supersedes', async () => {
    const { logDir, artifactsDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    // Recorded: a pack no event records is what a killed export leaves, which a re-run finishes.
    const first = await exportPack(opts());
    await expect(exportPack(opts())).rejects.toMatchObject({ code: 'PACK_EXISTS' });
    const second = await exportPack(opts({ force: true, recordEvent: false }));
    expect(second.manifest.supersedes).toEqual({ manifest_sha256: first.manifestSha256, moved_to: `${DATE}.v1` });
    expect(sha(readFileSync(join(artifactsDir, `${DATE}.v1`, 'manifest.json')))).toBe(first.manifestSha256);
    const third = await exportPack(opts({ force: true, recordEvent: false }));
    expect(third.manifest.supersedes).toEqual({ manifest_sha256: second.manifestSha256, moved_to: `${DATE}.v2` });
    expect(readdirSync(artifactsDir).sort()).toEqual(['.export.lock', DATE, `${DATE}.v1`, `${DATE}.v2`]);
  });

  it('links each pack to the previous one by manifest hash', async () => {
    const { logDir, opts } = setup();
    await writeDay(logDir, '2025-09-06', SAMPLE_EVENTS.slice(0, 2));
    await writeDay(logDir, DATE, SAMPLE_EVENTS.slice(0, 2));
    const a = await exportPack(opts({ date: '2025-09-06', recordEvent: false }));
    const b = await exportPack(opts({ recordEvent: false }));
    expect(b.manifest.previous_pack).toEqual({ export_date: '2025-09-06', manifest_sha256: a.manifestSha256 });
    // The chain runs across days too: the day's first line links to the previous day's last.
    expect(b.manifest.chain.start_prev).toBe(a.manifest.chain.end_hash);
  });

  it('signs tagmanifest-sha256.txt so that ssh-keygen -Y verify accepts it', async () => {
    const { root, logDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const r = await exportPack(opts({ signingKey: privateKey, recordEvent: false }));
    expect(r.signed).toBe(true);
    writeFileSync(join(root, 'allowed_signers'), `${formatAllowedSignersLine('exports@desk', publicKey)}\n`);
    const run = (input: Buffer) =>
      spawnSync(
        'ssh-keygen',
        [
          '-Y',
          'verify',
          '-f',
          join(root, 'allowed_signers'),
          '-I',
          'exports@desk',
          '-n',
          'auditpack',
          '-s',
          join(r.path, 'tagmanifest-sha256.txt.sig'),
        ],
        { input, encoding: 'utf8' },
      );
    const ok = run(readFileSync(join(r.path, 'tagmanifest-sha256.txt')));
    expect(ok.status, ok.stderr).toBe(0);
    expect(run(Buffer.from('tampered\n')).status).not.toBe(0);
  });

  it('writes a .tar.gz whose entries are YYYY-MM-DD/<path> and extract to the same bytes', async () => {
    const { root, logDir, artifactsDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const r = await exportPack(opts({ compress: true, recordEvent: false }));
    expect(r.archive).toBe(join(artifactsDir, `${DATE}.tar.gz`));
    const names = execFileSync('tar', ['-tzf', r.archive as string], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(names).toContain(`${DATE}/manifest.json`);
    expect(names).toContain(`${DATE}/data/audit.jsonl`);
    const out = join(root, 'x');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', r.archive as string, '-C', out]);
    expect(
      execFileSync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: join(out, DATE), encoding: 'utf8' }).match(/OK/g)
        ?.length,
    ).toBe(WRITTEN.length);
    // Python's tarfile agrees (a second, independent reader).
    const py = execFileSync(
      PYTHON,
      ['-c', 'import sys,tarfile; t=tarfile.open(sys.argv[1]); print(len(t.getmembers()))', r.archive as string],
      { encoding: 'utf8' },
    );
    expect(Number(py)).toBe(names.length);
    // A forced re-export moves the old archive aside with the old pack.
    await exportPack(opts({ compress: true, force: true, recordEvent: false }));
    expect(existsSync(join(artifactsDir, `${DATE}.v1.tar.gz`))).toBe(true);
  });

  it('a --force without --compress moves the old .tar.gz aside with its pack: no stale D.tar.gz beside the new D/', async () => {
    const { logDir, artifactsDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const first = await exportPack(opts({ compress: true }));
    const oldArchive = readFileSync(join(artifactsDir, `${DATE}.tar.gz`));
    const second = await exportPack(opts({ force: true }));
    expect(second.archive).toBeNull();
    expect(second.manifest.supersedes).toEqual({ manifest_sha256: first.manifestSha256, moved_to: `${DATE}.v1` });
    expect(readdirSync(artifactsDir).sort()).toEqual(['.export.lock', DATE, `${DATE}.v1`, `${DATE}.v1.tar.gz`]);
    // The old archive, byte for byte, under its version's name (never removed: nothing is lost).
    expect(readFileSync(join(artifactsDir, `${DATE}.v1.tar.gz`)).equals(oldArchive)).toBe(true);
    // A later --compress archives the new pack; the old archive stays where it is.
    const third = await exportPack(opts({ compress: true }));
    expect(third.archive).toBe(join(artifactsDir, `${DATE}.tar.gz`));
    expect(readdirSync(artifactsDir).sort()).toContain(`${DATE}.v1.tar.gz`);
  });

  it('leaves neither a pack nor a temporary directory when the build fails', async () => {
    const { root, logDir, artifactsDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    writeFileSync(join(root, 'not-a-dir'), 'x');
    await expect(
      exportPack(opts({ recordEvent: false, snapshot: { cwd: root, snapshotDir: join(root, 'not-a-dir', 'snaps') } })),
    ).rejects.toBeDefined();
    expect(readdirSync(artifactsDir)).toEqual(['.export.lock']);
  });

  it('appends a system PackExported event with the date, path, manifest hash and where the chain ends', async () => {
    const { logDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS);
    const r = await exportPack(opts({ loggerClock: () => Date.parse('2025-09-09T00:10:00Z') * 1000 }));
    const next = readFileSync(join(logDir, 'audit-20250909.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(next.at(-1)).toMatchObject({
      category: 'system',
      event: 'PackExported',
      date: DATE,
      path: r.path,
      manifest_sha256: r.manifestSha256,
      last_seq: r.manifest.chain.last_seq,
      end_hash: r.manifest.chain.end_hash,
    });
    expect(r.manifest.chain.end_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("includes the config of record of the day (the chain's last ConfigSnapshot event) and the day's diffs", async () => {
    const { root, logDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS.slice(0, 2));
    const { createConfigSnapshot } = await import('../../src/snapshot/index.js');
    mkdirSync(join(root, 'configs'));
    const snapshotDir = join(root, 'snaps');
    // Logged: the export's log decides which stored record is the day's config.
    const take = async (value: number, reason: string, iso: string) => {
      writeFileSync(join(root, 'configs', 'risk.yaml'), `max: ${value}\n`);
      return createConfigSnapshot({ cwd: root, snapshotDir, logDir, reason, clock: () => Date.parse(iso) * 1000 });
    };
    await take(1, 'morning', `${DATE}T06:00:00Z`);
    const s2 = await take(2, 'raise', `${DATE}T12:00:00Z`);
    await take(3, 'next day', '2025-09-09T06:00:00Z');
    const r = await exportPack(opts({ recordEvent: false, snapshot: { cwd: root, snapshotDir } }));
    const snap = JSON.parse(readFileSync(join(r.path, 'data/config_snapshot.json'), 'utf8'));
    expect(snap.snapshot_id).toBe(s2.snapshot_id);
    const inForce = JSON.parse(readFileSync(join(r.path, 'data/config_in_force.json'), 'utf8'));
    expect(inForce.config_snapshot.snapshot_id).toBe(s2.snapshot_id);
    expect((await verifyPack(r.path)).problems.filter((p) => p.severity === 'error')).toEqual([]);
    const diff = readFileSync(join(r.path, 'data/config.diff'), 'utf8');
    expect(diff).toMatch(/^# auditpack config diffs for 2025-09-08: /);
    expect(diff).toContain('-max: 1');
    expect(diff).toContain('+max: 2');
    expect(diff).not.toContain('+max: 3');
    const off = await exportPack(
      opts({ recordEvent: false, force: true, snapshot: { cwd: root, snapshotDir }, includeConfigDiffs: false }),
    );
    expect(readFileSync(join(off.path, 'data/config.diff'), 'utf8')).toBe(
      '# auditpack config diffs for 2025-09-08: not included (EXPORT_INCLUDE_CONFIG_DIFFS=false)\n',
    );
  });

  it('a stored record no event of the export log records is no candidate: a fresh snapshot is taken, as the CLI does', async () => {
    const { root, logDir, opts } = setup();
    await writeDay(logDir, DATE, SAMPLE_EVENTS.slice(0, 2));
    const { createConfigSnapshot } = await import('../../src/snapshot/index.js');
    mkdirSync(join(root, 'configs'));
    writeFileSync(join(root, 'configs', 'risk.yaml'), 'max: 1\n');
    const snapshotDir = join(root, 'snaps');
    // Stored, never logged (no logDir): nothing in the chain vouches for it.
    const unlogged = await createConfigSnapshot({
      cwd: root,
      snapshotDir,
      reason: 'unlogged',
      clock: () => Date.parse(`${DATE}T12:00:00Z`) * 1000,
    });
    const r = await exportPack(opts({ recordEvent: false, snapshot: { cwd: root, snapshotDir } }));
    const snap = JSON.parse(readFileSync(join(r.path, 'data/config_snapshot.json'), 'utf8'));
    expect(snap.snapshot_id).not.toBe(unlogged.snapshot_id);
    expect(snap.reason).toBe(`export ${DATE}: no snapshot existed at or before the end of the day`);
  });
});
