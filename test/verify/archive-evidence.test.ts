/**
 * An archive made by the real exporter and pruned by the real retention: payload derived from the
 * log, back-filled days, the ledger held against the chained PackPruned events, mixed signing and
 * the newest evidence. Logs are written by the real logger with injected clocks.
 */
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createAuditLogger } from '../../src/logger/index.js';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { prune } from '../../src/retention/index.js';
import { verifyArchive, verifyPack, type VerifyReport } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { days } from './helpers/archive-days.js';
import { forgePack, makeWritable } from './helpers/forge.js';
import { PYTHON } from '../helpers/python.js';

const errorCodes = (r: VerifyReport): string[] =>
  [...new Set(r.problems.filter((p) => p.severity === 'error').map((p) => p.code))].sort();
const codes = (r: VerifyReport): string[] => [...new Set(r.problems.map((p) => p.code))].sort();

describe('pack payload held to the log (real export, forger without the key)', () => {
  it('one price changed in orders.csv: the record, its seq and the column are named; the .tar.gz too', async () => {
    const { artifactsDir, opts } = await days();
    const r = await exportPack(opts('2026-11-28', { compress: true, recordEvent: false }));
    forgePack(r.path, {
      payload: (d) =>
        writeFileSync(join(d, 'orders.csv'), readFileSync(join(d, 'orders.csv'), 'utf8').replace('1.10050', '1.10060')),
    });
    const v = await verifyPack(r.path);
    expect(errorCodes(v)).toEqual(['PACK_CSV_MISMATCH']);
    expect(v.problems[0]?.detail).toMatch(
      /record 2 \(seq \d+\): price is "1\.10060", but the log's line with seq \d+ gives "1\.10050"/,
    );
    // The same forgery as an archive: found from the stream (without naming the record).
    rmSync(join(artifactsDir, '2026-11-28.tar.gz'));
    const { execFileSync } = await import('node:child_process');
    execFileSync('tar', [
      '--format=posix',
      '--sort=name',
      '-czf',
      join(artifactsDir, '2026-11-28.tar.gz'),
      '-C',
      artifactsDir,
      '2026-11-28',
    ]);
    expect(errorCodes(await verifyPack(join(artifactsDir, '2026-11-28.tar.gz')))).toEqual(['PACK_CSV_MISMATCH']);
  });

  it('an alert line removed with rows.alerts adjusted, and the recorded filter edited to match', async () => {
    const { opts } = await days();
    const r = await exportPack(opts('2026-11-28', { recordEvent: false }));
    const dropFirst = (d: string): void =>
      writeFileSync(
        join(d, 'alerts.jsonl'),
        readFileSync(join(d, 'alerts.jsonl'), 'utf8').split('\n').slice(1).join('\n'),
      );
    forgePack(r.path, { payload: dropFirst, manifest: (m) => void (m.rows.alerts -= 1) });
    const v = await verifyPack(r.path);
    expect(errorCodes(v)).toEqual(['PACK_ALERTS_MISMATCH']);
    expect(v.problems[0]?.detail).toMatch(/line 1 is not the event the filter selects next \(seq \d+\)/);
    // Dropping auth.LoginFailed from the recorded filter makes alerts.jsonl consistent with it…
    forgePack(r.path, {
      manifest: (m) =>
        void (m.alert_filter.events = m.alert_filter.events.filter((e: string) => e !== 'auth.LoginFailed')),
    });
    expect(errorCodes(await verifyPack(r.path))).toEqual([]);
    // …which is why the filter is in manifest.json, under the signature and the next day's link.
  });

  it('an LF-only CSV is named as such', async () => {
    const { opts } = await days();
    const r = await exportPack(opts('2026-11-28', { recordEvent: false }));
    forgePack(r.path, {
      payload: (d) =>
        writeFileSync(join(d, 'fills.csv'), readFileSync(join(d, 'fills.csv'), 'utf8').replaceAll('\r\n', '\n')),
    });
    const v = await verifyPack(r.path);
    expect(errorCodes(v)).toEqual(['PACK_CSV_MISMATCH']);
    expect(v.problems[0]?.detail).toMatch(/record 1 ends with LF, not CRLF/);
  });
});

