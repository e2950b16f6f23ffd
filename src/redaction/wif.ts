/**
 * Wallet Import Format private keys (Bitcoin's base58check of 0x80, or 0xef on testnet, 32 key
 * bytes, an optional 0x01 for a compressed key, and the first 4 bytes of a double SHA-256): the shape rule takes a
 * 51/52-character base58 token only when its checksum holds, so an order id or hash of the same
 * length and alphabet is left as it is (a random one passes with odds 2^-32).
 */
import { createHash } from 'node:crypto';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** The bytes of a base58 string (no leading-zero bytes: a WIF starts with 0x80), or undefined. */
function base58(s: string): Uint8Array | undefined {
  let n = 0n;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (VALUE[c] as number) : -1;
    if (v < 0) return undefined;
    n = n * 58n + BigInt(v);
  }
  const hex = n.toString(16);
  return Uint8Array.from(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex'));
}

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/** True for a WIF private key, mainnet (0x80) or testnet (0xef, rules 13), whose base58check checksum holds. */
export function isWifPrivateKey(s: string): boolean {
  const bytes = base58(s);
  if (bytes === undefined || (bytes[0] !== 0x80 && bytes[0] !== 0xef)) return false;
  if (!(bytes.length === 37 || (bytes.length === 38 && bytes[33] === 0x01))) return false;
  const body = bytes.subarray(0, bytes.length - 4);
  const sum = sha256(sha256(body));
  for (let i = 0; i < 4; i++) if (sum[i] !== bytes[bytes.length - 4 + i]) return false;
  return true;
}
