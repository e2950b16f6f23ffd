/**
 * A snapshot day for end-to-end tests of config snapshots, config_in_force.json and the compliance
 * policy: a site (a temp dir with configs/), snapshots taken in-process at chosen clocks, orders
 * logged at chosen instants, the day exported by the built CLI, and both checkers run on the pack.
 * And a day of ConfigSnapshot events written by hand, for the unit tests of their readers.
 * One set-up, so that the tests that build such a day cannot drift apart in how they build it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { GENESIS_HASH } from '../../src/chain/hash.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { dayNumberOfIsoDate } from '../../src/rotation/index.js';
import { ConfigEventIndex } from '../../src/snapshot/config-events.js';
import { createConfigSnapshot } from '../../src/snapshot/index.js';
import type { ConfigSnapshot } from '../../src/snapshot/types.js';
import { pythonPackCheck } from '../verify/helpers/python-check.js';
import { runCli } from './cli.js';
import { tempDir } from './tmp.js';

/** The shipped compliance policy (configs/compliance_policy.yaml): restricts USDRUB. */
export const POLICY = readFileSync(
  fileURLToPath(new URL('../../configs/compliance_policy.yaml', import.meta.url)),
  'utf8',
);

/** The UTC date (`YYYY-MM-DD`) `n` days ago. */
export const dayAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** Epoch µs of an ISO instant (millisecond precision). */
export const micros = (iso: string): number => Date.parse(iso) * 1000;

/** The hex SHA-256 of some bytes. */
export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

const DEFAULT_FILES = { 'compliance_policy.yaml': POLICY, 'risk.yaml': 'max_order_notional: 1000000\n' };

/**
 * A temp dir with configs/ holding the shipped policy and `configs/risk.yaml`
 * (`max_order_notional: 1000000`); `files` replaces them (relative to configs/, `undefined` leaves one
 * out, `{}`: configs/ empty).
 */
export function site(files: Record<string, string | undefined> = DEFAULT_FILES): string {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'configs'));
  for (const [name, text] of Object.entries(files))
    if (text !== undefined) writeFileSync(join(cwd, 'configs', name), text);
  return cwd;
}

/** A site whose day was exported: the pack, and the snapshot (its id, its record's SHA-256) it is about. */
export interface SnapshotPack {
  cwd: string;
  pack: string;
  id: string;
  sha: string;
}

/** What a snapshot of {@link takeSnapshot} may vary: the rest is fixed (reason 'r', logs in `<cwd>/logs`). */
export interface SnapOptions {
  /** The patterns snapshotted (`full: false` unless they cover the configured ones); default: the configured ones (full). */
  readonly patterns?: readonly string[];
  readonly reason?: string;
  /** `{ enabled: false }`: stored in clear, as older rules that did not catch a secret left it. */
  readonly redaction?: { readonly enabled: boolean };
}

/** A snapshot of `cwd` taken at `iso`, its event logged to `<cwd>/logs`. */
export function takeSnapshot(cwd: string, iso: string, options: SnapOptions = {}): Promise<ConfigSnapshot> {
  return createConfigSnapshot({
    cwd,
    reason: options.reason ?? 'r',
    clock: () => micros(iso),
    logDir: join(cwd, 'logs'),
    ...(options.patterns === undefined ? {} : { patterns: [...options.patterns] }),
    ...(options.redaction === undefined ? {} : { redaction: options.redaction }),
  });
}

/** The id of a snapshot of `patterns` (default: the configured ones, full) taken at `iso`. */
export async function snap(cwd: string, iso: string, patterns?: readonly string[]): Promise<string> {
  return (await takeSnapshot(cwd, iso, patterns === undefined ? {} : { patterns })).snapshot_id;
}

/** The SHA-256 of snapshot `id`'s record in `<cwd>/audit/snapshots` (what its event logs). */
export function recordSha(cwd: string, id: string): string {
  return sha256(readFileSync(join(cwd, 'audit', 'snapshots', `${id}.json`)));
}

/** One OrderAccepted (O1, EURUSD, BUY 1 at 1; `fields` override) logged to `<cwd>/logs` at `iso` by host h, pid 42. */
export async function order(cwd: string, iso: string, fields: Record<string, unknown> = {}): Promise<void> {
  let t = micros(iso);
  const logger = createAuditLogger({
    logDir: join(cwd, 'logs'),
    handleExit: false,
    clock: () => (t += 1),
    host: 'h',
    pid: 42,
  });
  logger.log('order', 'OrderAccepted', {
    order_id: 'O1',
    symbol: 'EURUSD',
    side: 'BUY',
    quantity: 1,
    price: 1,
    ...fields,
  });
  await logger.close();
}

/** One OrderAccepted of `symbol` at `iso` with its own order id (`O-<iso>`), otherwise as {@link order}. */
export const symbolOrder = (cwd: string, iso: string, symbol: string): Promise<void> =>
  order(cwd, iso, { order_id: `O-${iso}`, symbol });

