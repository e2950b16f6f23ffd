/**
 * Signing packs: OpenSSH SSHSIG signatures made with Node's crypto, checkable with
 * `ssh-keygen -Y verify`, and the Ed25519 keys behind them.
 */
export { keyInsideSshsig, signSshsig, verifySshsig, type SshsigVerification } from './sshsig.js';
export {
  DEFAULT_NAMESPACE,
  ED25519_KEY_TYPE,
  fingerprint,
  formatAllowedSignersLine,
  formatOpenSshPublicKey,
  generateSigningKey,
  loadSigningKey,
  matchPatternList,
  MAX_KEY_FILE_BYTES,
  noSignerMessage,
  parseAllowedSigners,
  parseOpenSshPublicKey,
  parsePrivateKey,
  publicKeyBlob,
  signerAllowsNamespace,
  type AllowedSigner,
  type GeneratedSigningKey,
  type GenerateSigningKeyOptions,
} from './keys.js';
