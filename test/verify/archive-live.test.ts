/**
 * The newest pack against the live log (docs/FORMAT.md "An artifacts directory"): nothing inside a
 * pack pins its last line, so a forger without the key can edit it and recompute every hash of an
 * unsigned pack. The live log pins it twice — the next line's `prev`, and the chained PackExported
 * event that records the pack's manifest hash and chain end — and verify holds the archive to both
 * when it is given the live logs. Logs are written by the real logger, packs by the real exporter.
 */
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack, type ExportPackOptions } from '../../src/pack/export.js';
import { prune } from '../../src/retention/index.js';
import { signSshsig } from '../../src/signing/sshsig.js';
import { pageSignerOf } from '../../src/verify/judge-signature.js';
import { verifyArchive, verifyPack, type VerifyReport } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { days } from './helpers/archive-days.js';
import { microsAt, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { makeWritable } from './helpers/forge.js';
import { forgeLastLine } from './helpers/forge-tail.js';

const codesOf = (r: VerifyReport, severity: string): string[] =>
  [...new Set(r.problems.filter((p) => p.severity === severity).map((p) => p.code))].sort();
const errorCodes = (r: VerifyReport): string[] =>
  [...new Set(r.problems.filter((p) => p.severity === 'error').map((p) => p.code))].sort();

const editLast = (line: string): string => line.replace('"severity":"low"', '"severity":"lox"');

describe('the newest unsigned pack, its last line edited and every hash recomputed', () => {
  it('the pack alone cannot tell; the live log can', async () => {
    const { logDir, artifactsDir, opts } = await days();
    for (const d of ['2026-11-26', '2026-11-27']) await exportPack(opts(d));
    const p = await exportPack(opts('2026-11-28'));
    forgeLastLine(p.path, editLast);
    // The hole, inside the pack: consistent again.
    expect(errorCodes(await verifyPack(p.path))).toEqual([]);
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(errorCodes(r)).toEqual(['ARCHIVE_EXPORT_MISMATCH', 'ARCHIVE_LIVE_LOG_MISMATCH']);
    const details = r.problems.filter((x) => x.severity === 'error').map((x) => `${x.file}: ${x.detail}`);
    // The next day's first line still links to the original last line…
    expect(details).toContainEqual(
      expect.stringMatching(
        /^2026-11-28\/manifest\.json: the live log's line seq \d+ \(audit-20261129\.jsonl line 1\) links to /,
      ),
    );
    // …the day's live file still has it…
    expect(details).toContainEqual(expect.stringMatching(/line seq \d+ \(audit-20261128\.jsonl line \d+\) hashes to/));
    // …and the export's own event names the original manifest and chain end.
    expect(details).toContainEqual(
      expect.stringMatching(
        /PackExported event seq \d+ in the live audit-20261201\.jsonl records 2026-11-28 .*its chain ended with .*the pack's log was edited/,
      ),
    );
    // Without the live log, verify says what it could not check: a warning, not silence.
    const alone = await verifyArchive(artifactsDir);
    expect(errorCodes(alone)).toEqual([]);
    expect(codesOf(alone, 'warning')).toEqual(['ARCHIVE_TAIL_UNCHECKED']);
    expect(alone.problems.find((x) => x.code === 'ARCHIVE_TAIL_UNCHECKED')?.detail).toMatch(/it is not signed/);
  });

  it('the untouched archive with the live log: no finding beyond notes', async () => {
    const { logDir, artifactsDir, opts } = await days();
    for (const d of ['2026-11-26', '2026-11-27', '2026-11-28']) await exportPack(opts(d));
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(r.problems.filter((x) => x.severity !== 'info')).toEqual([]);
  });

  it('the newest pack removed (no prune): its export event names a pack the archive lacks', async () => {
    const { logDir, artifactsDir, opts } = await days();
    for (const d of ['2026-11-26', '2026-11-27']) await exportPack(opts(d));
    const p = await exportPack(opts('2026-11-28'));
    makeWritable(p.path);
    rmSync(p.path, { recursive: true });
    const r = await verifyArchive(artifactsDir, { logDir });
    // The live chain still continues 11-27's pack (11-28's events are in the live log): only the
    // export event shows that a pack was made and is gone.
    expect(errorCodes(r)).toEqual(['ARCHIVE_PACK_MISSING']);
    expect(r.problems.find((x) => x.code === 'ARCHIVE_PACK_MISSING')?.file).toBe('2026-11-28');
  });

  it('an export whose event was not recorded: the live log cannot vouch for the manifest (a warning)', async () => {
    const { logDir, artifactsDir, opts } = await days();
    await exportPack(opts('2026-11-27'));
    await exportPack(opts('2026-11-28', { recordEvent: false }));
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(errorCodes(r)).toEqual([]);
    expect(codesOf(r, 'warning')).toEqual(['ARCHIVE_EXPORT_UNRECORDED']);
  });

  it('a live log that holds neither the last line nor the one after it: a warning', async () => {
    const { logDir, artifactsDir, opts } = await days();
    await exportPack(opts('2026-11-27', { recordEvent: false }));
    const empty = join(logDir, '..', 'other-logs');
    mkdirSync(empty);
    const r = await verifyArchive(artifactsDir, { logDir: empty });
    expect(errorCodes(r)).toEqual([]);
    expect(codesOf(r, 'warning')).toEqual(['ARCHIVE_EXPORT_UNRECORDED', 'ARCHIVE_TAIL_UNCHECKED']);
  });
});

describe('real logs the check must accept', () => {
  it('a torn tail recovered after midnight: the fragment and its recovery share the last seq', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    const artifactsDir = join(root, 'artifacts');
    mkdirSync(logDir);
    await writeDay(logDir, '2026-11-27', SAMPLE_EVENTS);
    await writeDay(logDir, '2026-11-28', SAMPLE_EVENTS);
    const day = join(logDir, 'audit-20261128.jsonl');
    const lastSeq = JSON.parse(readFileSync(day, 'utf8').trim().split('\n').at(-1) as string).seq as number;
    // A writer killed mid-line just before midnight; the next writes after midnight recover it in
    // 11-28's file (the recovery takes the fragment's seq) and go on in 11-29's.
    appendFileSync(
      day,
      `{"ts":1764374399.500000,"iso_ts":"2026-11-28T23:59:59.500000Z","seq":${lastSeq + 1},"category":"ord`,
    );
    await writeDay(logDir, '2026-11-29', SAMPLE_EVENTS.slice(0, 2), '00:00:05');
    const lines = readFileSync(day, 'utf8').trim().split('\n');
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ event: 'TornLineRecovered', seq: lastSeq + 1 });
    let t = microsAt('2026-11-30', '00:10:00');
    const opts = (date: string): ExportPackOptions => ({
      date,
      logDir,
      artifactsDir,
      version: '0.1.0',
      now: () => t / 1000,
      loggerClock: () => (t += 1000),
    });
    await exportPack(opts('2026-11-27'));
    const p = await exportPack(opts('2026-11-28'));
    expect(p.manifest.chain.last_seq).toBe(lastSeq + 1);
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(errorCodes(r)).toEqual([]);
    expect(r.problems.filter((x) => x.code.startsWith('ARCHIVE_'))).toEqual([]);
  });
});

