/**
 * tools/auditpack_check.py on hostile artifacts: a gzip bomb costs bounded memory and is a finding;
 * a file deeper than PATH_MAX is still seen (never silently skipped).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { tempDir } from '../helpers/tmp.js';
import { exportSampleDay, SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { pythonCheckMeasured, pythonPackCheck } from './helpers/python-check.js';
import { verifyArchive, verifyPack } from '../../src/verify/index.js';
import { PYTHON } from '../helpers/python.js';

describe('the reference checker on hostile artifacts', () => {
  it('a 0.5 MB gzip bomb (one 512 MiB member): a finding, under 300 MB of memory', () => {
    const dir = tempDir();
    const bomb = join(dir, '2026-11-21.tar.gz');
    const make = `
import tarfile, zlib
c = zlib.compressobj(9, zlib.DEFLATED, 31)
out = open(${JSON.stringify(bomb)}, 'wb')
hdr = tarfile.TarInfo('2026-11-21/data/audit.jsonl'); hdr.size = 512 * 1024**2
out.write(c.compress(hdr.tobuf(format=tarfile.USTAR_FORMAT)))
z = b'\\0' * (1 << 20)
for _ in range(512): out.write(c.compress(z))
out.write(c.flush()); out.close()
`;
    expect(spawnSync(PYTHON, ['-c', make]).status).toBe(0);
    // Before the bound the checker decompressed the whole archive and then read the member: ~1 GB.
    const r = pythonCheckMeasured([bomb, '--json']);
    const kb = r.maxRssKb;
    expect(kb).toBeLessThan(300 * 1024);
    expect(r.stderr).not.toMatch(/MemoryError|Traceback/);
    const out = JSON.parse(r.stdout) as { findings: { code: string; detail?: string; message?: string }[] };
    expect(r.status).toBe(1);
    expect(out.findings.map((f) => f.code)).toContain('PACK_TAR_INVALID');
    expect(JSON.stringify(out.findings)).toMatch(/gzip bomb/);
  }, 180_000);

  it('an unlisted file deeper than PATH_MAX under data/ is found (PACK_FILE_UNLISTED)', async () => {
    const root = tempDir();
    const r = { path: await exportSampleDay(root) };
    expect(pythonPackCheck(r.path).errors).toEqual([]);
    const deep = `
import os, sys
os.chmod(sys.argv[1], 0o755); os.chmod(os.path.join(sys.argv[1], 'data'), 0o755)
os.chdir(os.path.join(sys.argv[1], 'data'))
for _ in range(2100):
    os.mkdir('d'); os.chdir('d')
open('orders.csv', 'w').write('forged\\n')
`;
    expect(spawnSync(PYTHON, ['-c', deep, r.path]).status).toBe(0);
    const after = pythonPackCheck(r.path);
    expect(after.status).toBe(1);
    expect(after.errors.map((e) => e.code)).toContain('PACK_FILE_UNLISTED');
  }, 120_000);

  it('a pack replaced by a symbolic link, the ledger as a link, a directory named as a .tar.gz: both checkers say NOT_A_REGULAR_FILE', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    const artifactsDir = join(root, 'artifacts');
    mkdirSync(logDir);
    for (const d of ['2026-11-27', '2026-11-28']) {
      await writeDay(logDir, d, SAMPLE_EVENTS);
      await exportPack({ date: d, logDir, artifactsDir, version: '0.1.0', recordEvent: false, compliance: false });
    }
    // The newest pack moved elsewhere and linked back: a checker that skips it sees an archive
    // ending the day before, intact.
    renameSync(join(artifactsDir, '2026-11-28'), join(root, 'elsewhere'));
    symlinkSync(join(root, 'elsewhere'), join(artifactsDir, '2026-11-28'));
    writeFileSync(join(root, 'ledger'), '');
    symlinkSync(join(root, 'ledger'), join(artifactsDir, 'pruned.jsonl'));
    writeFileSync(join(artifactsDir, '2026-11-29.tar.gz.'), ''); // not a pack's name: ignored by both
    mkdirSync(join(artifactsDir, '2026-11-30.tar.gz'));
    const want = ['2026-11-28', '2026-11-30.tar.gz', 'pruned.jsonl'];
    const py = pythonPackCheck(artifactsDir);
    expect(py.status).toBe(1);
    expect(py.errors.filter((e) => e.code === 'NOT_A_REGULAR_FILE').map((e) => e.file)).toEqual(want);
    const ours = await verifyArchive(artifactsDir);
    expect(ours.problems.filter((p) => p.code === 'NOT_A_REGULAR_FILE').map((p) => p.file)).toEqual(want);
  }, 120_000);

  it('reviews/ as a link, archive-ledger.jsonl as a FIFO: both checkers say NOT_A_REGULAR_FILE and follow neither; a regular archive ledger is no finding', async () => {
    const root = tempDir();
    const artifactsDir = join(root, 'artifacts');
    await exportSampleDay(root, artifactsDir);
    // Records kept elsewhere and linked in: read through the link, they would pass for the archive's own.
    mkdirSync(join(root, 'elsewhere', '2026-11-28'), { recursive: true });
    writeFileSync(join(root, 'elsewhere', '2026-11-28', `${'0'.repeat(64)}.jsonl`), 'forged\n');
    symlinkSync(join(root, 'elsewhere'), join(artifactsDir, 'reviews'));
    expect(spawnSync('mkfifo', [join(artifactsDir, 'archive-ledger.jsonl')]).status).toBe(0);
    const want = ['archive-ledger.jsonl', 'reviews'];
    const py = pythonPackCheck(artifactsDir);
    expect(py.status).toBe(1);
    expect(py.errors.map((e) => `${e.code} ${e.file}`)).toEqual(want.map((f) => `NOT_A_REGULAR_FILE ${f}`));
    const ours = await verifyArchive(artifactsDir);
    expect(ours.problems.filter((p) => p.severity !== 'warning').map((p) => `${p.code} ${p.file}`)).toEqual(
      want.map((f) => `NOT_A_REGULAR_FILE ${f}`),
    );
    // The archive's own ledger as archive push writes it: a product file, neither read nor "ignored".
    rmSync(join(artifactsDir, 'archive-ledger.jsonl'));
    rmSync(join(artifactsDir, 'reviews'));
    writeFileSync(join(artifactsDir, 'archive-ledger.jsonl'), '{}\n');
    expect(pythonPackCheck(artifactsDir).errors).toEqual([]);
    expect((await verifyArchive(artifactsDir)).problems.filter((p) => p.severity !== 'warning')).toEqual([]);
  }, 120_000);

  /** A compressed pack of the sample day, under a fresh temp root: [root, its .tar.gz]. */
  async function tarPack(): Promise<[string, string]> {
    const root = tempDir();
    const logDir = join(root, 'logs');
    mkdirSync(logDir);
    await writeDay(logDir, '2026-11-28', SAMPLE_EVENTS);
    const artifactsDir = join(root, 'artifacts');
    await exportPack({
      date: '2026-11-28',
      logDir,
      artifactsDir,
      version: '0.1.0',
      recordEvent: false,
      compress: true,
    });
    return [root, join(artifactsDir, '2026-11-28.tar.gz')];
  }

  it('a .tar.gz with a regular file named as its top directory ("D", forged rows): both checkers reject it', async () => {
    const [root, pack] = await tarPack();
    const extra = join(root, 'extra', '2026-11-28.tar.gz');
    const make = `
import gzip, io, os, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(dst), exist_ok=True)
bio = io.BytesIO()
with tarfile.open(src) as tf, tarfile.open(fileobj=bio, mode='w', format=tarfile.PAX_FORMAT) as out:
    forged = b'order_id,symbol,side\\nFORGED-1,EURUSD,SELL\\n' * 10
    ti = tarfile.TarInfo('2026-11-28'); ti.size = len(forged); ti.mode = 0o444
    out.addfile(ti, io.BytesIO(forged))
    for m in tf:
        out.addfile(m, tf.extractfile(m) if m.isreg() else None)
open(dst, 'wb').write(gzip.compress(bio.getvalue()))
`;
    expect(spawnSync(PYTHON, ['-c', make, pack, extra]).status).toBe(0);
    const py = pythonPackCheck(extra);
    expect(py.status).toBe(1);
    expect(py.errors.map((e) => e.code)).toContain('PACK_FILE_UNEXPECTED');
    const ours = await verifyPack(extra);
    expect(ours.ok).toBe(false);
    expect(ours.problems.map((p) => p.code)).toContain('PACK_FILE_UNEXPECTED');
  }, 120_000);

  it('a .tar.gz holding a file twice (the first copy forged): both checkers reject it', async () => {
    const [root, pack] = await tarPack();
    const dup = join(root, 'dup', '2026-11-28.tar.gz');
    const make = `
import copy, gzip, io, os, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(dst), exist_ok=True)
bio = io.BytesIO()
with tarfile.open(src) as tf, tarfile.open(fileobj=bio, mode='w', format=tarfile.PAX_FORMAT) as out:
    for m in tf:
        d = tf.extractfile(m).read() if m.isreg() else None
        if m.name.endswith('data/orders.csv'):
            forged = d.replace(b'BUY', b'SELL')
            m2 = copy.copy(m); m2.size = len(forged)
            out.addfile(m2, io.BytesIO(forged))
        out.addfile(m, io.BytesIO(d) if d is not None else None)
open(dst, 'wb').write(gzip.compress(bio.getvalue()))
`;
    expect(spawnSync(PYTHON, ['-c', make, pack, dup]).status).toBe(0);
    const py = pythonPackCheck(dup);
    expect(py.status).toBe(1);
    expect(py.errors.map((e) => [e.code, e.file])).toContainEqual(['PACK_TAR_INVALID', 'data/orders.csv']);
    const ours = await verifyPack(dup);
    expect(ours.problems.map((p) => [p.code, p.file])).toContainEqual(['PACK_TAR_INVALID', 'data/orders.csv']);
  }, 120_000);

  it('NaN or Infinity in pruned.jsonl is not JSON to either checker; an impossible date or a 7-digit version is no pack to either (attack9 #05)', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    const art = join(root, 'artifacts');
    mkdirSync(logDir);
    await writeDay(logDir, '2026-11-28', SAMPLE_EVENTS);
    await exportPack({ date: '2026-11-28', logDir, artifactsDir: art, version: '0.0.0-test', recordEvent: false });
    const { verifyArchive } = await import('../../src/verify/index.js');
    const ok = pythonPackCheck(art);
    expect(ok.errors).toEqual([]);
    const { writeFileSync, rmSync } = await import('node:fs');
    for (const constant of ['NaN', 'Infinity', '-Infinity']) {
      writeFileSync(
        join(art, 'pruned.jsonl'),
        `{"export_date":"2026-11-20","manifest_sha256":null,"path":"2026-11-20","pruned_at":"2026-11-27T00:00:00.000Z","note":${constant}}\n`,
      );
      const ts = (await verifyArchive(art)).problems.filter((p) => p.severity === 'error').map((p) => p.code);
      expect(ts).toContain('ARCHIVE_PRUNED_LEDGER_INVALID');
      expect(pythonPackCheck(art).errors.map((e) => e.code)).toContain('ARCHIVE_PRUNED_LEDGER_INVALID');
    }
    rmSync(join(art, 'pruned.jsonl'));
    // Not pack names to verify (unexpected entries at most): nor to the reference checker.
    for (const name of ['2026-02-30', '2026-11-27.v1234567']) {
      mkdirSync(join(art, name));
      const ts = (await verifyArchive(art)).problems.filter((p) => p.severity === 'error').map((p) => p.code);
      const py = pythonPackCheck(art).errors.map((e) => e.code);
      expect({ name, py: py.length === 0 }).toEqual({ name, py: ts.length === 0 });
      rmSync(join(art, name), { recursive: true });
    }
  }, 120_000);
});
