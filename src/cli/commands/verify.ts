/**
 * `auditpack verify <path> [--json] [--pubkey FILE | --allowed-signers FILE]`: a log
 * file, the logs directory, a pack (directory or .tar.gz), the artifacts directory, a roll-up or the
 * roll-ups directory. Exit 0 intact,
 * 1 problems found, 2 usage, and the documented codes when the check cannot run (66: no such path).
 */
import { type Command, Option } from 'commander';
import { AuditpackError, ExitCode, quotePath } from '../../errors.js';
import type { Problem, VerifyArchiveOptions, VerifyReport } from '../../verify/index.js';
import { withActivity } from '../activity.js';
import { echoSafe } from '../echo.js';
import { printable } from '../printable.js';
import { ExitWith } from '../exit.js';
import type { CliIO } from '../io.js';
import { collect, logDirOf, parseIsoDate, parseWholeNumber } from '../options.js';
import { helpText } from '../help.js';
import { verifyReportJson } from '../json.js';
import { mark, paintFor, printJson } from '../render.js';
import { CHECKS, HOST_PACKS_LABEL } from '../verify-checks.js';

interface VerifyOptions {
  json?: boolean;
  pubkey?: string;
  allowedSigners?: string;
  full?: boolean;
  tsaCa?: string;
  requireTimestamp?: boolean;
  anchorInterval?: number;
  anchorsSince?: string;
  logs?: string | false;
  logDir?: string;
  reviewSigners?: string;
  from?: string[];
  fromArchive?: string | boolean;
  minRetentionDays?: number;
}

export function defineVerify(program: Command, io: CliIO): void {
  program
    .command('verify')
    .description(
      'verify a log file, the logs directory, a pack (directory or .tar.gz), the artifacts directory, a roll-up or the roll-ups directory',
    )
    .argument('<path>', 'what to verify')
    .option('--json', 'print the report as JSON')
    .option('--pubkey <file>', 'trusted public key (OpenSSH form, one per line): the pack must be signed by it')
    .option('--allowed-signers <file>', 'trusted signers (ssh-keygen allowed_signers format)')
    .option('--full', 'accepted for compatibility: every log line is always checked in full')
    .option(
      '--tsa-ca <file>',
      'trusted TSA root certificate(s), PEM: every time-stamp token must chain to one (env AUDITPACK_TSA_CA)',
    )
    .option('--require-timestamp', 'a pack without a time-stamp token is a problem (env VERIFY_REQUIRE_TIMESTAMP)')
    .option(
      '--log-dir <dir>',
      'for an artifacts directory: the live logs, which pin the newest pack (the line after its last one, its PackExported event) and vouch for the newest prunes (env AUDIT_LOG_DIR; default: the configured logs directory, when it exists)',
    )
    .addOption(new Option('--logs <dir>', 'old name of --log-dir').hideHelp())
    .option('--no-logs', 'for an artifacts directory: do not read the live logs')
    .option(
      '--review-signers <file>',
      "approvers' keys (allowed_signers, namespace auditpack-review): review countersignatures must be by them (env AUDITPACK_REVIEW_SIGNERS)",
    )
    .option(
      '--anchor-interval <minutes>',
      'chain anchors must come at least this often; a longer stretch without one is a problem (env VERIFY_ANCHOR_INTERVAL_MINUTES)',
      parseWholeNumber,
    )
    .option(
      '--anchors-since <YYYY-MM-DD>',
      'with --anchor-interval: days before this one are not expected to have anchors (env VERIFY_ANCHORS_SINCE)',
      parseIsoDate,
    )
    .option(
      '--from <[host=]dir>',
      "for a roll-up: a host's artifacts directory, pack or .tar.gz, verified again and held to hosts.json (repeat for each host)",
      collect,
    )
    .option(
      '--min-retention-days <days>',
      'for an artifacts directory: a pack pruned sooner after its day is an error (default: 90, a warning; 0: off)',
      parseWholeNumber,
    )
    .option('--from-archive [prefix]', "for a roll-up: also every host's pack of the day in the configured bucket")
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['verify rollups/2025-09-08 --from a=a/artifacts --from b=b/artifacts', 'a roll-up and its host packs'],
          ['verify artifacts --json', 'the whole artifacts directory, the report as JSON'],
          ['verify rollups --pubkey firm.pub', 'every roll-up and the chain across the days'],
        ],
        exits: [
          [0, 'intact (warnings may be listed)'],
          [1, 'problems found (the report lists them)'],
          [66, 'no such path'],
          [78, 'a key or TSA certificate file is invalid'],
        ],
      }),
    )
    .action(async (path: string, opts: VerifyOptions) => {
      if (opts.pubkey !== undefined && opts.allowedSigners !== undefined) {
        throw new AuditpackError('USAGE', 'give either --pubkey or --allowed-signers, not both');
      }
      const { resolve } = await import('node:path');
      const options = await verifyOptions(io, opts);
      const report = await withActivity(io, `verifying ${printable(echoSafe(path))}`, () =>
        verifyTarget(io, resolve(io.cwd, path), options, opts),
      );
      // The target as typed is echoed: redacted like every echo (a URL typed as a path keeps its password).
      const shown: VerifyReport = { ...report, target: echoSafe(path) };
      if (opts.json === true) printJson(io, verifyReportJson(shown));
      else renderReport(io, shown);
      if (!report.ok) throw new ExitWith(ExitCode.PROBLEMS);
    });
}

