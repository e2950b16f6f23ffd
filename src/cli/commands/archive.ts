/**
 * `auditpack archive init|push|ls|verify|pull|hold`: packs in S3 Object Lock storage (COMPLIANCE).
 * The bucket and prefix come from the config file, the endpoint, region and keys from the usual
 * AWS_* variables. The S3 client is loaded only here, inside the actions.
 */
import type { Command } from 'commander';
import { AuditpackError, ExitCode } from '../../errors.js';
import { archiveSetup, type CommonOptions, pushJson, renderPush } from '../archive-setup.js';
import { ExitWith, yesterdayUtc } from '../exit.js';
import type { CliIO } from '../io.js';
import { hiddenLogsDirAlias, parseIsoDate, parseWholeNumber } from '../options.js';
import { helpText } from '../help.js';
import { snakeKeys } from '../json.js';
import { mark, printJson } from '../render.js';

function common(cmd: Command): Command {
  return cmd
    .option('--artifacts-dir <dir>', 'where packs and the archive ledger are (env EXPORT_BASE_DIR, default artifacts)')
    .option('--log-dir <dir>', 'where archive events are recorded (env AUDIT_LOG_DIR, default logs)')
    .addOption(hiddenLogsDirAlias())
    .option('--json', 'print the result as JSON');
}

export function defineArchive(program: Command, io: CliIO): void {
  const archive = program
    .command('archive')
    .description(
      'keep packs off this machine in S3 Object Lock storage (COMPLIANCE mode): init, push, ls, verify, pull, hold',
    )
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['archive init', 'create the bucket with Object Lock'],
          ['archive push --all', 'upload every current pack'],
          ['archive verify --json', 'check the archived copies, as JSON'],
        ],
        exits: [
          [0, 'done'],
          [69, 'the object store cannot be reached'],
          [76, 'the object store answered wrongly'],
          [77, 'access denied by the store'],
          [78, 'no archive bucket configured'],
        ],
      }),
    );
  defineInit(archive, io);
  definePush(archive, io);
  defineLs(archive, io);
  defineArchiveVerify(archive, io);
  definePull(archive, io);
  defineHold(archive, io);
}

function defineInit(archive: Command, io: CliIO): void {
  common(
    archive
      .command('init')
      .description('create the bucket with Object Lock and a COMPLIANCE default retention (or check an existing one)'),
  )
    .option(
      '--retention-years <n>',
      'default retention of the bucket, in years (config archive.retentionYears, default 6)',
      parseWholeNumber,
    )
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['archive init', 'create the bucket, or check an existing one'],
          ['archive init --retention-years 7 --json', 'a 7-year default, the result as JSON'],
        ],
        exits: [
          [0, 'the bucket is ready'],
          [69, 'the object store cannot be reached'],
          [76, 'the bucket has no Object Lock'],
          [78, 'no archive bucket configured'],
        ],
      }),
    )
    .action(async (opts: CommonOptions) => {
      const { options } = await archiveSetup(io, opts);
      const { initArchive } = await import('../../archive/index.js');
      const r = await initArchive(options);
      if (opts.json === true)
        return printJson(io, {
          ok: true,
          bucket: r.bucket,
          created: r.created,
          default_before: r.defaultBefore,
          default_set: r.defaultSet,
          retention_years: r.retentionYears,
        });
      const rule = r.defaultSet
        ? `default retention set to COMPLIANCE ${r.retentionYears} years`
        : `default retention kept (${r.defaultBefore?.mode} ${r.defaultBefore?.years ?? 0}y ${r.defaultBefore?.days ?? 0}d)`;
      io.stdout.write(
        `${mark(io, 'ok')} bucket ${r.bucket} ${r.created ? 'created' : 'exists'} with Object Lock; ${rule}\n`,
      );
    });
}

