/**
 * A carried compliance state read from its file in pieces (docs/FORMAT.md, "Compliance state"): a
 * day that ends with half a million GTC orders open carries a state of about 200 MB, and the next
 * day's export and verify held it whole (its bytes, its text and a tree of objects: 980 MB of
 * peak RSS for one such state). Here the file is read in 1 MiB pieces, hashed and checked field by
 * field (carry-parse.ts) in one pass; the lists of open and closed orders keep only their first
 * few orders (what report.html shows) and their count, and are read again from the file, piece by
 * piece, when the engine is seeded from them. Each reading hashes the whole file again and fails
 * (READ_FAILED) when its bytes are no longer the ones checked: the file is hostile input, and
 * could be swapped between two readings. Its bytes go into the next pack the same way
 * ({@link StateFile.pieces}).
 */
import { createHash } from 'node:crypto';
import { closeSync, constants as fsc, fstatSync, openSync, readSync } from 'node:fs';
import { AuditpackError } from '../errors.js';
import { sha256SmallFile } from '../fsx/digest.js';
import { MemberScanner, type MemberSink } from '../json/member-stream.js';
import { type CarriedOrder, type CarriedOrders, MAX_STATE_BYTES, type StartingState } from './carry.js';
import { checkedOrder, scanStatePieces, StateCollector } from './carry-parse.js';

/** Bytes read at a time. */
const PIECE_BYTES = 1024 * 1024;
/**
 * The bytes of an order list scanned before its orders are handed on, when read again (FileOrders):
 * about 80 orders, so they die young (the CLI's young generation is 1 MB semi-spaces, src/cli/heap.ts).
 */
export const YIELD_BYTES = 32 * 1024;

/** Orders of each order list kept in memory (report.html shows at most this many: MAX_CARRIED_ROWS). */
export const FIRST_ORDERS_KEPT = 200;

/** A state file read and checked: where it is, its size and SHA-256, and the state. */
export interface StateFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly state: StartingState;
  /** The file's bytes again, in pieces, checked against `sha256` at the end (READ_FAILED if changed). */
  pieces(): Generator<Buffer>;
}

/**
 * Reads the state file at `path` (a regular file, never through a link, at most MAX_STATE_BYTES):
 * the file, `'missing'` (not there, or a link), `'unusable'` (not a regular file, or larger), or a
 * string saying why the state cannot be used (not JSON, a field out of shape, another day's). Its
 * SHA-256 is in the result either way ({@link readStateFile} `sha256`), as the caller may have to
 * judge it first. `listed`: the SHA-256 a manifest vouches for; the file is then hashed before it
 * is parsed, and bytes that do not have it are never parsed (an edited state cost the next export
 * the parse of up to 256 MB of an attacker's choosing: 28 s for a list of 100 million `0`s, and
 * an abort out of heap for deep nesting before MAX_DEPTH), as when the state was read whole.
 */
export function readStateFile(
  path: string,
  date: string | undefined,
  options: ReadOptions = {},
): StateFile | { readonly problem: string; readonly sha256: string } | 'missing' | 'unusable' {
  const { listed } = options;
  if (listed !== undefined) {
    // Under readPieces' own terms (no link, a regular file, at most MAX_STATE_BYTES); none is there
    // to hash: 'unusable', which every caller holds as it holds 'missing'.
    const first = sha256SmallFile(path, MAX_STATE_BYTES);
    if (first === undefined) return 'unusable';
    if (first !== listed) return { problem: `its SHA-256 is not the ${listed} listed (not parsed)`, sha256: first };
  }
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  return readState(path, (size) => readPieces(path, size, pieceBytes), date, options.keepFirst);
}

/**
 * `listed`: the SHA-256 a manifest vouches for (the file is hashed first and parsed only if it has
 * it). For tests: how many orders of a list to hold (FIRST_ORDERS_KEPT), bytes read at a time (1 MiB).
 */
