/**
 * The host packs of one day: found in the directories given, named, verified and described for
 * hosts.json. Each host keeps its own chain and artifacts directory; the roll-up reads them and
 * changes nothing.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AuditpackError, wrapFsError } from '../errors.js';
import { HOST_NAME } from '../format/rollup.js';
import { type PackManifest, PACK_PATH, ROOT_FILE_BOUNDS } from '../format/pack.js';
import { readSmallFile } from '../fsx/digest.js';
import { readBounded } from '../compliance/carry-source.js';
import { keyInsideSshsig } from '../signing/index.js';
import { readRegularSync } from '../fsx/regular.js';
import { recoveryFileOf } from '../compliance/index.js';
import { verifyPack } from '../verify/index.js';
import { scanHostLog, type HostScan } from './host-scan.js';
import { locatePack } from './sources.js';

/** One `--from` source: a host's artifacts directory or the pack itself, optionally named (`HOST=DIR`). */
export interface HostSource {
  readonly dir: string;
  readonly host?: string;
}

/**
 * Every `--from` path must exist: one that does not (a share not mounted, a typo, a directory removed)
 * stops the command with PATH_NOT_FOUND before anything is written. It was a ROLLUP_SOURCE_EMPTY
 * warning, and without `--hosts` the firm's day was written and signed without that host, exit 0
 * (at62 F7). A directory that exists but holds no pack of the day is still that warning.
 */
export function requireSources(sources: readonly HostSource[]): void {
  for (const s of sources) {
    let missing = false;
    try {
      missing = lstatSync(s.dir, { throwIfNoEntry: false }) === undefined;
    } catch {
      // Unreadable on the way (EACCES, ENOTDIR…): the loader says why, as before.
    }
    if (missing)
      throw new AuditpackError(
        'PATH_NOT_FOUND',
        `--from ${s.host === undefined ? '' : `${s.host}=`}${s.dir} does not exist: nothing was done (leave it out to go on without that host)`,
        { details: { path: s.dir } },
      );
  }
}

/** The key that signed a pack's or roll-up's tag manifest (its SSHSIG's own key), undefined when unsigned or unreadable. */
export function tagSigner(dir: string): KeyObject | undefined {
  const sig = readBounded(join(dir, PACK_PATH.signature), MAX_SIGNATURE_BYTES);
  return sig === undefined ? undefined : keyInsideSshsig(sig.toString('utf8'));
}

/**
 * The hosts among `packs` whose pack is signed by `key`. A roll-up signed with a host's pack key is
 * vouched for by that key: whoever holds one host's key (that host's operator) could edit the firm's
 * roll-up, re-sign it, and a verify given every host's key to check the host packs called it intact
 * (at62 F1). Roll-ups are signed with a key of their own.
 */
export function hostsSignedBy(key: KeyObject, packs: readonly HostPack[]): string[] {
  return packs.filter((p) => tagSigner(p.packDir)?.equals(key) === true).map((p) => p.host);
}

/** What the roll-up knows of one received host pack. */
export interface HostPack {
  readonly host: string;
  readonly packDir: string;
  readonly manifestSha256: string;
  readonly manifest: PackManifest;
  readonly verdict: 'ok' | 'failed';
  readonly problems: readonly string[];
  readonly scan: HostScan;
}

/** A finding of the roll-up (docs/errors.md, "Roll-up findings"). */
export interface RollupFinding {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly host: string | null;
  readonly detail: string;
}

/** A signature file is a few hundred bytes; read at most this much of one. */
const MAX_SIGNATURE_BYTES = 64 * 1024;

/** The problem code of a host pack whose manifest is of another day than the roll-up's. */
export const WRONG_DAY = 'ROLLUP_PACK_WRONG_DAY';

/** Parses `--from` values: `DIR` or `HOST=DIR` (a host name holds no `=` or `/`). */
export function parseHostSource(value: string, cwd: string): HostSource {
  const eq = value.indexOf('=');
  if (eq > 0 && !value.slice(0, eq).includes('/')) {
    const host = value.slice(0, eq);
    if (!HOST_NAME.test(host)) throw new AuditpackError('USAGE', `--from: ${JSON.stringify(host)} is not a host name`);
    return { host, dir: resolve(cwd, value.slice(eq + 1)) };
  }
  return { dir: resolve(cwd, value) };
}

