/**
 * The one reader of gzip'd POSIX tar streams (ustar, with pax `x`/`g` headers and GNU `L`/`K`
 * long names), for verifying a `.tar.gz` pack (or taking one file out of it) without unpacking it
 * to disk; every `.tar.gz` reader in auditpack (verify, roll-ups, the compliance carry, review
 * versions) is this one, and tools/auditpack_check.py holds the same bounds (TAR_BOUNDS). Every
 * header is attacker-controlled: sizes and names are checked, the number of entries, the size of
 * pax and long-name records and the expansion ratio are bounded, and a malformed stream is an
 * error the caller turns into a finding. An archive whose bytes different readers would read
 * differently is malformed: a pax `size` other than its header's, and a sparse entry (GNU `S`
 * or pax `GNU.sparse.*`), which a sparse-aware reader expands and another reads as stored, is
 * reported as a `sparse` entry, never read as a file. Body bytes are handed to the caller's sink as
 * they stream; nothing is buffered beyond one chunk and one header.
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32, createGunzip } from 'node:zlib';
import { openRegular } from './regular.js';

/** A tar entry's header, as far as verification needs it. */
export interface TarEntry {
  readonly name: string;
  /** `file`, `directory`, `symlink`, `hardlink`, `sparse` (GNU sparse, never a file) or `other` (devices, fifos…). */
  readonly type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'sparse' | 'other';
  readonly size: number;
  readonly linkName: string;
}

/** Where an entry's body goes. */
export interface TarEntrySink {
  write(chunk: Buffer): void;
  end(): void;
}

/** The tar stream is malformed or exceeds a bound. */
export class TarFormatError extends Error {}

export interface TarLimits {
  maxEntries?: number;
  /** Uncompressed bytes allowed per compressed byte (plus 64 MiB): a gzip bomb stops here. */
  maxExpansion?: number;
}

/**
 * The bounds every `.tar.gz` reader holds a pack to (docs/FORMAT.md, "A pack"; the Python checker
 * has the same numbers). Deflate expands at most ~1032×, so the expansion bound must sit well
 * below that to stop anything: 64× covers every pack (JSONL and CSV compress 5–15×) plus 64 MiB for
 * small, highly compressible ones.
 */
export const TAR_BOUNDS = {
  maxEntries: 10_000,
  maxExpansion: 64,
  expansionSlackBytes: 64 * 1024 * 1024,
  /** A pax header's or GNU long name's bytes. */
  maxRecordBytes: 64 * 1024,
} as const;

const BLOCK = 512;
const MAX_PAX = TAR_BOUNDS.maxRecordBytes;
/** The largest size a ustar header's 11 octal digits hold; a pax `size` may exceed it (with 0 in the header). */
const MAX_USTAR_SIZE = 0o77777777777;

/**
 * Streams the entries of `path` (.tar.gz). `onEntry` returns a sink for the body, or undefined to
 * skip it. Resolves when the archive ends; rejects with TarFormatError on a malformed stream, or
 * with the fs/zlib error when the file cannot be read or decompressed.
 */
export async function readTarGz(
  path: string,
  onEntry: (e: TarEntry) => TarEntrySink | undefined,
  limits: TarLimits = {},
): Promise<void> {
  // One descriptor for the whole read: a FIFO in the archive's place is refused, never waited on
  // (callers lstat the path first; a link named on the command line is followed, as before).
  const fh = await openRegular(path, { followLinks: true });
  try {
    await streamTar(fh, onEntry, limits);
  } finally {
    await fh.close();
  }
}

