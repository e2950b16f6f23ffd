/**
 * The archive's credentials from the environment (trimmed at both ends, as every setting): a key with a line
 * break, blank or control character inside is refused by name, never quoted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { tempDir } from '../helpers/tmp.js';

function withBucket(): string {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'auditpack.config.json'), JSON.stringify({ archive: { bucket: 'audit-packs' } }));
  return cwd;
}

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('archive credentials', () => {
  it('are taken as given when they hold no blank or control character', () => {
    const c = resolveConfig({
      cwd: withBucket(),
      env: { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET },
    });
    expect(c.archive?.credentials?.()).toEqual({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET });
  });

  for (const [name, env] of [
    [
      'a line break inside the key id (two lines pasted)',
      { AWS_ACCESS_KEY_ID: 'AKIAIOSF\nODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET },
    ],
    [
      'a carriage return in the secret',
      { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: `wJalrX\r${SECRET}` },
    ],
    [
      'a blank inside the secret',
      { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: `wJalrX ${SECRET}` },
    ],
    [
      'a tab in the session token',
      { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: 'FwoG\tZXIvYXdz' },
    ],
  ] as const)
    it(`refuses ${name} (CONFIG_INVALID, the variable named, its value never quoted)`, () => {
      let err: unknown;
      try {
        resolveConfig({ cwd: withBucket(), env });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
      const message = (err as Error).message;
      expect(message).toMatch(
        /AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN) holds a blank, line break or control character/,
      );
      expect(message).not.toContain('wJalrX');
      expect(message).not.toContain('AKIAIOSF');
      expect(message).not.toContain('FwoG');
    });
});