describe('the reference checker derives the same payload', () => {
  it('hostile field values (a lone surrogate, formula starts, CR LF, big numbers, arrays, index-like keys): both checkers accept the real export', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    mkdirSync(logDir);
    let t = Date.parse('2025-09-08T09:00:00Z') * 1000;
    const log = createAuditLogger({ logDir, handleExit: false, clock: () => (t += 1_000_000), host: 'h', pid: 1 });
    log.order('OrderAccepted', {
      orderId: 'A\ud800',
      symbol: '=cmd',
      side: 'BUY',
      quantity: 1e21,
      price: '-1.5',
      note: 'x,"y"\r\nz',
      severity: '\ufb00 high',
    });
    log.log('order', 'OrderAccepted', { order_id: 'B', symbol: '\t@x', side: null, quantity: [1, 2], price: { a: 1 } });
    log.log('order', 'Rejected', { 'sev\u0065rity': 'critical', '1': 'one', '10': 'ten', '9': 'nine' });
    log.fill({ orderId: 'A', dealId: '+1', symbol: 'EURUSD', side: 'SELL', quantity: '1e3', price: '.5' });
    await log.close();
    const r = await exportPack({
      date: '2025-09-08',
      logDir,
      artifactsDir: join(root, 'artifacts'),
      version: '0.1.0',
      recordEvent: false,
      compliance: false,
    });
    expect((await verifyPack(r.path)).problems).toEqual([]);
    const out = spawnSync(
      PYTHON,
      [fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url)), r.path, '--json'],
      { encoding: 'utf8' },
    );
    expect(out.stderr).toBe('');
    // Only what a pack checked alone cannot prove: exported with the checks off (this test leaves
    // them out to stay fast), and unsigned (auditpack verify PATH says both too).
    expect(JSON.parse(out.stdout)).toMatchObject({
      ok: true,
      findings: [
        { code: 'COMPLIANCE_CHECKS_OFF', severity: 'warning' },
        { code: 'PACK_UNSIGNED_UNPINNED', severity: 'warning' },
      ],
    });
  });
});