describe('the same attack elsewhere', () => {
  it('a signed pack, the forger without the key: dropping or replacing the signature fails with the key', async () => {
    const { logDir, artifactsDir, opts } = await days();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    for (const d of ['2026-11-26', '2026-11-27']) await exportPack(opts(d, { signingKey: privateKey }));
    const p = await exportPack(opts('2026-11-28', { signingKey: privateKey }));
    // The forger re-renders report.html for the signer it can offer: none, then its own key.
    const signer = (who: string) => (data: string) => {
      const page = join(data, 'report.html');
      writeFileSync(page, readFileSync(page, 'utf8').replace(/<code>SHA256:[^<]*<\/code> \(Ed25519[^)]*\)/, who));
    };
    forgeLastLine(p.path, editLast, { payload: signer('unsigned pack') });
    const trusted = { publicKeys: [publicKey] };
    expect(errorCodes(await verifyArchive(artifactsDir, trusted))).toEqual(['PACK_UNSIGNED']);
    // Re-signed with the forger's own key.
    const own = generateKeyPairSync('ed25519').privateKey;
    const tm = 'tagmanifest-sha256.txt';
    const probe = Buffer.from('probe');
    const fp = pageSignerOf(
      new Map([
        [tm, probe],
        [`${tm}.sig`, Buffer.from(signSshsig(probe, own))],
      ]),
    );
    forgeLastLine(p.path, (l) => l, {
      payload: (data) => {
        const page = join(data, 'report.html');
        writeFileSync(
          page,
          readFileSync(page, 'utf8').replace('unsigned pack', `<code>${fp}</code> (Ed25519, see ${tm}.sig)`),
        );
      },
    });
    writeFileSync(join(p.path, `${tm}.sig`), signSshsig(readFileSync(join(p.path, tm)), own));
    expect(errorCodes(await verifyArchive(artifactsDir, trusted))).toEqual(['PACK_SIGNATURE_UNTRUSTED']);
    expect(errorCodes(await verifyArchive(artifactsDir, { ...trusted, logDir }))).toEqual([
      'ARCHIVE_EXPORT_MISMATCH',
      'ARCHIVE_LIVE_LOG_MISMATCH',
      'PACK_SIGNATURE_UNTRUSTED',
    ]);
    // Without a key nor the live log, the forger's key is not known to be wrong: warnings say that the
    // newest pack is signed by another key than the pack before it, and that its tail was not checked.
    const alone = await verifyArchive(artifactsDir);
    expect(errorCodes(alone)).toEqual([]);
    expect(codesOf(alone, 'warning')).toEqual(['ARCHIVE_SIGNER_CHANGED', 'ARCHIVE_TAIL_UNCHECKED']);
    expect(alone.problems.find((x) => x.code === 'ARCHIVE_SIGNER_CHANGED')?.file).toBe(
      '2026-11-28/tagmanifest-sha256.txt.sig',
    );
    expect(alone.problems.find((x) => x.code === 'ARCHIVE_TAIL_UNCHECKED')?.detail).toMatch(
      /not checked against a trusted key/,
    );
  });

  it('an untouched signed archive checked with its key: the unchecked tail is a note, not a warning', async () => {
    const { artifactsDir, opts } = await days();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    for (const d of ['2026-11-27', '2026-11-28']) await exportPack(opts(d, { signingKey: privateKey }));
    const r = await verifyArchive(artifactsDir, { publicKeys: [publicKey] });
    expect(r.problems.filter((x) => x.severity !== 'info')).toEqual([]);
    expect(r.problems.find((x) => x.code === 'ARCHIVE_TAIL_UNCHECKED')?.severity).toBe('info');
    // Without the key: one signer throughout, so no word about signers; the tail unchecked is a warning.
    const alone = await verifyArchive(artifactsDir);
    expect(codesOf(alone, 'warning')).toEqual(['ARCHIVE_TAIL_UNCHECKED']);
  });

  it('a pack in the middle: the next pack links to the original (manifest hash and chain end)', async () => {
    const { logDir, artifactsDir, opts } = await days();
    for (const d of ['2026-11-26', '2026-11-27', '2026-11-28']) await exportPack(opts(d));
    forgeLastLine(join(artifactsDir, '2026-11-27'), editLast);
    const r = await verifyArchive(artifactsDir);
    expect(errorCodes(r)).toEqual(['ARCHIVE_LINK_BROKEN']);
    const broken = r.problems.filter((x) => x.code === 'ARCHIVE_LINK_BROKEN').map((x) => x.detail);
    expect(broken).toContainEqual(expect.stringMatching(/previous_pack records 2026-11-27 with manifest SHA-256/));
    expect(broken).toContainEqual(expect.stringMatching(/start_prev .* vs end_hash/));
    // The live log adds the export event's word.
    expect(errorCodes(await verifyArchive(artifactsDir, { logDir }))).toEqual([
      'ARCHIVE_EXPORT_MISMATCH',
      'ARCHIVE_LINK_BROKEN',
    ]);
  });

  it('after a prune: the newest pack forged is still caught, and the pruned ledger cannot launder it', async () => {
    const { logDir, artifactsDir, opts } = await days();
    for (const d of ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28']) await exportPack(opts(d));
    await prune({
      artifactsDir,
      retentionDays: 2,
      now: Date.parse('2026-12-01T00:20:00Z'),
      eventLogDir: logDir,
      loggerClock: () => Date.parse('2026-12-01T00:20:00Z') * 1000,
    });
    const kept = join(artifactsDir, '2026-11-28');
    const clean = await verifyArchive(artifactsDir, { logDir, minRetentionDays: 0 });
    expect(clean.problems.filter((x) => x.severity !== 'info')).toEqual([]);
    forgeLastLine(kept, editLast);
    expect(errorCodes(await verifyArchive(artifactsDir, { logDir }))).toEqual([
      'ARCHIVE_EXPORT_MISMATCH',
      'ARCHIVE_LIVE_LOG_MISMATCH',
    ]);
    // The forged pack "pruned" by hand (moved away, its forged hash appended to the ledger): the
    // export event still names the original manifest, and no PackPruned event names the forged one.
    const forgedSha = (await verifyArchive(artifactsDir)).evidence?.manifestSha256;
    renameSync(kept, join(artifactsDir, '..', 'gone'));
    const ledger = join(artifactsDir, 'pruned.jsonl');
    chmodSync(ledger, 0o644);
    appendFileSync(
      ledger,
      `${JSON.stringify({ export_date: '2026-11-28', manifest_sha256: forgedSha, path: '2026-11-28', pruned_at: '2026-12-01T00:30:00.000Z' })}\n`,
    );
    const r = await verifyArchive(artifactsDir, { logDir });
    expect(errorCodes(r)).toContain('ARCHIVE_PACK_MISSING');
    expect(errorCodes(r)).toContain('ARCHIVE_PRUNE_UNRECORDED');
  });
});
