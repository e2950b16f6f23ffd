/**
 * An invalid `redaction.patterns` entry (at61). A pattern is often a literal secret the user wants
 * scrubbed (`p@ss(word`, with a bracket that makes it an invalid regular expression): refusing it
 * must not quote it. It is CONFIG_INVALID, naming the entry by its position and length, never a
 * SyntaxError whose message holds the pattern (the CLI printed that as a bug, exit 70, with its stack).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const LITERAL = 'Pw(7Lq2Zx9Secret';

describe('an invalid user redaction pattern', () => {
  it('createAuditLogger: CONFIG_INVALID naming the entry, without its text', () => {
    let err: (Error & { code?: string; cause?: unknown }) | undefined;
    try {
      createAuditLogger({ sink: new MemorySink(), handleExit: false, redaction: { patterns: [/ok/, LITERAL] } });
    } catch (e) {
      err = e as Error & { code?: string; cause?: unknown };
    }
    expect(err?.code).toBe('CONFIG_INVALID');
    expect(err?.message).toMatch(/redaction pattern 2 \(16 characters\) is not a valid regular expression/);
    expect(`${err?.message} ${err?.stack} ${JSON.stringify(err)} ${String(err?.cause)}`).not.toContain('7Lq2Zx9');
  });

  it('the CLI: exit 78 CONFIG_INVALID, the pattern on neither stderr nor the --json error', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'auditpack.config.json'), JSON.stringify({ redaction: { patterns: [LITERAL] } }));
    mkdirSync(join(cwd, 'logs'));
    for (const args of [
      ['log', 'order', 'OrderAccepted', 'orderId=A'],
      ['tail', '--json'],
    ]) {
      const r = runCli(args, { cwd });
      expect(r.code, r.stderr).toBe(78);
      expect(r.stderr).toContain('CONFIG_INVALID');
      expect(`${r.stdout}${r.stderr}`).not.toContain('7Lq2Zx9');
    }
  });
});
