/**
 * The redaction corpora end to end: every secret shape and secret key from test/redaction/corpus.ts
 * in config files of all eight formats (in a git repository, with uncommitted changes), through
 * snapshots (records, stored objects, HEAD diffs, snapshot-to-snapshot diffs), the audit log
 * (library events and `auditpack log`), a daily pack and its `.tar.gz`, and the stdout and stderr
 * of every command that reads them (`snapshot`, `snapshot list|show|show --file|diff`, `log`,
 * `export`, `verify`, `prune --dry-run`), with `--json` too. Then every byte written under the
 * working directory (but the configs themselves and .git) and every byte printed is searched for
 * every secret: 0 leaks. The benign corpus goes through the same snapshot and log: its stored
 * copy is the file itself, and its events come back unaltered.
 *
 * Batched so it stays quick: one file per format holds the whole corpus, one snapshot takes all
 * files, one export packs all events.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { createConfigSnapshot, readSnapshotFile } from '../../src/snapshot/index.js';
import { git, initRepo, writeFiles } from '../snapshot/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { configFile, FORMATS, type Entry } from './config-formats.js';
import { BENIGN_KEYS, BENIGN_TEXT, SECRET_KEYS, SECRET_SHAPES, secretValueFor } from './corpus.js';

const DAY_MS = 86_400_000;
const day = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS); // yesterday, UTC midnight
const DATE = day.toISOString().slice(0, 10);
const at = (hour: number): number => (day.getTime() + hour * 3_600_000) * 1000;

/** An IO that records what a command prints. */
function captureIO(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    cwd,
    env: { NO_COLOR: '1', USER: 'ops', PATH: process.env.PATH },
    stdout: {
      write: (s: string | Uint8Array) => out.push(typeof s === 'string' ? s : Buffer.from(s).toString('latin1')),
    },
    stderr: { write: (s: string) => err.push(s) },
    out,
    err,
  };
}

/** Every file under `dir` (recursively), but the skipped top-level names. */
function filesUnder(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!d.isFile()) continue;
    const p = join(d.parentPath, d.name);
    const top = relative(dir, p).split('/')[0] as string;
    if (!skip.includes(top)) out.push(p);
  }
  return out;
}

const keyEntries = (): Entry[] => SECRET_KEYS.map((k, i) => [k, secretValueFor(i)] as const);
const shapeEntries = (order: 'forward' | 'reverse'): Entry[] => {
  const e = SECRET_SHAPES.map((s, i) => [`note_${i}`, s.text] as const);
  return order === 'forward' ? e : [...e].reverse();
};
const secretFiles = (entries: readonly Entry[]): Record<string, string> =>
  Object.fromEntries(FORMATS.map((f) => [`configs/app.${f}`, configFile(f, entries)]));
const benignEntries: Entry[] = [
  ...BENIGN_TEXT.map((t, i) => [`text_${i}`, t] as const),
  ...BENIGN_KEYS.map((k, i) => [k, `v${i} ${BENIGN_TEXT[i]}`] as const),
];

