/**
 * The default sink: day files under a directory, appended under a cross-process lock.
 *
 * Threats and answers (docs/FORMAT.md, "Concurrency", "Torn lines", "Midnight"):
 * - Several processes append at once: every append holds an exclusive lock on `.audit.lock` (lock.ts),
 *   learns where the chain stands, writes whole lines, and releases. The kernel drops the lock of a
 *   process killed with -9, so a dead writer never stalls the others.
 * - kill -9 mid-write leaves bytes after the last "\n": the next writer keeps them, terminates them,
 *   and appends a TornLineRecovered event with their length and hash; the chain goes on.
 * - A later day's file already exists when an older-dated event arrives: appending to the older
 *   file would break the newer file's link, so the event goes to the newest file marked `late`.
 * - The lock file caches the chain head (`file`, `size`, `seq`, `hash`); it is trusted only when the
 *   named file still has exactly that size, and rebuilt from the files otherwise. A file cut short,
 *   emptied or removed under it is recorded with a LogDiscontinuity event before anything else; so
 *   is the head this writer last wrote, when the lock file holds none (the logs directory removed).
 * - The lock file removed (or replaced) while writers run: a writer opening the path afresh would lock
 *   a new file while another holds the old one, and both would append at once, forking the chain.
 *   So a writer holds the lock only when the path still names the file it locked (device and inode,
 *   checked after locking; else it opens the path again), and each write goes out under a lock on
 *   the day file itself, only when the file still ends where the head says (else the head is read
 *   again from the files). The second guard covers a removal in the middle of another's append.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, readdirSync, statSync, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EMPTY_HEAD, hashLine } from '../chain/index.js';
import { AuditpackError } from '../errors.js';
import { dayOfLogFileName, logFileName } from '../rotation/index.js';
import { assembleLine, DISCONTINUITY, discontinuityFields, recoveryFields } from '../format/log-line.js';
import { tornWriteProblem } from '../format/torn-write.js';
import { openRegular, readTail, syncDirectory, type Tail } from './day-file.js';
import { type Head, headLost, readCachedHead, writeCachedHead } from './head-cache.js';
import { loadFileLock, type FileLock } from './lock.js';
import { boundedFileLock, lockWaitDefault } from './lock-wait.js';
import {
  appendAt,
  LOG_FILE_MODE,
  LockFileHandle,
  MAX_LOCK_RETRIES,
  retriesExhausted,
  writeError,
} from './sink-lock.js';
import type { AuditSink, PreparedEvent } from './types.js';

const fdatasyncAsync = promisify(fdatasync);

/** Name of the lock and chain-head cache file inside the log directory. */
export { LOCK_FILE_NAME } from './sink-lock.js';

/**
 * Makes a writer-reserved event the sink appends (the logger supplies it): TornLineRecovered after
 * a fragment, or the `event` named (LogDiscontinuity after a lost head).
 */
export type RecoveryEventFactory = (fields: Record<string, unknown>, event?: string) => PreparedEvent;

export interface FileSinkOptions {
  /** Directory of the day files. */
  dir: string;
  /** Builds the recovery event (timestamped by the logger's clock, with its provenance). */
  recoveryEvent: RecoveryEventFactory;
  /**
   * Told true before append blocks on a lock another process holds, and false once it has it:
   * the writer thread publishes it on shared memory (offload.ts), so the main thread's backpressure
   * never waits for a thread that itself waits for another process.
   */
  onLockWait?: (waiting: boolean) => void;
}

/** Makes a batch ready to write (AuditSink.tryAppend). */
type FinishBatch = (batch: readonly PreparedEvent[]) => readonly PreparedEvent[];

/** What a writer that may die mid-append is told of its writes (FileSink.append). */
export interface WriteProgress {
  willWrite(w: { events: number; day: number; start: number; end: number; hash: string }): void;
  wrote(events: number): void;
}

