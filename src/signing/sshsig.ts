/**
 * OpenSSH signatures (PROTOCOL.sshsig), made and checked with Node's crypto so that
 * `ssh-keygen -Y verify -n auditpack` accepts them. Byte layout (checked on this machine against
 * OpenSSH 9.2, per PROTOCOL.sshsig):
 *
 *   signed data = "SSHSIG" ‖ string(namespace) ‖ string("") ‖ string(hash alg) ‖ string(H(message))
 *   blob        = "SSHSIG" ‖ uint32(1) ‖ string(public key) ‖ string(namespace) ‖ string("")
 *                 ‖ string(hash alg) ‖ string(string("ssh-ed25519") ‖ string(raw signature))
 *
 * armored as base64 wrapped at 70 columns between BEGIN/END SSH SIGNATURE lines.
 * The armored text is attacker-controlled when verifying: every read is bounds-checked and a bad
 * signature is a `{ ok: false, reason }` value, never an exception.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { AuditpackError } from '../errors.js';
import { DEFAULT_NAMESPACE, ED25519_KEY_TYPE, fingerprintOfBlob, parsePublicKeyBlob, publicKeyBlob } from './keys.js';
import { sshString, sshUint32, WireReader } from './wire.js';

const MAGIC = Buffer.from('SSHSIG', 'latin1');
const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';
/** A real signature file is about 300 bytes; anything far larger is refused before decoding. */
const MAX_ARMORED_CHARS = 64 * 1024;

function signedData(namespace: string, hashAlg: 'sha256' | 'sha512', message: Uint8Array): Buffer {
  const digest = createHash(hashAlg).update(message).digest();
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hashAlg), sshString(digest)]);
}

/**
 * Signs `data` with an Ed25519 private key; returns the armored SSHSIG text (ending in "\n"), the
 * content of a `.sig` file that `ssh-keygen -Y verify -n <namespace>` accepts.
 */
export function signSshsig(data: Uint8Array, privateKey: KeyObject, namespace: string = DEFAULT_NAMESPACE): string {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditpackError('KEY_INVALID', 'signing needs an Ed25519 private key');
  }
  if (namespace === '') throw new AuditpackError('USAGE', 'the SSHSIG namespace must not be empty');
  const raw = sign(null, signedData(namespace, 'sha512', data), privateKey);
  const sigBlob = Buffer.concat([sshString(ED25519_KEY_TYPE), sshString(raw)]);
  const blob = Buffer.concat([
    MAGIC,
    sshUint32(1),
    sshString(publicKeyBlob(privateKey)),
    sshString(namespace),
    sshString(''),
    sshString('sha512'),
    sshString(sigBlob),
  ]);
  const b64 = blob.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 70) lines.push(b64.slice(i, i + 70));
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

/** Outcome of verifySshsig. */
export interface SshsigVerification {
  readonly ok: boolean;
  /** Why it failed (for people); absent when ok. */
  readonly reason?: string;
  /** Fingerprint (SHA256:…) of the key inside the signature, when it could be read. */
  readonly fingerprint?: string;
}

/**
 * Checks an armored SSHSIG over `data` against trusted public keys. Succeeds only when the
 * signature is well formed, its namespace is `namespace`, its key is one of `publicKeys`, and the
 * Ed25519 signature is valid. Never throws on a malformed signature.
 */
export function verifySshsig(
  data: Uint8Array,
  armored: string,
  publicKeys: readonly KeyObject[],
  namespace: string = DEFAULT_NAMESPACE,
): SshsigVerification {
  const fail = (reason: string, fingerprint?: string): SshsigVerification =>
    Object.freeze(fingerprint === undefined ? { ok: false, reason } : { ok: false, reason, fingerprint });
  if (typeof armored !== 'string' || armored.length > MAX_ARMORED_CHARS)
    return fail('signature file is too large or not text');
  const b = armored.indexOf(BEGIN);
  const e = armored.indexOf(END);
  if (b === -1 || e === -1 || e < b) return fail('no BEGIN/END SSH SIGNATURE armor');
  const body = armored.slice(b + BEGIN.length, e).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return fail('signature body is not base64');
  const blob = Buffer.from(body, 'base64');
  try {
    const r = new WireReader(blob);
    if (!r.bytes(MAGIC.length).equals(MAGIC)) return fail('not an SSHSIG signature (bad magic)');
    const version = r.uint32();
    if (version !== 1) return fail(`unsupported SSHSIG version ${version}`);
    const keyBlob = r.string();
    const fp = fingerprintOfBlob(keyBlob);
    const ns = r.text();
    r.string(); // reserved
    const hashAlg = r.text();
    const sigBlob = new WireReader(r.string());
    if (r.remaining !== 0) return fail('trailing bytes after the signature', fp);
    if (ns !== namespace) return fail(`namespace is ${JSON.stringify(ns)}, expected ${JSON.stringify(namespace)}`, fp);
    if (hashAlg !== 'sha512' && hashAlg !== 'sha256')
      return fail(`unsupported hash algorithm ${JSON.stringify(hashAlg)}`, fp);
    const sigType = sigBlob.text();
    const rawSig = sigBlob.string();
    if (sigType !== ED25519_KEY_TYPE) return fail(`unsupported signature type ${JSON.stringify(sigType)}`, fp);
    if (sigBlob.remaining !== 0 || rawSig.length !== 64) return fail('malformed Ed25519 signature', fp);
    let sigKey: KeyObject;
    try {
      sigKey = parsePublicKeyBlob(keyBlob);
    } catch (err) {
      return fail(`signature carries an unusable public key: ${(err as Error).message}`, fp);
    }
    const trusted = publicKeys.some((k) => {
      try {
        return publicKeyBlob(k).equals(keyBlob);
      } catch {
        return false;
      }
    });
    if (!trusted) return fail(`signed by ${fp}, which is not a trusted key`, fp);
    const ok = verify(null, signedData(ns, hashAlg, data), sigKey, rawSig);
    return ok ? Object.freeze({ ok: true, fingerprint: fp }) : fail('signature does not match the data', fp);
  } catch (err) {
    return fail(`malformed signature: ${(err as Error).message}`);
  }
}

/**
 * The public key carried inside an armored SSHSIG (PROTOCOL.sshsig: after the magic and version),
 * or undefined when it cannot be read. Says nothing about whether the signature is valid: use it to
 * check a signature against its own key when no trusted key is given.
 */
export function keyInsideSshsig(armored: string): KeyObject | undefined {
  try {
    if (armored.length > MAX_ARMORED_CHARS) return undefined;
    const b = armored.indexOf(BEGIN);
    const e = armored.indexOf(END);
    if (b === -1 || e < b) return undefined;
    const r = new WireReader(Buffer.from(armored.slice(b + BEGIN.length, e).replace(/\s+/g, ''), 'base64'));
    if (!r.bytes(MAGIC.length).equals(MAGIC)) return undefined;
    r.uint32();
    return parsePublicKeyBlob(r.string());
  } catch {
    return undefined;
  }
}
