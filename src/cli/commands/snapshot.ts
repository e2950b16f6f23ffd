/**
 * `auditpack snapshot --reason <text>`: record the config files, and `snapshot list | show | diff`
 * to read the store. A thin client of src/snapshot: parse, resolve config, call, render.
 */
import type { Command } from 'commander';
import { AuditpackError, ExitCode } from '../../errors.js';
import type { SnapshotReadOptions } from '../../snapshot/index.js';
import type { ConfigSnapshot, SnapshotComparison, SnapshotSummary } from '../../snapshot/types.js';
import type { CliIO } from '../io.js';
import { ExitWith } from '../exit.js';
import { collect, hiddenLogsDirAlias, logDirOf } from '../options.js';
import { helpText } from '../help.js';
import { paintFor, printJson } from '../render.js';
import { printable, printableField, printableText } from '../printable.js';

interface TakeOptions {
  reason?: string;
  configs?: string[];
  allowEmpty?: boolean;
  snapshotDir?: string;
  logDir?: string;
  logsDir?: string;
  json?: boolean;
}

interface StoreOptions {
  snapshotDir?: string;
  json?: boolean;
  file?: string;
}

export function defineSnapshot(program: Command, io: CliIO): void {
  const snapshot = defineTake(program, io);
  defineList(snapshot, io);
  defineShow(snapshot, io);
  defineDiff(snapshot, io);
}

