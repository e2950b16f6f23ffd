/**
 * A private key's body in decoded dump bytes whose DER header the dump cut off (rules 20, part 4:
 * `xxd -s 5` of a SEC1 or PKCS#1 key, a dump fragment that starts inside the key). With no
 * SEQUENCE and version to check (der-key.ts keyLength), the evidence is the structure around the
 * secret, which only a private key has:
 *
 * - an EC scalar (SEC1 ECPrivateKey, also inside PKCS#8): OCTET STRING of a curve's size
 *   (`04 20`, 24 to 66 bytes), then right after its bytes the `[0]` parameters holding an OID
 *   (`a0 0a 06 08 …`) or the `[1]` public key holding a BIT STRING (`a1 44 03 42 00 …`);
 * - an Ed25519/X25519/Ed448/X448 seed (PKCS#8): the algorithm OID `06 03 2b 65 6e…71`, then
 *   `04 22 04 20` (OCTET STRING in OCTET STRING);
 * - RSA's private members (PKCS#1): the public exponent 65537 or 3 (`02 03 01 00 01`, `02 01 03`)
 *   followed by an INTEGER of 64 bytes or more (the private exponent; a public key's exponent ends
 *   its structure), then the primes, exponents and coefficient while each is an INTEGER.
 *
 * Random bytes pass a check with odds under 2^-24; a public key or certificate has none of them.
 */

/** EC scalar sizes in bytes: P-192, P-224, P-256/secp256k1/brainpool256, P-384, brainpool512, P-521. */
const EC_SCALAR = new Set([24, 28, 32, 48, 64, 65, 66]);
/** The Edwards and Montgomery curves' OID arcs (1.3.101.110-113) and their seed sizes. */
const EDWARDS: Record<number, number> = { 110: 32, 111: 56, 112: 32, 113: 57 };

/** The length of the DER INTEGER at `b` (short or 0x81/0x82 long form) in LEN, where its content starts in CONTENT; false if none. */
let LEN = 0;
let CONTENT = 0;
function integerAt(bytes: readonly number[], b: number): boolean {
  if (bytes[b] !== 0x02) return false;
  const l = bytes[b + 1];
  if (l === undefined) return false;
  if (l < 0x80) {
    LEN = l;
    CONTENT = b + 2;
  } else if (l === 0x81 && bytes[b + 2] !== undefined) {
    LEN = bytes[b + 2] as number;
    CONTENT = b + 3;
  } else if (l === 0x82 && bytes[b + 3] !== undefined) {
    LEN = ((bytes[b + 2] as number) << 8) | (bytes[b + 3] as number);
    CONTENT = b + 4;
  } else return false;
  return LEN > 0;
}

/** An EC scalar's OCTET STRING at `b` with SEC1's `[0]` or `[1]` after it: the index past the scalar, or -1. */
function ecScalarEnd(bytes: readonly number[], b: number): number {
  const l = bytes[b + 1] as number;
  if (!EC_SCALAR.has(l)) return -1;
  const a = b + 2 + l;
  const t = bytes[a];
  const n = bytes[a + 1];
  if (n === undefined || n < 4 || n > 0x7f) return -1;
  // [0] { OID } or [1] { BIT STRING, no unused bits }.
  if (t === 0xa0 && bytes[a + 2] === 0x06 && bytes[a + 3] === n - 2) return a;
  if (t === 0xa1 && bytes[a + 2] === 0x03 && bytes[a + 3] === n - 2 && bytes[a + 4] === 0) return a;
  return -1;
}

/** An Edwards seed after its OID at `b` (`06 03 2b 65 xx 04 L+2 04 L`): the index past the seed (or the bytes' end), or -1. */
function edwardsSeedEnd(bytes: readonly number[], b: number): number {
  if (bytes[b + 1] !== 3 || bytes[b + 2] !== 0x2b || bytes[b + 3] !== 0x65) return -1;
  const l = EDWARDS[bytes[b + 4] as number];
  if (l === undefined || bytes[b + 5] !== 4 || bytes[b + 6] !== l + 2 || bytes[b + 7] !== 4 || bytes[b + 8] !== l)
    return -1;
  return Math.min(b + 9 + l, bytes.length);
}