export class FileSink implements AuditSink {
  private readonly dir: string;
  private readonly recoveryEvent: RecoveryEventFactory;
  private fd: number | undefined;
  private fdDay = Number.NaN;
  private fdIno = -1;
  /** fds written since the last sync, and whether a directory entry was created. */
  private dirty = new Set<number>();
  private createdFile = false;
  private closed = false;
  /** Reused between appends: each batch's lines are encoded into it (see writeBatch). */
  private scratch: Buffer = EMPTY;
  private readonly lock: FileLock;
  /** `.audit.lock`: the lock writers take around each append, and the cached head it holds. */
  private readonly lockFile: LockFileHandle;
  private readonly onLockWait: ((waiting: boolean) => void) | undefined;
  /** The head this sink last wrote (and cached): the lost-head test's claim when the lock file has none. */
  private lastHead: Head | undefined;
  /** Whether tryAppend may return at once on a busy lock: not under the CLI's bounded wait. */
  private readonly mayDefer: boolean;

  /** Throws ADDON_UNAVAILABLE when the lock addon cannot be loaded: at creation, never at a write. */
  constructor(options: FileSinkOptions) {
    this.dir = options.dir;
    this.recoveryEvent = options.recoveryEvent;
    // The CLI's bound on the wait (lock-wait.ts), when its process set one; else the addon's
    // blocking lock itself, as every application's writer has it.
    const waitMs = lockWaitDefault();
    this.lock = waitMs === undefined ? loadFileLock() : boundedFileLock(loadFileLock(), waitMs, options.dir);
    this.lockFile = new LockFileHandle(options.dir, this.lock);
    this.onLockWait = options.onLockWait;
    this.mayDefer = waitMs === undefined;
  }

  /**
   * Appends the batch under the lock; returns how many of its events were written. `progress` is
   * told before each write(2) of events of the batch what it writes (the day file, where, the last
   * line's hash) and right after it how many events it put there: the writer thread keeps both on
   * shared memory, so that a thread that dies before append returns leaves behind what is on disk
   * (offload.ts, write-intent.ts), instead of having it written twice or not at all.
   */
  append(batch: readonly PreparedEvent[], progress?: WriteProgress): number {
    if (this.closed) throw new AuditpackError('LOG_CLOSED', 'the audit log sink is closed');
    if (batch.length === 0) return 0;
    return this.appendLocked(batch, this.lockFile.acquire(true, this.onLockWait), progress);
  }

  /**
   * Like append, but never waits for a lock another process holds: undefined (nothing written)
   * while it is busy, and the caller keeps the batch buffered and tries again later. An
   * application's thread must not stop for a neighbour holding the lock (a stopped `auditpack log`,
   * ^Z, a debugger, a frozen VM). Under the CLI's bounded wait (lock-wait.ts) this is append: a
   * command has no one to buffer for, and its wait ends in LOG_LOCK_TIMEOUT.
   */
  tryAppend(batch: readonly PreparedEvent[], finish?: FinishBatch): number | undefined {
    if (!this.mayDefer) return this.append(finish === undefined ? batch : finish(batch));
    if (this.closed) throw new AuditpackError('LOG_CLOSED', 'the audit log sink is closed');
    if (batch.length === 0) return 0;
    const lockFd = this.lockFile.acquire(false);
    return lockFd === undefined ? undefined : this.appendLocked(batch, lockFd, undefined, finish);
  }

  /**
   * What every append does first, with nothing appended: under the lock, the head is brought to the
   * files (a torn tail recovered, a lost head recorded) and synced. For a reader about to read the
   * newest file whole, as export does (docs/FORMAT.md, "Torn lines and recovery").
   */
  settle(): void {
    if (this.closed) throw new AuditpackError('LOG_CLOSED', 'the audit log sink is closed');
    this.appendLocked([], this.lockFile.acquire(true, this.onLockWait));
    this.syncSync();
  }

  /** Appends the batch (`finish`ed first, when given) under the lock held on `lockFd`, and releases it. */
  private appendLocked(
    batch: readonly PreparedEvent[],
    lockFd: number,
    progress?: WriteProgress,
    finish?: FinishBatch,
  ): number {
    const lock = this.lock;
    try {
      const events = finish === undefined ? batch : finish(batch);
      const head = this.readHead(lockFd);
      const written = this.writeBatch(events, head, lockFd, progress);
      this.saveHead(lockFd, head);
      return written;
    } finally {
      try {
        lock.unlock(lockFd);
      } catch {
        // Closing the fd releases it anyway; nothing useful to do here.
      }
    }
  }

