/**
 * Compliance checks over the audit trail: the policy, the streaming engine, the report, its CSV and
 * its page.
 */
export {
  RULES,
  RULE_IDS,
  SEVERITIES,
  type RuleId,
  type Severity as FindingSeverity,
  type Finding,
  type Evidence,
  type SeverityTotals,
  type AuditSummary,
} from './types.js';
export {
  DEFAULT_POLICY_PATH,
  DEFAULT_POLICY_SOURCE,
  parsePolicy,
  defaultPolicy,
  type CompliancePolicy,
  type SymbolPolicy,
  type LoadedPolicy,
} from './policy.js';
export {
  PolicyTimeline,
  loadPolicyTimeline,
  policyFromText,
  LOST_IN_PERIOD_NOTE,
  type PolicyInForce,
  type LoadTimelineOptions,
} from './timeline.js';
export { ComplianceEngine, type LogEvent, type LineRef, type EngineResult } from './engine.js';
export {
  checkCompliance,
  checkLogFile,
  checkOrder,
  LineFeeder,
  parseEventLine,
  recoveryFileOf,
  type CheckOptions,
  type OrderLifecycle,
} from './check.js';
export {
  COMPLIANCE_REPORT_FORMAT,
  COMPLIANCE_RULES_VERSION,
  FINDINGS_CSV_COLUMNS,
  buildReport,
  reportJson,
  reportJsonPieces,
  findingsCsv,
  findingsCsvRows,
  compareReports,
  timelineOfReport,
  reaches,
  reportReaches,
  type ComplianceReport,
  type MissingDay,
  type RecordedPolicy,
  type ReportDifference,
} from './report.js';
export { renderReportHtml, escapeHtml, type PackFacts } from './html.js';