describe('redaction corpus end to end: 0 leaks in any file written or line printed', () => {
  it(`${SECRET_SHAPES.length} shapes + ${SECRET_KEYS.length} keys in 8 config formats, snapshots, diffs, logs, CLI, pack, .tar.gz`, async () => {
    const cwd = tempDir();
    const printed: { what: string; text: string }[] = [];
    const run = async (args: string[]): Promise<number> => {
      const io = captureIO(cwd);
      const code = await main(args, io);
      // Named by the command and its options (field words and reasons, which hold secrets, left out).
      const name = args.filter((w) => !w.includes('=') && !w.includes(' ') && w.length < 40).join(' ');
      printed.push({ what: `auditpack ${name} (stdout)`, text: io.out.join('') });
      printed.push({ what: `auditpack ${name} (stderr)`, text: io.err.join('') });
      return code;
    };

    // Configs: committed with the shapes; then changed (reordered, secret keys added), uncommitted,
    // so the HEAD diff holds secret lines on both sides.
    initRepo(cwd, {
      ...secretFiles(shapeEntries('forward')),
      ...Object.fromEntries(FORMATS.map((f) => [`configs/benign.${f}`, configFile(f, benignEntries)])),
    });
    writeFiles(cwd, secretFiles([...shapeEntries('reverse'), ...keyEntries()]));
    const reasonSecret = SECRET_SHAPES[31] as (typeof SECRET_SHAPES)[number]; // a GitHub token pasted into a reason
    const common = { cwd, snapshotDir: 'audit/snapshots', logDir: 'logs' };
    const a = await createConfigSnapshot({
      ...common,
      reason: `rotated ${reasonSecret.text} after the leak`,
      clock: () => at(9),
    });
    // Changed again: the snapshot-to-snapshot diff holds secret lines on both sides.
    writeFiles(cwd, secretFiles([...keyEntries(), ...shapeEntries('forward')]));
    const b = await createConfigSnapshot({ ...common, reason: 'risk limits raised', clock: () => at(10) });
    expect(Object.keys(b.diffs).filter((p) => p.startsWith('configs/app.'))).toHaveLength(8);

    // The benign configs are stored as they are.
    for (const f of FORMATS) {
      const entry = b.files[`configs/benign.${f}`];
      expect(entry?.redacted, `configs/benign.${f}`).toBeUndefined();
      const stored = await readSnapshotFile({
        snapshotDir: join(cwd, 'audit/snapshots'),
        id: b.snapshot_id,
        file: `configs/benign.${f}`,
      });
      expect(stored.toString('utf8')).toBe(readFileSync(join(cwd, `configs/benign.${f}`), 'utf8'));
    }

    // The day's events: every shape and key in the placements of the library corpus, in one batch.
    const log = createAuditLogger({
      logDir: join(cwd, 'logs'),
      handleExit: false,
      clock: (
        (t) => () =>
          t++
      )(at(11)),
    });
    for (const s of SECRET_SHAPES) {
      log.alert({
        alertType: 'Upstream',
        severity: 'HIGH',
        message: `rejected: ${s.text}`,
        detail: { raw: s.text, list: [s.text] },
        err: new Error(s.text),
        buf: Buffer.from(s.text),
      });
      log.log('system', 'Note', { m: new Map([['x', s.text]]), [s.text]: 1 });
    }
    for (const [i, k] of SECRET_KEYS.entries())
      log.log('auth', 'LoginFailed', { user: 'ops', [k]: secretValueFor(i), message: `${k}=${secretValueFor(i)}` });
    await log.close();

    // The CLI: log (pairs, and a word that is not a pair), snapshot with a secret in the reason,
    // the store read back, export with the tarball, verify, prune.
    expect(
      await run([
        'log',
        'system',
        'Note',
        ...SECRET_SHAPES.filter((s) => !s.multiline).map((s, i) => `note_${i}=${s.text}`),
        ...SECRET_KEYS.map((k, i) => `${k}=${secretValueFor(i)}`),
      ]),
    ).toBe(0);
    expect(await run(['log', 'alert', 'Ev', (SECRET_SHAPES[0] as { text: string }).text])).toBe(2);
    expect(await run(['log', `--token=${secretValueFor(900)}`, 'alert', 'Ev'])).toBe(2);
    expect(await run(['snapshot', '--reason', `deploy with ${(SECRET_SHAPES[60] as { text: string }).text}`])).toBe(0);
    expect(
      await run(['snapshot', '--reason', `again, ${(SECRET_SHAPES[61] as { text: string }).text}`, '--json']),
    ).toBe(0);
    for (const args of [
      ['list'],
      ['list', '--json'],
      ['show', a.snapshot_id],
      ['show', a.snapshot_id, '--json'],
      ['show', 'latest'],
      ['diff', a.snapshot_id, b.snapshot_id],
      ['diff', a.snapshot_id, b.snapshot_id, '--json'],
    ]) {
      expect(await run(['snapshot', ...args]), args.join(' ')).toBe(0);
    }
    for (const f of FORMATS)
      expect(await run(['snapshot', 'show', a.snapshot_id, '--file', `configs/app.${f}`])).toBe(0);
    expect(await run(['export', '--date', DATE, '--compress', '--json'])).toBe(0);
    for (const target of [`artifacts/${DATE}`, `artifacts/${DATE}.tar.gz`, 'logs', 'artifacts'])
      expect(await run(['verify', target]), target).toBe(0);
    expect(await run(['verify', `artifacts/${DATE}`, '--json'])).toBe(0);
    expect(await run(['prune', '--dry-run'])).toBe(0);

    // Everything written, the tarball's contents, everything printed.
    const artifacts: { what: string; text: string }[] = [...printed];
    for (const p of filesUnder(cwd, ['configs', '.git'])) {
      const bytes = readFileSync(p);
      artifacts.push({ what: relative(cwd, p), text: bytes.toString('latin1') });
      if (p.endsWith('.tar.gz'))
        artifacts.push({ what: `${relative(cwd, p)} (unpacked)`, text: gunzipSync(bytes).toString('latin1') });
    }
    expect(artifacts.some((x) => x.what.endsWith('config.diff'))).toBe(true);
    expect(artifacts.some((x) => x.what.includes('objects/'))).toBe(true);
    const cores = [
      ...SECRET_SHAPES.map((s) => ({ name: s.name, core: s.core })),
      ...SECRET_SHAPES.map((s) => ({
        name: `${s.name} as base64`,
        core: Buffer.from(s.text).toString('base64').slice(0, 24),
      })),
      ...SECRET_KEYS.map((k, i) => ({ name: k, core: secretValueFor(i) })),
      { name: '--token=', core: secretValueFor(900) },
    ];
    const leaks: string[] = [];
    for (const c of cores) for (const x of artifacts) if (x.text.includes(c.core)) leaks.push(`${c.name} in ${x.what}`);
    // eslint-disable-next-line no-console
    console.log(
      `redaction corpus e2e: ${cores.length} secrets × ${artifacts.length} outputs = ${cores.length * artifacts.length} checks, ${leaks.length} leaks`,
    );
    expect(leaks).toEqual([]);
    // The stores and outputs did get the content (a test that finds nothing because nothing was written proves nothing).
    const diffText = artifacts.find((x) => x.what.endsWith('config.diff'))?.text ?? '';
    expect(diffText).toContain('[REDACTED]');
    expect(diffText).toContain('note_0');
    expect(
      printed.find((p) => p.what.includes('--file configs/app.yaml') && p.what.endsWith('(stdout)'))?.text,
    ).toContain('note_145');
  }, 120_000);

  it('the benign corpus in events through the CLI and the library comes back unaltered', async () => {
    const cwd = tempDir();
    git(cwd, 'init', '-q', '-b', 'main', '.');
    writeFileSync(join(cwd, 'seed'), '');
    const io = captureIO(cwd);
    const words = BENIGN_TEXT.map((t, i) => `text_${i}=${JSON.stringify(t)}`);
    expect(await main(['log', 'system', 'Note', ...words, ...BENIGN_KEYS.map((k, i) => `${k}="v${i}"`)], io)).toBe(0);
    const file = readdirSync(join(cwd, 'logs')).find((f) => f.endsWith('.jsonl')) as string;
    const rec = JSON.parse(readFileSync(join(cwd, 'logs', file), 'utf8').trim()) as Record<string, unknown>;
    const altered = BENIGN_TEXT.map((t, i) => [t, rec[`text_${i}`]] as const).filter(([t, v]) => v !== t);
    expect(altered).toEqual([]);
    expect(
      BENIGN_KEYS.map((k) => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()).filter(
        (k, i) => rec[k] !== `v${i}`,
      ),
    ).toEqual([]);
    expect(rec.redacted).toBeUndefined();
    expect(statSync(join(cwd, 'logs', file)).size).toBeGreaterThan(0);
  });
});
