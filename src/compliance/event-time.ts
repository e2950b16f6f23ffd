/**
 * The `iso_ts` of the event being checked. The export's records (records.ts) give it as where its
 * bytes lie in a batch: the string is decoded when something reads `text()`, which only a finding
 * or state that keeps the time does (and the day's first event). Most events are counted and
 * forgotten, so most never get a string: one per event (a native call and a string) was 6-10% of
 * the checks' reading thread (docs/PERFORMANCE.md, "`iso_ts` handed to the engine as its bytes"). The engine reads the hour
 * from the bytes, and keeps the last event's bytes for summary.last_event.
 *
 * An EventTime is reused for every event and reads a batch's bytes, which are reused too: whatever
 * keeps the time keeps `text()`, never the EventTime (its type is no string, so the compiler
 * finds every place that would).
 */
import { latin1, utf8 } from '../json/byte-slices.js';

const NO_BYTES = Buffer.alloc(0);

/** An event's time: a string, or bytes decoded on first read. */
export class EventTime {
  private str: string | undefined = undefined;
  private bytes: Buffer = NO_BYTES;
  private start = 0;
  private end = 0;
  private ascii = true;

  /** Makes this the time `iso` (a string already: another reader's event, or a day's end). */
  setText(iso: string): this {
    this.str = iso;
    this.bytes = NO_BYTES;
    return this;
  }

  /**
   * Makes this the time written as `b[s, e)`: a JSON string's bytes between its quotes, without
   * escapes, valid UTF-8 (the scan checked the line), Latin-1 when `ascii`.
   */
  setBytes(b: Buffer, s: number, e: number, ascii: boolean): this {
    this.str = undefined;
    this.bytes = b;
    this.start = s;
    this.end = e;
    this.ascii = ascii;
    return this;
  }

  /** The time as a string (decoded once per event). */
  text(): string {
    if (this.str === undefined)
      this.str = this.ascii ? latin1(this.bytes, this.start, this.end) : utf8(this.bytes, this.start, this.end);
    return this.str;
  }

  /**
   * The UTF-16 code unit at `i` when the characters before it are ASCII (an envelope's iso_ts
   * is all ASCII: then a byte is a character), else NaN, as charCodeAt past the end.
   */
  asciiAt(i: number): number {
    if (this.str !== undefined) return this.str.charCodeAt(i);
    if (this.start + i >= this.end) return Number.NaN;
    const c = this.bytes[this.start + i] as number;
    return c < 0x80 ? c : this.text().charCodeAt(i);
  }

  /**
   * Makes `to` (a holder the caller keeps) this time: the string if made, else where its bytes lie,
   * which stay valid until the reader's `release` (KeptTime.settle then decodes them, once a batch).
   */
  keepIn(to: KeptTime): void {
    to.kept = true;
    to.str = this.str;
    to.bytes = this.bytes;
    to.start = this.start;
    to.end = this.end;
    to.ascii = this.ascii;
  }
}

/**
 * A time kept past its event (the last event's): its string, or its bytes until the batch they are
 * in is released (`settle`). A copy of the bytes per event was a twentieth of the checks' reading thread.
 */
export class KeptTime {
  kept = false;
  str: string | undefined = undefined;
  bytes: Buffer = NO_BYTES;
  start = 0;
  end = 0;
  ascii = true;

  /** Decodes the bytes pointed at, if any: call before their buffer is reused. */
  settle(): void {
    if (this.str === undefined && this.kept)
      this.str = this.ascii ? latin1(this.bytes, this.start, this.end) : utf8(this.bytes, this.start, this.end);
    this.bytes = NO_BYTES;
  }

  /** The kept time as a string, or null if none was kept. */
  text(): string | null {
    this.settle();
    return this.str ?? null;
  }
}