function definePush(archive: Command, io: CliIO): void {
  common(
    archive
      .command('push')
      .description("upload packs (default: yesterday's) with a COMPLIANCE lock, read them back, record them"),
  )
    .option('--date <YYYY-MM-DD>', 'the day to push (default: yesterday, UTC)', parseIsoDate)
    .option('--all', 'every current pack in the artifacts dir (already archived ones are checked, not uploaded again)')
    .option(
      '--retention-years <n>',
      'lock each pack until its day + this many years (config archive.retentionYears, default 6)',
      parseWholeNumber,
    )
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['archive push', "yesterday's pack"],
          ['archive push --date 2025-09-08 --json', 'one day, as JSON'],
          ['archive push --all', 'every current pack'],
        ],
        exits: [
          [0, 'pushed (or already archived)'],
          [66, 'no such pack'],
          [69, 'the object store cannot be reached'],
          [76, 'the read-back did not match'],
          [78, 'no archive bucket configured'],
        ],
      }),
    )
    .action(async (opts: CommonOptions & { date?: string; all?: boolean }) => {
      if (opts.all === true && opts.date !== undefined)
        throw new AuditpackError('USAGE', 'give either --date or --all, not both');
      const { options } = await archiveSetup(io, opts);
      const { pushPacks, pushReviews } = await import('../../archive/index.js');
      const outcomes = await pushPacks({
        ...options,
        ...(opts.all === true ? {} : { dates: [opts.date ?? yesterdayUtc(Date.now())] }),
      });
      // Review records change after their pack was pushed: every push brings each one up to date.
      const reviews = await pushReviews(options);
      if (opts.json === true)
        return printJson(io, { ok: true, packs: pushJson(outcomes), reviews: snakeKeys(reviews) });
      if (outcomes.length === 0) io.stdout.write(`${mark(io, 'ok')} no packs to push\n`);
      renderPush(io, outcomes);
      for (const r of reviews.filter((x) => x.status !== 'archived'))
        io.stdout.write(
          `${mark(io, r.status === 'skipped' ? 'warn' : 'ok')} review ${r.file}: ${r.status}${r.reason === undefined ? '' : ` (${r.reason})`}\n`,
        );
    });
}

function defineLs(archive: Command, io: CliIO): void {
  common(archive.command('ls').description('list the archived pack versions in the bucket'))
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['archive ls', 'every archived version'],
          ['archive ls --json', 'as JSON'],
        ],
        exits: [
          [0, 'listed'],
          [69, 'the object store cannot be reached'],
          [78, 'no archive bucket configured'],
        ],
      }),
    )
    .action(async (opts: CommonOptions) => {
      const { options } = await archiveSetup(io, opts);
      const { listArchive } = await import('../../archive/index.js');
      const list = await listArchive(options);
      if (opts.json === true)
        return printJson(io, {
          ok: true,
          bucket: options.settings.bucket,
          prefix: options.settings.prefix,
          versions: snakeKeys(list),
        });
      for (const v of list) {
        const tag = [
          v.latest ? 'newest' : '',
          v.deleteMarker ? 'DELETE MARKER' : '',
          v.inLedger ? 'pushed from here' : '',
        ]
          .filter(Boolean)
          .join(', ');
        io.stdout.write(
          `${v.date}  ${v.versionId}  ${v.size ?? '-'}  ${v.lastModified ?? '-'}${tag ? `  (${tag})` : ''}\n`,
        );
      }
      if (list.length === 0)
        io.stdout.write(`no packs under s3://${options.settings.bucket}/${options.settings.prefix}\n`);
    });
}

function defineArchiveVerify(archive: Command, io: CliIO): void {
  common(
    archive
      .command('verify')
      .description(
        'download archived packs and verify them, their COMPLIANCE lock and that the newest version is the one pushed',
      ),
  )
    .option('--date <YYYY-MM-DD>', 'only this day (default: every day the ledger or the bucket knows)', parseIsoDate)
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['archive verify', 'every day the ledger or the bucket knows'],
          ['archive verify --date 2025-09-08 --json', 'one day, as JSON'],
        ],
        exits: [
          [0, 'the archive is intact'],
          [1, 'problems found'],
          [69, 'the object store cannot be reached'],
          [78, 'no archive bucket configured'],
        ],
      }),
    )
    .action(async (opts: CommonOptions & { date?: string }) => {
      const { options } = await archiveSetup(io, opts);
      const { verifyArchived } = await import('../../archive/index.js');
      const r = await verifyArchived({ ...options, ...(opts.date !== undefined ? { dates: [opts.date] } : {}) });
      if (opts.json === true) printJson(io, snakeKeys(r));
      else {
        for (const p of r.problems)
          io.stdout.write(`${mark(io, p.severity === 'error' ? 'fail' : 'warn')} ${p.date} ${p.code}: ${p.detail}\n`);
        for (const s of r.reviews)
          io.stdout.write(
            `  review ${s.date} ${s.manifestSha256.slice(0, 12)}…: ${s.state} (${s.lines} line(s) archived)\n`,
          );
        const verdict = r.ok ? `${mark(io, 'ok')} archive intact` : `${mark(io, 'fail')} archive has problems`;
        io.stdout.write(
          `${verdict}: ${r.dates.length} day(s), ${r.versions.length} version(s) checked in s3://${r.bucket}/${options.settings.prefix}\n`,
        );
      }
      if (!r.ok) throw new ExitWith(ExitCode.PROBLEMS);
    });
}

