/**
 * Every auditpack signature is Ed25519 (docs/FORMAT.md, "Signature check"). `ssh-keygen -Y verify`
 * accepts RSA and ECDSA signatures too, and the Python checker took a pack signed so, with that key
 * listed, as intact while `verify` named PACK_SIGNATURE_INVALID (at62 F6): both now refuse it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPath } from '../../src/verify/index.js';
import { tempDir } from '../helpers/tmp.js';
import { exportSampleDay } from '../pack/helpers.js';
import { makeWritable } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';
import { PYTHON } from '../helpers/python.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('a pack signed with a key that is not Ed25519', () => {
  it('is PACK_SIGNATURE_INVALID to both checkers, with or without the key listed', async () => {
    const root = tempDir(); // removed after the test (test/helpers/tmp.ts)
    const pack = await exportSampleDay(root);
    for (const type of ['rsa', 'ecdsa']) {
      const dir = join(root, type);
      cpSync(pack, dir, { recursive: true });
      makeWritable(dir);
      const key = join(root, `key_${type}`);
      execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'exports', '-f', key]);
      execFileSync('ssh-keygen', [
        '-q',
        '-Y',
        'sign',
        '-f',
        key,
        '-n',
        'auditpack',
        join(dir, 'tagmanifest-sha256.txt'),
      ]);
      const v = await verifyPath(dir);
      expect(
        v.problems.filter((p) => p.severity === 'error').map((p) => p.code),
        type,
      ).toEqual(['PACK_SIGNATURE_INVALID']);
      expect(
        pythonPackCheck(dir).errors.map((e) => e.code),
        type,
      ).toEqual(['PACK_SIGNATURE_INVALID']);
      const signers = join(root, `signers_${type}`);
      writeFileSync(signers, `exports namespaces="auditpack" ${readFileSync(`${key}.pub`, 'utf8')}`);
      const checker = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
      const r = spawnSync(PYTHON, [checker, dir, '--json', '--allowed-signers', signers], { encoding: 'utf8' });
      const errors = (JSON.parse(r.stdout) as { findings: { code: string; severity: string }[] }).findings.filter(
        (x) => x.severity === 'error',
      );
      expect([r.status, [...new Set(errors.map((x) => x.code))]], type).toEqual([1, ['PACK_SIGNATURE_INVALID']]);
    }
  }, 60_000);
});
