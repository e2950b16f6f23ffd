/** Roll-ups: one firm-wide day from every host's pack (docs/FORMAT.md, "Roll-ups"). */
export { parseHostSource, readHostsFile, requireSources, type HostSource, type RollupFinding } from './hosts.js';
export { rollupDay, type HostEntry, type RollupOptions, type RollupResult } from './rollup.js';
export { locatePack, packDirOf, unpackPack, type ArchiveSource } from './sources.js';
export { verifyRollupHosts, type VerifyRollupHostsOptions } from './verify-hosts.js';