/** verifyPath, or with `--from`/`--from-archive` a roll-up and its host packs (USAGE for anything else). */
async function verifyTarget(
  io: CliIO,
  path: string,
  options: VerifyArchiveOptions,
  opts: VerifyOptions,
): Promise<VerifyReport> {
  const { detectPathKind, verifyPath } = await import('../../verify/index.js');
  if (opts.from === undefined && opts.fromArchive === undefined) {
    const artifactsOnly = artifactsOnlyFlag(opts);
    const kind = artifactsOnly === undefined ? undefined : await detectPathKind(path);
    if (kind === 'rollup' || kind === 'rollup-dir')
      throw new AuditpackError(
        'USAGE',
        `${artifactsOnly} is for an artifacts directory; ${printable(echoSafe(path))} is a ${kind === 'rollup' ? 'roll-up' : 'roll-ups directory'}, which it would not change`,
      );
    return verifyPath(path, options);
  }
  if ((await detectPathKind(path)) !== 'rollup')
    throw new AuditpackError('USAGE', '--from and --from-archive are for a roll-up (a directory holding rollup.json)');
  const { hostSources } = await import('../rollup-sources.js');
  const { verifyRollupHosts } = await import('../../rollup/index.js');
  return verifyRollupHosts(path, { ...options, ...(await hostSources(io, opts)) });
}

/** The flag given that only an artifacts directory reads (a roll-up or the roll-ups directory refuses it). */
function artifactsOnlyFlag(opts: VerifyOptions): string | undefined {
  if (opts.logDir !== undefined) return '--log-dir';
  if (typeof opts.logs === 'string') return '--logs';
  if (opts.minRetentionDays !== undefined) return '--min-retention-days';
  return undefined;
}