describe('back-filling a missed day', () => {
  it('export 11-30, then the missed 11-28 and 11-29: a gap until back-filled, then intact', async () => {
    const { artifactsDir, opts } = await days();
    for (const d of ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-30']) await exportPack(opts(d));
    const gap = await verifyArchive(artifactsDir);
    expect(errorCodes(gap)).toEqual(['ARCHIVE_DAY_MISSING']);
    expect(gap.problems.find((p) => p.code === 'ARCHIVE_DAY_MISSING')?.file).toBe('2026-11-30/manifest.json');

    const b = await exportPack(opts('2026-11-28'));
    expect(b.manifest.previous_pack?.export_date).toBe('2026-11-27');
    expect(b.manifest.inserted_before?.export_date).toBe('2026-11-30');
    expect(errorCodes(await verifyArchive(artifactsDir))).toEqual(['ARCHIVE_DAY_MISSING']); // 11-29 still missing
    const c = await exportPack(opts('2026-11-29'));
    expect(c.manifest.inserted_before?.export_date).toBe('2026-11-30');
    expect(c.manifest.previous_pack?.export_date).toBe('2026-11-28');
    const r = await verifyArchive(artifactsDir);
    // Unsigned and read without the live log: the newest pack's last line is only as strong as nothing.
    expect(r.problems.filter((p) => p.severity !== 'info').map((p) => [p.code, p.file])).toEqual([
      ['ARCHIVE_TAIL_UNCHECKED', '2026-11-30/manifest.json'],
    ]);

    // A back-fill's inserted_before must name the later pack by its manifest hash.
    forgePack(join(artifactsDir, '2026-11-29'), {
      manifest: (m) => void (m.inserted_before.manifest_sha256 = 'ab'.repeat(32)),
    });
    expect(errorCodes(await verifyArchive(artifactsDir))).toContain('ARCHIVE_LINK_BROKEN');
  });

  it('a back-filled day before the first pack ever', async () => {
    const { artifactsDir, opts } = await days();
    for (const d of ['2026-11-26', '2026-11-27']) await exportPack(opts(d));
    const r = await exportPack(opts('2026-11-25'));
    expect(r.manifest.previous_pack).toBeNull();
    expect(r.manifest.inserted_before?.export_date).toBe('2026-11-26');
    expect(errorCodes(await verifyArchive(artifactsDir))).toEqual([]);
  });

  it('a forged ledger line dated the missed day but naming a pack still here hides nothing (both checkers, with the live log or without)', async () => {
    const s = await days();
    for (const d of ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-29']) await exportPack(s.opts(d));
    const sha = createHash('sha256')
      .update(readFileSync(join(s.artifactsDir, '2026-11-29', 'manifest.json')))
      .digest('hex');
    // After the newest pack was made: without the live log, an entry that would only await its event.
    const entry = {
      export_date: '2026-11-28',
      manifest_sha256: sha,
      path: '2026-11-29',
      pruned_at: '2026-12-01T00:30:00.000Z',
    };
    const now = () => Date.parse('2026-12-01T01:00:00Z');
    const python = () =>
      spawnSync(PYTHON, [fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url)), s.artifactsDir], {
        encoding: 'utf8',
      }).stdout;
    // Its pack still here with that manifest (it removed nothing), or with another one, or an earlier
    // pack's name: none is a pack of 11-28, so none stands for the missed day.
    for (const forged of [entry, { ...entry, manifest_sha256: 'ab'.repeat(32) }, { ...entry, path: '2026-11-27' }]) {
      writeFileSync(join(s.artifactsDir, 'pruned.jsonl'), `${JSON.stringify(forged)}\n`);
      for (const r of [
        await verifyArchive(s.artifactsDir, { now }),
        await verifyArchive(s.artifactsDir, { now, logDir: s.logDir }),
      ])
        expect(errorCodes(r), JSON.stringify(forged)).toEqual(['ARCHIVE_DAY_MISSING', 'ARCHIVE_PRUNE_UNRECORDED']);
      // Nor does it await its event: it names no pack of its own day, and 11-28 is newer than kept packs.
      expect(python(), JSON.stringify(forged)).toMatch(/^error +ARCHIVE_DAY_MISSING 2026-11-29\/manifest\.json/m);
      expect(python(), JSON.stringify(forged)).toMatch(/^error +ARCHIVE_PRUNE_UNRECORDED pruned\.jsonl:1/m);
    }
  }, 240_000); // 4 exports, 6 verifies and 3 Python runs: minutes on a loaded machine
});