async function streamTar(
  fh: FileHandle,
  onEntry: (e: TarEntry) => TarEntrySink | undefined,
  limits: TarLimits,
): Promise<void> {
  const maxExpansion = limits.maxExpansion ?? TAR_BOUNDS.maxExpansion;
  const src = fh.createReadStream({ autoClose: false, start: 0 });
  const gunzip = createGunzip();
  let compressed = 0;
  src.on('data', (c: Buffer | string) => {
    compressed += c.length;
  });
  src.pipe(gunzip);
  src.on('error', (err) => gunzip.destroy(err));
  const parser = new TarParser(onEntry, limits.maxEntries ?? TAR_BOUNDS.maxEntries);
  let uncompressed = 0;
  let crc = 0;
  const onData = (chunk: Buffer): void => {
    uncompressed += chunk.length;
    crc = crc32(chunk, crc);
    if (uncompressed > TAR_BOUNDS.expansionSlackBytes + compressed * maxExpansion) {
      throw new TarFormatError(
        `decompresses to more than ${maxExpansion} times its size plus 64 MiB (a gzip bomb?); not read further`,
      );
    }
    parser.push(chunk);
  };
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    gunzip.on('data', (c: Buffer) => {
      if (failed) return;
      try {
        onData(c);
      } catch (err) {
        failed = true;
        src.destroy();
        gunzip.destroy();
        reject(err);
      }
    });
    gunzip.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
    gunzip.on('end', () => {
      if (failed) return;
      const unfinished = parser.unfinished();
      if (unfinished !== undefined) reject(new TarFormatError(unfinished));
      else singleMember(fh, crc, uncompressed, gunzip.bytesWritten).then(resolve, reject);
    });
  });
}

/** The tar stream's state machine: headers, bodies, padding, pax headers and the end marker. */
class TarParser {
  /** Bytes of the current header block being gathered. */
  private header: Buffer = Buffer.alloc(0);
  private state: 'header' | 'body' | 'pad' | 'pax' | 'end' = 'header';
  private remaining = 0;
  private pad = 0;
  private sink: TarEntrySink | undefined;
  private entries = 0;
  private zeroBlocks = 0;
  private pax: Record<string, string> = {};
  private paxBuf: Buffer[] = [];
  private paxLen = 0;
  /** What the record being gathered is: a pax header (`x`, `g`) or a GNU long name (`L`) or link name (`K`). */
  private record: 'x' | 'L' | 'K' = 'x';
  /** GNU long name and link name for the next entry. */
  private longName: string | undefined;
  private longLink: string | undefined;

  constructor(
    private readonly onEntry: (e: TarEntry) => TarEntrySink | undefined,
    private readonly maxEntries: number,
  ) {}