  async sync(): Promise<void> {
    const fds = [...this.dirty];
    this.dirty.clear();
    await Promise.all(fds.map((fd) => fdatasyncAsync(fd)));
    if (this.createdFile) {
      this.createdFile = false;
      this.syncDir();
    }
  }

  syncSync(): void {
    for (const fd of this.dirty) fdatasyncSync(fd);
    this.dirty.clear();
    if (this.createdFile) {
      this.createdFile = false;
      this.syncDir();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.fd = undefined;
    this.lockFile.close();
  }

  /**
   * The cached head from the lock file when the file it names still has that size; else the head
   * rebuilt from the files, after recording a cached head that is no longer on disk.
   */
  private readHead(lockFd: number): Head {
    const cached = readCachedHead(lockFd);
    if (cached === undefined) return this.headWithoutCache(lockFd);
    const found = this.sizeOf(cached);
    if (found === cached.size) return cached;
    const head = this.rebuildHead();
    if (found !== undefined) this.recordLostHead(cached, found, head, lockFd);
    return head;
  }

  /**
   * The lock file holds no head (it was removed, alone or with its directory, or overwritten): the
   * head is rebuilt from the files, and the head this writer last wrote itself stands in for the
   * cache in the lost-head test. A directory removed and made again under a running writer is
   * then recorded (LogDiscontinuity) instead of starting a fresh chain with no word of the gap.
   * Never trusted as the head itself: another writer may have gone on without this one's knowing.
   */
  private headWithoutCache(lockFd: number): Head {
    const head = this.rebuildHead();
    const own = this.lastHead;
    const found = own === undefined ? undefined : this.sizeOf(own);
    if (own !== undefined && found !== undefined) this.recordLostHead(own, found, head, lockFd);
    return head;
  }

  /** The size of the head's day file now: null when it is gone, undefined when it cannot be told. */
  private sizeOf(head: Head): number | null | undefined {
    try {
      return statSync(join(this.dir, logFileName(head.day)), { throwIfNoEntry: false })?.size ?? null;
    } catch {
      return undefined; // cannot tell: rebuild, claim nothing
    }
  }

  /**
   * The head last written (the lock file's cache) is no longer on disk: its file was cut short,
   * emptied or removed. Writing on would chain onto what is left as if nothing had been there, so
   * a LogDiscontinuity event naming the lost head and what was found goes first (docs/FORMAT.md,
   * "Lost heads"). A torn tail (a crash mid-write) only adds bytes after the head: not this.
   */
  private recordLostHead(cached: Head, found: number | null, head: Head, lockFd: number): void {
    const file = logFileName(cached.day);
    if (!headLost(join(this.dir, file), cached, found, head)) return;
    const fields = discontinuityFields({
      cached: { file, size: cached.size, seq: cached.seq, sha256: cached.hash },
      found: {
        size: found,
        file: Number.isNaN(head.day) ? null : logFileName(head.day),
        seq: head.seq,
        sha256: head.hash,
      },
    });
    this.writeBatch([this.recoveryEvent(fields, DISCONTINUITY.event)], head, lockFd);
  }

  private saveHead(lockFd: number, head: Head): void {
    writeCachedHead(lockFd, head);
    if (!Number.isNaN(head.day)) this.lastHead = { ...head };
  }

  /**
   * Finds the head from the files themselves, recovering a torn tail in the newest one; again when
   * another writer appended while a torn tail was being recovered (appendAt).
   */
  private rebuildHead(): Head {
    for (let tries = 0; ; tries++) {
      try {
        return this.rebuildHeadOnce();
      } catch (err) {
        if (!(err instanceof TailMoved)) throw err;
        if (tries === MAX_LOCK_RETRIES) throw retriesExhausted(err.path, 'kept growing under another writer');
      }
    }
  }

  private rebuildHeadOnce(): Head {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      throw writeError(err, 0, `cannot read the audit log directory ${this.dir}`);
    }
    const days = names
      .map((n) => dayOfLogFileName(n))
      .filter((d): d is number => d !== undefined)
      .sort((a, b) => b - a);
    if (days.length === 0) return { day: Number.NaN, size: 0, ...EMPTY_HEAD };
    const newest = days[0] as number;
    // Walk back from the newest file to the last complete line: that is where the chain stands.
    // Newer files holding only a fragment (or nothing) are recovered on top of it, oldest first.
    const newer: { day: number; tail: Tail }[] = [];
    let base = { seq: EMPTY_HEAD.seq, hash: EMPTY_HEAD.hash };
    for (const day of days) {
      let tail: Tail;
      try {
        tail = readTail(join(this.dir, logFileName(day)));
      } catch (err) {
        throw writeError(err, 0, `cannot read ${join(this.dir, logFileName(day))}`);
      }
      if (!Number.isNaN(tail.lastSeq) && tail.size > 0) {
        base = { seq: tail.lastSeq, hash: tail.lastHash };
        newer.unshift({ day, tail });
        break;
      }
      newer.unshift({ day, tail });
    }
    let size = 0;
    for (const { day, tail } of newer) {
      size = tail.size;
      if (tail.fragment) {
        const rec = this.recoverFragment(
          join(this.dir, logFileName(day)),
          day,
          tail.fragment,
          tail.size,
          base.seq,
          base.hash,
          !Number.isNaN(tail.lastSeq),
        );
        base = { seq: rec.seq, hash: rec.hash };
        size = rec.size;
      }
    }
    return { day: newest, size, ...base };
  }