describe('the pruned ledger held against the chained PackPruned events', () => {
  /** Packs of 11-25 … 11-30, then a prune of the three oldest, then the next day exported. */
  async function pruned() {
    const s = await days();
    for (const d of s.dates) await exportPack(s.opts(d));
    await prune({
      artifactsDir: s.artifactsDir,
      retentionDays: 2,
      now: Date.parse('2026-12-01T00:20:00Z'),
      eventLogDir: s.logDir,
      loggerClock: () => Date.parse('2026-12-01T00:20:00Z') * 1000,
    });
    return s;
  }

  it('a real prune: its entries await their events until the next export, or are found in the live log', async () => {
    const { artifactsDir, logDir, opts } = await pruned();
    const ledger = readFileSync(join(artifactsDir, 'pruned.jsonl'), 'utf8').trim().split('\n');
    expect(ledger.length).toBe(4);
    const without = await verifyArchive(artifactsDir, {
      now: () => Date.parse('2026-12-01T01:00:00Z'),
      minRetentionDays: 0,
    });
    expect(without.ok).toBe(true);
    expect(codes(without)).toEqual(['ARCHIVE_PRUNE_AWAITING_EVIDENCE', 'ARCHIVE_TAIL_UNCHECKED']);
    const withLogs = await verifyArchive(artifactsDir, { logDir, minRetentionDays: 0 });
    expect(withLogs.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    // The next day's export carries the PackPruned events into a pack.
    await exportPack(opts('2026-12-01', { now: () => Date.parse('2026-12-02T00:10:00Z') }));
    const next = await verifyArchive(artifactsDir, { logDir, minRetentionDays: 0 });
    expect(next.problems.filter((p) => p.severity !== 'info')).toEqual([]);
  });

  it('a middle pack deleted and its hash appended to pruned.jsonl (a forged ledger) is found', async () => {
    const { artifactsDir, logDir, opts } = await pruned();
    const mid = join(artifactsDir, '2026-11-29');
    const sha = (await import('node:crypto'))
      .createHash('sha256')
      .update(readFileSync(join(mid, 'manifest.json')))
      .digest('hex');
    makeWritable(mid);
    rmSync(mid, { recursive: true });
    appendFileSync(
      join(artifactsDir, 'pruned.jsonl'),
      `${JSON.stringify({ export_date: '2026-11-29', manifest_sha256: sha, path: '2026-11-29', pruned_at: '2026-12-01T00:30:00.000Z' })}\n`,
    );
    // With the live log: at once.
    const a = await verifyArchive(artifactsDir, { logDir });
    expect(errorCodes(a)).toEqual(['ARCHIVE_PRUNE_UNRECORDED']);
    // Without it, right away: a warning only (the newest prunes' events are in the live log)…
    const b = await verifyArchive(artifactsDir, { now: () => Date.parse('2026-12-01T01:00:00Z') });
    expect(b.ok).toBe(true);
    expect(b.problems.filter((p) => p.code === 'ARCHIVE_PRUNE_AWAITING_EVIDENCE').length).toBe(5);
    // …and an error once the next day is exported: its log has no such event.
    await exportPack(opts('2026-12-01', { now: () => Date.parse('2026-12-02T00:10:00Z') }));
    const c = await verifyArchive(artifactsDir);
    expect(errorCodes(c)).toEqual(['ARCHIVE_PRUNE_UNRECORDED']);
    expect(c.problems.find((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED')?.line).toBe(5);
  });

  it('a deleted day newer than a kept pack cannot await its event: retention prunes oldest first', async () => {
    const { artifactsDir, opts } = await pruned();
    await exportPack(opts('2026-12-01', { now: () => Date.parse('2026-12-02T00:10:00Z') }));
    // Kept: 11-29, 11-30, 12-01. The attacker removes 11-30 and forges its ledger line, dated
    // after the newest pack was made, so it would look like a prune still awaiting its event.
    const mid = join(artifactsDir, '2026-11-30');
    const sha = (await import('node:crypto'))
      .createHash('sha256')
      .update(readFileSync(join(mid, 'manifest.json')))
      .digest('hex');
    makeWritable(mid);
    rmSync(mid, { recursive: true });
    const forged = {
      export_date: '2026-11-30',
      manifest_sha256: sha,
      path: '2026-11-30',
      pruned_at: '2026-12-02T00:30:00.000Z',
    };
    appendFileSync(join(artifactsDir, 'pruned.jsonl'), `${JSON.stringify(forged)}\n`);
    const now = () => Date.parse('2026-12-02T01:00:00Z');
    const r = await verifyArchive(artifactsDir, { now });
    expect(r.ok).toBe(false);
    expect(errorCodes(r)).toEqual(['ARCHIVE_PRUNE_UNRECORDED']);
    expect(r.problems.find((p) => p.code === 'ARCHIVE_PRUNE_UNRECORDED')?.detail).toMatch(
      /newer than the kept pack 2026-11-29/,
    );
    // An export_date moved back does not help: the path's date counts too.
    const ledger = join(artifactsDir, 'pruned.jsonl');
    const lines = readFileSync(ledger, 'utf8').trim().split('\n');
    lines[lines.length - 1] = JSON.stringify({ ...forged, export_date: '2026-11-01' });
    writeFileSync(ledger, `${lines.join('\n')}\n`);
    // (The pack links also disagree with the moved date; the point is the prune finding.)
    expect(errorCodes(await verifyArchive(artifactsDir, { now }))).toContain('ARCHIVE_PRUNE_UNRECORDED');
  });

  it('a prune killed after its ledger lines, with only the oldest pack removed, still awaits its events', async () => {
    const s = await days();
    for (const d of s.dates) await exportPack(s.opts(d));
    const sha = (d: string) =>
      createHash('sha256')
        .update(readFileSync(join(s.artifactsDir, d, 'manifest.json')))
        .digest('hex');
    const lines = ['2026-11-25', '2026-11-26', '2026-11-27'].map((d) =>
      JSON.stringify({ export_date: d, manifest_sha256: sha(d), path: d, pruned_at: '2026-12-01T00:30:00.000Z' }),
    );
    writeFileSync(join(s.artifactsDir, 'pruned.jsonl'), `${lines.join('\n')}\n`);
    makeWritable(join(s.artifactsDir, '2026-11-25'));
    rmSync(join(s.artifactsDir, '2026-11-25'), { recursive: true });
    const r = await verifyArchive(s.artifactsDir, { now: () => Date.parse('2026-12-01T01:00:00Z') });
    expect(errorCodes(r)).toEqual([]);
    expect(codes(r)).toContain('ARCHIVE_PRUNE_AWAITING_EVIDENCE');
  });

  it('a prune killed between its ledger lines and its events: every pack still there, so an interrupted prune (warning), with the live log or without; another manifest is an error', async () => {
    const s = await days();
    for (const d of s.dates) await exportPack(s.opts(d));
    const sha = (d: string) =>
      createHash('sha256')
        .update(readFileSync(join(s.artifactsDir, d, 'manifest.json')))
        .digest('hex');
    const ledger = join(s.artifactsDir, 'pruned.jsonl');
    const line = (d: string, manifest = sha(d)) =>
      `${JSON.stringify({ export_date: d, manifest_sha256: manifest, path: d, pruned_at: '2026-12-01T00:30:00.000Z' })}\n`;
    writeFileSync(ledger, ['2026-11-25', '2026-11-26'].map((d) => line(d)).join(''));
    const now = () => Date.parse('2026-12-01T01:00:00Z');
    const python = () => {
      const out = spawnSync(
        PYTHON,
        [
          fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url)),
          s.artifactsDir,
          '--json',
          '--min-retention-days',
          '0',
        ],
        { encoding: 'utf8' },
      );
      return (JSON.parse(out.stdout) as { findings: { code: string; severity: string }[] }).findings;
    };
    for (const r of [
      await verifyArchive(s.artifactsDir, { now, minRetentionDays: 0 }),
      await verifyArchive(s.artifactsDir, { now, logDir: s.logDir, minRetentionDays: 0 }),
    ]) {
      expect(errorCodes(r)).toEqual([]);
      expect(r.problems.filter((p) => p.code.startsWith('ARCHIVE_PRUNE'))).toMatchObject([
        { code: 'ARCHIVE_PRUNE_INTERRUPTED', severity: 'warning', line: 1 },
        { code: 'ARCHIVE_PRUNE_INTERRUPTED', severity: 'warning', line: 2 },
      ]);
    }
    expect(python().filter((f) => f.code.startsWith('ARCHIVE_PRUNE'))).toMatchObject([
      { code: 'ARCHIVE_PRUNE_INTERRUPTED', severity: 'warning' },
      { code: 'ARCHIVE_PRUNE_INTERRUPTED', severity: 'warning' },
    ]);
    // The next prune completes it: the entries twice, their events once, the packs gone.
    const { result } = await prune({
      artifactsDir: s.artifactsDir,
      retentionDays: 4,
      now: Date.parse('2026-12-01T00:40:00Z'),
      eventLogDir: s.logDir,
      loggerClock: () => Date.parse('2026-12-01T00:40:00Z') * 1000,
    });
    expect(result?.packs.map((p) => p.name)).toEqual(['2026-11-25', '2026-11-26']);
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toHaveLength(4);
    const after = await verifyArchive(s.artifactsDir, { now, logDir: s.logDir, minRetentionDays: 0 });
    expect(errorCodes(after)).toEqual([]);
    expect(codes(after).filter((c) => c.startsWith('ARCHIVE_PRUNE'))).toEqual([]);
    // An entry naming a pack that is here with another manifest, or another day, is no interrupted prune.
    const before = readFileSync(ledger);
    for (const forged of [
      line('2026-11-27', sha('2026-11-28')),
      line('2026-11-27').replace('"export_date":"2026-11-27"', '"export_date":"2026-11-24"'),
    ]) {
      writeFileSync(ledger, Buffer.concat([before, Buffer.from(forged)]));
      expect(errorCodes(await verifyArchive(s.artifactsDir, { now, logDir: s.logDir }))).toContain(
        'ARCHIVE_PRUNE_UNRECORDED',
      );
    }
    // (The Python checker has no live log: for it such an entry awaits its event, never an interrupted prune.)
    expect(python().map((f) => f.code)).not.toContain('ARCHIVE_PRUNE_INTERRUPTED');
  });

  it('a ledger line removed (the event stays in the chain), and a pruned_at in the future', async () => {
    const { artifactsDir, logDir } = await pruned();
    const ledger = join(artifactsDir, 'pruned.jsonl');
    const lines = readFileSync(ledger, 'utf8').trim().split('\n');
    writeFileSync(ledger, `${lines.slice(1).join('\n')}\n`);
    expect(errorCodes(await verifyArchive(artifactsDir, { logDir }))).toContain('ARCHIVE_LEDGER_INCOMPLETE');
    writeFileSync(
      ledger,
      `${lines.join('\n')}\n${JSON.stringify({ export_date: '2026-11-28', manifest_sha256: 'cd'.repeat(32), path: '2026-11-28.v9', pruned_at: '2030-01-01T00:00:00.000Z' })}\n`,
    );
    expect(errorCodes(await verifyArchive(artifactsDir))).toEqual(['ARCHIVE_PRUNE_UNRECORDED']);
  });
});

describe('mixed signing and the newest evidence', () => {
  it('signed and unsigned packs: a warning without a key, an error with one; the newest evidence is reported', async () => {
    const { artifactsDir, opts } = await days();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await exportPack(opts('2026-11-25', { signingKey: privateKey }));
    const last = await exportPack(opts('2026-11-26'));
    const r = await verifyArchive(artifactsDir);
    expect(r.ok).toBe(true);
    expect(r.problems.filter((p) => p.code === 'ARCHIVE_MIXED_SIGNING').map((p) => [p.file, p.severity])).toEqual([
      ['2026-11-26', 'warning'],
    ]);
    expect(errorCodes(await verifyArchive(artifactsDir, { publicKeys: [publicKey] }))).toEqual(['PACK_UNSIGNED']);
    expect(r.evidence).toEqual({
      pack: '2026-11-26',
      date: '2026-11-26',
      manifestSha256: last.manifestSha256,
      createdAt: last.manifest.created_at,
      lastSeq: last.manifest.chain.last_seq,
      endHash: last.manifest.chain.end_hash,
    });
  });
});
