/**
 * A minimal POSIX ustar writer piped through gzip, for `--compress`. Small on purpose: a pack has
 * a handful of regular files and directories with short ASCII names, so no long-name extensions,
 * links or sparse files are ever needed, and no dependency is (tar-stream would do, but this is
 * 80 lines whose output GNU tar and Python's tarfile read; see test/pack/export.test.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { AuditpackError } from '../errors.js';

/** One entry: a directory or a regular file read from `source`. */
export interface TarEntry {
  /** Path inside the archive, `/`-separated (directories end with `/`). */
  readonly name: string;
  /** Source file on disk (omitted for directories). */
  readonly source?: string;
  readonly mode: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** A 512-byte ustar header. */
/**
 * Mode of the directories inside a `.tar.gz` pack (docs/FORMAT.md): 0755, not the pack's on-disk 0555.
 * Extracted by a user who is not root, a 0555 directory cannot be emptied, so `rm -rf` and a second
 * `tar -x` over the copy fail. The files stay 0444 (read-only intent); the manifests, not the modes,
 * are what detect an edit.
 */
export const TAR_DIR_MODE = 0o755;

export function tarHeader(name: string, size: number, mode: number, mtime: number, dir: boolean): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new AuditpackError('INTERNAL', `tar entry name too long: ${name}`);
  const h = Buffer.alloc(512);
  nameBytes.copy(h, 0);
  h.write(octal(mode & 0o7777, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1'); // uid
  h.write(octal(0, 8), 116, 'latin1'); // gid
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(Math.floor(mtime), 12), 136, 'latin1');
  h.write('        ', 148, 'latin1'); // checksum placeholder
  h.write(dir ? '5' : '0', 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.write('auditpack', 265, 'latin1'); // uname
  h.write('auditpack', 297, 'latin1'); // gname
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

async function* tarStream(entries: readonly TarEntry[], onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  for (const e of entries) {
    if (e.source === undefined) {
      yield tarHeader(e.name, 0, e.mode, e.mtime, true);
      continue;
    }
    const size = (await stat(e.source)).size;
    yield tarHeader(e.name, size, e.mode, e.mtime, false);
    let written = 0;
    for await (const chunk of createReadStream(e.source, { highWaterMark: 1024 * 1024 })) {
      written += (chunk as Buffer).length;
      onBytes?.((chunk as Buffer).length);
      yield chunk as Buffer;
    }
    if (written !== size) throw new AuditpackError('READ_FAILED', `${e.source} changed size while archiving`);
    const pad = (512 - (size % 512)) % 512;
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(1024); // two zero blocks end the archive
}

/** Writes a gzip'd tar of `entries` to `dest` (a new file); `onBytes` hears of each file chunk read. */
export async function writeTarGz(
  dest: string,
  entries: readonly TarEntry[],
  onBytes?: (n: number) => void,
): Promise<void> {
  await pipeline(
    Readable.from(tarStream(entries, onBytes)),
    createGzip({ level: 6 }),
    createWriteStream(dest, { flags: 'wx', mode: 0o444 }),
  );
}
