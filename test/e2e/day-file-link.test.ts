/**
 * A symbolic link at a day file's name in a logs directory someone else can write to: `export`
 * refuses it as the writer, tail, check and verify do (docs/FORMAT.md, "Day files that are not
 * regular files"), and never copies what it points at (here a file holding a password) into a pack.
 */
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const SECRET = 'db_password=hunter2-SECRET-link';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

describe('auditpack export: a symbolic link at the day file name', () => {
  it('is refused (READ_FAILED, exit 74, like check and tail), no pack made, nothing it points at copied', () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const secret = join(cwd, 'secret.txt');
    writeFileSync(secret, `${SECRET}\n`);
    runCli(['log', 'system', 'Probe', 'n=1'], { cwd }); // makes logs/ (today's file)
    symlinkSync(secret, join(logs, 'audit-20261101.jsonl'));
    const r = runCli(['export', '--date', '2026-11-01', '--json'], { cwd });
    expect(r.code).toBe(74);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('READ_FAILED');
    expect(r.stderr).toContain('audit-20261101.jsonl is a symbolic link; never followed, not read');
    const art = join(cwd, 'artifacts');
    expect(existsSync(join(art, '2026-11-01'))).toBe(false);
    for (const f of filesUnder(art)) expect(readFileSync(f, 'utf8'), f).not.toContain(SECRET);
    expect(readFileSync(secret, 'utf8')).toBe(`${SECRET}\n`);
  });
});