export interface ReadOptions {
  readonly listed?: string;
  readonly keepFirst?: number;
  readonly pieceBytes?: number;
}

/**
 * A state made by the checks themselves (a replay of the day before's log: its pieces as the state
 * file's writer writes them, `pieces` giving the same each time it is called), read as a state
 * file is: checked once, its order lists parsed again from the pieces when used. So a replayed day
 * of half a million open orders is never held as objects and text at once. `what` names it in
 * messages.
 */
export function readMadeState(
  what: string,
  pieces: () => Iterable<string>,
  date: string,
): StateFile | { readonly problem: string; readonly sha256: string } {
  const r = readState(what, () => madePieces(pieces), date);
  if (typeof r === 'string') throw new Error(`a made state is always there: ${r}`);
  return r;
}

/** The state read from `open`'s pieces (`size`: what it must hold, on a later reading). */
function readState(
  path: string,
  open: (size: number | undefined) => Pieces | 'missing' | 'unusable',
  date: string | undefined,
  keepFirst = FIRST_ORDERS_KEPT,
): StateFile | { readonly problem: string; readonly sha256: string } | 'missing' | 'unusable' {
  const collector = new StateCollector(keepFirst);
  const read = open(undefined);
  if (typeof read === 'string') return read;
  let notJson: string | undefined;
  try {
    // Not closed when the scan stops at bytes that are not JSON: the rest is hashed, so `sha256` is
    // the file's (its manifest's hash is held to it; a prefix's named a vouched state "edited").
    const pieces = read.pieces;
    notJson = scanStatePieces({ [Symbol.iterator]: () => ({ next: () => pieces.next() }) }, collector);
    while (notJson !== undefined && pieces.next().done !== true);
  } finally {
    read.close();
  }
  const { size, sha256 } = read.done();
  const state = notJson ?? collector.finish(date);
  if (typeof state === 'string') return { problem: state, sha256 };
  const file: StateFile = {
    path,
    size,
    sha256,
    state: {
      ...state,
      open_orders: fileOrders(() => file, 'open_orders', collector, state.open_orders),
      closed_orders: fileOrders(() => file, 'closed_orders', collector, state.closed_orders),
    },
    pieces: () => checkedPieces(path, () => open(size), size, sha256),
  };
  return file;
}

type OrderList = 'open_orders' | 'closed_orders';

function fileOrders(file: () => StateFile, key: OrderList, c: StateCollector, first: CarriedOrders): CarriedOrders {
  const range = c.range(key);
  // Held whole (a list as short as the orders kept) or no list: nothing to read again.
  if (range === undefined || c.count(key) === first.length) return first;
  return new FileOrders(file, key, c.count(key), first.slice(0, first.length), range);
}

/**
 * A list of orders of a state file: its length and first orders held, every order read again from
 * the file when iterated (in the file's order, each checked again). The whole file is read and
 * hashed again, its list's bytes (`range`) scanned.
 */
export class FileOrders implements CarriedOrders {
  constructor(
    private readonly file: () => StateFile,
    private readonly key: OrderList,
    readonly length: number,
    private readonly first: readonly CarriedOrder[],
    private readonly range: { readonly start: number; readonly end: number },
  ) {}

  /** Orders `start` to `end` of those held (the first FIRST_ORDERS_KEPT): a RangeError past them. */
  slice(start = 0, end = this.length): CarriedOrder[] {
    const to = Math.min(end, this.length);
    if (to > this.first.length && to > start)
      throw new RangeError(`only the first ${this.first.length} of ${this.length} ${this.key} are held`);
    return this.first.slice(start, to);
  }

