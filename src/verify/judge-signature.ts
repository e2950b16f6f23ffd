/**
 * The pack's OpenSSH signature (PROTOCOL.sshsig) over tagmanifest-sha256.txt: it must verify with
 * the key it carries, be in canonical armor (so no byte of the file can change unnoticed), and,
 * when keys are given, be made by one of them.
 */
import type { KeyObject } from 'node:crypto';
import { SIGNATURE_FILE, TAGMANIFEST } from '../format/pack.js';
import { parsePublicKeyBlob } from '../signing/keys.js';
import { verifySshsig } from '../signing/sshsig.js';
import { WireReader } from '../signing/wire.js';
import type { PackFacts, TrustedKeys } from './pack-facts.js';
import type { Findings } from './report.js';

/** The key carried inside an armored SSHSIG, or undefined when it cannot be read (also for a roll-up's rollup.json.sig). */
export function embeddedKey(armored: string): KeyObject | undefined {
  try {
    const b = armored.indexOf('-----BEGIN SSH SIGNATURE-----');
    const e = armored.indexOf('-----END SSH SIGNATURE-----');
    if (b === -1 || e < b) return undefined;
    const body = armored.slice(b + 29, e).replace(/\s+/g, '');
    const r = new WireReader(Buffer.from(body, 'base64'));
    r.bytes(6);
    r.uint32();
    return parsePublicKeyBlob(r.string());
  } catch {
    return undefined;
  }
}

/** The armor auditpack and ssh-keygen write for the signature blob inside `armored`. */
export function canonicalArmor(armored: string): string {
  const b = armored.indexOf('-----BEGIN SSH SIGNATURE-----');
  const e = armored.indexOf('-----END SSH SIGNATURE-----');
  const b64 = Buffer.from(armored.slice(b + 29, e).replace(/\s+/g, ''), 'base64').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 70) lines.push(b64.slice(i, i + 70));
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}

/** The OpenSSH signature over the tag manifest: valid, canonical, and (given keys) by a trusted key. */
export function judgeSignature(facts: PackFacts, trust: TrustedKeys | undefined, f: Findings): void {
  const SIG = SIGNATURE_FILE;
  const sigBuf = facts.tags.get(SIG);
  const tagBuf = facts.tags.get(TAGMANIFEST);
  // Keys given (even none usable: an allowed_signers file whose lines all deny the namespace) trust
  // only those keys; never read as "no key given", which would let any signer pass unchecked.
  const haveKeys = trust !== undefined;
  if (sigBuf === undefined) {
    if (haveKeys) f.add('PACK_UNSIGNED', 'error', SIG, 'a trusted key was given but the pack carries no signature');
    return;
  }
  if (sigBuf === 'too-large') {
    f.add('PACK_SIGNATURE_INVALID', 'error', SIG, 'larger than a signature can be; not read');
    return;
  }
  if (tagBuf === undefined || tagBuf === 'too-large') {
    f.add('PACK_SIGNATURE_INVALID', 'error', SIG, 'there is no readable tagmanifest-sha256.txt for it to sign');
    return;
  }
  const armored = sigBuf.toString('utf8');
  const own = embeddedKey(armored);
  const selfCheck = own === undefined ? undefined : verifySshsig(tagBuf, armored, [own]);
  if (selfCheck === undefined || !selfCheck.ok) {
    f.add(
      'PACK_SIGNATURE_INVALID',
      'error',
      SIG,
      `does not verify over tagmanifest-sha256.txt: ${selfCheck?.reason ?? 'malformed signature'} (a signature of another file, or an edited tag manifest)`,
    );
    return;
  }
  // The armor must be exactly as written (70-column base64, as ssh-keygen and auditpack write it), so
  // that no byte of the file can change unnoticed: whitespace and base64 padding bits are malleable.
  if (armored !== canonicalArmor(armored)) {
    f.add(
      'PACK_SIGNATURE_INVALID',
      'error',
      SIG,
      'the signature verifies, but its file is not in canonical SSHSIG armor: it was edited',
    );
    return;
  }
  if (!haveKeys) {
    f.add(
      'PACK_SIGNATURE_NOT_CHECKED',
      'info',
      SIG,
      `signed by ${selfCheck.fingerprint ?? 'a key'}; give --pubkey or --allowed-signers to check who signed it`,
    );
    return;
  }
  const r = verifySshsig(
    tagBuf,
    armored,
    trust.keys.map((k) => k.key),
  );
  if (!r.ok)
    f.add(
      'PACK_SIGNATURE_UNTRUSTED',
      'error',
      SIG,
      `a valid signature, but by ${selfCheck.fingerprint ?? 'a key'}, which is not a trusted key`,
    );
}

/**
 * The signer report.html names: the fingerprint of the key inside a signature that verifies over
 * the tag manifest, null for an unsigned pack, undefined when the signature cannot be read (a
 * finding of its own).
 */
export function pageSignerOf(tags: ReadonlyMap<string, Buffer | 'too-large'>): string | null | undefined {
  const sigBuf = tags.get(SIGNATURE_FILE);
  if (sigBuf === undefined) return null;
  const tagBuf = tags.get(TAGMANIFEST);
  if (sigBuf === 'too-large' || tagBuf === undefined || tagBuf === 'too-large') return undefined;
  const armored = sigBuf.toString('utf8');
  const own = embeddedKey(armored);
  const r = own === undefined ? undefined : verifySshsig(tagBuf, armored, [own]);
  return r?.ok === true ? r.fingerprint : undefined;
}
