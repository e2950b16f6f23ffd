/**
 * Who signed the archive's packs, when no trusted key was given. A signature then verifies with the
 * key it carries, and any key signs for itself: a forger who edits the newest pack can sign it again
 * with a key of their own, and each pack alone still says only "signed by <fingerprint>". Across the
 * archive that shows: the newest pack is signed by another key than the pack before it. A key
 * rotation looks the same, so it is a warning that names both keys, not an error.
 */
import { join } from 'node:path';
import { ROOT_FILE_BOUNDS, SIGNATURE_FILE, TAGMANIFEST } from '../format/pack.js';
import type { PackInfo } from './archive-ledger.js';
import { pageSignerOf } from './judge-signature.js';
import { readBounded } from './pack-walk.js';
import type { Findings } from './report.js';

/** The fingerprint of the key whose signature verifies over the pack's tag manifest, if any. */
async function signerOf(artifactsDir: string, p: PackInfo): Promise<string | undefined> {
  if (p.report.checked.signed !== 1) return undefined;
  const dir = join(artifactsDir, p.name);
  const read = (name: string) =>
    readBounded(join(dir, name), ROOT_FILE_BOUNDS[name] ?? 64 * 1024).catch(() => undefined);
  const tag = await read(TAGMANIFEST);
  const sig = await read(SIGNATURE_FILE);
  if (tag === undefined || sig === undefined) return undefined;
  return (
    pageSignerOf(
      new Map([
        [TAGMANIFEST, tag],
        [SIGNATURE_FILE, sig],
      ]),
    ) ?? undefined
  );
}

/**
 * Each signed current pack against the signed pack before it (date order): another key is a
 * warning. `current` is sorted by date; only directories are read (two small root files each).
 */
export async function checkSignerChanges(
  artifactsDir: string,
  current: readonly PackInfo[],
  f: Findings,
): Promise<void> {
  let before: { name: string; signer: string } | undefined;
  for (const p of current) {
    const signer = await signerOf(artifactsDir, p);
    if (signer === undefined) continue;
    if (before !== undefined && before.signer !== signer)
      f.add(
        'ARCHIVE_SIGNER_CHANGED',
        'warning',
        `${p.name}/${SIGNATURE_FILE}`,
        `signed by ${signer}, while ${before.name} is signed by ${before.signer}: a key rotation, or the pack signed again by someone else after an edit. Give --pubkey or --allowed-signers to check who signed`,
      );
    before = { name: p.name, signer };
  }
}