  *[Symbol.iterator](): Generator<CarriedOrder> {
    const f = this.file();
    const queue: CarriedOrder[] = [];
    const key = this.key;
    const sink: MemberSink = {
      value: () => undefined,
      list: () => undefined,
      item: (k, i, json) => {
        if (k === key) queue.push(checkedOrder(JSON.parse(json.toString('utf8')), `${k}[${i}]`));
      },
    };
    const scanner = new MemberScanner(sink, key);
    const { start, end } = this.range;
    let n = 0;
    let at = 0;
    for (const piece of f.pieces()) {
      const from = Math.max(start - at, 0);
      const to = Math.min(end - at, piece.length);
      at += piece.length;
      // In steps of YIELD_BYTES, each step's orders handed on before the next is parsed: a piece's
      // thousands of orders held at once outlived the young generation and were promoted.
      for (let s = from; s < to; s += YIELD_BYTES) {
        try {
          scanner.push(piece.subarray(s, Math.min(s + YIELD_BYTES, to)));
          if (at >= end && s + YIELD_BYTES >= to) scanner.end();
        } catch (err) {
          // Bytes checked once no longer parse, or an order no longer checks: they changed.
          if (err instanceof AuditpackError) throw err;
          throw changed(f.path);
        }
        for (const o of queue) {
          n++;
          yield o;
        }
        queue.length = 0;
      }
    }
    if (n !== this.length) throw changed(f.path);
  }
}

/** The bytes in pieces again, the last checked to make `sha256` over `size` bytes. */
function* checkedPieces(
  path: string,
  open: () => Pieces | 'missing' | 'unusable',
  size: number,
  sha256: string,
): Generator<Buffer> {
  const read = open();
  if (typeof read === 'string') throw changed(path);
  try {
    yield* read.pieces;
  } finally {
    read.close();
  }
  const now = read.done();
  if (now.size !== size || now.sha256 !== sha256) throw changed(path);
}

function changed(path: string): AuditpackError {
  return new AuditpackError(
    'READ_FAILED',
    `the compliance state ${path} changed while it was read (its bytes are no longer the ones checked): run again`,
  );
}

interface Pieces {
  readonly pieces: Generator<Buffer>;
  close(): void;
  /** Size and SHA-256 of what was read (all of it once `pieces` ended). */
  done(): { size: number; sha256: string };
}

/** The pieces of a made state, as UTF-8, hashed as they go (held to MAX_STATE_BYTES by the caller's writer). */
function madePieces(source: () => Iterable<string>): Pieces {
  const hash = createHash('sha256');
  let total = 0;
  function* pieces(): Generator<Buffer> {
    for (const text of source()) {
      const piece = Buffer.from(text, 'utf8');
      total += piece.length;
      hash.update(piece);
      yield piece;
    }
  }
  return { pieces: pieces(), close: () => undefined, done: () => ({ size: total, sha256: hash.digest('hex') }) };
}

/**
 * The pieces of the regular file at `path` (opened without following a link, at most
 * MAX_STATE_BYTES, and `size` bytes when given), one buffer reused: a piece is valid until the next.
 */
function readPieces(path: string, size: number | undefined, pieceBytes: number): Pieces | 'missing' | 'unusable' {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO in the file's place opens at once and is refused below, never waited on.
    fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch {
    return 'missing';
  }
  const st = fstatSync(fd);
  if (!st.isFile() || st.size > MAX_STATE_BYTES || (size !== undefined && st.size !== size)) {
    closeSync(fd);
    return 'unusable';
  }
  const hash = createHash('sha256');
  let total = 0;
  let open = true;
  const buf = Buffer.allocUnsafe(pieceBytes);
  function* pieces(): Generator<Buffer> {
    // Never past the size taken at the open, nor past MAX_STATE_BYTES if it grew since.
    for (let n = readSync(fd, buf, 0, Math.min(pieceBytes, st.size - total + 1), null); n > 0; ) {
      const piece = buf.subarray(0, n);
      total += n;
      if (total > st.size) throw new AuditpackError('READ_FAILED', `${path} grew while it was read`);
      hash.update(piece);
      yield piece;
      n = readSync(fd, buf, 0, Math.min(pieceBytes, st.size - total + 1), null);
    }
  }
  return {
    pieces: pieces(),
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
    done: () => ({ size: total, sha256: hash.digest('hex') }),
  };
}
