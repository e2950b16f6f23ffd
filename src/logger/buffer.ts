/**
 * The one buffer of a logger: prepared events waiting for the sink, in order, and the memory they
 * hold. Both writers (batched-writer.ts, durable-writer.ts) keep their events here; a durable
 * caller's promise travels with its event, so nothing runs parallel to the list.
 */
import type { AuditpackError } from '../errors.js';
import type { PreparedEvent } from './types.js';

/** Settles a durable caller's promise. */
export interface Waiter {
  resolve(): void;
  reject(err: AuditpackError): void;
}

/** A prepared event in the buffer; `waiter` when a durable caller waits on it. */
export interface BufferedEvent extends PreparedEvent {
  readonly waiter?: Waiter;
}

/** The length of a head (createHeadFormatter) from 2001 to 2286: what an unformatted one counts. */
const HEAD_CHARS = 62;

/** Memory an event holds while buffered, as counted against maxBufferBytes (text + bookkeeping). */
export function bufferedSize(ev: PreparedEvent): number {
  // An event with its instant formats its head only when written (prepare.ts): not here.
  const head = ev.micros === undefined ? ev.head.length : HEAD_CHARS;
  return head + ev.body.length + (ev.deferred === undefined ? 96 : ev.deferred.chars + 160);
}

function sizeOf(events: readonly PreparedEvent[], n = events.length): number {
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += bufferedSize(events[i] as PreparedEvent);
  return bytes;
}

export class EventBuffer {
  /** Events not yet handed to the sink (or the writer thread), oldest first. */
  pending: BufferedEvent[] = [];
  /** Bytes of every event not yet written: in `pending` and, with the writer thread, in flight. */
  bytes = 0;
  /** Bytes of the events in `pending` only (what a flush would send now). */
  unsent = 0;

  constructor(readonly maxBytes: number) {}

  /** Whether `size` more bytes stay within maxBytes. */
  fits(size: number): boolean {
    return this.bytes + size <= this.maxBytes;
  }

  push(ev: BufferedEvent): void {
    const size = bufferedSize(ev);
    this.pending.push(ev);
    this.bytes += size;
    this.unsent += size;
  }

  /** Hands every pending event over (to the writer thread); they stay counted in `bytes`. */
  takeAll(): BufferedEvent[] {
    const batch = this.pending;
    this.pending = [];
    this.unsent = 0;
    return batch;
  }

  /** The first `n` pending events were written. */
  written(n: number): void {
    if (n <= 0) return;
    const batch = this.pending;
    const bytes = sizeOf(batch, n);
    this.pending = n === batch.length ? [] : batch.slice(n);
    this.bytes = Math.max(0, this.bytes - bytes);
    this.unsent = Math.max(0, this.unsent - bytes);
  }

  /** Events handed over earlier were written (by the writer thread). */
  acknowledged(events: readonly PreparedEvent[]): void {
    this.bytes = Math.max(0, this.bytes - sizeOf(events));
  }

  /** Events handed over earlier come back, in order, in front of the pending ones. */
  requeue(events: readonly BufferedEvent[]): void {
    if (events.length === 0) return;
    this.pending = [...events, ...this.pending];
    this.unsent += sizeOf(events);
  }

  /**
   * Takes out, for good, those of the first `count` pending events that `drop` selects (they were
   * never written); the others keep their place. Returns the events taken out.
   */
  remove(count: number, drop: (ev: BufferedEvent) => boolean): BufferedEvent[] {
    const head = this.pending.splice(0, count);
    const kept: BufferedEvent[] = [];
    const gone: BufferedEvent[] = [];
    for (const ev of head) {
      if (!drop(ev)) {
        kept.push(ev);
        continue;
      }
      const size = bufferedSize(ev);
      this.bytes = Math.max(0, this.bytes - size);
      this.unsent = Math.max(0, this.unsent - size);
      gone.push(ev);
    }
    this.pending = [...kept, ...this.pending];
    return gone;
  }
}
