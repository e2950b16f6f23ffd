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
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import { DEFAULT_POLICY_PATH } from '../compliance/policy.js';
import { DEMO_POLICY } from './policy.js';
import type { AlertFilterConfig } from '../config.js';
import { AuditpackError } from '../errors.js';
import { createAuditLogger, logRiskCheck } from '../logger/index.js';
import { supervisionScenarios } from './scenarios.js';
import { runDailyExport } from '../pack/daily.js';
import type { PackSnapshotOptions } from '../pack/config-files.js';
import { dayNumberOfIsoDate, dayOfLogFileName, logFileName } from '../rotation/index.js';
import { createConfigSnapshot, snapshotsOnDay } from '../snapshot/index.js';
import { verifyPack, type PackReport } from '../verify/index.js';

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

const SYMBOLS = [
  { symbol: 'EURUSD', mid: 1.0843, digits: 5, lot: 100000 },
  { symbol: 'GBPUSD', mid: 1.2712, digits: 5, lot: 100000 },
  { symbol: 'XAUUSD', mid: 2391.4, digits: 2, lot: 10 },
] as const;
const TRADERS = ['alice', 'bob', 'chen'] as const;

/** A deterministic pseudo-random sequence (mulberry32), so every demo day has the same shape. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the demo trading day for UTC day `day` into `logDir`. Returns the number of events. */
export async function generateDemoDay(logDir: string, day: number): Promise<number> {
  const rand = rng(day);
  let micros = day * 86_400_000_000 + 7 * 3_600_000_000; // 07:00 UTC, London open
  const step = (minS: number, maxS: number): void => {
    micros += Math.floor((minS + rand() * (maxS - minS)) * 1_000_000);
  };
  const logger = createAuditLogger({
    logDir,
    handleExit: false,
    clock: () => micros,
    host: 'trader-1',
    pid: 4711,
    actor: 'demo',
  });
  let count = 0;
  const c = (accepted: boolean): void => {
    if (accepted) count++;
  };
  const price = (s: (typeof SYMBOLS)[number]): string => (s.mid * (1 + (rand() - 0.5) / 500)).toFixed(s.digits);

  // Morning logins, one mistyped password first.
  c(logger.auth('LoginFailed', { user: 'bob', sourceIp: '10.20.0.14', reason: 'bad password' }) as boolean);
  step(5, 20);
  for (const user of TRADERS) {
    c(
      logger.auth('Login', {
        user,
        sourceIp: `10.20.0.${10 + TRADERS.indexOf(user) * 2}`,
        sessionToken: `tok-${user}-${day}`,
      }) as boolean,
    );
    step(10, 60);
  }

  let n = 0;
  for (let i = 0; i < 60; i++) {
    const s = SYMBOLS[i % SYMBOLS.length] as (typeof SYMBOLS)[number];
    const side = rand() < 0.5 ? 'BUY' : 'SELL';
    const orderId = `ORD-${day}-${String(++n).padStart(4, '0')}`;
    const quantity = s.lot * (1 + Math.floor(rand() * 5));
    const px = price(s);
    const trader = TRADERS[i % TRADERS.length] as string;
    step(30, 600);
    if (i % 17 === 16) {
      c(
        logRiskCheck(logger, {
          orderId,
          symbol: s.symbol,
          result: 'reject',
          score: 0.71,
          checks: [{ name: 'max_order_notional', passed: false }],
          referencePrice: s.mid.toFixed(s.digits),
        }) as boolean,
      );
      c(
        logger.order('Rejected', {
          orderId,
          symbol: s.symbol,
          side,
          quantity,
          price: px,
          trader,
          reason: 'max_order_notional exceeded',
        }) as boolean,
      );
      continue;
    }
    c(
      logRiskCheck(logger, {
        orderId,
        symbol: s.symbol,
        result: 'pass',
        score: Number((0.1 + rand() * 0.4).toFixed(2)),
        checks: [
          { name: 'max_order_notional', passed: true },
          { name: 'price_collar', passed: true },
        ],
        referencePrice: s.mid.toFixed(s.digits),
      }) as boolean,
    );
    step(0.01, 0.2);
    c(
      logger.order('OrderAccepted', {
        orderId,
        symbol: s.symbol,
        side,
        quantity,
        price: px,
        trader,
        strategy: 'mean-revert-v2',
      }) as boolean,
    );
    if (i % 11 === 5) {
      step(5, 120);
      c(
        logger.order('Cancelled', {
          orderId,
          symbol: s.symbol,
          side,
          quantity,
          trader,
          reason: 'user cancel',
        }) as boolean,
      );
      continue;
    }
    // Fill in one or two parts.
    let left = quantity;
    let deal = 0;
    while (left > 0) {
      step(0.05, 3);
      const part = left > s.lot && rand() < 0.5 ? s.lot : left;
      left -= part;
      const dealId = `DL-${orderId.slice(4)}-${++deal}`;
      const fillPx = price(s);
      const ev = left > 0 ? 'PartiallyFilled' : 'Filled';
      c(
        logger.fill(
          {
            orderId,
            dealId,
            symbol: s.symbol,
            side,
            quantity: part,
            price: fillPx,
            venue: s.symbol === 'XAUUSD' ? 'EBS' : 'LMAX',
            liquidity: rand() < 0.6 ? 'maker' : 'taker',
          },
          ev,
        ) as boolean,
      );
      c(
        logger.order(ev, {
          orderId,
          symbol: s.symbol,
          side,
          quantity: part,
          price: fillPx,
          leavesQuantity: left,
        }) as boolean,
      );
    }
    if (i % 9 === 3) {
      step(60, 900);
      c(logger.order('StopUpdated', { orderId, symbol: s.symbol, side, stopPrice: price(s), trader }) as boolean);
    }
    if (i === 30) {
      // Midday: risk raises a limit, and says so.
      step(60, 300);
      c(
        logger.config('risk', {
          filePath: 'configs/risk.yaml',
          key: 'max_order_notional',
          oldValue: 1000000,
          newValue: 1500000,
          approvedBy: 'risk-officer',
          ticket: 'RISK-1182',
        }) as boolean,
      );
    }
    if (i === 22 || i === 47) {
      step(1, 30);
      c(
        logger.alert({
          alertType: 'exposure',
          message: `Net exposure on ${s.symbol} at 86% of limit`,
          severity: i === 47 ? 'HIGH' : 'MEDIUM',
          symbol: s.symbol,
        }) as boolean,
      );
    }
  }
  // The afternoon: one breach of each compliance rule, so the day's report shows them all.
  step(300, 600);
  count += await supervisionScenarios(
    logger,
    logDir,
    day,
    () => micros,
    (us) => (micros = us),
    step,
    SYMBOLS[0],
  );
  step(120, 600);
  c(
    logger.alert({ alertType: 'pnl', message: 'Daily loss at 82% of max_daily_loss', severity: 'CRITICAL' }) as boolean,
  );
  for (const user of TRADERS) {
    step(30, 300);
    c(logger.auth('Logout', { user }) as boolean);
  }
  await logger.close();
  return count;
}

