/**
 * Daily export packs: a BagIt bag per UTC day with the day's log, CSVs of orders and
 * fills, significant events, config snapshot and diffs, manifests and an optional signature.
 */
export {
  exportPack,
  PACK_FORMAT,
  PAYLOAD_FILES,
  TAG_FILES,
  type ExportPackOptions,
  type ExportProgress,
  type ExportResult,
  type PackManifest,
} from './export.js';
export { FILL_COLUMNS, ORDER_COLUMNS } from './csv.js';
export { MAX_REPORTED_MALFORMED, type MalformedLine } from './scan-day.js';
export {
  findPreviousPack,
  listPackEntries,
  packDirName,
  parsePackName,
  PRUNED_LEDGER,
  readPrunedLedger,
  TMP_PREFIX,
  type PackEntry,
  type PrunedEntry,
} from './layout.js';
export type { PackSnapshotOptions } from './config-files.js';
