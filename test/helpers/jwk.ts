/**
 * A key's JWK for the tests, exported from a copy of the key, never from the KeyObject a key
 * generation returned: Node 20's JWK export holds the key's mutex while it allocates, and a
 * collection that finalises the generation's job takes the same mutex, so the process can hang for
 * good (docs/decisions.md, "An Ed25519 key's public bytes come from its SPKI DER, never its JWK").
 * The copy, made from the key's DER (an export that does not allocate under the lock), shares no
 * mutex with the job.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The JWK of `k` (a private or public asymmetric key), from a copy of it. */
export function jwkOf(k: KeyObject): JsonWebKey {
  const copy =
    k.type === 'private'
      ? createPrivateKey({ key: k.export({ format: 'der', type: 'pkcs8' }), format: 'der', type: 'pkcs8' })
      : createPublicKey({ key: k.export({ format: 'der', type: 'spki' }), format: 'der', type: 'spki' });
  return copy.export({ format: 'jwk' });
}

/** The bytes of JWK member `member` (`d`, `x`, `n`, …) of `k`. */
export function jwkBytes(k: KeyObject, member: string): Buffer {
  return Buffer.from((jwkOf(k) as Record<string, string>)[member] as string, 'base64url');
}
