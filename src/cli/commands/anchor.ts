/**
 * `auditpack anchor [--pack DIR]`: time-stamps the chain head and records it as an `Anchored`
 * event (run it from cron, hourly), or, with `--pack`, adds the missing time-stamp token to a
 * pack whose export could not reach the TSA. Exit 0 done, 75 (TSA_FAILED) when the TSA did not
 * answer in time or its answer does not check: try again later.
 */
import type { Command } from 'commander';
import { AuditpackError } from '../../errors.js';
import type { CliIO } from '../io.js';
import { hiddenLogsDirAlias, logDirOf, parseWholeNumber } from '../options.js';
import { helpText } from '../help.js';
import { mark, printJson } from '../render.js';

interface AnchorOptions {
  pack?: string;
  tsaUrl?: string;
  tsaCa?: string;
  timeoutMs?: number;
  logDir?: string;
  logsDir?: string;
  json?: boolean;
}

export function defineAnchor(program: Command, io: CliIO): void {
  program
    .command('anchor')
    .description(
      'time-stamp the chain head with an RFC 3161 TSA (an Anchored event; run hourly from cron), or add the missing token to a pack (--pack)',
    )
    .option('--pack <dir>', 'add a time-stamp token to this pack directory (nothing happens if it has one)')
    .option('--tsa-url <url>', 'the time-stamping authority (env EXPORT_TSA_URL)')
    .option('--tsa-ca <file>', 'refuse a token that does not chain to these PEM certificates (env AUDITPACK_TSA_CA)')
    .option(
      '--timeout-ms <n>',
      'give up on the TSA after this long (env EXPORT_TSA_TIMEOUT_MS, default 10000)',
      parseWholeNumber,
    )
    .option('--log-dir <dir>', 'log directory (env AUDIT_LOG_DIR, default logs)')
    .addOption(hiddenLogsDirAlias())
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['anchor --tsa-url http://tsa.example/tsr', 'time-stamp the chain head now (hourly from cron)'],
          ['anchor --pack artifacts/2025-09-08 --tsa-url http://tsa.example/tsr', 'add a missing token to a pack'],
        ],
        exits: [
          [0, 'anchored (or the pack already had a token)'],
          [66, 'no such pack or logs directory'],
          [75, 'the TSA did not answer in time, or its answer does not check: try again later'],
        ],
      }),
    )
    .action(async (opts: AnchorOptions) => {
      const { resolveConfig } = await import('../../config.js');
      const { resolve } = await import('node:path');
      const anchor = await import('../../anchor/index.js');
      const config = resolveConfig({
        cwd: io.cwd,
        env: io.env,
        flags: { logDir: logDirOf(opts), tsaUrl: opts.tsaUrl, tsaCa: opts.tsaCa, tsaTimeoutMs: opts.timeoutMs },
      });
      if (config.tsaUrl === undefined)
        throw new AuditpackError('USAGE', 'no time-stamping authority: give --tsa-url or set EXPORT_TSA_URL');
      const tsa = {
        url: config.tsaUrl,
        timeoutMs: config.tsaTimeoutMs,
        ...(config.tsaCa !== undefined ? { trustAnchors: anchor.loadTsaCa(config.tsaCa) } : {}),
      };
      if (opts.pack !== undefined) {
        const r = await anchor.anchorPack(resolve(io.cwd, opts.pack), tsa, { logDir: config.logDir });
        const time = r.genTime?.toISOString() ?? 'unknown';
        if (opts.json === true)
          printJson(io, { ok: true, pack: opts.pack, added: r.added, tsa_time: r.genTime?.toISOString() ?? null });
        else if (r.added) io.stdout.write(`${mark(io, 'ok')} time-stamped ${opts.pack} (TSA time ${time})\n`);
        else
          io.stdout.write(
            `${mark(io, 'ok')} ${opts.pack} already has a time-stamp token (TSA time ${time}); nothing changed\n`,
          );
        return;
      }
      const r = await anchor.anchorLog({ logDir: config.logDir, ...tsa });
      if (opts.json === true)
        printJson(io, { ok: true, head_seq: r.headSeq, head_hash: r.headHash, tsa_time: r.genTime.toISOString() });
      else
        io.stdout.write(
          `${mark(io, 'ok')} anchored the chain at seq ${r.headSeq} (${r.headHash}); TSA time ${r.genTime.toISOString()}\n`,
        );
    });
}
