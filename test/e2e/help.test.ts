import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** Every command path the CLI has, from the program itself (so a new command cannot be missed). */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

const sink = { write: () => true };
const paths = commandPaths(buildProgram({ cwd: '/', env: {}, stdout: sink, stderr: sink }));

describe('--help of every command', () => {
  it('covers every command', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(expect.arrayContaining(['log', 'export', 'verify', 'archive push']));
  });

  it.each([[[]], ...paths.map((p) => [p])])('auditpack %j --help: purpose, options, examples, exit codes', (path) => {
    const r = runCli([...path, '--help'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toMatch(new RegExp(`^Usage: auditpack${path.map((p) => ` ${p}`).join('')}`));
    // A line of purpose under the usage line.
    expect(text.split('\n')[2]?.trim().length ?? 0).toBeGreaterThan(10);
    expect(text).toContain('Options:');
    const examples = text.slice(text.indexOf('Examples:'), text.indexOf('Exit codes:'));
    const lines = examples.split('\n').filter((l) => l.startsWith('  $ auditpack'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(3);
    for (const l of lines) expect(l.startsWith(`  $ auditpack ${path.join(' ')}`.trimEnd())).toBe(true);
    const exits = text.slice(text.indexOf('Exit codes:')).split('\n');
    expect(exits.some((l) => /^\s+0 {2}\S/.test(l))).toBe(true);
    expect(exits.some((l) => /^\s+2 {2}usage error/.test(l))).toBe(true);
    expect(text).toContain('docs/errors.md');
    // The old spelling of --log-dir is accepted but never shown.
    expect(text).not.toContain('--logs-dir');
    expect(text).not.toMatch(/--logs </);
  });

  it('every option that has an environment variable or default says so', () => {
    const r = runCli(['export', '--help'], { cwd: tempDir() });
    expect(r.stdout).toMatch(/--log-dir <dir>\s+log directory \(env AUDIT_LOG_DIR, default logs\)/);
    expect(r.stdout).toMatch(/--retention-days <n>[\s\S]*env\s+EXPORT_RETENTION_DAYS, default 90/);
  });
});
