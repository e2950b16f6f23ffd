/**
 * The built package works for both kinds of trading app: ESM `import` and CommonJS `require`
 * (Node ≥ 20.19 loads ES modules through require), with types. Runs against dist/ through a
 * node_modules/auditpack link, as an installed dependency would be resolved.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PUBLIC_API } from './helpers/public-api.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function consumer(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'auditpack'));
  return dir;
}

describe('the built package', () => {
  it('is importable as ESM and writes a chained line', () => {
    const dir = consumer();
    writeFileSync(
      join(dir, 'app.mjs'),
      `import { createAuditLogger } from 'auditpack';
       import { GENESIS_HASH } from 'auditpack/verify';
       const log = createAuditLogger({ logDir: 'logs' });
       log.order('OrderAccepted', { orderId: 'esm', apiKey: 'k' });
       await log.close();
       console.log(GENESIS_HASH.length);`,
    );
    expect(execFileSync(process.execPath, ['app.mjs'], { cwd: dir, encoding: 'utf8' }).trim()).toBe('64');
  });

  it('is loadable with require() from CommonJS, and flushes on exit without close()', () => {
    const dir = consumer();
    writeFileSync(
      join(dir, 'app.cjs'),
      `const { auditOrder, auditLogin } = require('auditpack');
       auditOrder('OrderAccepted', { orderId: 'cjs', symbol: 'EURUSD', price: '1.10050' });
       auditLogin({ user: 'ops', success: false, password: 'nope' });`,
    );
    execFileSync(process.execPath, ['app.cjs'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, AUDIT_LOG_DIR: 'audit-logs' },
    });
    const [file] = readdirSync(join(dir, 'audit-logs')).filter((f: string) => f.endsWith('.jsonl'));
    const lines = readFileSync(join(dir, 'audit-logs', file as string), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.category}.${l.event}`)).toEqual(['order.OrderAccepted', 'auth.LoginFailed']);
    expect(lines[1].password).toBe('[REDACTED]');
  });

  it('ships types a TypeScript consumer compiles against', () => {
    const dir = consumer();
    writeFileSync(
      join(dir, 'app.ts'),
      `import { createAuditLogger, AuditpackError, type AuditLogger } from 'auditpack';
       const log: AuditLogger<'durable'> = createAuditLogger({ durability: 'durable' });
       const p: Promise<void> = log.order('Filled', { orderId: 'x', price: '1.1' });
       const b: boolean = createAuditLogger().fill({ dealId: 1 });
       // @ts-expect-error unknown order event
       log.order('Teleported', {});
       export { p, b, AuditpackError };
       import { readFileSync } from 'node:fs';
       import { parseOpenSshPublicKey, verifyPack, type PackReport } from 'auditpack/verify';
       const key = parseOpenSshPublicKey(readFileSync('keys/auditpack.pub', 'utf8'));
       export const r: Promise<PackReport> = verifyPack('artifacts/2025-09-08', { publicKeys: [key] });
       r.then((report) => { for (const q of report.problems) console.error(q.code, q.file, q.line ?? '', q.detail); });`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          noEmit: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['app.ts'],
      }),
    );
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
        cwd: dir,
        encoding: 'utf8',
      });
    } catch (err) {
      throw new Error(`tsc failed:\n${(err as { stdout?: string }).stdout ?? ''}`);
    }
  });
});

/** The names an entry point exports at run time, read from the built package as a consumer would. */
function exportedNames(dir: string, specifier: string, how: 'import' | 'require'): string[] {
  const code =
    how === 'import'
      ? `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()));`
      : `const m = require(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== '__esModule' && k !== 'module.exports').sort()));`;
  const args = how === 'import' ? ['--input-type=module', '-e', code] : ['-e', code];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' })) as string[];
}

describe('the public API', () => {
  // A change here is a change of public API: deliberate, with the README's library section and
  // docs/decisions.md updated in the same commit. Internals (sinks, locks, scanners, format
  // constants, low-level helpers) are imported by path inside the package, never from an entry.
  for (const [specifier, names] of Object.entries(PUBLIC_API)) {
    it(`${specifier} exports exactly the pinned names, through import and require`, () => {
      const dir = consumer();
      expect(exportedNames(dir, specifier, 'import')).toEqual([...names].sort());
      expect(exportedNames(dir, specifier, 'require')).toEqual([...names].sort());
    });
  }

  it('does not expose the files behind the entry points', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const entries = Object.keys(pkg.exports).filter((k) => k !== './package.json');
    expect(entries.map((k) => k.replace(/^\./, 'auditpack')).sort()).toEqual(Object.keys(PUBLIC_API).sort());
    const dir = consumer();
    for (const internal of ['auditpack/dist/logger/file-sink.js', 'auditpack/dist/index.js', 'auditpack/pack']) {
      const r = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `await import(${JSON.stringify(internal)})`],
        {
          cwd: dir,
          encoding: 'utf8',
        },
      );
      expect(r.status, internal).not.toBe(0);
      expect(r.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
    }
  });

  it('exports every name the README and docs/ import from it', () => {
    const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    const readme = ['README.md', ...docs.map((f) => `docs/${f}`)]
      .map((f) => readFileSync(join(ROOT, f), 'utf8'))
      .join('\n');
    const imports = [...readme.matchAll(/import \{([^}]*)\} from '(auditpack(?:\/[a-z]+)?)'/g)];
    expect(imports.length).toBeGreaterThan(0);
    for (const [, list, specifier] of imports) {
      const names = (list as string)
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '' && !n.startsWith('type '));
      const pinned = PUBLIC_API[specifier as keyof typeof PUBLIC_API];
      expect(pinned, specifier).toBeDefined();
      for (const n of names) expect(pinned, `${n} from ${specifier}`).toContain(n);
    }
  });

  it('has no side effects on import: no handlers, no timers, nothing written', () => {
    const dir = consumer();
    const code = `const events = ['exit', 'SIGINT', 'SIGTERM', 'beforeExit', 'uncaughtException', 'unhandledRejection'];
      const count = () => events.map((e) => process.listenerCount(e)).join(',');
      const before = count();
      await import('auditpack'); await import('auditpack/verify');
      const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate');
      console.log(JSON.stringify({ same: before === count(), timers }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ same: true, timers: [] });
    expect(readdirSync(dir).sort()).toEqual(['node_modules']);
  });

  it('has one name per concept: no exported name means two different things across entries', () => {
    const dir = consumer();
    const code = `const a = await import('auditpack'); const b = await import('auditpack/verify');
      const clash = Object.keys(b).filter((k) => k in a && a[k] !== b[k]); console.log(JSON.stringify(clash));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([]);
  });
});
