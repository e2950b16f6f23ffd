/**
 * The auditor's own tools, run on packs: `openssl ts -verify` over the tag manifest, and LoC's
 * bagit-python (shipped in the shared tools folder next to the repository) for BagIt validation.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../helpers/python.js';

/** `openssl ts -verify` exactly as the README's auditor section gives it. */
export function opensslVerify(pack: string, caFile: string): { ok: boolean; out: string } {
  const r = spawnSync(
    'openssl',
    [
      'ts',
      '-verify',
      '-data',
      'tagmanifest-sha256.txt',
      '-in',
      'tagmanifest-sha256.txt.tsr',
      '-CAfile',
      caFile,
      '-untrusted',
      'tsa-certs.pem',
    ],
    { cwd: pack, encoding: 'utf8' },
  );
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** bagit.py, vendored under test/tools (LoC bagit-python 1.8.1, CC0), so a fresh clone has it. */
export function bagitScript(): string {
  const p = join(REPO, 'test', 'tools', 'bagit', 'bagit.py');
  if (!existsSync(p)) throw new Error(`bagit.py not found at ${p}`);
  return p;
}

/** `python3 bagit.py --validate <pack>`. */
export function bagitValidate(pack: string): { ok: boolean; out: string } {
  const r = spawnSync(PYTHON, [bagitScript(), '--validate', pack], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}
