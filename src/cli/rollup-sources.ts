/**
 * What `rollup` and `prove` share: where host packs come from. `--from [HOST=]DIR` (a pack, an
 * artifacts directory, or a `.tar.gz`) and `--from-archive [PREFIX]` (the configured bucket's
 * `<PREFIX><host>/<date>.tar.gz`; PREFIX defaults to the configured `archive.prefix`).
 */
import type { ArchiveSource, HostSource } from '../rollup/index.js';
import { AuditpackError } from '../errors.js';
import { archiveSetup } from './archive-setup.js';
import type { CliIO } from './io.js';

export interface SourceFlags {
  from?: string[];
  fromArchive?: string | boolean;
}

/** The `--from` sources and the bucket, if `--from-archive` was given; USAGE when neither was. */
export async function hostSources(
  io: CliIO,
  flags: SourceFlags,
): Promise<{ sources: HostSource[]; archive?: ArchiveSource }> {
  const { parseHostSource, requireSources } = await import('../rollup/index.js');
  const sources = (flags.from ?? []).map((v) => parseHostSource(v, io.cwd));
  requireSources(sources);
  if (flags.fromArchive === undefined || flags.fromArchive === false) {
    if (sources.length === 0) throw new AuditpackError('USAGE', 'give the host packs with --from or --from-archive');
    return { sources };
  }
  const { settings } = await archiveSetup(io, {});
  const prefix = flags.fromArchive === true ? settings.prefix : normalisePrefix(flags.fromArchive);
  return { sources, archive: { settings, prefix } };
}

/** A key prefix as the config accepts it: relative, no empty, `.` or `..` part, ending in `/`. */
function normalisePrefix(raw: string): string {
  const p = raw === '' || raw.endsWith('/') ? raw : `${raw}/`;
  if (
    p.startsWith('/') ||
    !/^[A-Za-z0-9!_.*'()/-]*$/.test(p) ||
    p.split('/').some((x, i, a) => (x === '' && i < a.length - 1) || x === '.' || x === '..')
  )
    throw new AuditpackError('USAGE', `--from-archive: ${JSON.stringify(raw)} is not a key prefix`);
  return p;
}
