/**
 * Fixtures for review tests: a real exported pack with compliance findings (one critical, one
 * warning, made by the real logger and the real export), and two people with their own keys.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatAllowedSignersLine } from '../../src/signing/index.js';
import { exportPack } from '../../src/pack/index.js';
import { type ReviewOptions, recordDispositions, reviewStatus, reviewTransition } from '../../src/review-flow/index.js';
import { tempDir } from '../helpers/tmp.js';
import { cleanOrder, DATE, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';

export { DATE };

/** Two days after DATE: the day has ended. */
export const NOW = Date.parse('2025-09-10T09:00:00Z');

export interface Fixture {
  readonly cwd: string;
  readonly artifacts: string;
  readonly logs: string;
  readonly pack: string;
  readonly alice: KeyObject;
  readonly bob: KeyObject;
  readonly signersFile: string;
}

/** The day's events: a clean order, a warning (price collar) and a critical (a fill of no order). */
export async function writeDay(logs: string): Promise<void> {
  await writeEvents(logs, [
    ['08:00:00', 'auth', 'Login', { user: 'alice' }],
    ...cleanOrder('C-1', '09:00'),
    ['10:00:00', 'risk', 'RiskCheck', { order_id: 'W-1', result: 'pass', score: 0.1, reference_price: 1.0 }],
    [
      '10:00:01',
      'order',
      'OrderAccepted',
      { order_id: 'W-1', symbol: 'EURUSD', side: 'BUY', quantity: 10, price: '1.05', user: 'alice' },
    ],
    ['10:00:02', 'fill', 'Filled', { order_id: 'W-1', symbol: 'EURUSD', quantity: 10, price: '1.05' }],
    ['11:00:00', 'fill', 'Filled', { order_id: 'GHOST', symbol: 'EURUSD', quantity: 5, price: '1.1' }],
  ]);
}

/** Exports DATE's pack (again with force) from the fixture's log. */
export async function exportDay(cwd: string, force = false): Promise<string> {
  const r = await exportPack({
    date: DATE,
    logDir: join(cwd, 'logs'),
    artifactsDir: join(cwd, 'artifacts'),
    version: '0.1.0',
    snapshot: false,
    compliance: { cwd, policyFile: 'configs/compliance_policy.yaml' },
    now: () => NOW,
    force,
  });
  return r.path;
}

/**
 * A directory with a day's log, its exported pack, and alice's and bob's keys in an allowed_signers
 * file: alice may sign submissions (namespace auditpack-review-submit), bob approvals (auditpack-review).
 */
export async function makeFixture(cwd: string): Promise<Fixture> {
  writePolicy(cwd, TEST_POLICY);
  await writeDay(join(cwd, 'logs'));
  const pack = await exportDay(cwd);
  const alice = generateKeyPairSync('ed25519').privateKey;
  const bob = generateKeyPairSync('ed25519').privateKey;
  const signersFile = join(cwd, 'review_signers');
  writeFileSync(
    signersFile,
    `${formatAllowedSignersLine('alice@desk', alice, 'auditpack-review-submit')}\n${formatAllowedSignersLine('bob@desk', bob, 'auditpack-review')}\n`,
  );
  return { cwd, artifacts: join(cwd, 'artifacts'), logs: join(cwd, 'logs'), pack, alice, bob, signersFile };
}

/** Review options for an actor of the fixture. */
export function asActor(f: Fixture, actor: string, extra: Partial<ReviewOptions> = {}): ReviewOptions {
  return { artifactsDir: f.artifacts, logDir: f.logs, actor, ...extra };
}

/** The finding ids of the fixture's pack, by severity. */
export function findingIds(pack: string): { critical: string[]; warning: string[]; info: string[] } {
  const r = JSON.parse(readFileSync(join(pack, 'data/compliance_report.json'), 'utf8')) as {
    findings: { id: string; severity: 'critical' | 'warning' | 'info' }[];
  };
  const by = { critical: [] as string[], warning: [] as string[], info: [] as string[] };
  for (const f of r.findings) by[f.severity].push(f.id);
  return by;
}

/** Everything under the reviews directory and the logs directory, with sizes: "nothing was written" is this unchanged. */
export function writtenState(f: Fixture): string {
  const list = (dir: string): string[] => {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .sort()
      .map((n) => `${n}:${statSync(join(dir, n)).size}`);
  };
  return JSON.stringify([list(join(f.artifacts, 'reviews')), list(f.logs)]);
}

/** Runs `ssh-keygen -Y verify` on a message and its signature; returns its exit status and output. */
export function sshKeygenVerify(
  signers: string,
  identity: string,
  message: string,
  signature: string,
  namespace = 'auditpack-review',
) {
  try {
    const out = execFileSync(
      'ssh-keygen',
      ['-Y', 'verify', '-f', signers, '-I', identity, '-n', namespace, '-s', signature],
      { input: readFileSync(message), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] },
    );
    return { code: 0, out };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

/** alice dispositions every critical and warning finding of `f`'s pack (escalated) and submits it. */
export async function submitted(f: Fixture): Promise<void> {
  const ids = findingIds(f.pack);
  await recordDispositions(
    asActor(f, 'alice@desk'),
    DATE,
    [...ids.critical, ...ids.warning].map((id) => ({ findingId: id, disposition: 'escalated' as const })),
  );
  await reviewTransition(asActor(f, 'alice@desk'), { date: DATE, action: 'submit', key: f.alice });
}

/** A fixture whose pack alice dispositioned (every critical and warning escalated) and submitted, and bob approved. */
export async function approvedFixture(): Promise<{ f: Fixture; sha: string; record: string }> {
  const f = await makeFixture(tempDir());
  await submitted(f);
  await reviewTransition(asActor(f, 'bob@desk'), { date: DATE, action: 'approve', key: f.bob });
  const sha = (await reviewStatus(f.artifacts, DATE))[0]?.versions[0]?.manifestSha256 as string;
  return { f, sha, record: join(f.artifacts, 'reviews', DATE, `${sha}.jsonl`) };
}

/** The day the review events are chained on: today, in the live log. */
export const REVIEW_DAY = new Date().toISOString().slice(0, 10);

/** Exports REVIEW_DAY's pack (whose log holds the review events) two days after it; returns its path. */
export async function exportReviewDay(f: Fixture): Promise<string> {
  const r = await exportPack({
    date: REVIEW_DAY,
    logDir: f.logs,
    artifactsDir: f.artifacts,
    version: '0.1.0',
    snapshot: false,
    compliance: { cwd: f.cwd, policyFile: 'configs/compliance_policy.yaml' },
    now: () => Date.parse(`${REVIEW_DAY}T00:00:00Z`) + 2 * 86_400_000,
  });
  return r.path;
}
