/**
 * `auditpack export`: build the pack for a day (default: yesterday, UTC), then prune packs past
 * the retention window. One summary line on success (or --json). Malformed log lines carried into
 * the pack are listed on stderr and end with exit 3 (WARNINGS).
 */
import type { Command } from 'commander';
import { AuditpackError, ExitCode } from '../../errors.js';
import type { AuditpackConfig } from '../../config.js';
import type { DailyExportResult } from '../../daily/daily-export.js';
import type { PushOutcome } from '../../archive/index.js';
import { ExitWith, packageVersion, todayUtc, yesterdayUtc } from '../exit.js';
import type { CliIO } from '../io.js';
import { hiddenLogsDirAlias, logDirOf, parseIsoDate, parseWholeNumber } from '../options.js';
import { helpText } from '../help.js';
import { archiveSetup, pushJson, renderPush } from '../archive-setup.js';
import { printable } from '../printable.js';
import { mark, paintFor, printJson } from '../render.js';

interface ExportOptions {
  date?: string;
  retentionDays?: number;
  logDir?: string;
  logsDir?: string;
  artifactsDir?: string;
  force?: boolean;
  compress?: boolean;
  signingKey?: string;
  configDiffs?: boolean;
  tsaUrl?: string;
  partial?: boolean;
  json?: boolean;
  push?: boolean;
}

export function defineExport(program: Command, io: CliIO): void {
  program
    .command('export')
    .description('build the export pack for a day (default yesterday, UTC), then prune packs past the retention window')
    .option('--date <YYYY-MM-DD>', 'the UTC day to export (default: yesterday)', parseIsoDate)
    .option(
      '--retention-days <n>',
      'prune packs older than this many days (env EXPORT_RETENTION_DAYS, default 90)',
      parseWholeNumber,
    )
    .option('--log-dir <dir>', 'log directory (env AUDIT_LOG_DIR, default logs)')
    .addOption(hiddenLogsDirAlias())
    .option('--artifacts-dir <dir>', 'where packs go (env EXPORT_BASE_DIR, default artifacts)')
    .option('--force', 'make a new version if a pack exists (the old one is kept as YYYY-MM-DD.vN)')
    .option('--compress', 'also write YYYY-MM-DD.tar.gz (env EXPORT_COMPRESS_PACKAGES)')
    .option('--signing-key <file>', 'Ed25519 private key to sign the pack (env AUDITPACK_SIGNING_KEY)')
    .option(
      '--tsa-url <url>',
      'ask this RFC 3161 time-stamping authority for a token over the tag manifest (env EXPORT_TSA_URL)',
    )
    .option('--no-config-diffs', 'leave data/config.diff with only its header (env EXPORT_INCLUDE_CONFIG_DIFFS)')
    .option(
      '--push',
      'then push the pack to the archive bucket (auditpack archive push); exit 5 when only the push failed',
    )
    .option(
      '--partial',
      'export today, which has not ended: the pack is marked partial, and the full export of the day replaces it',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['export', "yesterday's pack (UTC), then prune packs past the retention window"],
          [
            'export --date 2025-09-08 --compress --signing-key .auditpack-keys/auditpack_ed25519',
            'a given day, signed, with a .tar.gz',
          ],
          ['export --date 2025-09-08 --force --json', 'a new version of an existing pack, the result as JSON'],
        ],
        exits: [
          [0, 'exported'],
          [
            3,
            'exported; malformed log lines were carried into the pack (listed on stderr), or the snapshot store holds a record dated in the future (passed over), or whether its newest record is recorded cannot be told (CONFIG_OF_RECORD_UNKNOWN), or the compliance report starts under the built-in policy (COMPLIANCE_POLICY_UNKNOWN), or the lost-head check read the cache without the log lock (LOG_HEAD_UNLOCKED)',
          ],
          [4, 'exported without the time-stamp token asked for (add it: auditpack anchor --pack)'],
          [5, '--push: exported, but the push failed'],
          [66, 'the logs directory does not exist'],
          [73, 'a pack for that day exists (use --force)'],
          [74, 'reading or writing failed'],
          [
            75,
            "refused: the clock is ahead of the newest evidence (CLOCK_SKEW), or the day's log file was removed by log retention (LOG_DAY_PRUNED), or another process held the log lock past AUDITPACK_LOCK_TIMEOUT (LOG_LOCK_TIMEOUT)",
          ],
          [77, 'permission denied'],
          [78, 'invalid configuration or signing key'],
        ],
      }),
    )
    .action(async (opts: ExportOptions) => {
      const config = await exportConfig(io, opts);
      const r = await runExport(io, opts, config);
      const e = r.export;
      reportMalformed(io, r);
      // The second half of the cron job: its failure must not look like the export's.
      const push = opts.push === true ? await pushAfterExport(io, opts, e.date) : null;
      if (opts.json === true) printJson(io, exportJson(r, config, push));
      else {
        io.stdout.write(exportLine(io, r));
        if (push?.outcomes) renderPush(io, push.outcomes);
      }
      finishExport(io, r, push?.error ?? null);
    });
}