/** Reads, names and verifies one host pack; a finding instead when it cannot be used. */
export async function loadHostPack(
  src: HostSource,
  date: string,
  trust: { publicKeys?: readonly KeyObject[] },
  findings: RollupFinding[],
  stage: string,
): Promise<HostPack | undefined> {
  let packDir: string | undefined;
  try {
    packDir = await locatePack(src.dir, date, stage, (detail) =>
      findings.push({ code: 'ROLLUP_SOURCE_INVALID', severity: 'warning', host: src.host ?? null, detail }),
    );
  } catch (err) {
    // One host's unreadable .tar.gz must not stop the firm's roll-up: it is a finding.
    if (!(err instanceof AuditpackError) || err.code !== 'ARCHIVE_PACK_INVALID') throw err;
    findings.push({ code: 'ROLLUP_SOURCE_INVALID', severity: 'error', host: src.host ?? null, detail: err.message });
    return undefined;
  }
  if (packDir === undefined) {
    findings.push({
      code: 'ROLLUP_SOURCE_EMPTY',
      severity: 'warning',
      host: src.host ?? null,
      detail: `${src.dir} holds no pack of ${date}`,
    });
    return undefined;
  }
  // Bounded, no link followed, a FIFO refused at once (not waited on): a host's pack is hostile input.
  // One that cannot be read leaves the manifest empty; verify below says why and the pack fails.
  const read = readSmallFile(join(packDir, PACK_PATH.manifestJson), ROOT_FILE_BOUNDS[PACK_PATH.manifestJson] as number);
  const bytes = typeof read === 'string' ? Buffer.alloc(0) : read;
  // A recovery in the pack's log names the day's file (docs/FORMAT.md "Torn lines and recovery").
  const scan = await scanHostLog(join(packDir, PACK_PATH.log), src.host, recoveryFileOf(date));
  const host = src.host ?? scan.host;
  if (host === undefined || !HOST_NAME.test(host)) {
    findings.push({
      code: 'ROLLUP_HOST_UNNAMED',
      severity: 'error',
      host: null,
      detail: `${packDir}: no usable host name in its lines${host === undefined ? '' : ` (${JSON.stringify(host).slice(0, 80)})`}; name it with --from HOST=DIR`,
    });
    return undefined;
  }
  if (src.host !== undefined && scan.host !== undefined && scan.host !== src.host)
    findings.push({
      code: 'ROLLUP_HOST_MIXED',
      severity: 'warning',
      host: src.host,
      detail: `named ${src.host} by --from, but its lines say host ${JSON.stringify(scan.host).slice(0, 80)}`,
    });
  const report = await verifyPack(packDir, trust);
  const errors: string[] = report.problems.filter((p) => p.severity === 'error').map((p) => p.code);
  let manifest: PackManifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as PackManifest;
  } catch {
    manifest = {} as PackManifest;
  }
  // A pack of another day put in this day's place verifies on its own; it is not this day's pack.
  if (manifest.export_date !== date) errors.push(WRONG_DAY);
  return {
    host,
    packDir,
    manifestSha256: createHash('sha256').update(bytes).digest('hex'),
    manifest,
    verdict: report.ok && errors.length === 0 ? 'ok' : 'failed',
    problems: [...new Set(errors)],
    scan,
  };
}

/** Reads a hosts file: one expected host name per line; `#` starts a comment. */
export function readHostsFile(path: string): string[] {
  let text: string;
  try {
    // Named by the operator (a link is followed); a FIFO is refused, never waited on.
    text = readRegularSync(path, { followLinks: true }).toString('utf8');
  } catch (err) {
    throw wrapFsError(err, 'read', path);
  }
  const out: string[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const name = (raw.split('#')[0] as string).trim();
    if (name === '') continue;
    if (!HOST_NAME.test(name))
      throw new AuditpackError('USAGE', `${path}:${i + 1}: ${JSON.stringify(name.slice(0, 80))} is not a host name`);
    out.push(name);
  }
  return out;
}
