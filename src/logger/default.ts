/**
 * The process-wide default logger, configured from the environment (AUDIT_LOG_DIR,
 * AUDIT_REDACTION_ENABLED, AUDIT_REDACT_KEYS, AUDIT_DURABILITY, AUDIT_HEARTBEAT_MINUTES, the config file), made on first use,
 * and the convenience functions the trading app calls. They never throw, but for the first call on an
 * install whose lock addon cannot load (ADDON_UNAVAILABLE; call getDefaultLogger() at start-up).
 */
import { resolveConfig } from '../config.js';
import { AuditpackError } from '../errors.js';
import { createAuditLogger } from './logger.js';
import { recordWriterEvent } from './child.js';
import { CONFIG_INVALID_EVENT, WRITER_EVENT_CATEGORY } from '../format/writer-events.js';
import {
  logDecision,
  logKillSwitch,
  logRiskCheck,
  logRiskOverride,
  type DecisionFields,
  type KillSwitchFields,
  type RiskCheckFields,
  type RiskOverrideFields,
} from './trading.js';
import type {
  AlertFields,
  AuditLogger,
  AuthEvent,
  AuthFields,
  ConfigChangeFields,
  FillEvent,
  FillFields,
  OrderEvent,
  OrderFields,
} from './types.js';

let defaultLogger: AuditLogger | undefined;

/**
 * The default logger, made from the environment on first call. Call it at start-up to learn there,
 * not at the first event, that the install cannot write (ADDON_UNAVAILABLE: the lock addon was not
 * built for this Node.js).
 */
export function getDefaultLogger(): AuditLogger {
  if (defaultLogger) return defaultLogger;
  let configError: AuditpackError | undefined;
  let logger: AuditLogger;
  try {
    const c = resolveConfig();
    logger = createAuditLogger({
      logDir: c.logDir,
      durability: c.durability,
      heartbeatMinutes: c.heartbeatMinutes,
      redaction: { enabled: c.redactionEnabled, keys: c.redactKeys, patterns: c.redactPatterns },
    });
  } catch (err) {
    // An install that cannot lock cannot write at all: a logger with defaults would fail the same way.
    if (err instanceof AuditpackError && err.code === 'ADDON_UNAVAILABLE') throw err;
    // A bad setting must not stop the audit trail: defaults (redaction on) and the error on record.
    configError =
      err instanceof AuditpackError ? err : new AuditpackError('CONFIG_INVALID', String(err), { cause: err });
    logger = createAuditLogger({});
  }
  defaultLogger = logger;
  if (configError)
    void recordWriterEvent(logger, WRITER_EVENT_CATEGORY, CONFIG_INVALID_EVENT, {
      code: configError.code,
      message: configError.message,
    });
  return logger;
}

/** Closes the default logger (flushing it); the next convenience call makes a new one. */
export async function closeDefaultLogger(): Promise<void> {
  const l = defaultLogger;
  defaultLogger = undefined;
  await l?.close();
}

/** Records an order event (OrderAccepted, PartiallyFilled, Filled, Rejected, StopUpdated, Cancelled). */
export function auditOrder(event: OrderEvent, fields: OrderFields): boolean | Promise<void> {
  return getDefaultLogger().order(event, fields);
}

/** Records a fill (Filled by default, or PartiallyFilled). */
export function auditFill(fields: FillFields, event?: FillEvent): boolean | Promise<void> {
  return getDefaultLogger().fill(fields, event);
}

/** Records a configuration change. */
export function auditConfig(configType: string, fields: ConfigChangeFields): boolean | Promise<void> {
  return getDefaultLogger().config(configType, fields);
}

/** Records an alert that was sent. */
export function auditAlert(fields: AlertFields): boolean | Promise<void> {
  return getDefaultLogger().alert(fields);
}

/** Records a login: `Login` when `success` is true or absent, `LoginFailed` when false; or an explicit `event`. */
export function auditLogin(fields: AuthFields & { success?: boolean; event?: AuthEvent }): boolean | Promise<void> {
  const { success, event, ...rest } = fields ?? {};
  return getDefaultLogger().auth(event ?? (success === false ? 'LoginFailed' : 'Login'), rest);
}

/** Records a pre-trade RiskCheck (result pass/reject, score, the individual checks, reference price). */
export function auditRiskCheck(fields: RiskCheckFields): boolean | Promise<void> {
  return logRiskCheck(getDefaultLogger(), fields);
}

/** Records a RiskOverride (who, approver, reason, limit). */
export function auditRiskOverride(fields: RiskOverrideFields): boolean | Promise<void> {
  return logRiskOverride(getDefaultLogger(), fields);
}

/** Records a DecisionRecorded (reviewer kind, decision, signal id). */
export function auditDecision(fields: DecisionFields): boolean | Promise<void> {
  return logDecision(getDefaultLogger(), fields);
}

/** Records the kill switch turned on (`true`) or off. */
export function auditKillSwitch(on: boolean, fields: KillSwitchFields = {}): boolean | Promise<void> {
  return logKillSwitch(getDefaultLogger(), on, fields);
}
