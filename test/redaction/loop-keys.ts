/**
 * Two keys that an outside loop of random keys found unread when dumped after a quote or a name
 * (2026-12-07), and the six layouts their tests dump them in: the line readers' offsets of both
 * kinds (`xxd`'s `:` and od's and hexdump's bare ones), whole and skipped lines.
 */
import { hexdumpWords, odX1, odX1z, xxdG1, xxdPairs } from './dump-formats.js';

const ED_PKCS8 = '302e020100300506032b65700422042053d202857c4cd5f00cbdf0d430ef650a6fae3afc0ca9266a2d58d7e0a27b9840';
const EC_SEC1 =
  '30770201010420f0fa34f61784c81c0e2c33d7e54e0ebe93f5593430c6f37738183eb9ae05b1c8a00a06082a8648ce3d030107a14403420004b3d0b3d5bb1b3faccd8d044e3be312c292b1cd47f54244d3f7c310b0705038a458166bda387aef8b9fe0ad9ed658128816ac6e28ee1125f2b0d5517f60b67a22';

/** Each key's name, DER and the bytes that must not survive (Ed25519's seed, the EC scalar). */
export const LOOP_KEYS: [string, Buffer, Buffer][] = [
  ['Ed25519 PKCS#8', Buffer.from(ED_PKCS8, 'hex'), Buffer.from(ED_PKCS8, 'hex').subarray(16)],
  ['EC SEC1', Buffer.from(EC_SEC1, 'hex'), Buffer.from(EC_SEC1, 'hex').subarray(7, 39)],
];

/** xxd `-g1`, `-c 24`, `-s 5`, od with and without its ASCII column, plain hexdump. */
export const LOOP_LAYOUTS: [string, (d: Buffer) => string][] = [
  ['xxd -g1', xxdG1],
  ['xxd -c 24', (d) => xxdPairs(d, 0, 24)],
  ['xxd -s 5', (d) => xxdPairs(d, 5)],
  ['od -A x -t x1z', (d) => odX1z(d)],
  ['od -t x1', (d) => odX1(d)],
  ['hexdump', (d) => hexdumpWords(d)],
];
