/**
 * `verify <roll-up> --from …`: the roll-up checked as `verifyRollup` does, then each host pack at
 * hand verified again and held to hosts.json — the same manifest.json (by its SHA-256), the same
 * verdict — and no host pack left out. What the roll-up alone cannot show: that a verified host's
 * pack is still the one rolled up, that a failed verdict was earned, that no host's pack was
 * omitted from hosts.json.
 */
import type { KeyObject } from 'node:crypto';
import { DEFAULT_NAMESPACE, signerAllowsNamespace } from '../signing/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTree } from '../fsx/dirs.js';
import { type RollupReport, verifyRollup, type VerifyRollupOptions } from '../verify/index.js';
import { Findings, makeReport } from '../verify/report.js';
import { PACK_PATH } from '../format/pack.js';
import { type HostPack, type HostSource, hostsSignedBy, loadHostPack, type RollupFinding, tagSigner } from './hosts.js';
import { type ArchiveSource, fetchArchiveSources } from './sources.js';

/** What re-verifying a roll-up's host packs takes. */
export interface VerifyRollupHostsOptions extends VerifyRollupOptions {
  /** The host packs (`--from`): artifacts directories, packs or `.tar.gz`, optionally named. */
  readonly sources: readonly HostSource[];
  /** Also every host pack of the day in the archive's bucket. */
  readonly archive?: ArchiveSource;
}

type HostEntryFacts = NonNullable<RollupReport['hosts']>[number];

/** Loads every host pack at hand (verified as the roll-up did); the loader's own findings are returned. */
async function loadPacks(
  date: string,
  o: VerifyRollupHostsOptions,
  stage: string,
): Promise<{ packs: HostPack[]; notes: RollupFinding[] }> {
  const notes: RollupFinding[] = [];
  const fetched = o.archive === undefined ? [] : await fetchArchiveSources(o.archive, date, stage);
  const signers = (o.allowedSigners ?? []).filter((s) => signerAllowsNamespace(s, DEFAULT_NAMESPACE));
  const keys: KeyObject[] = [...(o.publicKeys ?? []), ...signers.map((s) => s.key)];
  const trust = o.publicKeys === undefined && o.allowedSigners === undefined ? {} : { publicKeys: keys };
  const packs: HostPack[] = [];
  for (const src of [...o.sources, ...fetched]) {
    const p = await loadHostPack(src, date, trust, notes, stage);
    if (p !== undefined) packs.push(p);
  }
  return { packs, notes };
}

/** One host pack at hand against its hosts.json entry. */
function judgeHostPack(p: HostPack, e: HostEntryFacts | undefined, f: Findings): void {
  const file = p.host;
  if (e === undefined) {
    f.add(
      'ROLLUP_HOST_PACK_MISMATCH',
      'error',
      file,
      `a pack of ${p.host} for the day is at hand, but hosts.json does not list the host: it was left out`,
    );
    return;
  }
  if (p.manifestSha256 !== e.manifestSha256) {
    f.add(
      'ROLLUP_HOST_PACK_MISMATCH',
      'error',
      file,
      `its pack's manifest.json has SHA-256 ${p.manifestSha256}, hosts.json records ${e.manifestSha256}: not the pack that was rolled up`,
    );
    return;
  }
  if (p.verdict !== e.verdict)
    f.add(
      'ROLLUP_HOST_PACK_MISMATCH',
      p.verdict === 'failed' ? 'error' : 'warning',
      file,
      p.verdict === 'failed'
        ? `hosts.json says it verified, but it fails verification now (${p.problems.slice(0, 8).join(', ')})`
        : 'hosts.json says it failed, but it verifies now (other keys given than to rollup?)',
    );
}

/**
 * Verifies the roll-up at `dir` and, against its hosts.json, every host pack `o` names. Host packs
 * that come as `.tar.gz` (or from the bucket) are unpacked in a temporary directory, removed after.
 */
export async function verifyRollupHosts(dir: string, o: VerifyRollupHostsOptions): Promise<RollupReport> {
  const base = await verifyRollup(dir, o);
  const f = new Findings();
  f.addAll(base.problems);
  const date = base.date;
  if (date === undefined || base.hosts === undefined)
    return { ...makeReport('rollup', dir, { ...base.checked }, f), hosts: base.hosts, date };
  const stage = mkdtempSync(join(tmpdir(), 'auditpack-verify-rollup-'));
  try {
    const { packs, notes } = await loadPacks(date, o, stage);
    // A source that yields no usable pack is not a fault of the roll-up, but what was not checked.
    for (const n of notes) f.add('ROLLUP_HOST_PACK_UNCHECKED', 'warning', n.host ?? '.', `${n.code}: ${n.detail}`);
    const byHost = new Map(base.hosts.map((h) => [h.host, h]));
    for (const p of packs) judgeHostPack(p, byHost.get(p.host), f);
    const signer = tagSigner(dir);
    const sharing = signer === undefined ? [] : hostsSignedBy(signer, packs);
    if (sharing.length > 0)
      f.add(
        'ROLLUP_SIGNED_BY_HOST_KEY',
        'error',
        PACK_PATH.signature,
        `the roll-up is signed with the key that signed the pack of ${sharing.join(', ')}: whoever holds that host's key can edit the roll-up and sign it again, so its signature vouches for nothing here (sign roll-ups with a key of their own)`,
      );
    const seen = new Set(packs.map((p) => p.host));
    for (const h of base.hosts)
      if (!seen.has(h.host))
        f.add(
          'ROLLUP_HOST_PACK_UNCHECKED',
          'warning',
          h.host,
          'no pack of this host was at hand: its pack was not verified again',
        );
    return { ...makeReport('rollup', dir, { ...base.checked, host_packs: packs.length }, f), hosts: base.hosts, date };
  } finally {
    removeTree(stage);
  }
}
