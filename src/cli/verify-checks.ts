/**
 * The checks `verify` prints for each kind of target, in order, and which finding codes belong to
 * each (a finding no check claims is shown under "other").
 */
import type { ProblemCode } from '../verify/index.js';

/** The archive's findings about its newest pack and the exports, held to the live log. */
const LIVE_CODES: readonly ProblemCode[] = [
  'ARCHIVE_LIVE_LOG_MISMATCH',
  'ARCHIVE_EXPORT_MISMATCH',
  'ARCHIVE_EXPORT_UNRECORDED',
  'ARCHIVE_VERSION_UNRECORDED',
  'ARCHIVE_PACK_MISSING',
  'ARCHIVE_TAIL_UNCHECKED',
  'ARCHIVE_LIVE_LOG_UNCHECKED',
];

/** The check `verify <roll-up> --from` runs; without --from it is not run (the CLI says so). */
export const HOST_PACKS_LABEL = 'host packs verified again against hosts.json (--from)';

/** The checks shown for each kind of target, in order, and which finding codes belong to each. */
export const CHECKS: readonly { label: string; kinds: readonly string[]; match: (c: ProblemCode) => boolean }[] = [
  {
    label: 'directory contents',
    kinds: ['archive', 'log-dir', 'empty', 'rollup-dir'],
    match: (c) =>
      [
        'ROLLUP_ENTRY_UNEXPECTED',
        'ENTRY_IGNORED',
        'NOT_A_REGULAR_FILE',
        'EMPTY_DIRECTORY',
        'UNRECOGNISED_PATH',
        'LOG_DIR_EMPTY',
        'LOG_FILE_NAME_INVALID',
        'LOG_FILE_FUTURE',
      ].includes(c),
  },
  {
    label: 'BagIt structure (bagit.txt, bag-info.txt, Payload-Oxum)',
    kinds: ['pack', 'pack-tar', 'archive', 'rollup', 'rollup-dir'],
    match: (c) => ['PACK_BAGIT_INVALID', 'PACK_BAG_INFO_INVALID', 'PACK_OXUM_MISMATCH', 'PACK_TAR_INVALID'].includes(c),
  },
  {
    label: 'payload files against manifest-sha256.txt',
    kinds: ['pack', 'pack-tar', 'archive', 'rollup', 'rollup-dir'],
    match: (c) =>
      [
        'PACK_MANIFEST_INVALID',
        'PACK_FILE_MISSING',
        'PACK_FILE_HASH_MISMATCH',
        'PACK_FILE_UNLISTED',
        'PACK_PATH_UNSAFE',
        'PACK_FILE_UNEXPECTED',
      ].includes(c),
  },
  {
    label: 'tag manifest',
    kinds: ['pack', 'pack-tar', 'archive', 'rollup', 'rollup-dir'],
    match: (c) => ['PACK_TAGMANIFEST_INVALID', 'PACK_TAG_HASH_MISMATCH'].includes(c),
  },
  {
    label: 'manifest.json agrees with the files',
    kinds: ['pack', 'pack-tar', 'archive'],
    match: (c) =>
      c.startsWith('PACK_MANIFEST_JSON') ||
      c.startsWith('PACK_DATE_') ||
      ['PACK_FILE_SIZE_MISMATCH', 'PACK_SUMMARY_MISMATCH'].includes(c),
  },
  {
    label: 'signature',
    kinds: ['pack', 'pack-tar', 'archive', 'rollup', 'rollup-dir'],
    match: (c) => c.startsWith('PACK_SIGNATURE') || c === 'PACK_UNSIGNED',
  },
  {
    label: 'every line is a valid event',
    kinds: ['log', 'log-dir', 'pack', 'pack-tar', 'archive'],
    match: (c) =>
      [
        'LOG_LINE_INVALID',
        'LOG_LINE_TOO_LONG',
        'LOG_LINE_TOO_DEEP',
        'LOG_TORN_TAIL',
        'LOG_TAIL_INVALID',
        'LOG_FILE_EMPTY',
        'LOG_TORN_LINE_RECOVERED',
        'LOG_RECOVERY_MISMATCH',
      ].includes(c),
  },
  {
    label: 'hash chain and seq',
    kinds: ['log', 'log-dir', 'pack', 'pack-tar', 'archive'],
    match: (c) =>
      [
        'LOG_SEQ_GAP',
        'LOG_CHAIN_BROKEN',
        'LOG_LINE_OUT_OF_PLACE',
        'LOG_LINE_DUPLICATE',
        'LOG_GENESIS_INVALID',
        'LOG_CHAIN_START',
        'LOG_FILE_LINK_BROKEN',
        'LOG_FILE_REMOVAL_UNRECORDED',
        'LOG_DISCONTINUITY',
        'LOG_HEAD_LOST',
        'LOG_SNAPSHOT_UNCHAINED',
      ].includes(c) || c.startsWith('PACK_CHAIN'),
  },
  {
    label: 'dates and clocks',
    kinds: ['log', 'log-dir', 'pack', 'pack-tar', 'archive'],
    match: (c) => c === 'LOG_DATE_MISMATCH' || c === 'LOG_CLOCK_BACKWARDS',
  },
  {
    label: 'event counts, CSV cells and alerts agree with the log',
    kinds: ['pack', 'pack-tar', 'archive'],
    match: (c) =>
      [
        'PACK_EVENT_COUNT_MISMATCH',
        'PACK_ROW_COUNT_MISMATCH',
        'PACK_CSV_INVALID',
        'PACK_ALERT_NOT_IN_LOG',
        'PACK_CSV_MISMATCH',
        'PACK_ALERTS_MISMATCH',
        'PACK_LINE_TREE_MISMATCH',
      ].includes(c),
  },
  {
    label: 'links between packs and the pruned ledger',
    kinds: ['archive'],
    match: (c) => c.startsWith('ARCHIVE_') && !LIVE_CODES.includes(c),
  },
  {
    label: 'the newest pack and the exports against the live log',
    kinds: ['archive'],
    match: (c) => LIVE_CODES.includes(c),
  },
  {
    label: 'rollup.json, its chain hash and hosts.json',
    kinds: ['rollup', 'rollup-dir'],
    match: (c) =>
      [
        'ROLLUP_RECORD_INVALID',
        'ROLLUP_CHAIN_HASH_MISMATCH',
        'ROLLUP_HOSTS_INVALID',
        'ROLLUP_HOSTS_MISMATCH',
        'ROLLUP_FORMAT_OLD',
      ].includes(c),
  },
  {
    label: 'Merkle root over the host packs (RFC 6962)',
    kinds: ['rollup', 'rollup-dir'],
    match: (c) => c === 'ROLLUP_TREE_MISMATCH',
  },
  {
    label: 'link to the previous roll-up',
    kinds: ['rollup', 'rollup-dir'],
    match: (c) => ['ROLLUP_PREVIOUS_MISMATCH', 'ROLLUP_PREVIOUS_UNCHECKED', 'ROLLUP_DAY_MISSING'].includes(c),
  },
  {
    label: 'the days side by side: each once, in date order',
    kinds: ['rollup-dir'],
    match: (c) => c === 'ROLLUP_DAY_DUPLICATE' || c === 'ROLLUP_DAY_OUT_OF_ORDER',
  },
  {
    label: 'merged orders.csv and fills.csv: order and row counts',
    kinds: ['rollup', 'rollup-dir'],
    match: (c) => ['ROLLUP_MERGED_INVALID', 'ROLLUP_MERGED_COUNT_MISMATCH', 'ROLLUP_MERGED_ORDER'].includes(c),
  },
  {
    label: 'findings.json and the other committed payload files',
    kinds: ['rollup', 'rollup-dir'],
    match: (c) => c === 'ROLLUP_FINDINGS_INVALID' || c === 'ROLLUP_PAYLOAD_MISMATCH',
  },
  {
    label: HOST_PACKS_LABEL,
    kinds: ['rollup'],
    match: (c) =>
      c === 'ROLLUP_HOST_PACK_MISMATCH' || c === 'ROLLUP_HOST_PACK_UNCHECKED' || c === 'ROLLUP_SIGNED_BY_HOST_KEY',
  },
  { label: 'review records and approvals', kinds: ['pack', 'archive'], match: (c) => c.startsWith('REVIEW_') },
  {
    label: 'time-stamp tokens',
    kinds: ['log', 'log-dir', 'pack', 'pack-tar', 'archive'],
    match: (c) => c.startsWith('TIMESTAMP_') || c.startsWith('LOG_ANCHOR_') || c === 'TSA_CA_UNPINNED',
  },
];
