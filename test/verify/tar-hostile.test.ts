/**
 * The same hostile .tar.gz packs given to auditpack's one tar reader (src/fsx/tar-read.ts, behind
 * `verifyPack`) and to the reference checker's (tools/auditpack_check.py, Python's tarfile held to
 * the same bounds): each must be a finding with the same code from both, never a crash or a hang.
 * The archives are made with Python's tarfile from a real exported pack (the script is below).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportPack } from '../../src/pack/export.js';
import { verifyPack } from '../../src/verify/index.js';
import { PYTHON } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';
import { pythonPackCheck } from './helpers/python-check.js';

const DAY = '2026-11-28';

/**
 * Writes one hostile variant of the pack `src` per name to `<out>/<name>/2026-11-28.tar.gz`.
 * Entries are copied from the real pack; `orders` is its data/orders.csv entry.
 */
const MAKE = `
import copy, gzip, io, os, sys, tarfile, zlib
src, out = sys.argv[1], sys.argv[2]
D = '${DAY}'
with tarfile.open(src) as tf:
    members = [(m, tf.extractfile(m).read() if m.isreg() else None) for m in tf]

def tar(members, fmt=tarfile.PAX_FORMAT):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode='w', format=fmt) as t:
        for m, d in members:
            t.addfile(m, io.BytesIO(d) if d is not None else None)
    return bio.getvalue()

def write(name, raw, gz=True):
    os.makedirs(os.path.join(out, name))
    open(os.path.join(out, name, D + '.tar.gz'), 'wb').write(gzip.compress(raw) if gz else raw)

def with_pax(m, records):
    # A pax header (typeflag x) of the given records, then the member's own ustar header and body.
    body = b''
    for k, v in records.items():
        rec = (' %s=%s\\n' % (k, v)).encode()
        n = len(rec) + 1
        n = len(str(n)) + len(rec)
        body += str(n).encode() + rec
    x = tarfile.TarInfo('PaxHeaders/x'); x.type = tarfile.XHDTYPE; x.size = len(body)
    return x.tobuf(tarfile.USTAR_FORMAT) + body + b'\\0' * ((512 - len(body) % 512) % 512)

def swap(fn):
    # The archive with the orders entry replaced by the bytes fn(member, data) gives.
    raw = b''
    for m, d in members:
        if m.name.endswith('data/orders.csv'):
            raw += fn(m, d)
        else:
            raw += m.tobuf(tarfile.USTAR_FORMAT) + (d or b'') + b'\\0' * ((512 - len(d or b'') % 512) % 512)
    return raw + b'\\0' * 1024

def padded(d):
    return d + b'\\0' * ((512 - len(d) % 512) % 512)

write('pax-size-larger', swap(lambda m, d: with_pax(m, {'size': len(d) + 512}) + m.tobuf(tarfile.USTAR_FORMAT) + padded(d)))
write('pax-size-smaller', swap(lambda m, d: with_pax(m, {'size': 1}) + m.tobuf(tarfile.USTAR_FORMAT) + padded(d)))
write('pax-size-not-a-number', swap(lambda m, d: with_pax(m, {'size': '12x'}) + m.tobuf(tarfile.USTAR_FORMAT) + padded(d)))
write('pax-header-too-large', swap(lambda m, d: with_pax(m, {'comment': 'c' * 70000}) + m.tobuf(tarfile.USTAR_FORMAT) + padded(d)))

def with_global(m, d):
    # A pax global header (typeflag g) with a size, before the orders entry of the same size: GNU tar
    # applies it to every later entry too, a next-entry-only reader to this one alone.
    body = b''
    rec = (' size=%d\\n' % len(d)).encode()
    n = len(rec) + 1
    n = len(str(n)) + len(rec)
    body = str(n).encode() + rec
    g = tarfile.TarInfo('GlobalHead'); g.type = tarfile.XGLTYPE; g.size = len(body)
    return g.tobuf(tarfile.USTAR_FORMAT) + padded(body) + m.tobuf(tarfile.USTAR_FORMAT) + padded(d)
write('pax-global', swap(with_global))

def sparse_old(m, d):
    s = copy.copy(m); s.type = tarfile.GNUTYPE_SPARSE
    return s.tobuf(tarfile.GNU_FORMAT) + padded(d)
write('gnu-sparse', swap(sparse_old))

def sparse_pax(m, d):
    # PAX sparse format 1.0: the map ("1" region at 0 of len(d)) in the body before the data.
    mp = padded(b'1\\n0\\n%d\\n' % len(d))
    s = copy.copy(m); s.name = D + '/data/GNUSparseFile.0/orders.csv'; s.size = len(mp) + len(d)
    rec = {'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': m.name, 'GNU.sparse.realsize': len(d)}
    return with_pax(s, rec) + s.tobuf(tarfile.USTAR_FORMAT) + padded(mp + d)
write('pax-sparse', swap(sparse_pax))

long = tarfile.TarInfo(D + '/data/' + 'n' * 150); long.size = 6; long.mode = 0o444
write('gnu-long-name', tar(members + [(long, b'forged')], tarfile.GNU_FORMAT))
write('pax-long-name', tar(members + [(long, b'forged')]))

def link(kind):
    def fn(m, d):
        s = copy.copy(m); s.type = kind; s.size = 0; s.linkname = '/etc/passwd' if kind == tarfile.SYMTYPE else D + '/manifest.json'
        return s.tobuf(tarfile.USTAR_FORMAT)
    return fn
write('symlink', swap(link(tarfile.SYMTYPE)))
write('hardlink', swap(link(tarfile.LNKTYPE)))

def dup(m, d):
    forged = d.replace(b'BUY', b'SELL')
    f = copy.copy(m); f.size = len(forged)
    return f.tobuf(tarfile.USTAR_FORMAT) + padded(forged) + m.tobuf(tarfile.USTAR_FORMAT) + padded(d)
write('duplicate', swap(dup))

plain = lambda m, d: m.tobuf(tarfile.USTAR_FORMAT) + padded(d)
write('lone-zero-block', swap(lambda m, d: b'\\0' * 512 + plain(m, d)))
extra = tarfile.TarInfo(D + '/data/extra.csv'); extra.size = 6; extra.mode = 0o444
write('data-after-end', swap(plain) + plain(extra, b'forged') + b'\\0' * 1024)

whole = gzip.compress(tar(members))
write('truncated', whole[: len(whole) // 2], gz=False)
raw = tar(members)
write('truncated-tar', raw[: len(raw) * 7 // 10 // 512 * 512])

# A gzip bomb: one entry declared 256 MiB of zeros, compressed to ~250 KB (about 1000x).
c = zlib.compressobj(9, zlib.DEFLATED, 31)
hdr = tarfile.TarInfo(D + '/data/audit.jsonl'); hdr.size = 256 * 1024 ** 2
bomb = c.compress(hdr.tobuf(tarfile.USTAR_FORMAT))
z = b'\\0' * (1 << 20)
for _ in range(256):
    bomb += c.compress(z)
write('gzip-bomb', bomb + c.flush(), gz=False)
`;

