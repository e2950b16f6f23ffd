/**
 * The built package works for both kinds of trading app: ESM `import` and CommonJS `require`
 * (Node ≥ 20.19 loads ES modules through require), with types. Runs against dist/ through a
 * node_modules/auditpack link, as an installed dependency would be resolved.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
      `import { createAuditLogger, GENESIS_HASH } from 'auditpack';
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
       export { p, b, AuditpackError };`,
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
