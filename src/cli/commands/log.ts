/**
 * `auditpack log <category> <event> [key=value ...]`: append one event from a shell script or cron.
 * Values are parsed as JSON where they are valid JSON (`qty=100` is a number, `price="1.10"` a
 * string, `tags=["a"]` an array), otherwise kept as strings. Quiet on success; the event is fsynced
 * before the command exits 0.
 */
import type { Command } from 'commander';
import { AuditpackError } from '../../errors.js';
import { isWriterEvent, OTHER_WRITER_EVENTS, WRITER_EVENTS } from '../../format/writer-events.js';
import { compileRedactor } from '../../redaction/index.js';
import { echoSafe } from '../echo.js';
import type { CliIO } from '../io.js';
import { paintFor } from '../render.js';
import { hiddenLogsDirAlias, logDirOf } from '../options.js';
import { helpText } from '../help.js';

interface LogOptions {
  logDir?: string;
  logsDir?: string;
  actor?: string;
}

/**
 * Parses `key=value` words into fields. A word that is not a pair is named in the usage error
 * only as redaction leaves it (`auditpack log alert X AKIA…` must not print the key back):
 * `redact` is the redactor's `redactString`, the default rules when not given.
 */
export function parseFieldArgs(
  words: readonly string[],
  redact: (s: string) => string = echoSafe,
): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null);
  for (const [i, w] of words.entries()) {
    const eq = w.indexOf('=');
    if (eq <= 0) {
      const shown = redact(w);
      throw new AuditpackError(
        'USAGE',
        `expected key=value, got ${JSON.stringify(shown)} (field ${i + 1})${shown === w ? '' : '; a secret in it is not shown'}`,
      );
    }
    const key = w.slice(0, eq);
    const raw = w.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not JSON: keep the text.
    }
    fields[key] = value;
  }
  return fields;
}

const CATEGORY = /^[a-z][a-z0-9_]{0,63}$/;
const EVENT = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;

/**
 * Refuses names the verifier would reject or the library would have to rewrite (empty, uppercase,
 * path-like). The message does not repeat the name: a mistyped command line may hold a secret.
 */
export function checkEventNames(category: string, event: string): void {
  if (!CATEGORY.test(category)) {
    throw new AuditpackError(
      'USAGE',
      'the category must be a lowercase name: a letter, then letters, digits or _ (at most 64), e.g. order, alert, system',
    );
  }
  if (!EVENT.test(event)) {
    throw new AuditpackError(
      'USAGE',
      'the event must be a name: a letter, then letters, digits, _ . : or - (at most 128), e.g. OrderAccepted',
    );
  }
  if (isWriterEvent(category, event)) {
    // Readers give these events meaning (a recovery hides the line before it, a prune vouches for
    // a missing pack): only auditpack's own writers write them (docs/FORMAT.md).
    throw new AuditpackError(
      'USAGE',
      `${category} ${event} is reserved for auditpack's own writers (system ${[...WRITER_EVENTS].join(', ')}; ${[...OTHER_WRITER_EVENTS].join(', ')}); pick another event name`,
    );
  }
}

export function defineLog(program: Command, io: CliIO): void {
  program
    .command('log')
    .description('append one event to the audit log (values parsed as JSON where valid)')
    .argument('<category>', 'lowercase category, e.g. order, alert, system')
    .argument('<event>', 'event name, e.g. OrderAccepted')
    .argument('[fields...]', 'key=value pairs')
    .option('--log-dir <dir>', 'log directory (env AUDIT_LOG_DIR, default logs)')
    .addOption(hiddenLogsDirAlias())
    .option('--actor <name>', 'who acts (default: $USER)')
    .addHelpText(
      'after',
      helpText({
        examples: [
          [
            'log order OrderAccepted order_id=A-1 symbol=EURUSD side=BUY quantity=100 price=\'"1.10050"\'',
            'append one order event (price kept as a string)',
          ],
          ['log system DeployFinished version=1.4.2 --actor ci', 'record a deploy, as the CI user'],
          ['log alert ThresholdBreached --log-dir /var/log/audit level=high', 'write to another logs directory'],
        ],
        exits: [
          [0, 'the event is written and fsynced (nothing is printed)'],
          [66, 'the logs directory cannot be created'],
          [74, 'writing failed (disk full, I/O error)'],
          [75, 'not written: another process held the log lock past AUDITPACK_LOCK_TIMEOUT (LOG_LOCK_TIMEOUT)'],
          [77, 'permission denied'],
        ],
      }),
    )
    .action(async (category: string, event: string, words: string[], opts: LogOptions) => {
      checkEventNames(category, event);
      const { resolveConfig } = await import('../../config.js');
      const config = resolveConfig({ cwd: io.cwd, env: io.env, flags: { logDir: logDirOf(opts) } });
      const redaction = { enabled: config.redactionEnabled, keys: config.redactKeys, patterns: config.redactPatterns };
      // Echoes are redacted even when the log's redaction is off: a terminal is not the audit log.
      const fields = parseFieldArgs(words, compileRedactor({ ...redaction, enabled: true }).redactString);
      const { tradingEventProblems, toSnakeCase } = await import('../../logger/index.js');
      // Checked as they will be written: the logger writes top-level keys in snake_case.
      const problems = tradingEventProblems(
        category,
        event,
        Object.fromEntries(Object.entries(fields).map(([k, v]) => [toSnakeCase(k), v])),
      );
      if (problems.length > 0)
        throw new AuditpackError(
          'USAGE',
          `${category} ${event}: ${problems.join('; ')} (docs/FORMAT.md, "Trading events")`,
        );
      const { createAuditLogger, KNOWN_EVENTS } = await import('../../logger/index.js');
      const logger = createAuditLogger({
        logDir: config.logDir,
        durability: 'durable',
        redaction,
        actor: opts.actor ?? io.env.USER ?? io.env.LOGNAME,
        handleExit: false,
      });
      try {
        await logger.log(category, event, fields);
      } finally {
        await logger.close();
      }
      const hint = unknownNameHint(category, event, KNOWN_EVENTS);
      if (hint !== undefined)
        io.stderr.write(`${paintFor(io, 'stderr').yellow('auditpack: note')}: ${echoSafe(hint)}\n`);
    });
}

/**
 * A hint for a name that is valid but not one auditpack knows (`auditpack log ordr OrderAccepted`):
 * the event is written as given (an application may have its own categories), but a typo would
 * otherwise pass in silence and miss every check and CSV that reads the known names.
 */
export function unknownNameHint(
  category: string,
  event: string,
  known: Readonly<Record<string, readonly string[]>>,
): string | undefined {
  const events = Object.hasOwn(known, category) ? known[category] : undefined;
  if (events === undefined) {
    const near = nearest(category, Object.keys(known));
    return `"${category}" is not a built-in category (${Object.keys(known).join(', ')}); the event was written as given${near ? `. Did you mean "${near}"?` : ''}`;
  }
  if (events.includes(event)) return undefined;
  const near = nearest(event, events);
  return `"${event}" is not a known ${category} event (${events.join(', ')}); it was written with a note${near ? `. Did you mean "${near}"?` : ''}`;
}

/** The closest name within a small edit distance (a typo, a case slip), if any. */
function nearest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 4)) + 1;
  for (const n of names) {
    const d = editDistance(word.toLowerCase(), n.toLowerCase());
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = row;
  }
  return prev[b.length] as number;
}