async function exportConfig(io: CliIO, opts: ExportOptions): Promise<AuditpackConfig> {
  const { resolveConfig } = await import('../../config.js');
  return resolveConfig({
    cwd: io.cwd,
    env: io.env,
    // Export prunes: a short retention only from the command line or the environment.
    pinRetention: ['export.retentionDays'],
    flags: {
      logDir: logDirOf(opts),
      exportBaseDir: opts.artifactsDir,
      exportRetentionDays: opts.retentionDays,
      exportCompress: opts.compress === true ? true : undefined,
      exportIncludeConfigDiffs: opts.configDiffs === false ? false : undefined,
      signingKey: opts.signingKey,
      tsaUrl: opts.tsaUrl,
    },
  });
}

/** Picks the day, checks the clock when it alone chose, and runs export-then-prune with progress. */
async function runExport(io: CliIO, opts: ExportOptions, config: AuditpackConfig): Promise<DailyExportResult> {
  const { runDailyExport } = await import('../../daily/daily-export.js');
  const { loadSigningKey } = await import('../../signing/index.js');
  const { snapshotOptionsFromConfig } = await import('../../snapshot/index.js');
  const { loadTsaCa } = await import('../../anchor/index.js');
  const nowMs = Date.now();
  const date = opts.date ?? (opts.partial === true ? todayUtc(nowMs) : yesterdayUtc(nowMs));
  if (opts.date === undefined) {
    // The clock alone chose the day: a clock that jumped would make an empty pack of a day
    // that has not come yet, which then blocks every later prune.
    const { checkExportClock } = await import('../../retention/index.js');
    checkExportClock({ artifactsDir: config.exportBaseDir, logDir: config.logDir, now: nowMs });
  }
  const { autoStartup: _a, ...snapshot } = snapshotOptionsFromConfig(config);
  const progress = progressLine(io, date);
  // With an archive configured, a pack is pruned only once its archived copy is verified.
  const archived =
    config.archive === undefined
      ? undefined
      : (await import('../../archive/ledger.js')).archivedCheckFromLedger(config.exportBaseDir);
  return runDailyExport({
    date,
    logDir: config.logDir,
    artifactsDir: config.exportBaseDir,
    version: packageVersion(),
    force: opts.force === true,
    partial: opts.partial === true,
    now: () => nowMs,
    compress: config.exportCompress,
    ...(config.signingKey !== undefined ? { signingKey: loadSigningKey(config.signingKey) } : {}),
    alertFilter: config.alertFilter,
    snapshot,
    includeConfigDiffs: config.exportIncludeConfigDiffs,
    retentionDays: config.exportRetentionDays,
    retentionSource: config.exportRetentionSource,
    ...(archived !== undefined ? { archived } : {}),
    ...(progress ? { onProgress: progress.update } : {}),
    ...(config.tsaUrl !== undefined
      ? {
          tsa: {
            url: config.tsaUrl,
            timeoutMs: config.tsaTimeoutMs,
            ...(config.tsaCa !== undefined ? { trustAnchors: loadTsaCa(config.tsaCa) } : {}),
          },
        }
      : {}),
  }).finally(() => progress?.clear());
}