function definePull(archive: Command, io: CliIO): void {
  common(archive.command('pull').description("download a day's archived pack as YYYY-MM-DD.tar.gz and verify it"))
    .requiredOption('--date <YYYY-MM-DD>', 'the day', parseIsoDate)
    .option('--version-id <id>', 'a given version (default: the newest)')
    .option('--out <dir>', 'where to write it (default: the artifacts dir)')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['archive pull --date 2025-09-08', 'the newest version, verified, into the artifacts dir'],
          ['archive pull --date 2025-09-08 --out ../audit-copy', 'into another directory'],
        ],
        exits: [
          [0, 'pulled and verified'],
          [1, 'the pulled pack does not verify'],
          [66, 'no such archived pack'],
          [69, 'the object store cannot be reached'],
          [78, 'no archive bucket configured'],
        ],
      }),
    )
    .action(async (opts: CommonOptions & { date: string; versionId?: string; out?: string }) => {
      const { options, config } = await archiveSetup(io, opts);
      const { resolve } = await import('node:path');
      const { pullPack } = await import('../../archive/index.js');
      const outDir = opts.out === undefined ? config.exportBaseDir : resolve(io.cwd, opts.out);
      const r = await pullPack({
        ...options,
        date: opts.date,
        outDir,
        ...(opts.versionId !== undefined ? { versionId: opts.versionId } : {}),
      });
      if (opts.json === true)
        return printJson(io, {
          ok: true,
          date: r.date,
          version_id: r.versionId,
          path: r.path,
          sha256: r.sha256,
          size: r.size,
        });
      io.stdout.write(
        `${mark(io, 'ok')} pulled ${r.date} version ${r.versionId} → ${r.path} (verified; sha256 ${r.sha256})\n`,
      );
    });
}

function defineHold(archive: Command, io: CliIO): void {
  common(archive.command('hold').description("set or release a legal hold on every version of a day's pack"))
    .requiredOption('--date <YYYY-MM-DD>', 'the day', parseIsoDate)
    .argument('<on|off>', 'on: the pack cannot be deleted even after its retention; off: release')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['archive hold on --date 2025-09-08', 'the pack cannot be deleted even after its retention'],
          ['archive hold off --date 2025-09-08 --json', 'release the hold, as JSON'],
        ],
        exits: [
          [0, 'done'],
          [66, 'no such archived pack'],
          [69, 'the object store cannot be reached'],
          [77, 'refused by the store'],
          [78, 'no archive bucket configured'],
        ],
      }),
    )
    .action(async (state: string, opts: CommonOptions & { date: string }) => {
      if (state !== 'on' && state !== 'off')
        throw new AuditpackError('USAGE', `expected on or off, got ${JSON.stringify(state)}`);
      const { options } = await archiveSetup(io, opts);
      const { setLegalHold } = await import('../../archive/index.js');
      const r = await setLegalHold({ ...options, date: opts.date, on: state === 'on' });
      if (opts.json === true)
        return printJson(io, {
          ok: true,
          date: r.date,
          key: r.key,
          legal_hold: r.on ? 'ON' : 'OFF',
          versions: snakeKeys(r.versions),
        });
      io.stdout.write(
        `${mark(io, 'ok')} legal hold ${r.on ? 'ON' : 'OFF'} for ${r.key} (${r.versions.length} version(s))\n`,
      );
    });
}
