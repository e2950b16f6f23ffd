/**
 * Opening a file that hostile input may have replaced (a pack's, a roll-up's, an artifacts or logs
 * directory's, one named on the command line) only when it is a regular file. open(2) of a FIFO
 * blocks until a writer comes, so a FIFO put in a file's place would hang the command for ever;
 * a socket or a device is no file of ours either. The file is opened with O_NONBLOCK (a FIFO opens
 * at once; nothing changes for a regular file), and with O_NOFOLLOW unless a link is allowed (a
 * symbolic link fails with ELOOP instead of being read through: a format that forbids links must
 * never read what one points at), then fstat'ed: anything but a regular file is refused with a
 * NotRegularFileError (code ENOTREG), which callers turn into a finding or a typed error.
 */
import { closeSync, constants as fsc, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/** How a path that must be a regular file is opened. */
export interface OpenRegularOptions {
  /** Follow a symbolic link (only for a file named by the operator: a flag, the config). Default false. */
  readonly followLinks?: boolean;
}

/** The error for a path that is not a regular file: `code` is 'ENOTREG' (errno-like, for wrapFsError's details). */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
  readonly path: string;
  /** What was there instead: 'a symbolic link', 'a FIFO', 'a directory', … */
  readonly kind: string;
  constructor(path: string, kind: string) {
    super(`ENOTREG: not a regular file (${kind}), open '${path}'`);
    this.name = 'NotRegularFileError';
    this.path = path;
    this.kind = kind;
  }
}

/** Whether `err` is the refusal of a path that is not a regular file (NotRegularFileError). */
export function isNotRegularFile(err: unknown): err is NotRegularFileError {
  return err instanceof NotRegularFileError;
}

function flags(options: OpenRegularOptions | undefined): number {
  return fsc.O_RDONLY | fsc.O_NONBLOCK | (options?.followLinks === true ? 0 : fsc.O_NOFOLLOW);
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  return 'a special file';
}

/** O_NOFOLLOW's ELOOP is a link in the last component: refused as not a regular file. */
function refusedLink(err: unknown, path: string, options: OpenRegularOptions | undefined): unknown {
  const linkRefused = options?.followLinks !== true && (err as NodeJS.ErrnoException | undefined)?.code === 'ELOOP';
  return linkRefused ? new NotRegularFileError(path, 'a symbolic link, never followed') : err;
}

/** A descriptor of the regular file at `path` (this module's terms); other errors as Node raised them (ENOENT stays ENOENT). */
export function openRegularSync(path: string, options?: OpenRegularOptions): number {
  let fd: number;
  try {
    fd = openSync(path, flags(options));
  } catch (err) {
    throw refusedLink(err, path, options);
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (!st.isFile()) {
    closeSync(fd);
    throw new NotRegularFileError(path, kindOf(st));
  }
  return fd;
}

/** A handle of the regular file at `path` (this module's terms); the caller closes it. */
export async function openRegular(path: string, options?: OpenRegularOptions): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, flags(options));
  } catch (err) {
    throw refusedLink(err, path, options);
  }
  let st: Stats;
  try {
    st = await fh.stat();
  } catch (err) {
    await fh.close();
    throw err;
  }
  if (!st.isFile()) {
    await fh.close();
    throw new NotRegularFileError(path, kindOf(st));
  }
  return fh;
}

/** The bytes of the regular file at `path` (this module's terms), synchronously. */
export function readRegularSync(path: string, options?: OpenRegularOptions): Buffer {
  const fd = openRegularSync(path, options);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The bytes of the regular file at `path` (this module's terms). */
export async function readRegular(path: string, options?: OpenRegularOptions): Promise<Buffer> {
  const fh = await openRegular(path, options);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
