/**
 * The SSH wire encoding (RFC 4251 §5) used by OpenSSH keys and signatures: a "string" is a
 * uint32 big-endian length followed by that many bytes. The reader is bounds-checked and never
 * throws past its own `WireError`, because signature files are attacker-controlled input.
 */

/** Raised by WireReader on truncated or oversized input; callers turn it into a finding or KEY_INVALID. */
export class WireError extends Error {
  override readonly name = 'WireError';
}

/** Encodes one SSH string. */
export function sshString(value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([len, bytes]);
}

/** Encodes a uint32. */
export function sshUint32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** Sequential, bounds-checked reader over SSH wire bytes. */
export class WireReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Reads `n` raw bytes. */
  bytes(n: number): Buffer {
    if (n < 0 || n > this.remaining) throw new WireError(`truncated: wanted ${n} bytes, ${this.remaining} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }

  /** Reads one SSH string as bytes. */
  string(): Buffer {
    return this.bytes(this.uint32());
  }

  /** Reads one SSH string as UTF-8 text. */
  text(): string {
    return this.string().toString('utf8');
  }
}
