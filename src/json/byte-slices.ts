/**
 * Buffer's own native decoders and encoders, called without `toString`'s and `write`'s argument
 * handling: on a line's short fields (a 64-digit hash, a timestamp) those checks are a quarter to a
 * half of the call, and the readers of every log line make several such calls a line. Each falls
 * back to the public method where a Node release lacks the native one (every release has them).
 */

type Native = {
  latin1Slice?(s: number, e: number): string;
  utf8Slice?(s: number, e: number): string;
  hexWrite?(hex: string, offset: number, length: number): number;
};
const proto = Buffer.prototype as unknown as Native;

/** `b[s, e)` decoded as Latin-1 (`b.toString('latin1', s, e)`). */
export const latin1: (b: Buffer, s: number, e: number) => string =
  typeof proto.latin1Slice === 'function'
    ? (b, s, e) => (b as unknown as Required<Native>).latin1Slice(s, e)
    : (b, s, e) => b.toString('latin1', s, e);

/** `b[s, e)`, valid UTF-8, decoded (`b.toString('utf8', s, e)`). */
export const utf8: (b: Buffer, s: number, e: number) => string =
  typeof proto.utf8Slice === 'function'
    ? (b, s, e) => (b as unknown as Required<Native>).utf8Slice(s, e)
    : (b, s, e) => b.toString('utf8', s, e);

/**
 * Writes the bytes of the hex string `hex` into `b` at `offset`, at most `length` of them
 * (`b.write(hex, offset, length, 'hex')`); returns the bytes written, fewer at the first pair that
 * is not hex.
 */
export const hexInto: (b: Buffer, hex: string, offset: number, length: number) => number =
  typeof proto.hexWrite === 'function'
    ? (b, hex, offset, length) => (b as unknown as Required<Native>).hexWrite(hex, offset, length)
    : (b, hex, offset, length) => b.write(hex, offset, length, 'hex');