/** The library's options from the flags, the config and the key files. */
async function verifyOptions(io: CliIO, opts: VerifyOptions): Promise<VerifyArchiveOptions> {
  const { resolve } = await import('node:path');
  const { readRegularFile } = await import('../../fsx/read-bounded.js');
  const signing = await import('../../signing/index.js');
  const { MAX_KEY_FILE_BYTES } = signing;
  const readKeyFile = async (file: string): Promise<string> => {
    try {
      return readRegularFile(resolve(io.cwd, file), MAX_KEY_FILE_BYTES).toString('utf8');
    } catch (err) {
      throw new AuditpackError('KEY_INVALID', `${quotePath(file)} cannot be read: ${(err as Error).message}`, {
        cause: err,
        details: { path: file },
      });
    }
  };
  const { resolveConfig } = await import('../../config.js');
  // --logs is the old name of --log-dir; --no-logs (logs === false) turns the live logs off.
  const named = logDirOf({ logDir: opts.logDir, logsDir: typeof opts.logs === 'string' ? opts.logs : undefined });
  if (named !== undefined && opts.logs === false)
    throw new AuditpackError('USAGE', 'give either --log-dir or --no-logs, not both');
  const config = resolveConfig({
    cwd: io.cwd,
    env: io.env,
    flags: {
      ...(named !== undefined ? { logDir: named } : {}),
      tsaCa: opts.tsaCa,
      requireTimestamp: opts.requireTimestamp === true ? true : undefined,
      anchorIntervalMinutes: opts.anchorInterval,
      anchorsSince: opts.anchorsSince,
      reviewSigners: opts.reviewSigners,
    },
  });
  // The token module alone: the anchor barrel reaches the logger (anchor/log.ts), which verify never runs.
  const { loadTsaCa } = await import('../../anchor/token.js');
  const { existsSync } = await import('node:fs');
  // The live logs: named, or the configured ones when they exist (never read with --no-logs).
  const logDir =
    opts.logs === false ? undefined : named !== undefined || existsSync(config.logDir) ? config.logDir : undefined;
  if (named !== undefined && !existsSync(config.logDir)) {
    throw new AuditpackError('LOGS_DIR_MISSING', `logs directory ${named} does not exist`, {
      details: { path: named },
    });
  }
  const options: VerifyArchiveOptions = {
    ...(logDir !== undefined ? { logDir } : {}),
    // The auditor's floor, from the command line only: never the config file a forger may write.
    ...(opts.minRetentionDays !== undefined ? { minRetentionDays: opts.minRetentionDays } : {}),
    full: opts.full === true,
    timestamps: {
      ...(config.tsaCa !== undefined ? { tsaCa: loadTsaCa(config.tsaCa) } : {}),
      // Named on the command line or in the environment: pinned by whoever runs verify. Found in the
      // config file: a file in the directory a forger may write (as for the review signers below).
      ...(config.tsaCa !== undefined && opts.tsaCa === undefined && (io.env.AUDITPACK_TSA_CA ?? '').trim() === ''
        ? { tsaCaUnpinned: config.tsaCa }
        : {}),
      requireTimestamp: config.requireTimestamp,
      ...(config.anchorIntervalMinutes !== undefined
        ? { anchorIntervalMs: config.anchorIntervalMinutes * 60_000 }
        : {}),
      ...(config.anchorsSince !== undefined ? { anchorsSince: config.anchorsSince } : {}),
    },
  };
  if (opts.pubkey !== undefined) {
    const text = await readKeyFile(opts.pubkey);
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (lines.length === 0) throw new AuditpackError('KEY_INVALID', `${quotePath(opts.pubkey)} holds no public key`);
    options.publicKeys = lines.map((l) => signing.parseOpenSshPublicKey(l));
  }
  if (opts.allowedSigners !== undefined) {
    const leftOut: string[] = [];
    const signers = signing.parseAllowedSigners(await readKeyFile(opts.allowedSigners), Date.now(), leftOut);
    if (signers.length === 0)
      throw new AuditpackError(
        'KEY_INVALID',
        signing.noSignerMessage(opts.allowedSigners, 'ssh-ed25519 signer', leftOut),
      );
    // As ssh-keygen -Y verify -n auditpack reads the file: an entry whose namespaces="…" does not allow
    // auditpack (a pattern list: `*`, `?`, `!`) cannot vouch for a pack.
    if (!signers.some((s) => signing.signerAllowsNamespace(s, signing.DEFAULT_NAMESPACE)))
      throw new AuditpackError(
        'KEY_INVALID',
        `${opts.allowedSigners} holds no ssh-ed25519 signer allowed the ${signing.DEFAULT_NAMESPACE} namespace (namespaces="…" as ssh-keygen reads it)`,
      );
    options.allowedSigners = signers;
  }
  if (config.review.signers !== undefined) {
    options.reviewSigners = signing.parseAllowedSigners(await readKeyFile(config.review.signers));
    // Named on the command line or in the environment: pinned by whoever runs verify. Found in the
    // config file or at the default path: a file in the directory a forger may write.
    const named = opts.reviewSigners !== undefined || (io.env.AUDITPACK_REVIEW_SIGNERS ?? '').trim() !== '';
    if (!named) options.reviewSignersUnpinned = config.review.signers;
  }
  return options;
}