  /** Consumes decompressed bytes. Throws TarFormatError on a malformed stream. */
  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'end') {
        // After the end marker only zeros (tar's record padding) may follow: a reader that reads on
        // (GNU tar --ignore-zeros, the way concatenated archives are read) would extract any entry
        // put there, and these bytes are never checked.
        if (!isZero(chunk.subarray(i)))
          throw new TarFormatError('bytes that are not zeros follow the end-of-archive marker');
        return;
      }
      if (this.state === 'header') i = this.headerBytes(chunk, i);
      else if (this.state === 'body' || this.state === 'pax') i = this.bodyBytes(chunk, i);
      else {
        const take = Math.min(this.pad, chunk.length - i);
        this.pad -= take;
        i += take;
        if (this.pad === 0) this.state = 'header';
      }
    }
  }

  /** Why the stream cannot end here, or undefined when it ended properly. */
  unfinished(): string | undefined {
    if (this.state === 'body' || this.state === 'pax' || this.header.length > 0)
      return 'the archive ends in the middle of an entry';
    if (this.state !== 'end') return 'the archive has no end-of-archive marker (truncated?)';
    return undefined;
  }

  private headerBytes(chunk: Buffer, i: number): number {
    const take = Math.min(BLOCK - this.header.length, chunk.length - i);
    this.header =
      this.header.length === 0 && take === BLOCK
        ? chunk.subarray(i, i + BLOCK)
        : Buffer.concat([this.header, chunk.subarray(i, i + take)]);
    if (this.header.length < BLOCK) return i + take;
    const h = this.header;
    this.header = Buffer.alloc(0);
    if (isZero(h)) {
      this.zeroBlocks++;
      if (this.zeroBlocks >= 2) this.state = 'end';
      return i + take;
    }
    if (this.zeroBlocks > 0) throw new TarFormatError('a lone zero block inside the archive');
    this.startEntry(Buffer.from(h));
    return i + take;
  }

  private bodyBytes(chunk: Buffer, i: number): number {
    const take = Math.min(this.remaining, chunk.length - i);
    const part = chunk.subarray(i, i + take);
    if (this.state === 'body') this.sink?.write(part);
    else {
      this.paxBuf.push(Buffer.from(part));
      this.paxLen += part.length;
    }
    this.remaining -= take;
    if (this.remaining === 0) {
      if (this.state === 'pax') {
        const bytes = Buffer.concat(this.paxBuf, this.paxLen);
        if (this.record === 'L') this.longName = cstr(bytes);
        else if (this.record === 'K') this.longLink = cstr(bytes);
        else this.pax = { ...this.pax, ...parsePax(bytes) };
        this.state = this.pad > 0 ? 'pad' : 'header';
      } else this.finishBody();
    }
    return i + take;
  }

  private startEntry(h: Buffer): void {
    const typeflag = String.fromCharCode(h[156] as number);
    const size = parseOctal(h.subarray(124, 136), 'size');
    let name = cstr(h.subarray(0, 100));
    const magic = h.subarray(257, 263).toString('latin1');
    if (magic.startsWith('ustar')) {
      const prefix = cstr(h.subarray(345, 500));
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    if (!checksumOk(h)) throw new TarFormatError('a tar header checksum does not match');
    // A pax global header: export never writes one, and readers disagree on how far it reaches (GNU
    // tar and POSIX apply it to every later entry, some readers to the next one only), so the same
    // bytes would hold different files for each (attack8 #3).
    if (typeflag === 'g')
      throw new TarFormatError('a pax global header: readers disagree on the entries it applies to');
    if (typeflag === 'x' || typeflag === 'L' || typeflag === 'K') {
      const what = typeflag === 'L' || typeflag === 'K' ? 'GNU long name' : 'pax header';
      if (size > MAX_PAX) throw new TarFormatError(`a ${what} of ${size} bytes exceeds the bound of ${MAX_PAX}`);
      this.state = size > 0 ? 'pax' : 'header';
      this.record = typeflag;
      this.remaining = size;
      this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
      this.paxBuf = [];
      this.paxLen = 0;
      return;
    }
    const pax = this.pax;
    name = pax.path ?? this.longName ?? name;
    const realSize = paxSize(pax.size, size);
    const linkName = pax.linkpath ?? this.longLink ?? cstr(h.subarray(157, 257));
    const sparse = typeflag === 'S' || Object.keys(pax).some((k) => k.startsWith('GNU.sparse.'));
    if (sparse && pax['GNU.sparse.name'] !== undefined) name = pax['GNU.sparse.name'];
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    this.entries++;
    if (this.entries > this.maxEntries) throw new TarFormatError(`more than ${this.maxEntries} entries`);
    const type = sparse ? 'sparse' : entryType(typeflag);
    // The bytes stored after the header: a regular file's, a sparse entry's (map and data), and
    // those of a type no reader knows; links, directories, devices and fifos have none (as GNU
    // tar and Python's tarfile read them).
    const bodySize = type === 'file' || type === 'sparse' || !HEADER_ONLY.has(typeflag) ? realSize : 0;
    this.sink = this.onEntry({ name, type, size: bodySize, linkName });
    this.remaining = bodySize;
    this.pad = (BLOCK - (bodySize % BLOCK)) % BLOCK;
    this.state = 'body';
    if (this.remaining === 0) this.finishBody();
  }

  private finishBody(): void {
    this.sink?.end();
    this.sink = undefined;
    this.state = this.pad > 0 ? 'pad' : 'header';
  }
}