function defineTake(program: Command, io: CliIO): Command {
  return program
    .command('snapshot')
    .description('record the config files (hashes, content, git facts, diffs) and log a ConfigSnapshot event')
    .option('--reason <text>', 'why the snapshot is taken (required)')
    .option(
      '--configs <glob>',
      'config file pattern relative to the working directory; repeatable (default: configs/**/*.{yaml,yml,json,toml,ini,conf,env,properties,py,xml})',
      collect,
    )
    .option('--allow-empty', 'take the snapshot even when no config file matches')
    .option('--snapshot-dir <dir>', 'snapshot store (env SNAPSHOT_DIR, default audit/snapshots)')
    .option('--log-dir <dir>', 'audit log directory for the ConfigSnapshot event (env AUDIT_LOG_DIR, default logs)')
    .addOption(hiddenLogsDirAlias())
    .option('--json', 'print the snapshot record as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ["snapshot --reason 'raise EURUSD limit to 2M'", 'record configs/** and log a ConfigSnapshot event'],
          ["snapshot --reason 'deploy 1.4.2' --configs 'etc/*.yaml' --json", 'other files, the record as JSON'],
        ],
        exits: [
          [0, 'snapshot taken'],
          [3, 'taken, with a warning: without git facts, or a stored record dated in the future passed over'],
          [66, 'no config file matched (use --allow-empty)'],
          [74, 'reading or writing failed'],
          [
            75,
            'taken, but its event not written: another process held the log lock past AUDITPACK_LOCK_TIMEOUT (LOG_LOCK_TIMEOUT)',
          ],
        ],
      }),
    )
    .action(async (opts: TakeOptions) => {
      if (opts.reason === undefined || opts.reason.trim() === '') {
        throw new AuditpackError('USAGE', 'snapshot needs --reason "<why>" (a non-empty text)');
      }
      const { resolveConfig } = await import('../../config.js');
      const { createConfigSnapshot, snapshotOptionsFromConfig } = await import('../../snapshot/index.js');
      const config = resolveConfig({
        cwd: io.cwd,
        env: io.env,
        flags: { snapshotDir: opts.snapshotDir, logDir: logDirOf(opts), snapshotPatterns: opts.configs },
      });
      const base = snapshotOptionsFromConfig(config);
      const user = io.env.SUDO_USER ?? io.env.USER ?? io.env.LOGNAME;
      const warnings: string[] = [];
      const s = await createConfigSnapshot({
        ...base,
        reason: opts.reason,
        // --configs names some files only; without it the configured patterns are the whole config.
        full: opts.configs === undefined || opts.configs.length === 0,
        allowEmpty: opts.allowEmpty === true,
        ...(user ? { actor: { user } } : {}),
        onWarning: (m) => warnings.push(m),
      });
      if (opts.json) printJson(io, s);
      else renderTaken(io, s, config.snapshotDir);
      if (s.git_error) warnings.push(`${s.git_error.code}: ${s.git_error.message}; snapshot taken without git facts`);
      if (warnings.length > 0) {
        const c = paintFor(io, 'stderr');
        for (const w of warnings) io.stderr.write(`${c.yellow('auditpack: warning')} ${w}\n`);
        throw new ExitWith(ExitCode.WARNINGS);
      }
    });
}

function defineList(snapshot: Command, io: CliIO): void {
  snapshot
    .command('list')
    .description('list the snapshots, newest first')
    .option('--snapshot-dir <dir>', 'snapshot store (env SNAPSHOT_DIR, default audit/snapshots)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['snapshot list', 'newest first'],
          ['snapshot list --json', 'as JSON'],
        ],
        exits: [[0, 'listed']],
      }),
    )
    .action(async (_opts: StoreOptions, cmd: Command) => {
      const opts = storeOptions(cmd);
      const { listSnapshots } = await import('../../snapshot/index.js');
      const list = await listSnapshots(await storeOf(io, opts));
      if (opts.json) printJson(io, list);
      else renderList(io, list);
    });
}

function defineShow(snapshot: Command, io: CliIO): void {
  snapshot
    .command('show')
    .description('show a snapshot, or with --file print one file exactly as stored then')
    .argument('<id>', 'snapshot id, a unique prefix of one, or "latest"')
    .option('--file <path>', 'print this file as it was at the snapshot (as stored: secrets redacted)')
    .option('--snapshot-dir <dir>', 'snapshot store (env SNAPSHOT_DIR, default audit/snapshots)')
    .option('--json', 'print the record as JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['snapshot show latest', 'the newest snapshot'],
          ['snapshot show 3f2a --file configs/risk.yaml', 'one file as it was then'],
        ],
        exits: [
          [0, 'shown'],
          [65, 'the stored snapshot is corrupt'],
          [66, 'no such snapshot or file'],
        ],
      }),
    )
    .action(async (ref: string, _opts: StoreOptions, cmd: Command) => {
      const opts = storeOptions(cmd);
      const { readSnapshot, readSnapshotFile, resolveSnapshotId } = await import('../../snapshot/index.js');
      const store = await storeOf(io, opts);
      const { snapshotDir } = store;
      const id = await resolveSnapshotId({ snapshotDir, ref });
      if (opts.file !== undefined) {
        const bytes = await readSnapshotFile({ snapshotDir, id, file: opts.file });
        // Bytes, not text: the file exactly as stored (process streams accept a Buffer).
        io.stdout.write(bytes);
        return;
      }
      const s = await readSnapshot({ ...store, id });
      if (opts.json) printJson(io, s);
      else renderShow(io, s);
    });
}

function defineDiff(snapshot: Command, io: CliIO): void {
  snapshot
    .command('diff')
    .description('compare two snapshots: files added, removed and changed, with unified diffs')
    .argument('<a>', 'older snapshot id (or prefix, or "latest")')
    .argument('<b>', 'newer snapshot id (or prefix, or "latest")')
    .option('--snapshot-dir <dir>', 'snapshot store (env SNAPSHOT_DIR, default audit/snapshots)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      helpText({
        examples: [
          ['snapshot diff 3f2a latest', 'what changed since 3f2a'],
          ['snapshot diff 3f2a 9c01 --json', 'as JSON'],
        ],
        exits: [
          [0, 'compared'],
          [66, 'no such snapshot'],
        ],
      }),
    )
    .action(async (refA: string, refB: string, _opts: StoreOptions, cmd: Command) => {
      const opts = storeOptions(cmd);
      const { diffSnapshots, resolveSnapshotId } = await import('../../snapshot/index.js');
      const store = await storeOf(io, opts);
      const a = await resolveSnapshotId({ snapshotDir: store.snapshotDir, ref: refA });
      const b = await resolveSnapshotId({ snapshotDir: store.snapshotDir, ref: refB });
      const cmp = await diffSnapshots({ ...store, a, b });
      if (opts.json) printJson(io, cmp);
      else renderComparison(io, cmp);
    });
}

/**
 * A subcommand's options merged with `snapshot`'s: commander lets the parent take `--json` and
 * `--snapshot-dir` wherever they appear (`snapshot list --json` and `snapshot --json list`), so
 * both places are read.
 */
function storeOptions(cmd: Command): StoreOptions {
  return cmd.optsWithGlobals<StoreOptions>();
}

/**
 * The store and the redaction rules its records are read with: the built-in ones plus the
 * config's keys and patterns, on even with `redaction.enabled: false` (like `tail`: that switch is
 * about the audit record). The store is a directory anyone with write access can plant a record
 * in, and a secret in a planted reason must reach neither a terminal nor a `--json` consumer.
 */
async function storeOf(io: CliIO, opts: StoreOptions): Promise<SnapshotReadOptions> {
  const { resolveConfig } = await import('../../config.js');
  const config = resolveConfig({ cwd: io.cwd, env: io.env, flags: { snapshotDir: opts.snapshotDir } });
  return {
    snapshotDir: config.snapshotDir,
    redaction: { enabled: true, keys: config.redactKeys, patterns: config.redactPatterns },
  };
}

/** Text fields read from the store, in text mode: one line each, at most this many characters. */
const LIST_FIELD_MAX = 200;
const SHOW_FIELD_MAX = 1000;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function renderTaken(io: CliIO, s: ConfigSnapshot, snapshotDir: string): void {
  const c = paintFor(io);
  const n = Object.keys(s.files).length;
  const { added, removed, changed } = s.changes;
  io.stdout.write(`${c.green('✓')} snapshot ${c.bold(s.snapshot_id)}: ${plural(n, 'config file')}\n`);
  if (s.previous_snapshot_id === null) io.stdout.write(`  first snapshot in ${snapshotDir}\n`);
  else if (added.length + removed.length + changed.length === 0)
    io.stdout.write(`  no change since ${s.previous_snapshot_id}\n`);
  else
    io.stdout.write(
      `  since ${s.previous_snapshot_id}: ${added.length} added, ${removed.length} removed, ${changed.length} changed\n`,
    );
  if (s.previous_snapshot_id !== null) {
    for (const p of added) io.stdout.write(`    ${c.green('A')} ${printable(p)}\n`);
    for (const p of removed) io.stdout.write(`    ${c.red('D')} ${printable(p)}\n`);
    for (const p of changed) io.stdout.write(`    ${c.yellow('M')} ${printable(p)}\n`);
  }
  if (s.git) {
    const where = s.git.branch ?? 'detached HEAD';
    const commit = s.git.commit === null ? 'no commits yet' : s.git.commit.slice(0, 12);
    const state = s.git.dirty ? c.yellow('dirty') : 'clean';
    const n = s.head_changes.length;
    io.stdout.write(
      `  git ${commit} on ${where}, ${state}; ${plural(n, 'config file')} ${n === 1 ? 'differs' : 'differ'} from HEAD\n`,
    );
  }
  for (const [p, e] of Object.entries(s.files)) {
    if (e.too_large)
      io.stdout.write(`  ${c.yellow('!')} ${printable(p)}: ${e.size} bytes, over the size limit: hashed, not stored\n`);
  }
  if (s.redacted) io.stdout.write(`  secrets redacted in the stored copies and diffs\n`);
}

function renderList(io: CliIO, list: readonly SnapshotSummary[]): void {
  if (list.length === 0) {
    io.stdout.write('no snapshots\n');
    return;
  }
  const c = paintFor(io);
  for (const s of list) {
    io.stdout.write(
      `${c.bold(s.snapshot_id)}  ${printableField(s.timestamp, 40)}  ${plural(s.file_count, 'file')}, ${s.changed_count} changed  ${printableField(s.reason, LIST_FIELD_MAX)}\n`,
    );
  }
}

/**
 * A file's hash for the listing, 16 characters: a keyed one (docs/FORMAT.md, "Config snapshots"),
 * which is not what sha256sum prints, as `hmac:` and 11 hex digits.
 */
function shortHash(hash: string): string {
  return hash.startsWith('hmac-sha256:')
    ? `hmac:${hash.slice('hmac-sha256:'.length, 'hmac-sha256:'.length + 11)}`
    : hash.slice(0, 16);
}

function renderShow(io: CliIO, s: ConfigSnapshot): void {
  const c = paintFor(io);
  io.stdout.write(`snapshot   ${c.bold(s.snapshot_id)}\n`);
  const field = (v: unknown): string => printableField(String(v), SHOW_FIELD_MAX);
  io.stdout.write(`timestamp  ${field(s.timestamp)}\n`);
  io.stdout.write(`reason     ${field(s.reason)}\n`);
  // Not checked when the record is read (a planted record may lack it or hold anything).
  const actor: unknown = s.actor;
  io.stdout.write(
    `actor      ${actor !== null && typeof actor === 'object' ? field(`${s.actor.user}@${s.actor.host}`) : '(not recorded)'}\n`,
  );
  if (s.git)
    io.stdout.write(
      `git        ${field(`${s.git.commit ?? '(no commits)'} ${s.git.branch ?? '(detached)'}`)} ${s.git.dirty ? 'dirty' : 'clean'}\n`,
    );
  else if (s.git_error) io.stdout.write(`git        none: ${field(s.git_error.message)}\n`);
  else io.stdout.write(`git        not a git work tree\n`);
  io.stdout.write(`previous   ${s.previous_snapshot_id ?? '(none)'}\n`);
  io.stdout.write(`redacted   ${s.redacted ? 'yes' : 'no'}\n`);
  io.stdout.write(`files:\n`);
  for (const [p, e] of Object.entries(s.files)) {
    const flags = [
      e.binary ? 'binary' : '',
      e.too_large ? 'too large, not stored' : '',
      e.withheld ? 'holds a secret, not stored' : '',
      e.redacted ? 'redacted' : '',
    ]
      .filter(Boolean)
      .join(', ');
    io.stdout.write(
      `  ${shortHash(e.hash)}  ${String(e.size).padStart(9)}  ${printableField(p, SHOW_FIELD_MAX)}${flags ? `  (${flags})` : ''}\n`,
    );
  }
  const diffs = Object.keys(s.diffs);
  if (diffs.length > 0) {
    io.stdout.write(`diffs:\n`);
    for (const p of diffs) io.stdout.write(colourDiff(io, s.diffs[p] as string));
  }
}

function renderComparison(io: CliIO, cmp: SnapshotComparison): void {
  const c = paintFor(io);
  io.stdout.write(
    `${cmp.a} → ${cmp.b}: ${cmp.added.length} added, ${cmp.removed.length} removed, ${cmp.changed.length} changed\n`,
  );
  for (const p of cmp.added) io.stdout.write(`  ${c.green('A')} ${printable(p)}\n`);
  for (const p of cmp.removed) io.stdout.write(`  ${c.red('D')} ${printable(p)}\n`);
  for (const p of cmp.changed) io.stdout.write(`  ${c.yellow('M')} ${printable(p)}\n`);
  for (const p of Object.keys(cmp.diffs)) io.stdout.write(colourDiff(io, cmp.diffs[p] as string));
}

/** A stored diff (config text: hostile input) escaped line by line, coloured on a terminal. */
function colourDiff(io: CliIO, raw: string): string {
  const c = paintFor(io);
  const text = printableText(raw);
  if (c.level === 0) return text;
  return text
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---')
        ? c.bold(l)
        : l.startsWith('+')
          ? c.green(l)
          : l.startsWith('-')
            ? c.red(l)
            : l.startsWith('@@')
              ? c.cyan(l)
              : l,
    )
    .join('\n');
}
