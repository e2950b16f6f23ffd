/**
 * A bad setting of the default logger is recorded in the chain as `LoggerConfigInvalid` (and so reaches
 * every pack of the day), and printed by the CLI. A setting holds a secret by mistake (a shifted line of
 * a `.env`, a secret reference wired to the wrong variable): the message names the setting and quotes
 * its value only when it is a number or an allowed word in another spelling, else gives its length
 * (at61; before, the value was quoted as given, and a config file's JSON error quoted the text around it).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const SECRET = 'Tr0ub4dor&3Qv8';
const INDEX = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const BAD_SETTINGS: Record<string, string> = {
  AUDIT_HEARTBEAT_MINUTES: SECRET,
  AUDIT_DURABILITY: SECRET,
  AUDIT_RETENTION_DAYS: SECRET,
  AUDIT_REDACTION_ENABLED: SECRET,
  SNAPSHOT_MAX_FILE_BYTES: SECRET,
  EXPORT_RETENTION_DAYS: SECRET,
  REVIEW_BLOCKING_SEVERITY: SECRET,
  VERIFY_ANCHORS_SINCE: SECRET,
};

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    const err = e as Error & { cause?: unknown };
    return `${err.message} ${String(err.cause ?? '')}`;
  }
  return '(no error)';
}

describe('a bad setting that holds a secret', () => {
  it('resolveConfig names the setting and its length, never the value', () => {
    for (const [name, value] of Object.entries(BAD_SETTINGS)) {
      const m = message(() => resolveConfig({ cwd: tempDir(), env: { [name]: value } }));
      expect(m, name).toContain(name);
      expect(m, name).toContain(`${SECRET.length} characters`);
      expect(m, name).not.toContain('Qv8');
    }
  });

  it('a number or an allowed word in another spelling is still quoted', () => {
    expect(message(() => resolveConfig({ cwd: tempDir(), env: { AUDIT_RETENTION_DAYS: '-5' } }))).toContain('got "-5"');
    expect(message(() => resolveConfig({ cwd: tempDir(), env: { AUDIT_DURABILITY: 'Durable' } }))).toContain(
      'got "Durable"',
    );
  });

  it("a config file's JSON error does not quote the text around it", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'auditpack.config.json'), `{"tsa": {"url": "http://x"}, "note": ${SECRET}}`);
    const m = message(() => resolveConfig({ cwd, env: {} }));
    expect(m).toContain('is not valid JSON');
    expect(m).not.toContain('r0ub4');
  });

  it('the default logger records LoggerConfigInvalid without the value; the CLI does not print it', () => {
    const cwd = tempDir();
    const script = `import(${JSON.stringify(INDEX)}).then(async (m) => { m.auditOrder('OrderAccepted', { orderId: 'A' }); await m.closeDefaultLogger(); })`;
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd,
      env: { ...process.env, AUDIT_DURABILITY: SECRET, AUDIT_LOG_DIR: join(cwd, 'logs') },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const log = readdirSync(join(cwd, 'logs'))
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(cwd, 'logs', f), 'utf8'))
      .join('');
    expect(log).toContain('"event":"LoggerConfigInvalid"');
    expect(log).not.toContain('Qv8');
    const cli = runCli(['log', 'order', 'OrderAccepted', 'orderId=A'], { cwd, env: { AUDIT_DURABILITY: SECRET } });
    expect(cli.code).toBe(78);
    expect(`${cli.stdout}${cli.stderr}`).not.toContain('Qv8');
  });
});
