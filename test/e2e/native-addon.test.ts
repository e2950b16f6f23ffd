/**
 * An install whose lock addon (fs-native-extensions) cannot be loaded, for real: a copy of the built
 * package whose binary for this platform was built for another Node.js line (a C addon that
 * registers another NODE_MODULE_VERSION, compiled here with cc, as a non-Node-API addon built under
 * another line does), is missing (as on a platform without a prebuilt binary), or is not a shared
 * object at all, or whose addon package is missing. Each must fail when the logger is created, with
 * ADDON_UNAVAILABLE (exit 69) and what fixes it, before anything is written; `verify` must keep
 * working. And the other way round: when CI names another Node.js line (AUDITPACK_FOREIGN_NODE), this
 * clone, installed under the line running the tests, must work unchanged under that one (the addon
 * is Node-API: one binary for every line).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { copyInstall, type InstallCopy } from '../helpers/install.js';
import { tempDir } from '../helpers/tmp.js';

const PREBUILDS = 'node_modules/fs-native-extensions/prebuilds';
const ADDON = `${PREBUILDS}/${process.platform}-${process.arch}/fs-native-extensions.node`;
const ours = Number(process.versions.modules);
const other = ours === 115 ? 137 : 115; // Node 20's and Node 24's

/** What Node's loader sees in an addon built under another line: a module that registers another ABI version. */
const OTHER_LINE_ADDON_C = `
struct node_module { int nm_version; unsigned int nm_flags; void *nm_dso_handle; const char *nm_filename;
  void *nm_register_func; void *nm_context_register_func; const char *nm_modname; void *nm_priv; struct node_module *nm_link; };
extern void node_module_register(void *);
static struct node_module m = { ${other}, 0, 0, "binding.c", 0, 0, "fs_native_extensions", 0, 0 };
__attribute__((constructor)) static void reg(void) { node_module_register(&m); }
`;

