/**
 * `auditpack tail [-f] [--category C] [--event E] [--order ID] [--json]`: the audit log for people
 * (like pino-pretty), or with --json one JSON object per line (events byte for byte). -f follows the
 * log as it grows and moves on to the next day's file at UTC midnight.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { AuditpackError } from '../../errors.js';
import { helpText } from '../help.js';
import type { CliIO } from '../io.js';
import type { TailNotice } from '../tail/follow.js';
import { eventOf, lineMatches, notEventJson, prettyLine, type RedactText } from '../tail/pretty.js';
import type { NotEvent } from '../tail/recovered.js';
import { hiddenLogsDirAlias, logDirOf, parseIsoDate } from '../options.js';
import { paintFor } from '../render.js';

const NL = Buffer.from('\n');

interface TailCliOptions {
  follow?: boolean;
  lines: number;
  category?: string;
  event?: string;
  order?: string;
  date?: string;
  json?: boolean;
  logDir?: string;
  logsDir?: string;
  pollMs: number;
}

function parseLines(v: string): number {
  if (v === 'all') return Number.POSITIVE_INFINITY;
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number or "all".');
  return Number(v);
}

function parsePoll(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 10) throw new InvalidArgumentError('expected milliseconds, at least 10.');
  return Number(v);
}

export function defineTail(program: Command, io: CliIO): void {
  program
    .command('tail')
    .description('show the audit log for people (time, category/event, seq, fields), or follow it with -f')
    .option('-f, --follow', 'keep printing lines as they are written, across UTC midnight, until Ctrl-C')
    .option('-n, --lines <n>', 'how many of the last matching lines to show first, or "all"', parseLines, 10)
    .option('--category <name>', 'only this category (e.g. order, alert)')
    .option('--event <name>', 'only this event (e.g. OrderAccepted)')
    .option('--order <id>', 'only events whose order_id is this')
    .option('--date <YYYY-MM-DD>', 'start in this day file (default: the newest)', parseIsoDate)
    .option(
      '--json',
      'print the events themselves, untouched, one JSON object per line (a line that is not an event as {"not_event":true,"line":…}, redacted; a recovered torn write with "recovered":true, a fragment left at the end of an earlier day file with "unterminated":true)',
    )
    .option('--log-dir <dir>', 'log directory (env AUDIT_LOG_DIR, default logs)')
    .addOption(hiddenLogsDirAlias())
    .option('--poll-ms <ms>', 'with -f: how often to look for new lines', parsePoll, 200)
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['tail -f', 'follow the log, pretty, colour on a terminal'],
          ['tail --order A-1 -n all', "every event of one order in today's file"],
          ['tail -f --category alert --json | jq .', 'alerts as they come, as JSON lines'],
        ],
        exits: [
          [0, 'done (with -f: stopped by Ctrl-C or SIGTERM)'],
          [66, 'the logs directory or the day file does not exist (with -f: the logs directory was removed)'],
          [74, 'reading failed'],
        ],
      }),
    )
    .action(async (opts: TailCliOptions) => runTail(io, opts));
}

async function runTail(io: CliIO, opts: TailCliOptions): Promise<void> {
  const { resolveConfig } = await import('../../config.js');
  const { existsSync } = await import('node:fs');
  const { tailLog } = await import('../tail/follow.js');
  const { logFileName, dayNumberOfIsoDate } = await import('../../rotation/index.js');
  const config = resolveConfig({ cwd: io.cwd, env: io.env, flags: { logDir: logDirOf(opts) } });
  if (!existsSync(config.logDir))
    throw new AuditpackError('LOGS_DIR_MISSING', `logs directory ${config.logDir} does not exist`, {
      details: { path: config.logDir },
    });
  const file = opts.date === undefined ? undefined : logFileName(dayNumberOfIsoDate(opts.date) as number);
  if (file !== undefined && !existsSync(`${config.logDir}/${file}`))
    throw new AuditpackError('PATH_NOT_FOUND', `no log file for ${opts.date} in ${config.logDir}`);
  const c = paintFor(io);
  // Text that is not an event was never redacted by the logger: it is shown redacted (on even when
  // the log's redaction is off, like `log`'s echoes: a terminal or a shipper is not the audit log).
  const { compileRedactor } = await import('../../redaction/index.js');
  const redactor = compileRedactor({ keys: config.redactKeys, patterns: config.redactPatterns, enabled: true });
  const redact = (s: string): string => redactor.redactString(s);
  const filter = { category: opts.category, event: opts.event, order: opts.order };
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  if (opts.follow === true) for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, onSignal);
  try {
    await tailLog({
      logDir: config.logDir,
      ...(file !== undefined ? { file } : {}),
      lines: opts.lines,
      match: (line, notEvent) => lineMatches(filter, line, notEvent),
      onLine: (line, notEvent) =>
        io.stdout.write(
          opts.json === true
            ? jsonLine(line, redact, notEvent)
            : `${prettyLine(c, line.toString('utf8'), redact, notEvent)}\n`,
        ),
      onNotice: (n) => io.stderr.write(`${noticeText(io, n)}\n`),
      ...(opts.follow === true ? { follow: { signal: stop.signal, pollMs: opts.pollMs } } : {}),
    });
  } finally {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.removeListener(s, onSignal);
  }
}

/**
 * --json: an event's bytes as they are in the file (a checker downstream hashes them); a line that
 * is not an event becomes {"not_event":true,"line":…}, so the output is one JSON object per line,
 * and a recovered torn write {"not_event":true,"recovered":true,"line":…}, a fragment left
 * unterminated at the end of an earlier day's file {"not_event":true,"unterminated":true,"line":…}.
 */
function jsonLine(line: Buffer, redact: RedactText, notEvent?: NotEvent): Buffer {
  const text = line.toString('utf8');
  if (notEvent === undefined && eventOf(text) !== undefined) return Buffer.concat([line, NL]);
  return Buffer.from(`${notEventJson(text, redact, notEvent)}\n`);
}

/**
 * What tail tells on stderr besides the lines: a line over the bound (a finding: the logger never
 * writes one, so its bytes are dropped, not held), and a followed file removed (following goes on).
 */
function noticeText(io: CliIO, n: TailNotice): string {
  const c = paintFor(io, 'stderr');
  switch (n.kind) {
    case 'line-too-long':
      return `${c.yellow('auditpack: warning')} LOG_LINE_TOO_LONG: ${n.file} byte ${n.offset}: a line longer than ${n.bound} bytes, which the logger never writes; not shown (auditpack verify checks the file)`;
    case 'file-removed':
      return `${c.yellow('auditpack: note')}: ${n.file} was removed while followed (pruned or moved away); following the next day's file when one appears`;
    case 'file-back':
      return `${c.yellow('auditpack: note')}: ${n.file} is back; reading on`;
    case 'next-file':
      return `${c.yellow('auditpack: note')}: following ${n.file}`;
  }
}