/** Human output: one line per check with a mark, the findings under it, then a summary. */
export function renderReport(io: CliIO, r: VerifyReport): void {
  const c = paintFor(io);
  const out = (s: string): void => {
    io.stdout.write(`${s}\n`);
  };
  out(c.bold(`auditpack verify ${printable(r.target)} (${kindName(r.kind)})`));
  const used = new Set<Problem>();
  for (const check of CHECKS) {
    if (!check.kinds.includes(r.kind)) continue;
    const ps = r.problems.filter((p) => p.code !== 'FINDINGS_TRUNCATED' && check.match(p.code));
    for (const p of ps) used.add(p);
    const worst = ps.some((p) => p.severity === 'error')
      ? 'fail'
      : ps.some((p) => p.severity === 'warning')
        ? 'warn'
        : 'ok';
    const label = labelFor(check.label, r, ps.length);
    // "signature: none" is not a check that passed: no ✓ for what was not there to check.
    out(`${mark(io, worst === 'ok' && nothingChecked(label) ? 'none' : worst)} ${label}`);
    for (const p of ps) out(problemLine(io, p));
  }
  const rest = r.problems.filter((p) => !used.has(p));
  if (rest.length > 0) {
    const worst = rest.some((p) => p.severity === 'error')
      ? 'fail'
      : rest.some((p) => p.severity === 'warning')
        ? 'warn'
        : 'ok';
    out(`${mark(io, worst)} other`);
    for (const p of rest) out(problemLine(io, p));
  }
  const ev = r.evidence;
  if (ev !== undefined) {
    // Nothing in the archive pins its newest pack or the log after it: say what to compare out of band.
    out(
      `${c.bold('newest evidence')}: pack ${ev.pack}${ev.createdAt === null ? '' : ` (made ${ev.createdAt})`}, manifest sha256 ${ev.manifestSha256 ?? '?'}; chain ends at seq ${ev.lastSeq ?? '-'}, hash ${ev.endHash ?? '-'}`,
    );
    out(
      c.dim(
        '    compare with a record kept elsewhere (or a time-stamp): the newest pack and the log after it could vanish without trace',
      ),
    );
  }
  const re = r.rollupEvidence;
  if (re !== undefined) {
    // Nothing links to the newest roll-up and nothing outside the directory records it was made.
    out(
      `${c.bold('newest evidence')}: roll-up ${printable(re.rollup)} of ${re.date} (made ${printable(re.createdAt)}), chain_hash ${re.chainHash}`,
    );
    out(
      c.dim(
        '    compare with a record kept elsewhere (the chain_hash, a proof, an archived copy): the newest roll-up could vanish without trace',
      ),
    );
  }
  const errors = r.problems.filter((p) => p.severity === 'error').length;
  const warnings = r.problems.filter((p) => p.severity === 'warning').length;
  const counts = Object.entries(r.checked)
    .map(([k, v]) => `${v} ${k.replaceAll('_', ' ')}`)
    .join(', ');
  if (r.ok) {
    out(
      `${c.green('intact')}${warnings > 0 ? c.yellow(` with ${warnings} warning${warnings === 1 ? '' : 's'}`) : ''}: ${counts}`,
    );
  } else {
    out(
      `${c.red(`${errors} problem${errors === 1 ? '' : 's'} found`)}${warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}: ${counts}`,
    );
  }
}

const HOST_PACKS_NOT_RUN = 'host packs: not verified again (no --from or --from-archive given)';

/** Labels that report nothing there to check: such a line gets no check mark. */
const NOTHING = new Set(['signature: none (the pack is not signed)', 'time-stamp tokens: none', HOST_PACKS_NOT_RUN]);

/** Also an archive of which no pack is signed: "signatures: 0 of N packs signed" is no ✓ either. */
function nothingChecked(label: string): boolean {
  return NOTHING.has(label) || /^signatures: 0 of \d+ (packs|roll-ups) signed$/.test(label);
}

/** The signature line says when there is nothing to check, so a ✓ never stands for "not signed". */
function labelFor(label: string, r: VerifyReport, findings: number): string {
  // The host packs are read again only with --from: without it, no ✓ for a check that never ran.
  if (label === HOST_PACKS_LABEL && findings === 0 && r.checked.host_packs === undefined) return HOST_PACKS_NOT_RUN;
  if (label === 'time-stamp tokens' && findings === 0) {
    const n = (r.checked.timestamped ?? 0) + (r.checked.anchors ?? 0);
    if (n === 0) return 'time-stamp tokens: none';
    const packs = r.kind === 'archive' ? ` (of ${r.checked.packs ?? 0} packs)` : '';
    return `time-stamp tokens: ${r.checked.timestamped ?? 0} pack token(s)${packs}, ${r.checked.anchors ?? 0} chain anchor(s) verified`;
  }
  if (label !== 'signature' || findings > 0 || r.checked.signed === undefined) return label;
  if (r.kind === 'archive') return `signatures: ${r.checked.signed} of ${r.checked.packs ?? 0} packs signed`;
  if (r.kind === 'rollup-dir') return `signatures: ${r.checked.signed} of ${r.checked.days ?? 0} roll-ups signed`;
  return r.checked.signed === 0
    ? 'signature: none (the pack is not signed)'
    : 'signature: verified against the trusted key';
}

function problemLine(io: CliIO, p: Problem): string {
  const c = paintFor(io);
  const sign = p.severity === 'error' ? mark(io, 'fail') : p.severity === 'warning' ? mark(io, 'warn') : c.dim('i');
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return `    ${sign} ${printable(String(where))} ${c.bold(p.code)} ${printable(p.detail)}`;
}

function kindName(kind: string): string {
  return (
    (
      {
        log: 'log file',
        'log-dir': 'logs directory',
        pack: 'pack',
        'pack-tar': '.tar.gz pack',
        archive: 'artifacts directory',
        rollup: 'roll-up',
        'rollup-dir': 'roll-ups directory',
        empty: 'nothing to verify',
      } as Record<string, string>
    )[kind] ?? kind
  );
}