/** Each variant, the code both checkers must report for it and, where it says why, the words of both. */
const CASES: readonly (readonly [string, string, RegExp?])[] = [
  ['pax-size-larger', 'PACK_TAR_INVALID', /a pax size record \(\d+\) other than its header's size/],
  ['pax-size-smaller', 'PACK_TAR_INVALID', /a pax size record \(1\) other than its header's size/],
  ['pax-size-not-a-number', 'PACK_TAR_INVALID', /a pax size record that is not a number/],
  ['pax-header-too-large', 'PACK_TAR_INVALID', /a pax header of \d+ bytes exceeds the bound of 65536/],
  ['pax-global', 'PACK_TAR_INVALID', /a pax global header: readers disagree on the entries it applies to/],
  ['gnu-sparse', 'NOT_A_REGULAR_FILE'],
  ['pax-sparse', 'NOT_A_REGULAR_FILE'],
  ['gnu-long-name', 'PACK_FILE_UNEXPECTED'],
  ['pax-long-name', 'PACK_FILE_UNEXPECTED'],
  ['symlink', 'NOT_A_REGULAR_FILE'],
  ['hardlink', 'NOT_A_REGULAR_FILE'],
  ['duplicate', 'PACK_TAR_INVALID'],
  ['lone-zero-block', 'PACK_TAR_INVALID'],
  ['data-after-end', 'PACK_TAR_INVALID', /bytes that are not zeros follow the end-of-archive marker/],
  ['truncated', 'PACK_TAR_INVALID'],
  ['truncated-tar', 'PACK_TAR_INVALID'],
  ['gzip-bomb', 'PACK_TAR_INVALID', /more than 64 times its size plus 64 MiB \(a gzip bomb\?\)/],
];

describe('hostile .tar.gz packs: the reader and the Python checker agree', () => {
  let out = '';
  beforeAll(async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    mkdirSync(logDir);
    await writeDay(logDir, DAY, SAMPLE_EVENTS);
    const artifactsDir = join(root, 'artifacts');
    await exportPack({ date: DAY, logDir, artifactsDir, version: '0.1.0', recordEvent: false, compress: true });
    out = join(root, 'hostile');
    const made = spawnSync(PYTHON, ['-c', MAKE, join(artifactsDir, `${DAY}.tar.gz`), out], { encoding: 'utf8' });
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
  }, 120_000);

  for (const [name, code, why] of CASES) {
    it(`${name}: ${code} from both`, async () => {
      const path = join(out, name, `${DAY}.tar.gz`);
      const ours = await verifyPack(path);
      expect(ours.ok).toBe(false);
      expect(ours.problems.map((p) => p.code)).toContain(code);
      const py = pythonPackCheck(path);
      expect(py.status).toBe(1);
      expect(py.errors.map((e) => e.code)).toContain(code);
      if (why !== undefined) {
        expect(ours.problems.filter((p) => p.code === code).map((p) => p.detail)).toContainEqual(
          expect.stringMatching(why),
        );
        expect(JSON.stringify(py.errors)).toMatch(why);
      }
    }, 120_000);
  }
});
