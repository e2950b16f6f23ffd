/**
 * `auditpack demo` (npm run demo): a sample trading day for yesterday, a config snapshot, the
 * day's pack, and its verification, on the built-in defaults. Safe to re-run (see src/demo).
 */
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { hiddenLogsDirAlias, logDirOf } from '../options.js';
import { helpText } from '../help.js';
import type { CliIO } from '../io.js';
import { ExitWith, packageVersion } from '../exit.js';
import { snakeKeys } from '../json.js';
import { mark, printJson } from '../render.js';

interface DemoCliOptions {
  logDir?: string;
  logsDir?: string;
  artifactsDir?: string;
  json?: boolean;
}

export function defineDemo(program: Command, io: CliIO): void {
  program
    .command('demo')
    .description(
      "generate a sample trading day for yesterday, snapshot the configs, export the day's pack and verify it",
    )
    .option('--log-dir <dir>', 'log directory (env AUDIT_LOG_DIR, default logs)')
    .addOption(hiddenLogsDirAlias())
    .option('--artifacts-dir <dir>', 'where packs go (env EXPORT_BASE_DIR, default artifacts)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['demo', 'a sample day in ./logs, its pack in ./artifacts, verified'],
          ['demo --log-dir demo/logs --artifacts-dir demo/artifacts', 'elsewhere'],
        ],
        exits: [
          [0, 'the pack verified'],
          [1, 'the pack did not verify'],
          [74, 'writing failed'],
        ],
      }),
    )
    .action(async (opts: DemoCliOptions) => {
      const { mkdirSync } = await import('node:fs');
      const { relative } = await import('node:path');
      const { resolveConfig } = await import('../../config.js');
      const { runDemo } = await import('../../demo/index.js');
      const { loadSigningKey } = await import('../../signing/index.js');
      const { snapshotOptionsFromConfig } = await import('../../snapshot/index.js');
      const config = resolveConfig({
        cwd: io.cwd,
        env: io.env,
        flags: { logDir: logDirOf(opts), exportBaseDir: opts.artifactsDir },
      });
      mkdirSync(config.logDir, { recursive: true });
      const { autoStartup: _a, ...snapshot } = snapshotOptionsFromConfig(config);
      const rel = (p: string): string => relative(io.cwd, p) || '.';
      const r = await runDemo({
        cwd: config.cwd,
        logDir: config.logDir,
        artifactsDir: config.exportBaseDir,
        snapshot,
        version: packageVersion(),
        alertFilter: config.alertFilter,
        ...(config.signingKey !== undefined ? { signingKey: loadSigningKey(config.signingKey) } : {}),
        ...(opts.json === true
          ? {}
          : { onStep: (t: string) => io.stdout.write(`  ${t.replaceAll(`${io.cwd}/`, '')}\n`) }),
      });
      if (opts.json === true) {
        printJson(io, snakeKeys({ ok: r.verify.ok, ...r, verify: { ok: r.verify.ok, problems: r.verify.problems } }));
      } else {
        for (const p of r.verify.problems)
          io.stdout.write(`  ${mark(io, p.severity === 'error' ? 'fail' : 'warn')} ${p.code} ${p.file}: ${p.detail}\n`);
        io.stdout.write(
          r.verify.ok
            ? `${mark(io, 'ok')} demo: pack ${rel(r.packPath)} for ${r.date} verified. Check it yourself: (cd ${rel(r.packPath)} && sha256sum -c manifest-sha256.txt)\n`
            : `${mark(io, 'fail')} demo: pack ${rel(r.packPath)} did not verify\n`,
        );
      }
      if (!r.verify.ok) throw new ExitWith(ExitCode.PROBLEMS);
    });
}
