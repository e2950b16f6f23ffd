/**
 * The public API, pinned: every value each entry point of the package exports (types are checked
 * by the TypeScript consumer test). Adding a name is a decision; removing or renaming one breaks
 * users. Entry points are the keys of package.json "exports" (but ./package.json).
 */
export const PUBLIC_API = {
  auditpack: [
    // errors
    'AuditpackError',
    'ExitCode',
    'exitCodeFor',
    'isAuditpackError',
    // configuration
    'resolveConfig',
    // the logger and its event helpers
    'createAuditLogger',
    'MemorySink',
    'KNOWN_EVENTS',
    'getDefaultLogger',
    'closeDefaultLogger',
    'auditOrder',
    'auditFill',
    'auditConfig',
    'auditAlert',
    'auditLogin',
    'auditRiskCheck',
    'auditRiskOverride',
    'auditDecision',
    'auditKillSwitch',
    'logRiskCheck',
    'logRiskOverride',
    'logDecision',
    'logKillSwitch',
    // config snapshots
    'createConfigSnapshot',
    'startupSnapshot',
    'snapshotOptionsFromConfig',
    'listSnapshots',
    'readSnapshot',
    'diffSnapshots',
    // daily packs
    'exportPack',
    'runDailyExport',
    'prune',
    'generateSigningKey',
    // verification
    'verifyLog',
    'verifyLogDir',
    'verifyPack',
    'verifyArchive',
    'verifyPath',
    'verifyRollup',
    'verifyRollupDir',
    // compliance checks
    'checkCompliance',
    'checkOrder',
    'reaches',
    'reportReaches',
    // S3 Object Lock archive
    'initArchive',
    'pushPacks',
    'pushReviews',
    'listArchive',
    'verifyArchived',
    'pullPack',
    'setLegalHold',
    // RFC 3161 time-stamps
    'anchorLog',
    'anchorPack',
    // pack review: dispositions, transitions (four eyes, countersigned), status
    'recordDispositions',
    'dispositionsFromCsv',
    'parseDisposition',
    'reviewTransition',
    'reviewStatus',
  ],
  'auditpack/verify': [
    'AuditpackError',
    'isAuditpackError',
    'GENESIS_HASH',
    'hashLine',
    'verifyLog',
    'verifyLogDir',
    'verifyPack',
    'verifyArchive',
    'verifyPath',
    'verifyRollup',
    'detectPathKind',
    'MAX_FINDINGS_PER_CODE',
    'verifySshsig',
    'parseAllowedSigners',
    'parseOpenSshPublicKey',
    'fingerprint',
    'verifyTimestamp',
    'loadTsaCa',
  ],
} as const;