/**
 * An Edwards seed at `b` whose OID the dump cut (rules 20, part 8: `od -j 9`, `xxd -s 10` of an
 * Ed25519 PKCS#8 key): the dump's first `b` bytes (1 to 4) are the OID's tail (`2b 65 70`, `65 70`,
 * `70`), then `04 L+2 04 L`. The index past the seed (or the bytes' end), or -1. For a dump's first
 * bytes only: a certificate's 32-byte key identifier (`04 22 04 20`) has no OID tail before it.
 */
function cutEdwardsSeedEnd(bytes: readonly number[], b: number): number {
  if (b < 1 || b > 4) return -1;
  const arc = bytes[b - 1] as number;
  const l = EDWARDS[arc];
  if (l === undefined || bytes[b + 1] !== l + 2 || bytes[b + 2] !== 4 || bytes[b + 3] !== l) return -1;
  const oid = [0x06, 0x03, 0x2b, 0x65, arc];
  for (let k = 0; k < b; k++) if (bytes[k] !== oid[5 - b + k]) return -1;
  return Math.min(b + 4 + l, bytes.length);
}

/** RSA's private members after the public exponent at `b`: the index past the last one read (or the bytes' end), or -1. */
function rsaPrivateEnd(bytes: readonly number[], b: number): number {
  if (!integerAt(bytes, b)) return -1;
  const e = CONTENT + LEN;
  const f4 = LEN === 3 && bytes[CONTENT] === 1 && bytes[CONTENT + 1] === 0 && bytes[CONTENT + 2] === 1;
  const three = LEN === 1 && bytes[CONTENT] === 3;
  if (!(f4 || three)) return -1;
  if (!integerAt(bytes, e) || LEN < 64) return -1;
  HEADLESS.start = e;
  let end = e;
  // d, p, q, dp, dq, qi: while each is an INTEGER.
  for (let k = 0; k < 6 && end < bytes.length && integerAt(bytes, end); k++) end = CONTENT + LEN;
  return Math.min(end, bytes.length);
}

/** The scalar sizes named by SEC1's `[0]` curve OIDs: the OID's bytes after its first one, as hex, to the size. */
const CURVE_SCALAR: Record<string, number> = {
  '8648ce3d030107': 32, // P-256
  '8648ce3d030101': 24, // P-192
  '8104000a': 32, // secp256k1
  '81040021': 28, // P-224
  '81040022': 48, // P-384
  '81040023': 66, // P-521
  '2403030208010107': 32, // brainpoolP256r1
  '240303020801010b': 48, // brainpoolP384r1
  '240303020801010d': 64, // brainpoolP512r1
};

/**
 * The EC scalar's size in bytes that SEC1's structure after a scalar at `b` names (rules 20, part 5),
 * or 0 if there is none: `[0]` holding a curve's OID (`a0 0a 06 08 2a 86 48 ce 3d 03 01 07`: 32), or
 * `[1]` holding a point's BIT STRING (`a1 44 03 42 00 04`: a 65-byte point, 32; P-521's
 * `a1 81 89 03 81 86 00 04`: 66; a compressed point's `02`/`03`).
 */