function reportMalformed(io: CliIO, r: DailyExportResult): void {
  const e = r.export;
  const m = e.manifest;
  for (const bad of e.malformed) {
    io.stderr.write(
      `${mark(io, 'warn', 'stderr')} malformed line ${bad.line} (offset ${bad.offset}, ${bad.length} bytes): ${bad.reason}; kept as is in data/audit.jsonl\n`,
    );
  }
  if (m.events.malformed_lines > e.malformed.length) {
    io.stderr.write(
      `${mark(io, 'warn', 'stderr')} … and ${m.events.malformed_lines - e.malformed.length} more malformed lines\n`,
    );
  }
}

interface PushStep {
  readonly outcomes: readonly PushOutcome[] | null;
  readonly error: AuditpackError | null;
}

async function pushAfterExport(io: CliIO, opts: ExportOptions, date: string): Promise<PushStep> {
  try {
    const { pushPacks, pushReviews } = await import('../../archive/index.js');
    const setup = await archiveSetup(io, { artifactsDir: opts.artifactsDir, logDir: logDirOf(opts) });
    const outcomes = await pushPacks({ ...setup.options, dates: [date] });
    // The review records too, as they stand (ledgered and chained; `archive push` lists them).
    await pushReviews(setup.options);
    return { outcomes, error: null };
  } catch (err) {
    if (!(err instanceof AuditpackError)) throw err;
    return { outcomes: null, error: err };
  }
}

function exportJson(r: DailyExportResult, config: AuditpackConfig, push: PushStep | null): unknown {
  const e = r.export;
  const m = e.manifest;
  return {
    ok: (push?.error ?? null) === null,
    pushed: push?.outcomes ? pushJson(push.outcomes) : null,
    push_error: push?.error ? { code: push.error.code, message: push.error.message } : null,
    date: e.date,
    path: e.path,
    manifest_sha256: e.manifestSha256,
    signed: e.signed,
    timestamp:
      config.tsaUrl === undefined
        ? null
        : e.timestamped !== null
          ? { tsa_time: e.timestamped.toISOString() }
          : { missing: true, code: e.timestampError?.code ?? null, message: e.timestampError?.message ?? null },
    archive: e.archive,
    partial: m.partial === true,
    resumed: e.resumed,
    leftovers_removed: e.leftoversRemoved,
    superseded: e.superseded && {
      path: e.superseded.path,
      manifest_sha256: e.superseded.manifestSha256,
      unrecorded: e.superseded.unrecorded === true,
    },
    warnings: [...(e.superseded?.unrecorded === true ? [unrecordedNote(e)] : []), ...e.warnings],
    events: m.events,
    rows: m.rows,
    chain: m.chain,
    malformed: e.malformed,
    compliance: e.compliance,
    pruned: r.prune?.result
      ? { packs: r.prune.result.packs.map((p) => p.name), archives: r.prune.result.archives }
      : null,
    prune_error: r.pruneError ? { code: r.pruneError.code, message: r.pruneError.message } : null,
  };
}