  /** Terminates a torn tail, appends its recovery (docs/FORMAT.md); `lineBefore`: seq/hash are its file's. */
  private recoverFragment(
    path: string,
    day: number,
    f: Buffer,
    size: number,
    seq: number,
    hash: string,
    lineBefore: boolean,
  ): { seq: number; hash: string; size: number } {
    if (seq >= Number.MAX_SAFE_INTEGER) throw seqExhausted(0);
    const notTorn = tornWriteProblem(f, lineBefore ? { seq, hash } : undefined); // as the checkers judge it
    const ev = this.recoveryEvent(recoveryFields(logFileName(day), size - f.length, f.length, hashLine(f), notTorn));
    const line = assembleLine(ev, seq + 1, hash, false);
    const data = Buffer.from(`\n${line}\n`, 'utf8');
    const fd = this.fdFor(day, path);
    // Whole or not at all: a recovery cut short would end the fragment with a "\n" and no event
    // describing it, and be a second fragment itself (docs/FORMAT.md, "Torn lines").
    const r = appendAt(this.lock, fd, data, size, true);
    if (r === undefined) throw new TailMoved(path);
    this.dirty.add(fd);
    if (r.error) throw writeError(r.error, 0, 'cannot append to the audit log');
    return { seq: seq + 1, hash: hashLine(line), size: size + data.length };
  }

  private fdFor(day: number, path: string): number {
    if (this.fd !== undefined && this.fdDay === day) {
      // Still the same file? (A prune or an operator may have moved it.)
      const st = statSync(path, { throwIfNoEntry: false });
      if (st && st.ino === this.fdIno) return this.fd;
    }
    if (this.fd !== undefined) {
      this.dirty.delete(this.fd);
      try {
        fdatasyncSync(this.fd);
      } catch {
        // best effort before switching files
      }
      closeSync(this.fd);
      this.fd = undefined;
    }
    const existed = statSync(path, { throwIfNoEntry: false }) !== undefined;
    const fd = openRegular(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, LOG_FILE_MODE);
    if (!existed) this.createdFile = true;
    this.fd = fd;
    this.fdDay = day;
    this.fdIno = fstatSync(fd).ino;
    return fd;
  }

