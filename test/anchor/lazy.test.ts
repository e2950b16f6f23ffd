/**
 * pkijs and asn1js (about 1 MB of JavaScript) load only when a token is made or checked: a trading
 * app that imports auditpack for its logger does not pay for them. Checked on the built library
 * with a module-resolution hook that reports what is resolved.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const DIST = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url))).href;
const VERIFY = pathToFileURL(fileURLToPath(new URL('../../dist/api/verify.js', import.meta.url))).href;
const TOKEN = pathToFileURL(fileURLToPath(new URL('../../dist/anchor/token.js', import.meta.url))).href;

describe('importing auditpack', () => {
  it('does not load pkijs or asn1js until a token is handled', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'hook.mjs'),
      "export async function resolve(s, c, next) { if (/^(pkijs|asn1js)$/.test(s)) process._rawDebug('RESOLVED ' + s); return next(s, c); }\n",
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`,
    );
    const run = (code: string): string => {
      const r = spawnSync(
        process.execPath,
        ['--import', join(dir, 'register.mjs'), '--input-type=module', '-e', code],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      return r.stderr;
    };
    expect(run(`const m = await import(${JSON.stringify(DIST)}); m.createAuditLogger; console.log('ok');`)).not.toMatch(
      /RESOLVED/,
    );
    expect(run(`const m = await import(${JSON.stringify(VERIFY)}); m.verifyTimestamp; console.log('ok');`)).not.toMatch(
      /RESOLVED/,
    );
    expect(run(`const m = await import(${JSON.stringify(TOKEN)}); await m.loadAsn1Libs();`)).toMatch(/RESOLVED pkijs/);
  });
});