function run(install: InstallCopy, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(install.node, [install.bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs an ES module script against the copy's library; prints what createAuditLogger etc. did. */
function library(install: InstallCopy, cwd: string, body: string): Record<string, unknown> {
  const script = `import * as ap from ${JSON.stringify(join(install.root, 'dist/index.js'))};
const out = {};
const attempt = async (name, f) => { try { out[name] = { ok: await f() }; } catch (e) { out[name] = { name: e.name, code: e.code, exitCode: e.exitCode, message: e.message, details: e.details }; } };
${body}
process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(install.node, ['--input-type=module', '-e', script], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AUDIT_LOG_DIR: 'logs' },
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** A valid day file, written by this clone's working install, to verify with the broken one. */
function goodLog(): string {
  const dir = tempDir();
  expect(runCli(['log', 'order', 'OrderAccepted', 'order_id=A-1'], { cwd: dir }).code).toBe(0);
  return join(dir, 'logs');
}

function expectRefusedBeforeWriting(install: InstallCopy, reason: RegExp, cause?: RegExp): void {
  const cwd = tempDir();
  writeFileSync(join(cwd, 'placeholder'), '');
  const log = run(install, ['log', 'order', 'OrderAccepted', 'order_id=A-1'], cwd);
  expect(log.stderr).toMatch(
    new RegExp(`^auditpack: error ADDON_UNAVAILABLE: the native lock addon fs-native-extensions ${reason.source}`),
  );
  expect(log.stderr).toContain(`(\`npm ci\` in ${install.root})`);
  if (cause) expect(log.stderr).toMatch(cause);
  expect(log.stderr).not.toMatch(/\n\s+at /); // no stack
  expect(log.stderr.trim().split('\n')).toHaveLength(1);
  expect(log.code).toBe(69);

  // Commands that write a record and then log it fail before writing anything.
  const snap = run(install, ['snapshot', '--reason', 'r', '--allow-empty'], cwd);
  expect([snap.code, snap.stderr.split(':')[1]]).toEqual([69, ' error ADDON_UNAVAILABLE']);
  mkdirSync(join(cwd, 'logs'));
  const exp = run(install, ['export', '--date', '2025-09-08'], cwd);
  expect([exp.code, exp.stderr.split(':')[1]]).toEqual([69, ' error ADDON_UNAVAILABLE']);
  expect(readdirSync(cwd).sort()).toEqual(['logs', 'placeholder']);
  expect(readdirSync(join(cwd, 'logs'))).toEqual([]);

  // Reading needs no lock: verify still works on this install.
  const logs = goodLog();
  const v = run(install, ['verify', logs], cwd);
  expect([v.code, v.stderr]).toEqual([0, '']);
}

describe('a lock addon that cannot be loaded', () => {
  it('built for another Node.js line: createAuditLogger throws ADDON_UNAVAILABLE at creation; the CLI exits 69 naming the fix; nothing written', () => {
    const install = copyInstall();
    const addon = join(install.root, ADDON);
    const src = join(install.root, 'other-line.c');
    writeFileSync(src, OTHER_LINE_ADDON_C);
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', addon, src], { encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    expect(cc.status).toBe(0);

    expectRefusedBeforeWriting(
      install,
      new RegExp(
        `was built for another Node\\.js line \\(NODE_MODULE_VERSION ${other}\\) than this Node\\.js ${process.version.replace(/\./g, '\\.')} \\(NODE_MODULE_VERSION ${ours}, ${process.platform}-${process.arch}\\): reinstall `,
      ),
      new RegExp(
        `Cause: Cannot load addon .*compiled against a different Node\\.js version using NODE_MODULE_VERSION ${other}`,
      ),
    );

    const cwd = tempDir();
    const out = library(
      install,
      cwd,
      `await attempt('create', () => { ap.createAuditLogger({ logDir: 'logs', handleExit: false }); return 'created'; });
       await attempt('again', () => { ap.createAuditLogger({ logDir: 'logs', handleExit: false }); return 'created'; });
       await attempt('defaultLogger', () => { ap.getDefaultLogger(); return 'created'; });
       await attempt('memorySink', async () => { const m = new ap.MemorySink(); const l = ap.createAuditLogger({ sink: m, handleExit: false }); l.order('OrderAccepted', { orderId: 'A-1' }); await l.close(); return m.allLines().length; });`,
    );
    for (const k of ['create', 'again', 'defaultLogger']) {
      expect(out[k]).toMatchObject({
        name: 'AuditpackError',
        code: 'ADDON_UNAVAILABLE',
        exitCode: 69,
        details: {
          addon: 'fs-native-extensions',
          reason: 'other-node-line',
          node: process.version,
          nodeModuleVersion: String(ours),
          platform: `${process.platform}-${process.arch}`,
          fix: 'npm ci',
        },
      });
    }
    // A logger with its own sink needs no lock, and works.
    expect(out.memorySink).toEqual({ ok: 1 });
    expect(existsSync(join(cwd, 'logs'))).toBe(false);
  });

  it('no binary for this platform (as on a platform it has no prebuilt for): the same error, reason no-prebuilt', () => {
    const install = copyInstall();
    rmSync(join(install.root, PREBUILDS), { recursive: true });
    expectRefusedBeforeWriting(
      install,
      new RegExp(`has no binary for this platform \\(${process.platform}-${process.arch}\\); .*reinstall `),
      /Cause: Cannot find addon '\.'/,
    );
  });

  it("a file that is not a shared object: the same error, reason load-failed, with the loader's words", () => {
    const install = copyInstall();
    writeFileSync(join(install.root, ADDON), 'not an ELF file\n');
    expectRefusedBeforeWriting(
      install,
      /cannot be loaded by Node\.js v[\d.]+ \(NODE_MODULE_VERSION \d+, [\w-]+\): reinstall /,
      /Cause: Cannot load addon .*fs-native-extensions\.node: (invalid ELF header|file too short)/,
    );
  });

  it('not installed at all: ADDON_UNAVAILABLE naming `npm install`', () => {
    const install = copyInstall();
    rmSync(join(install.root, 'node_modules/fs-native-extensions'), { recursive: true });
    const cwd = tempDir();
    const log = run(install, ['log', 'order', 'OrderAccepted', 'order_id=A-1'], cwd);
    expect(log.stderr).toMatch(
      /^auditpack: error ADDON_UNAVAILABLE: the native lock addon fs-native-extensions is not installed: run `npm install`\. Cause: Cannot find module 'fs-native-extensions'/,
    );
    expect(log.code).toBe(69);
    expect(readdirSync(cwd)).toEqual([]);
  });

  // CI runs the suite on several Node.js lines and names another one here: this clone, installed
  // for the line running the tests, is run by that one — what a deployment does when it moves to a
  // new line without reinstalling. With a Node-API addon that must simply work.
  const foreign = process.env.AUDITPACK_FOREIGN_NODE;
  it.skipIf(foreign === undefined || foreign === '')(
    'this clone, installed under this line, run by another line (AUDITPACK_FOREIGN_NODE): logs, and the chain verifies',
    () => {
      const node = foreign as string;
      const abi = spawnSync(node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
      expect(abi).toMatch(/^\d+$/);
      expect(Number(abi)).not.toBe(ours);
      const cwd = tempDir();
      const env = { PATH: process.env.PATH, NO_COLOR: '1' };
      for (const id of ['A-1', 'A-2']) {
        const r = spawnSync(node, [BIN, 'log', 'order', 'OrderAccepted', `order_id=${id}`], {
          cwd,
          encoding: 'utf8',
          env,
        });
        expect([r.status, r.stderr]).toEqual([0, '']);
      }
      const v = spawnSync(process.execPath, [BIN, 'verify', join(cwd, 'logs'), '--json'], {
        cwd,
        encoding: 'utf8',
        env,
      });
      expect(v.status).toBe(0);
      expect(JSON.parse(v.stdout)).toMatchObject({ ok: true });
    },
  );
});