  /** Writes the batch in order, grouping runs of events that go to the same file into one write. */
  private writeBatch(batch: readonly PreparedEvent[], head: Head, lockFd: number, progress?: WriteProgress): number {
    let done = 0;
    let moved = 0;
    while (done < batch.length) {
      // A seq beyond 2^53-1 is no exact JSON number: verify rejects it (docs/FORMAT.md, "A line").
      if (head.seq >= Number.MAX_SAFE_INTEGER) throw seqExhausted(done);
      const first = batch[done] as PreparedEvent;
      const day = Number.isNaN(head.day) || first.day > head.day ? first.day : head.day;
      if (day !== head.day) {
        if (statSize(join(this.dir, logFileName(day))) > 0) {
          // A newer file the cache did not know: someone wrote it without us. Learn from the files.
          Object.assign(head, this.rebuildHead());
          continue;
        }
        head.day = day;
        head.size = 0;
        // Say "the newest day is now `day`" before creating its file: if we die in between, the
        // size will not match and the next writer rebuilds instead of appending to an older day.
        this.saveHead(lockFd, head);
      }
      // Each line is encoded once, into a reused buffer, and hashed from those bytes: encoding
      // it separately for the hash, for its length and for the write cost twice as much.
      const ends: number[] = [];
      let buf = this.scratch;
      let off = 0;
      let { seq, hash } = head;
      let i = done;
      for (; i < batch.length; i++) {
        const ev = batch[i] as PreparedEvent;
        if (ev.day > day || seq >= Number.MAX_SAFE_INTEGER) break; // a new day (next file), or seq used up
        const line = assembleLine(ev, seq + 1, hash, ev.day < day);
        seq++;
        // UTF-8 takes at most 3 bytes per UTF-16 code unit; +1 for "\n".
        const need = off + line.length * 3 + 1;
        if (need > buf.length) buf = grow(buf, off, need);
        const start = off;
        off += buf.write(line, off, 'utf8');
        hash = hashLine(buf.subarray(start, off));
        buf[off++] = 0x0a;
        ends.push(off);
      }
      // Keep a moderate buffer for the next batch; let an outsized one (a long backlog) go.
      this.scratch = buf.length <= SCRATCH_KEEP_BYTES ? buf : EMPTY;
      const data = buf.subarray(0, off);
      const path = join(this.dir, logFileName(day));
      let fd: number;
      try {
        fd = this.fdFor(day, path);
      } catch (err) {
        throw writeError(err, done, `cannot open ${path}`);
      }
      progress?.willWrite({ events: i - done, day, start: head.size, end: head.size + data.length, hash });
      const n = appendAt(this.lock, fd, data, head.size);
      if (n === undefined) {
        // The file does not end where the head says: another writer appended without excluding
        // this one (the lock file was removed under us both). Read the head from the files again and
        // chain onto it, instead of forking the chain.
        if (++moved > MAX_LOCK_RETRIES) throw retriesExhausted(path, 'kept growing under another writer');
        Object.assign(head, this.rebuildHead());
        continue;
      }
      this.dirty.add(fd);
      if (n.error) {
        // Lines fully on disk count as written; a partial one becomes a fragment the next append recovers.
        let whole = 0;
        while (whole < ends.length && (ends[whole] as number) <= n.written) whole++;
        throw writeError(n.error, done + whole, `cannot append to ${path}`);
      }
      progress?.wrote(i - done);
      head.seq = seq;
      head.hash = hash;
      head.size += data.length;
      done = i;
    }
    return done;
  }

  private syncDir(): void {
    syncDirectory(this.dir);
  }
}

const EMPTY = Buffer.alloc(0);
/** The batch buffer is kept between appends up to this size (a default batch is about 1 MiB). */
const SCRATCH_KEEP_BYTES = 4 * 1024 * 1024;

/** A larger buffer holding the first `used` bytes of `buf`. */
function grow(buf: Buffer, used: number, need: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(need, buf.length * 2, 64 * 1024));
  buf.copy(next, 0, 0, used);
  return next;
}

function statSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

/** A day file grew while its torn tail was being recovered: the head is read again. */
class TailMoved extends Error {
  constructor(readonly path: string) {
    super(`${path} grew under another writer`);
  }
}

/** The chain is at the largest seq the format allows: nothing more can be appended to it. */
function seqExhausted(written: number): AuditpackError {
  return new AuditpackError(
    'LOG_SEQ_EXHAUSTED',
    `the audit log's seq is at ${Number.MAX_SAFE_INTEGER}, the largest the format allows: start a new log directory`,
    { details: { written } },
  );
}