function trailerScalarSize(bytes: readonly number[], b: number): number {
  const t = bytes[b];
  const n = bytes[b + 1] as number;
  if (t === 0xa0) {
    if (n < 7 || n > 11 || bytes[b + 2] !== 0x06 || bytes[b + 3] !== n - 2) return 0;
    const o = bytes[b + 4];
    if (o !== 0x2a && o !== 0x2b) return 0;
    let key = '';
    for (let k = b + 5; k < b + 2 + n; k++) key += ((bytes[k] ?? 0) as number).toString(16).padStart(2, '0');
    return CURVE_SCALAR[key] ?? 0;
  }
  if (t !== 0xa1) return 0;
  const long = n === 0x81;
  if (!long && (n < 0x20 || n > 0x7f)) return 0;
  const m = long ? (bytes[b + 2] as number) : n;
  const p = long ? b + 3 : b + 2;
  if (bytes[p] !== 0x03) return 0;
  const l = bytes[p + 1] === 0x81 ? (bytes[p + 2] as number) : (bytes[p + 1] as number);
  const q = bytes[p + 1] === 0x81 ? p + 3 : p + 2;
  if (q - p + l !== m || bytes[q] !== 0) return 0;
  const point = bytes[q + 1];
  const size = point === 4 ? (l - 2) / 2 : point === 2 || point === 3 ? l - 2 : 0;
  return EC_SCALAR.has(size) ? size : 0;
}

/**
 * A fragment that starts inside an EC scalar (`xxd -s 40`, `od -j 40`): its first `b` bytes are the
 * scalar's tail when SEC1's `[0]` or `[1]` comes right after them and `b` is at most the scalar's
 * size they name (rules 20, part 5, walking back from the structure after the secret; more bytes
 * before it would have held the OCTET STRING's header). For a dump's first bytes only; random bytes
 * match with odds under 2^-40.
 */
export function isScalarTail(bytes: readonly number[], b: number): boolean {
  if (b < 1) return false;
  // The bytes before are SEC1's whole `[0]` (`a0 0a 06 08 …`) before its `[1]`: no scalar's tail
  // (a fragment starting after the scalar, or a run whose scalar this redactor censored).
  if (bytes[0] === 0xa0 && bytes[1] === b - 2 && bytes[2] === 0x06) return false;
  const size = trailerScalarSize(bytes, b);
  return size > 0 && b <= size;
}

/** Where the secret found by the last headlessKeyEnd starts (a byte index). */
export const HEADLESS = { start: 0 };

/**
 * The private key body whose evidence starts at byte `b` of a decoded dump: the index past its
 * secret's last byte (its first in HEADLESS.start), or -1 if none. A candidate costs a few reads
 * unless its byte is `04`, `06` or `02` and the next few fit.
 */
export function headlessKeyEnd(bytes: readonly number[], b: number): number {
  const t = bytes[b];
  let end = -1;
  if (t === 0x04) end = Math.max(ecScalarEnd(bytes, b), cutEdwardsSeedEnd(bytes, b));
  else if (t === 0x06) end = edwardsSeedEnd(bytes, b);
  else if (t === 0x02) end = rsaPrivateEnd(bytes, b);
  if (end === -1) return -1;
  if (t !== 0x02) HEADLESS.start = t === 0x06 ? b + 5 : b;
  return end;
}

/**
 * Where an Edwards seed starts in a dump that begins inside the OCTET STRINGs before it (rules 20,
 * part 11: `xxd -p -s 12` to `-s 15` of an Ed25519, X25519, Ed448 or X448 PKCS#8 key, the OID
 * cut off): the bytes are the last 1 to 4 of `04 L+2 04 L`, then exactly L bytes, the dump's last
 * (node's PKCS#8 of these keys ends with the seed). With one header byte left (`20`, 1 in 256 of
 * random data) only when the dump has more than one line: a lone 66-digit id stays. -1 if none.
 */
export function seedTailStart(bytes: readonly number[], lines: number): number {
  for (const l of [32, 56, 57]) {
    const cut = bytes.length - l;
    if (cut < 1 || cut > 4 || (cut === 1 && lines < 2)) continue;
    const head = [0x04, l + 2, 0x04, l];
    let k = 0;
    while (k < cut && bytes[k] === head[4 - cut + k]) k++;
    if (k === cut) return cut;
  }
  return -1;
}