/** Type flags whose entries have no body whatever their size field says. */
const HEADER_ONLY: ReadonlySet<string> = new Set(['1', '2', '3', '4', '5', '6']);

/**
 * The entry's size: the header's, or its pax `size` record, which must be a number and equal to
 * the header's, unless the size is too large for the header (which then holds 0). Any other pax
 * size makes a reader that ignores pax headers (or takes the header's size) frame the stream
 * differently from one that honours it: the archive would hold different files for each.
 */
function paxSize(record: string | undefined, headerSize: number): number {
  if (record === undefined) return headerSize;
  if (!/^\d{1,15}$/.test(record)) throw new TarFormatError('a pax size record that is not a number');
  const n = Number(record);
  if (n !== headerSize && !(headerSize === 0 && n > MAX_USTAR_SIZE)) {
    throw new TarFormatError(
      `a pax size record (${n}) other than its header's size (${headerSize}): readers would disagree on the entry's bytes`,
    );
  }
  return n;
}

function entryType(typeflag: string): TarEntry['type'] {
  if (typeflag === '0' || typeflag === '\u0000' || typeflag === '7') return 'file';
  if (typeflag === '5') return 'directory';
  if (typeflag === '2') return 'symlink';
  if (typeflag === '1') return 'hardlink';
  return 'other';
}

function cstr(b: Buffer): string {
  const z = b.indexOf(0);
  return (z === -1 ? b : b.subarray(0, z)).toString('utf8');
}

function parseOctal(b: Buffer, what: string): number {
  if ((b[0] as number) & 0x80) throw new TarFormatError(`base-256 ${what} fields are not supported`);
  const s = cstr(b).trim();
  if (s === '') return 0;
  if (!/^[0-7]{1,12}$/.test(s)) throw new TarFormatError(`a tar header has an invalid ${what} field`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
  const s = cstr(h.subarray(148, 156)).trim();
  return /^[0-7]{1,8}$/.test(s) && parseInt(s, 8) === sum;
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Parses pax records: `<len> <key>=<value>\n`. */
function parsePax(b: Buffer): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = 0;
  while (i < b.length) {
    const sp = b.indexOf(0x20, i);
    if (sp === -1) throw new TarFormatError('malformed pax header');
    const lenText = b.subarray(i, sp).toString('latin1');
    if (!/^\d{1,6}$/.test(lenText)) throw new TarFormatError('malformed pax record length');
    const len = Number(lenText);
    if (len <= sp - i + 1 || i + len > b.length || b[i + len - 1] !== 0x0a)
      throw new TarFormatError('malformed pax record');
    const rec = b.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq === -1) throw new TarFormatError('malformed pax record');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * zlib reads on past the end of a gzip member: into a second member, whose bytes it appends, or
 * over trailing bytes, which it drops. Either hides bytes in the file from what is checked. A
 * file that is exactly one member ends in that member's trailer (RFC 1952 §2.3.1): the CRC-32 and
 * the size (mod 2^32) of everything decompressed. Anything else is an appended member or data.
 */
async function singleMember(fh: FileHandle, crc: number, size: number, consumed: number): Promise<void> {
  const { size: fileSize } = await fh.stat();
  const tail = Buffer.alloc(8);
  if (fileSize < 18) throw new TarFormatError('too short to be a gzip file');
  // zlib stops silently at zero bytes after a member: they were never read.
  if (consumed !== fileSize)
    throw new TarFormatError(`${fileSize - consumed} bytes follow the gzip stream: the file is more than the pack`);
  await fh.read(tail, 0, 8, fileSize - 8);
  if (tail.readUInt32LE(0) !== crc >>> 0 || tail.readUInt32LE(4) !== size % 2 ** 32) {
    throw new TarFormatError(
      'bytes follow the gzip stream (an appended gzip member or trailing data): the file is more than the pack',
    );
  }
}
