import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';

describe('auditpack CLI basics', () => {
  it('prints help and version, exit 0', () => {
    const cwd = tempDir();
    const help = runCli(['--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: auditpack/);
    for (const cmd of ['log', 'verify']) expect(help.stdout).toContain(cmd);
    const version = runCli(['--version'], { cwd });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    );
  });

  it.each([[['frobnicate']], [['--bogus']], [['log', 'order']], [['log', '--nope', 'a', 'b']], [[]]])(
    'usage error for %j: exit 2',
    (args) => {
      const r = runCli(args, { cwd: tempDir() });
      expect(r.code).toBe(2);
      expect(r.stderr.length).toBeGreaterThan(0);
      expect(r.stdout).toBe('');
    },
  );
});

describe('auditpack log', () => {
  it.each([
    ['', 'Ev'],
    ['order', ''],
    ['BadCat', 'Ev'],
    ['../../etc', 'Ev'],
    ['order', '../../etc/passwd'],
    ['order', 'Order Accepted'],
    ['order', ' '],
    ['AKIAIOSFODNN7EXAMPLE', 'Ev'],
  ])('refuses category %j / event %j: exit 2, nothing written, the name not echoed', (category, event) => {
    const cwd = tempDir();
    const r = runCli(['log', category, event, 'a=1'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^auditpack: error USAGE: the (category|event) must be/);
    if (category.length > 3) expect(r.stderr).not.toContain(category);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('appends events from the shell, values parsed as JSON where valid, quietly, and they verify', () => {
    const cwd = tempDir();
    const a = runCli(
      [
        'log',
        'order',
        'OrderAccepted',
        'order_id=A-1',
        'quantity=100',
        'price="1.10050"',
        'tags=["x",1]',
        'note=plain text',
        'api_key=s3cr3t',
      ],
      {
        cwd,
        env: { USER: 'cron' },
      },
    );
    expect(a).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(runCli(['log', 'system', 'CronRan', 'job=nightly'], { cwd }).code).toBe(0);
    const [file] = readdirSync(join(cwd, 'logs')).filter((f) => f.endsWith('.jsonl'));
    const text = readFileSync(join(cwd, 'logs', file as string), 'utf8');
    expect(text).not.toContain('s3cr3t');
    const [first] = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      category: 'order',
      event: 'OrderAccepted',
      order_id: 'A-1',
      quantity: 100,
      price: '1.10050',
      tags: ['x', 1],
      note: 'plain text',
      api_key: '[REDACTED]',
      actor: 'cron',
    });
    expect(pythonCheck(join(cwd, 'logs'))).toMatchObject({ ok: true, lines: 2 });
    const v = runCli(['verify', join('logs', file as string)], { cwd });
    expect(v.code).toBe(0);
  });

  it('--json keeps stdout valid JSON on errors: code, message and exit, the same line on stderr', () => {
    const cwd = tempDir();
    for (const [args, code, exit] of [
      [['verify', 'nowhere', '--json'], 'PATH_NOT_FOUND', 66],
      [['export', '--json', '--log-dir', 'missing'], 'LOGS_DIR_MISSING', 66],
      [['export', '--json', '--date', '2025-02-29'], 'USAGE', 2],
      [['verify', '.', '--json', '--bogus'], 'USAGE', 2],
    ] as const) {
      const r = runCli([...args], { cwd });
      expect(r.code, r.stderr).toBe(exit);
      expect(JSON.parse(r.stdout), args.join(' ')).toMatchObject({ ok: false, error: { code, exit } });
      expect(r.stderr).not.toBe('');
    }
    // Without --json, stdout stays empty on errors.
    expect(runCli(['verify', 'nowhere'], { cwd }).stdout).toBe('');
  });

  it('rejects a word that is not key=value with exit 2 and the USAGE code', () => {
    const r = runCli(['log', 'order', 'OrderAccepted', 'oops'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('USAGE');
  });

  it('reports a tampered log: verify exits 1 and names the broken line', () => {
    const cwd = tempDir();
    for (let i = 0; i < 3; i++)
      expect(runCli(['log', 'order', 'OrderAccepted', `order_id=O${i}`, 'quantity=1'], { cwd }).code).toBe(0);
    const [file] = readdirSync(join(cwd, 'logs')).filter((f) => f.endsWith('.jsonl'));
    const path = join(cwd, 'logs', file as string);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"quantity":1', '"quantity":9'));
    const r = runCli(['verify', path], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/line 2/);
  });
});

describe('auditpack keygen', () => {
  it.each([[''], ['  ']])('refuses --out %j: exit 2, no key written anywhere', (out) => {
    const cwd = tempDir();
    const r = runCli(['keygen', '--out', out], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('USAGE');
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('one form for errors, one name for the log directory', () => {
  it.each([
    [['frobnicate'], "unknown command 'frobnicate'", 'auditpack --help'],
    [['export', '--bogus'], "unknown option '--bogus'", 'auditpack export --help'],
    [['archive', 'push', '--date', 'x'], "argument 'x' is invalid", 'auditpack archive push --help'],
    [['log', 'order'], "missing required argument 'event'", 'auditpack log --help'],
  ])("commander's own usage error %j reads 'auditpack: error USAGE: …'", (args, what, help) => {
    const r = runCli(args, { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith('auditpack: error USAGE: ')).toBe(true);
    expect(r.stderr).toContain(what);
    expect(r.stderr).toContain(`Run '${help}' for usage.`);
    expect(r.stderr).not.toMatch(/^error:/m);
  });

  it.each([
    [['export', '--json', '--bogus']],
    [['prune', '--json', '--retention-days', '-1']],
    [['verify', '--json']],
    [['check', '--json', '--fail-on', 'sometimes']],
  ])('under --json a usage error %j is also JSON on stdout', (args) => {
    const r = runCli(args, { cwd: tempDir() });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ ok: false, error: { code: 'USAGE', message: expect.any(String), exit: 2 } });
    expect(out.error.message).not.toMatch(/^error:/);
    expect(r.stderr).toContain(`auditpack: error USAGE: ${out.error.message}`);
  });

  it('--log-dir everywhere; --logs-dir still works but is hidden; two different values are refused', () => {
    const cwd = tempDir();
    expect(runCli(['log', 'system', 'A', '--log-dir', 'one'], { cwd }).code).toBe(0);
    expect(runCli(['log', 'system', 'B', '--logs-dir', 'one'], { cwd }).code).toBe(0);
    expect(readdirSync(join(cwd, 'one')).some((f) => f.endsWith('.jsonl'))).toBe(true);
    const both = runCli(['check', '--log-dir', 'one', '--logs-dir', 'two'], { cwd });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^auditpack: error USAGE: give the log directory once/);
    // The old name reaches the same place as the new one.
    for (const flag of ['--log-dir', '--logs-dir']) {
      const r = runCli(['check', '--json', flag, 'nowhere'], { cwd });
      expect(r.code).toBe(66);
      expect(JSON.parse(r.stdout).error.code).toBe('LOGS_DIR_MISSING');
    }
    const v = runCli(['verify', '--log-dir', 'nowhere', 'one'], { cwd });
    expect(v.code).toBe(66);
    expect(runCli(['verify', '--logs', 'nowhere', 'one'], { cwd }).code).toBe(66);
    expect(runCli(['verify', '--log-dir', 'one', '--no-logs', 'one'], { cwd }).code).toBe(2);
  });
});

describe('what people read', () => {
  it('auditpack log names an unknown but valid category or event, still writes it, exits 0', () => {
    const cwd = tempDir();
    const typo = runCli(['log', 'ordr', 'Something', 'a=1'], { cwd });
    expect(typo.code).toBe(0);
    expect(typo.stderr).toMatch(/^auditpack: note: "ordr" is not a built-in category \(order, fill, .*\)/);
    expect(typo.stderr).toContain('Did you mean "order"?');
    const own = runCli(['log', 'strategy', 'Rebalanced', 'a=1'], { cwd });
    expect(own.code).toBe(0);
    expect(own.stderr).toContain('"strategy" is not a built-in category');
    expect(own.stderr).not.toContain('Did you mean');
    const ev = runCli(['log', 'auth', 'Logn', 'user=u'], { cwd });
    expect(ev.stderr).toContain('"Logn" is not a known auth event');
    expect(ev.stderr).toContain('Did you mean "Login"?');
    expect(runCli(['log', 'auth', 'Login', 'user=u'], { cwd }).stderr).toBe('');
    const [file] = readdirSync(join(cwd, 'logs')).filter((f) => f.endsWith('.jsonl'));
    const lines = readFileSync(join(cwd, 'logs', file as string), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).category)).toEqual(['ordr', 'strategy', 'auth', 'auth']);
  });

  it('verify marks "signature: none" with "-", never with a check mark', () => {
    const cwd = tempDir();
    const demo = JSON.parse(runCli(['demo', '--json'], { cwd }).stdout);
    const r = runCli(['verify', demo.pack_path], { cwd });
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes('signature'));
    expect(line).toBe('- signature: none (the pack is not signed)');
    expect(r.stdout).toContain('- time-stamp tokens: none');
    expect(r.stdout).toMatch(/^✓ hash chain and seq$/m);
    // An artifacts directory of which no pack is signed: no check mark on its signatures line either.
    const all = runCli(['verify', join(cwd, 'artifacts')], { cwd });
    const sigs = all.stdout.split('\n').find((l) => l.includes('signatures:'));
    expect(sigs).toMatch(/^- signatures: 0 of \d+ packs signed$/);
  });
});
