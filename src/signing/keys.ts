/**
 * Ed25519 keys in the forms auditpack reads and writes: OpenSSH public keys
 * (`ssh-ed25519 AAAA… comment`), `allowed_signers` files (ssh-keygen(1) ALLOWED SIGNERS),
 * private keys as PKCS#8 PEM or unencrypted OpenSSH (`openssh-key-v1`), and key generation.
 *
 * Only Ed25519 is supported: one algorithm keeps the signing code small and auditable, and it is
 * what `ssh-keygen -t ed25519` makes by default.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditpackError, wrapFsError, quotePath } from '../errors.js';
import { readRegularFile } from '../fsx/read-bounded.js';
import { sshString, WireReader, WireError } from './wire.js';

/** The only key type auditpack signs with. */
export const ED25519_KEY_TYPE = 'ssh-ed25519';

/** The SSHSIG namespace of pack signatures. */
export const DEFAULT_NAMESPACE = 'auditpack';

/** The 32 raw public-key bytes of an Ed25519 key (private or public KeyObject). */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AuditpackError('KEY_INVALID', `expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  }
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  // The SubjectPublicKeyInfo's DER, not the JWK: Node 20's JWK export of an Ed25519 key holds the key's
  // mutex while it allocates, and a collection then finalising the job that generated the key takes the
  // same mutex: the process hung for good (a CI run, test/signing/sshsig; test/signing/raw-public-key).
  const der = pub.export({ format: 'der', type: 'spki' });
  if (
    der.length !== ED25519_SPKI_PREFIX.length + 32 ||
    !der.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)
  )
    throw new AuditpackError('KEY_INVALID', 'Ed25519 key has no public part');
  return Buffer.from(der.subarray(ED25519_SPKI_PREFIX.length));
}

/** An Ed25519 SubjectPublicKeyInfo's DER before its 32 key bytes (RFC 8410: id-Ed25519, a 33-byte BIT STRING). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The OpenSSH public-key blob: string("ssh-ed25519") ‖ string(32-byte key). */
export function publicKeyBlob(key: KeyObject): Buffer {
  return Buffer.concat([sshString(ED25519_KEY_TYPE), sshString(rawEd25519PublicKey(key))]);
}

/** `SHA256:<base64 without padding>` of a key blob, as ssh-keygen prints fingerprints. */
export function fingerprintOfBlob(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The fingerprint of a key, as ssh-keygen -l prints it. */
export function fingerprint(key: KeyObject): string {
  return fingerprintOfBlob(publicKeyBlob(key));
}

/** One line of an OpenSSH public key file: `ssh-ed25519 <base64 blob>[ comment]`. */
export function formatOpenSshPublicKey(key: KeyObject, comment?: string): string {
  const line = `${ED25519_KEY_TYPE} ${publicKeyBlob(key).toString('base64')}`;
  return comment ? `${line} ${comment}` : line;
}

/** A public KeyObject from 32 raw Ed25519 bytes. */
export function ed25519PublicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32)
    throw new AuditpackError('KEY_INVALID', `Ed25519 public key must be 32 bytes, got ${raw.length}`);
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/**
 * Parses an OpenSSH public-key blob (string(type) ‖ string(key)). Throws KEY_INVALID for anything
 * but a well-formed ssh-ed25519 blob.
 */
export function parsePublicKeyBlob(blob: Buffer): KeyObject {
  try {
    const r = new WireReader(blob);
    const type = r.text();
    if (type !== ED25519_KEY_TYPE)
      throw new AuditpackError('KEY_INVALID', `unsupported key type ${JSON.stringify(type)} (only ssh-ed25519)`);
    const raw = r.string();
    if (r.remaining !== 0) throw new AuditpackError('KEY_INVALID', 'trailing bytes after the public key');
    return ed25519PublicKeyFromRaw(raw);
  } catch (err) {
    if (err instanceof WireError)
      throw new AuditpackError('KEY_INVALID', `malformed public key blob (${err.message})`, { cause: err });
    throw err;
  }
}

/**
 * Parses an OpenSSH public key (`ssh-ed25519 AAAA… [comment]`, the first non-empty line).
 * Throws KEY_INVALID when it is not a well-formed ssh-ed25519 key.
 */
export function parseOpenSshPublicKey(text: string): KeyObject {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (line === undefined) throw new AuditpackError('KEY_INVALID', 'no public key found');
  const [type, b64] = line.trim().split(/\s+/);
  if (type !== ED25519_KEY_TYPE)
    throw new AuditpackError('KEY_INVALID', `unsupported key type ${JSON.stringify(type)} (only ssh-ed25519)`);
  return keyFromBase64Blob(b64);
}

/** The key from the base64 blob after an `ssh-ed25519` type word (the blob's own type must agree). */
export function keyFromBase64Blob(b64: string | undefined): KeyObject {
  if (b64 === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
    throw new AuditpackError('KEY_INVALID', 'public key is not base64');
  return parsePublicKeyBlob(Buffer.from(b64, 'base64'));
}

/** The allowed_signers line for a key: `<identity> namespaces="auditpack" ssh-ed25519 <base64>`. */
export function formatAllowedSignersLine(identity: string, key: KeyObject, namespace = DEFAULT_NAMESPACE): string {
  if (!/^[^\s"]+$/.test(identity))
    throw new AuditpackError(
      'USAGE',
      `identity must be non-empty with no spaces or quotes, got ${JSON.stringify(identity)}`,
    );
  return `${identity} namespaces="${namespace}" ${formatOpenSshPublicKey(key)}`;
}

/**
 * Parses a private key from text: PKCS#8 PEM (what `auditpack keygen` writes) or an unencrypted
 * OpenSSH private key (what `ssh-keygen -t ed25519 -N ''` writes). Throws KEY_INVALID otherwise
 * (encrypted keys included: a cron job cannot type a passphrase).
 */
export function parsePrivateKey(text: string): KeyObject {
  let key: KeyObject;
  if (text.includes('-----BEGIN OPENSSH PRIVATE KEY-----')) {
    key = parseOpenSshPrivateKey(text);
  } else {
    try {
      key = createPrivateKey({ key: text, format: 'pem' });
    } catch (err) {
      throw new AuditpackError('KEY_INVALID', `not a readable private key (${(err as Error).message})`, { cause: err });
    }
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AuditpackError('KEY_INVALID', `signing key must be Ed25519, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

function parseOpenSshPrivateKey(text: string): KeyObject {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  const body = Buffer.from((m?.[1] ?? '').replace(/\s+/g, ''), 'base64');
  try {
    if (!body.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) throw new WireError('bad magic');
    const r = new WireReader(body.subarray(OPENSSH_MAGIC.length));
    const cipher = r.text();
    const kdf = r.text();
    r.string(); // kdf options
    if (cipher !== 'none' || kdf !== 'none') {
      throw new AuditpackError(
        'KEY_INVALID',
        'the OpenSSH private key is passphrase-protected; use an unencrypted key (auditpack keygen)',
      );
    }
    const n = r.uint32();
    if (n !== 1) throw new WireError(`expected 1 key, found ${n}`);
    r.string(); // public key blob
    const priv = new WireReader(r.string());
    const check1 = priv.uint32();
    const check2 = priv.uint32();
    if (check1 !== check2) throw new WireError('check bytes differ');
    const type = priv.text();
    if (type !== ED25519_KEY_TYPE)
      throw new AuditpackError('KEY_INVALID', `signing key must be ssh-ed25519, got ${type}`);
    const pub = priv.string();
    const secret = priv.string(); // seed (32) ‖ public key (32)
    if (pub.length !== 32 || secret.length !== 64) throw new WireError('bad Ed25519 key lengths');
    return createPrivateKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        d: secret.subarray(0, 32).toString('base64url'),
        x: pub.toString('base64url'),
      },
      format: 'jwk',
    });
  } catch (err) {
    if (err instanceof AuditpackError) throw err;
    throw new AuditpackError('KEY_INVALID', `malformed OpenSSH private key (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/**
 * Bound on a key file named on the command line (`--signing-key`, `--pubkey`, `--allowed-signers`):
 * far above any real key or signers list, and what a device like /dev/zero is cut off at.
 */
export const MAX_KEY_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads and parses the signing key at `path` (PKCS#8 PEM or unencrypted OpenSSH Ed25519). Read as
 * `--pubkey` files are: a FIFO (which would block for ever) or a device is refused, and at most
 * MAX_KEY_FILE_BYTES are read (/dev/zero never ends); all KEY_INVALID.
 */
export function loadSigningKey(path: string): KeyObject {
  let text: string;
  try {
    text = readRegularFile(path, MAX_KEY_FILE_BYTES).toString('utf8');
  } catch (err) {
    const e = wrapFsError(err, 'read signing key', path);
    throw new AuditpackError('KEY_INVALID', e.message, { cause: err, details: { path } });
  }
  try {
    return parsePrivateKey(text);
  } catch (err) {
    throw new AuditpackError('KEY_INVALID', `signing key file ${quotePath(path)} refused: ${(err as Error).message}`, {
      cause: err,
      details: { path },
    });
  }
}

/** Options of generateSigningKey. */
export interface GenerateSigningKeyOptions {
  /** Who signs, e.g. `exports@desk.example` (the allowed_signers principal and the key comment). */
  identity: string;
  /** Base file name (default `auditpack_ed25519`): writes `<name>`, `<name>.pub` and `allowed_signers`. */
  name?: string;
}

/** What generateSigningKey wrote. */
export interface GeneratedSigningKey {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
  readonly allowedSignersPath: string;
  /** SHA256:… fingerprint, as ssh-keygen -l shows it. */
  readonly fingerprint: string;
  readonly identity: string;
  /** The allowed_signers line. */
  readonly allowedSignersLine: string;
}

/**
 * Generates an Ed25519 key pair in `dir`: the private key as PKCS#8 PEM with mode 0600, the public
 * key in OpenSSH form, and an `allowed_signers` line for auditors. Never overwrites: any of the
 * three files existing gives KEY_EXISTS and nothing is written.
 */
export async function generateSigningKey(
  dir: string,
  options: GenerateSigningKeyOptions,
): Promise<GeneratedSigningKey> {
  const name = options.name ?? 'auditpack_ed25519';
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.'))
    throw new AuditpackError('USAGE', `invalid key file name ${JSON.stringify(name)}`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const allowedLine = formatAllowedSignersLine(options.identity, publicKey);
  const privateKeyPath = join(dir, name);
  const publicKeyPath = join(dir, `${name}.pub`);
  const allowedSignersPath = join(dir, 'allowed_signers');
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw wrapFsError(err, 'create key directory', dir);
  }
  for (const p of [privateKeyPath, publicKeyPath, allowedSignersPath]) {
    try {
      await lstat(p); // anything there (a link, a FIFO: never opened, so never waited on) is kept
      throw new AuditpackError('KEY_EXISTS', `${p} already exists; refusing to overwrite a key`, {
        details: { path: p },
      });
    } catch (err) {
      if (err instanceof AuditpackError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFsError(err, 'read', p);
    }
  }
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  await writeNew(privateKeyPath, pem, 0o600);
  await writeNew(publicKeyPath, `${formatOpenSshPublicKey(publicKey, options.identity)}\n`, 0o644);
  await writeNew(allowedSignersPath, `${allowedLine}\n`, 0o644);
  return Object.freeze({
    privateKeyPath,
    publicKeyPath,
    allowedSignersPath,
    fingerprint: fingerprint(publicKey),
    identity: options.identity,
    allowedSignersLine: allowedLine,
  });
}

/** Creates a file exclusively (O_EXCL: a race with another keygen gives KEY_EXISTS), writes, fsyncs. */
async function writeNew(path: string, text: string, mode: number): Promise<void> {
  let fh;
  try {
    fh = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AuditpackError('KEY_EXISTS', `${path} already exists; refusing to overwrite a key`, {
        details: { path },
      });
    }
    throw wrapFsError(err, 'create', path);
  }
  try {
    await fh.writeFile(text);
    await fh.chmod(mode); // the umask may have narrowed or (for 0600) is irrelevant; be exact
    await fh.sync();
  } catch (err) {
    throw wrapFsError(err, 'write', path);
  } finally {
    await fh.close();
  }
}
