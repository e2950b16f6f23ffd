/**
 * `auditpack prune`: remove packs past EXPORT_RETENTION_DAYS and log files past
 * AUDIT_RETENTION_DAYS — never a log whose day has no pack that verifies and holds it byte for
 * byte; refuses (CLOCK_SKEW, exit 75) when the newest pack or log is dated after today.
 */
import type { Command } from 'commander';
import type { PrunePlan, PruneResult } from '../../retention/index.js';
import type { CliIO } from '../io.js';
import { hiddenLogsDirAlias, logDirOf, parseWholeNumber } from '../options.js';
import { helpText } from '../help.js';
import { snakeKeys } from '../json.js';
import { mark, printJson } from '../render.js';

interface PruneCliOptions {
  retentionDays?: number;
  logRetentionDays?: number;
  logDir?: string;
  logsDir?: string;
  artifactsDir?: string;
  dryRun?: boolean;
  json?: boolean;
  signingKey?: string;
}

export function definePrune(program: Command, io: CliIO): void {
  program
    .command('prune')
    .description('remove packs and log files past their retention windows (logs only when their pack verifies)')
    .option(
      '--retention-days <n>',
      'packs older than this many days go (env EXPORT_RETENTION_DAYS, default 90)',
      parseWholeNumber,
    )
    .option(
      '--log-retention-days <n>',
      'log files older than this many days go (env AUDIT_RETENTION_DAYS, default 90)',
      parseWholeNumber,
    )
    .option('--log-dir <dir>', 'log directory (env AUDIT_LOG_DIR, default logs)')
    .addOption(hiddenLogsDirAlias())
    .option('--artifacts-dir <dir>', 'where packs are (env EXPORT_BASE_DIR, default artifacts)')
    .option(
      '--signing-key <file>',
      'Ed25519 private key that signs the pruned.jsonl lines; without it signed packs are kept (env AUDITPACK_SIGNING_KEY)',
    )
    .option('--dry-run', 'show what would be removed, remove nothing')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['prune --dry-run', 'what would go'],
          ['prune --retention-days 180 --log-retention-days 30', 'keep packs 180 days, logs 30'],
          ['prune --json', 'the result as JSON'],
        ],
        exits: [
          [0, 'pruned (packs and logs that could not be proven safe are kept, with a warning)'],
          [74, 'reading or writing failed'],
          [
            75,
            'refused: the clock is behind the newest pack or log (CLOCK_SKEW); or another process held the log lock past AUDITPACK_LOCK_TIMEOUT (LOG_LOCK_TIMEOUT)',
          ],
          [77, 'permission denied'],
        ],
      }),
    )
    .action(async (opts: PruneCliOptions) => {
      const { resolveConfig } = await import('../../config.js');
      const { prune } = await import('../../retention/index.js');
      const config = resolveConfig({
        cwd: io.cwd,
        env: io.env,
        // A short retention only from the command line or the environment, never the config file alone.
        pinRetention: ['export.retentionDays', 'logRetentionDays'],
        flags: {
          logDir: logDirOf(opts),
          exportBaseDir: opts.artifactsDir,
          exportRetentionDays: opts.retentionDays,
          logRetentionDays: opts.logRetentionDays,
          signingKey: opts.signingKey,
        },
      });
      // With an archive configured, a pack is removed only once its archived copy is verified.
      const archived =
        config.archive === undefined
          ? undefined
          : (await import('../../archive/ledger.js')).archivedCheckFromLedger(config.exportBaseDir);
      const signingKey =
        config.signingKey === undefined
          ? undefined
          : (await import('../../signing/index.js')).loadSigningKey(config.signingKey);
      const { plan, result } = await prune({
        ...(archived !== undefined ? { archived } : {}),
        ...(signingKey !== undefined ? { signingKey } : {}),
        artifactsDir: config.exportBaseDir,
        retentionDays: config.exportRetentionDays,
        retentionSource: config.exportRetentionSource,
        logs: { logDir: config.logDir, retentionDays: config.logRetentionDays },
        dryRun: opts.dryRun === true,
      });
      printPrune(io, opts, plan, result);
    });
}

/** What prune did (or would do), as JSON or as lines for people. */
function printPrune(io: CliIO, opts: PruneCliOptions, plan: PrunePlan, result: PruneResult | null): void {
  if (opts.json === true) {
    printJson(io, snakeKeys({ ok: true, dry_run: opts.dryRun === true, plan, removed: result }));
    return;
  }
  const packs = result?.packs.length ?? plan.packs.length;
  const archives = result?.archives.length ?? plan.archives.length;
  const logs = result?.logs.length ?? plan.logs.length;
  if (opts.dryRun === true) {
    for (const p of plan.packs) io.stdout.write(`would remove pack ${p.name}\n`);
    for (const a of plan.archives) io.stdout.write(`would remove archive ${a}\n`);
    for (const l of plan.logs) io.stdout.write(`would remove log ${l.file}\n`);
    for (const t of plan.staleTemp) io.stdout.write(`would remove leftover ${t}\n`);
  }
  for (const p of result?.packs ?? plan.packs)
    if (p.relied_on !== undefined)
      io.stdout.write(
        `${opts.dryRun === true ? 'would remove' : 'removed'} pack ${p.name}, relying on its archived copy: ${p.relied_on}\n`,
      );
  for (const k of plan.keptLogs) io.stderr.write(`${mark(io, 'warn', 'stderr')} keeping ${k.file}: ${k.reason}\n`);
  for (const s of plan.skipped)
    if (s.reason !== 'the newest pack is always kept' && s.reason !== 'just exported')
      io.stderr.write(`${mark(io, 'warn', 'stderr')} left alone ${s.name}: ${s.reason}\n`);
  const verb = opts.dryRun === true ? 'would prune' : 'pruned';
  io.stdout.write(
    `${mark(io, 'ok')} ${verb} ${packs} pack(s), ${archives} archive(s), ${logs} log file(s) (packs before ${plan.packCutoff}, logs before ${plan.logCutoff}; ${plan.keptLogs.length} old log(s) kept)\n`,
  );
}