/** The one summary line for people. */
function exportLine(io: CliIO, r: DailyExportResult): string {
  const c = paintFor(io);
  const e = r.export;
  const m = e.manifest;
  const parts = [
    `${m.events.total} events`,
    `${m.rows.orders} orders`,
    `${m.rows.fills} fills`,
    `${m.rows.alerts} alerts`,
    e.signed ? 'signed' : 'unsigned',
    ...(e.timestamped !== null ? [`time-stamped ${e.timestamped.toISOString()}`] : []),
    ...(e.timestampError !== null ? [c.yellow('time-stamp token MISSING')] : []),
    ...(e.superseded ? [`previous version kept as ${e.superseded.path}`] : []),
    ...(e.archive ? [e.resumed === 'archive' ? '.tar.gz rebuilt (an earlier run was interrupted)' : '+ .tar.gz'] : []),
    // Not for a version found aside that no event records: the warning says what it may be.
    ...(e.resumed === 'supersede' && e.superseded?.unrecorded !== true ? ['completed an interrupted --force'] : []),
    ...(m.partial === true ? [c.yellow('PARTIAL (the day has not ended)')] : []),
    ...(e.leftoversRemoved.length > 0 ? [`removed ${e.leftoversRemoved.length} leftover(s) of interrupted runs`] : []),
    ...(r.prune?.result && r.prune.result.packs.length > 0
      ? [`pruned ${r.prune.result.packs.length} old pack(s)`]
      : []),
    ...(m.events.malformed_lines > 0 ? [c.yellow(`${m.events.malformed_lines} malformed line(s)`)] : []),
    `${e.compliance.total} compliance finding(s)${e.compliance.total > 0 ? ` (${e.compliance.critical} critical, ${e.compliance.warning} warning, ${e.compliance.info} info; data/report.html)` : ''}`,
  ];
  return `${mark(io, 'ok')} exported ${e.date} → ${e.path} (${parts.join(', ')}); manifest sha256 ${e.manifestSha256}\n`;
}

/** The note on a pack found in place that no PackExported event recorded, kept aside unvouched. */
function unrecordedNote(e: DailyExportResult['export']): string {
  return `a pack for ${e.date} was in place that no PackExported event records (an export killed before recording it, or a pack put there by hand): it was not vouched for; it is kept as ${e.superseded?.path} and ${e.date} was exported afresh from the log. Look at it: auditpack verify ${e.superseded?.path}`;
}

/** What went wrong after the pack was written, on stderr, and the exit code it earns. */
function finishExport(io: CliIO, r: DailyExportResult, pushError: AuditpackError | null): void {
  const e = r.export;
  if (e.superseded?.unrecorded === true) io.stderr.write(`${mark(io, 'warn', 'stderr')} ${unrecordedNote(e)}\n`);
  // As `snapshot` says it (a stored record dated in the future, passed over): stderr, exit 3.
  for (const w of e.warnings) io.stderr.write(`${mark(io, 'warn', 'stderr')} ${printable(w)}\n`);
  if (e.timestampError !== null) {
    io.stderr.write(
      `${mark(io, 'warn', 'stderr')} the pack has no time-stamp token: ${e.timestampError.message}. The pack is complete; add the token later with: auditpack anchor --pack ${e.path}\n`,
    );
  }
  if (pushError) {
    io.stderr.write(
      `auditpack: error ${pushError.code}: ${pushError.message} (the pack was exported; the archive push failed)\n`,
    );
    throw new ExitWith(ExitCode.PUSH_FAILED);
  }
  if (r.pruneError) {
    io.stderr.write(`auditpack: error ${r.pruneError.code}: ${r.pruneError.message} (the pack was written)\n`);
    throw new ExitWith(r.pruneError.exitCode);
  }
  if (e.timestampError !== null) throw new ExitWith(ExitCode.UNANCHORED);
  if (e.manifest.events.malformed_lines > 0 || e.warnings.length > 0) throw new ExitWith(ExitCode.WARNINGS);
}

/** A progress line on stderr, only when it is a terminal. */
function progressLine(
  io: CliIO,
  date: string,
): { update: (p: { phase: string; bytesRead: number; totalBytes: number }) => void; clear: () => void } | undefined {
  if (io.stderr.isTTY !== true) return undefined;
  let shown = false;
  return {
    update: (p) => {
      const pct = p.totalBytes > 0 ? Math.min(100, Math.floor((p.bytesRead / p.totalBytes) * 100)) : 100;
      io.stderr.write(
        `\rexporting ${date}: ${p.phase} ${pct}% (${(p.bytesRead / 1e6).toFixed(0)}/${(p.totalBytes / 1e6).toFixed(0)} MB)\x1b[K`,
      );
      shown = true;
    },
    clear: () => {
      if (shown) io.stderr.write('\r\x1b[K');
    },
  };
}
