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
  MAX_KEY_FILE_BYTES,
  parseOpenSshPublicKey,
  parsePrivateKey,
  publicKeyBlob,
  type GeneratedSigningKey,
  type GenerateSigningKeyOptions,
} from './keys.js';
export {
  matchPatternList,
  noSignerMessage,
  parseAllowedSigners,
  signerAllowsNamespace,
  type AllowedSigner,
} from './allowed-signers.js';