/** Runs the demo: generate (unless present), snapshot, export (unless present), verify. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const now = options.now ?? Date.now();
  const day = Math.floor(now / 86_400_000) - 1;
  const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
  if (dayNumberOfIsoDate(date) === undefined) throw new AuditpackError('INTERNAL', `bad demo date ${date}`);
  const step = options.onStep ?? (() => undefined);

  let generated = 0;
  let generationSkipped: string | null = null;
  const logFile = join(options.logDir, logFileName(day));
  const later = existsSync(options.logDir)
    ? readdirSync(options.logDir).filter((f) => {
        const d = dayOfLogFileName(f);
        return d !== undefined && d > day;
      })
    : [];
  let snapshotId: string | null = null;
  if (existsSync(logFile)) {
    generationSkipped = `${logFileName(day)} already exists; its events are used as they are`;
  } else if (later.length > 0) {
    // Writing yesterday's events now would make them `late` lines in the newer file (docs/FORMAT.md).
    generationSkipped = `a newer log (${later.sort().at(-1)}) exists, so events dated ${date} cannot be added without making them late; exporting the day as it is`;
  } else {
    // The sample policy, so the day's report shows every rule (never over a policy of the user's).
    const policyPath = join(options.cwd, DEFAULT_POLICY_PATH);
    if (!existsSync(policyPath)) {
      mkdirSync(dirname(policyPath), { recursive: true });
      writeFileSync(policyPath, DEMO_POLICY, { flag: 'wx' });
      step(`wrote the sample compliance policy ${DEFAULT_POLICY_PATH}`);
    }
    // A snapshot before trading starts (06:30 UTC), then the day's events.
    const existing = await snapshotsOnDay({ snapshotDir: options.snapshot.snapshotDir, date });
    if (existing.length === 0) {
      const { takeIfMissing: _t, ...so } = options.snapshot;
      const snap = await createConfigSnapshot({
        ...so,
        logDir: options.logDir,
        reason: 'demo: start of trading day',
        allowEmpty: true,
        clock: () => day * 86_400_000_000 + 6.5 * 3_600_000_000,
      });
      snapshotId = snap.snapshot_id;
      step(
        `took config snapshot ${snap.snapshot_id} (${Object.keys(snap.files).length} files${snap.redacted ? ', secrets redacted' : ''})`,
      );
    }
    generated = await generateDemoDay(options.logDir, day);
    step(`wrote ${generated} sample events for ${date} to ${logFile}`);
  }
  if (generationSkipped !== null) step(`not generating events: ${generationSkipped}`);

  const packPath = join(options.artifactsDir, date);
  let exported = false;
  let manifestSha256: string | null = null;
  if (existsSync(packPath)) {
    step(
      `pack ${packPath} already exists; verifying it instead of exporting again (use \`auditpack export --date ${date} --force\` for a new version)`,
    );
  } else {
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
    exported = true;
    manifestSha256 = r.export.manifestSha256;
    const m = r.export.manifest;
    step(
      `exported ${packPath}: ${m.events.total} events, ${m.rows.orders} orders, ${m.rows.fills} fills, ${m.rows.alerts} alerts${r.export.signed ? ', signed' : ''}`,
    );
    const t = r.export.compliance;
    step(
      `compliance checks: ${t.total} finding(s) — ${t.critical} critical, ${t.warning} warning, ${t.info} info; open ${join(packPath, 'data', 'report.html')} in a browser`,
    );
  }
  const report = await verifyPack(packPath, {});
  return Object.freeze({
    date,
    generated,
    generationSkipped,
    snapshotId,
    exported,
    packPath,
    manifestSha256,
    verify: report,
  });
}
