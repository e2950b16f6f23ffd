/**
 * `auditpack demo`, the quick start: a realistic trading day of sample events for
 * yesterday (UTC), a config snapshot, the day's export pack, and its verification, on the
 * built-in defaults (`logs/`, `artifacts/`, `configs/`).
 *
 * Re-running is safe: when yesterday's log already exists the events are not generated again,
 * and when yesterday's pack already exists it is verified instead of exported again (no new
 * `.vN` version piles up per run). The logger's injected clock makes every timestamp, so the
 * day's events really are dated yesterday.
 */

import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_POLICY_PATH } from '../compliance/policy.js';
import type { AlertFilterConfig } from '../config.js';
import { AuditpackError } from '../errors.js';
import type { PackSnapshotOptions } from '../pack/config-files.js';
import { runDailyExport } from '../daily/daily-export.js';
import { dayNumberOfIsoDate, dayOfLogFileName, logFileName } from '../rotation/index.js';
import { createConfigSnapshot, snapshotsOnDay } from '../snapshot/index.js';
import { type PackReport, verifyPack } from '../verify/index.js';
import { generateDemoDay } from './day.js';
import { DEMO_POLICY } from './policy.js';

export interface DemoOptions {
  /** Working directory (config discovery is relative to it). */
  cwd: string;
  logDir: string;
  artifactsDir: string;
  /** Snapshot options (snapshotDir, patterns, redaction…). */
  snapshot: PackSnapshotOptions;
  version: string;
  signingKey?: KeyObject;
  alertFilter?: AlertFilterConfig;
  /** Now, epoch ms (default Date.now): the demo day is the UTC day before. */
  now?: number;
  /** Progress notes for people (one per step). */
  onStep?: (text: string) => void;
}

export interface DemoResult {
  readonly date: string;
  /** Events generated this run (0 when the day's log already existed or a later log blocks it). */
  readonly generated: number;
  /** Why nothing was generated, when nothing was. */
  readonly generationSkipped: string | null;
  readonly snapshotId: string | null;
  /** True when the pack was exported this run; false when an existing one was verified. */
  readonly exported: boolean;
  readonly packPath: string;
  readonly manifestSha256: string | null;
  readonly verify: PackReport;
}

/** Runs the demo: generate (unless present), snapshot, export (unless present), verify. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const now = options.now ?? Date.now();
  const day = Math.floor(now / 86_400_000) - 1;
  const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
  if (dayNumberOfIsoDate(date) === undefined) throw new AuditpackError('INTERNAL', `bad demo date ${date}`);
  const step = options.onStep ?? (() => undefined);
  const g = await generateUnlessPresent(options, day, date, step);
  if (g.generationSkipped !== null) step(`not generating events: ${g.generationSkipped}`);
  const packPath = join(options.artifactsDir, date);
  const manifestSha256 = await exportUnlessPresent(options, date, now, packPath, step);
  const report = await verifyPack(packPath, {});
  return Object.freeze({
    date,
    generated: g.generated,
    generationSkipped: g.generationSkipped,
    snapshotId: g.snapshotId,
    exported: manifestSha256 !== undefined,
    packPath,
    manifestSha256: manifestSha256 ?? null,
    verify: report,
  });
}

/** The day's events, unless its log (or a newer one) exists: then why not. */
async function generateUnlessPresent(
  options: DemoOptions,
  day: number,
  date: string,
  step: (text: string) => void,
): Promise<{ generated: number; generationSkipped: string | null; snapshotId: string | null }> {
  const logFile = join(options.logDir, logFileName(day));
  const later = existsSync(options.logDir)
    ? readdirSync(options.logDir).filter((f) => {
        const d = dayOfLogFileName(f);
        return d !== undefined && d > day;
      })
    : [];
  if (existsSync(logFile))
    return {
      generated: 0,
      generationSkipped: `${logFileName(day)} already exists; its events are used as they are`,
      snapshotId: null,
    };
  if (later.length > 0)
    // Writing yesterday's events now would make them `late` lines in the newer file (docs/FORMAT.md).
    return {
      generated: 0,
      generationSkipped: `a newer log (${later.sort().at(-1)}) exists, so events dated ${date} cannot be added without making them late; exporting the day as it is`,
      snapshotId: null,
    };
  // The sample policy, so the day's report shows every rule (never over a policy of the user's).
  const policyPath = join(options.cwd, DEFAULT_POLICY_PATH);
  if (!existsSync(policyPath)) {
    mkdirSync(dirname(policyPath), { recursive: true });
    writeFileSync(policyPath, DEMO_POLICY, { flag: 'wx' });
    step(`wrote the sample compliance policy ${DEFAULT_POLICY_PATH}`);
  }
  const snapshotId = await morningSnapshot(options, day, date, step);
  const generated = await generateDemoDay(options.logDir, day);
  step(`wrote ${generated} sample events for ${date} to ${logFile}`);
  return { generated, generationSkipped: null, snapshotId };
}

/** A snapshot before trading starts (06:30 UTC), unless the day has one. */
async function morningSnapshot(
  options: DemoOptions,
  day: number,
  date: string,
  step: (text: string) => void,
): Promise<string | null> {
  const existing = await snapshotsOnDay({ snapshotDir: options.snapshot.snapshotDir, date });
  if (existing.length > 0) return null;
  const { takeIfMissing: _t, ...so } = options.snapshot;
  const snap = await createConfigSnapshot({
    ...so,
    logDir: options.logDir,
    reason: 'demo: start of trading day',
    allowEmpty: true,
    clock: () => day * 86_400_000_000 + 6.5 * 3_600_000_000,
  });
  step(
    `took config snapshot ${snap.snapshot_id} (${Object.keys(snap.files).length} files${snap.redacted ? ', secrets redacted' : ''})`,
  );
  return snap.snapshot_id;
}

/** Exports the day unless its pack exists; returns the new pack's manifest hash, or undefined. */
async function exportUnlessPresent(
  options: DemoOptions,
  date: string,
  now: number,
  packPath: string,
  step: (text: string) => void,
): Promise<string | undefined> {
  if (existsSync(packPath)) {
    step(
      `pack ${packPath} already exists; verifying it instead of exporting again (use \`auditpack export --date ${date} --force\` for a new version)`,
    );
    return undefined;
  }
  const r = await runDailyExport({
    date,
    logDir: options.logDir,
    artifactsDir: options.artifactsDir,
    version: options.version,
    snapshot: options.snapshot,
    ...(options.signingKey ? { signingKey: options.signingKey } : {}),
    ...(options.alertFilter ? { alertFilter: options.alertFilter } : {}),
    now: () => now,
  });
  const m = r.export.manifest;
  step(
    `exported ${packPath}: ${m.events.total} events, ${m.rows.orders} orders, ${m.rows.fills} fills, ${m.rows.alerts} alerts${r.export.signed ? ', signed' : ''}`,
  );
  const t = r.export.compliance;
  step(
    `compliance checks: ${t.total} finding(s) — ${t.critical} critical, ${t.warning} warning, ${t.info} info; open ${join(packPath, 'data', 'report.html')} in a browser`,
  );
  return r.export.manifestSha256;
}