/** `auditpack verify <args> --json` by the built CLI in `cwd` (exit code and output, nothing expected). */
export const verifyJson = (cwd: string, args: readonly string[]) => runCli(['verify', ...args, '--json'], { cwd });

/** The codes of the errors in a `verify --json` output, in order (warnings left out). */
export const errorCodes = (stdout: string): string[] =>
  [...stdout.matchAll(/"code":\s*"([A-Z_]+)",\s*"severity":\s*"error"/g)].map((m) => m[1] as string);

/**
 * Exports `date` from `<cwd>/logs` into `<cwd>/art` by the built CLI (`args` added: a signing key),
 * expecting exit `code`; the pack's path and the run's stderr.
 */
export function exportDay(
  cwd: string,
  date: string,
  options: { readonly args?: readonly string[]; readonly code?: number } = {},
): { pack: string; stderr: string } {
  const r = runCli(['export', '--date', date, '--log-dir', 'logs', '--artifacts-dir', 'art', ...(options.args ?? [])], {
    cwd,
  });
  expect(r.code, r.stderr).toBe(options.code ?? 0);
  return { pack: join(cwd, 'art', date), stderr: r.stderr };
}

/** Makes `<cwd>/keys` (keygen) and returns the signing key's path; its public key is that path + `.pub`. */
export function keygen(cwd: string): string {
  expect(runCli(['keygen', '--out', 'keys'], { cwd }).code).toBe(0);
  return join(cwd, 'keys', 'auditpack_ed25519');
}

/** verify (unpinned) and the Python checker both find no error in `pack`. */
export function bothPass(cwd: string, pack: string): void {
  const r = runCli(['verify', pack, '--json'], { cwd });
  const v = JSON.parse(r.stdout) as { problems: { code: string; severity: string }[] };
  expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
  expect(pythonPackCheck(pack).errors).toEqual([]);
}

/** config_in_force.json's entries (path → the snapshot id of its record, or null) and its other_files. */
export function held(pack: string): { map: Record<string, string | null>; other: unknown } {
  const v = JSON.parse(readFileSync(join(pack, 'data', 'config_in_force.json'), 'utf8')) as {
    files: { path: string; record: { snapshot_id: string } | null | string }[];
    other_files: unknown;
  };
  const map: Record<string, string | null> = {};
  for (const e of v.files)
    map[e.path] = e.record === null ? null : typeof e.record === 'string' ? e.record : e.record.snapshot_id;
  return { map, other: v.other_files };
}

// A day of ConfigSnapshot events written by hand (unit tests of the readers: ConfigEventIndex,
// heldConfigOf): one kept day file, 2026-01-04, starting the chain (seq 1 after the genesis hash).

const POLICY_PATH = 'configs/compliance_policy.yaml';
const RISK_PATH = 'configs/risk.yaml';
const SNAP_A = { snapshot_id: '20260104T060000.000000Z-000', record_sha256: 'a'.repeat(64) };
const SNAP_B = { snapshot_id: '20260104T100000.000000Z-000', record_sha256: 'b'.repeat(64) };

/**
 * The hand-written day's names: P and R the policy file's and risk.yaml's keys, A and B its two
 * snapshots (06:00: holds the policy and risk; 10:00), DAY its day number.
 */
export const handDay = {
  P: POLICY_PATH,
  R: RISK_PATH,
  A: SNAP_A,
  B: SNAP_B,
  DAY: dayNumberOfIsoDate('2026-01-04') as number,
} as const;

/** A ConfigSnapshot event's line for snapshot `s` with `fields` (paths, full, validation, …). */
export const configEvent = (s: typeof SNAP_A, fields: Record<string, unknown>): string =>
  JSON.stringify({ category: 'config', event: 'ConfigSnapshot', ...s, ...fields });

/** A logs directory of one kept day file (2026-01-04) starting the chain, with `lines` after its first line. */
export function handLogs(lines: string[]): string {
  const dir = join(tempDir(), 'logs');
  mkdirSync(dir);
  const first = JSON.stringify({ seq: 1, prev: GENESIS_HASH, category: 'system', event: 'Start' });
  writeFileSync(join(dir, 'audit-20260104.jsonl'), `${[first, ...lines].join('\n')}\n`);
  return dir;
}

/**
 * ConfigEventIndex.holderAt on the hand-written day, each record holding the files its event names
 * (SNAP_A: the policy and risk; SNAP_B: `holdsB`): what it found and the snapshots it asked about.
 */
export async function holder(dir: string, path: string | null, holdsB: string[] = [RISK_PATH]) {
  const seen: string[] = [];
  const got = await new ConfigEventIndex({ logDir: dir }).holderAt(handDay.DAY, path, async (e) => {
    seen.push(e.snapshot_id);
    const files = e.snapshot_id === SNAP_A.snapshot_id ? [POLICY_PATH, RISK_PATH] : holdsB;
    return path !== null && files.includes(path) ? e.snapshot_id : ('no' as const);
  });
  return { got, seen };
}
