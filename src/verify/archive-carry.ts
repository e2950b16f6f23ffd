/**
 * The compliance state across the kept packs (docs/FORMAT.md, "Compliance state"): each day's pack
 * starts its checks from `data/compliance_state_start.json`, which must be byte for byte the
 * previous day's kept pack's `data/compliance_state.json`. Each pack's own re-check holds its start
 * to its report and its end to its log; this holds the days to each other, so a state cannot be
 * swapped between packs (a kill switch left out of the next day) with every pack self-consistent.
 */
import { createHash } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_STATE_BYTES } from '../compliance/carry.js';
import { dayBefore } from '../compliance/carry-source.js';
import { PACK_PATH } from '../format/pack.js';
import type { PackInfo } from './archive-ledger.js';
import type { Findings } from './report.js';

/** Checks every current pack directory's start state against the previous day's end state. */
export async function checkCarries(artifactsDir: string, current: readonly PackInfo[], f: Findings): Promise<void> {
  const byDate = new Map(current.map((p) => [p.date, p]));
  for (const p of current) {
    const prev = byDate.get(dayBefore(p.date));
    if (prev === undefined) continue; // no kept pack of the day before (none made, or pruned)
    const start = await sha256Of(join(artifactsDir, p.name, PACK_PATH.complianceStateStart));
    const end = await sha256Of(join(artifactsDir, prev.name, PACK_PATH.complianceState));
    // Packs made before the state was carried hold neither file: nothing to hold them to.
    if (start === undefined || end === undefined || start === end) continue;
    const made = p.report.manifest.createdAt ?? '';
    const prevMade = prev.report.manifest.createdAt ?? '';
    const before = made !== '' && prevMade !== '' && made < prevMade;
    f.add(
      'COMPLIANCE_CARRY_MISMATCH',
      before ? 'warning' : 'error',
      `${p.name}/${PACK_PATH.complianceStateStart}`,
      before
        ? `${p.date} was exported (${made}) before the pack of ${prev.date} (${prevMade}) and does not start from its state: re-export ${p.date} (export --force) so that its checks carry what ${prev.date} ended with`
        : `not the state the pack of ${prev.date} ends with (${prev.name}/${PACK_PATH.complianceState}): the checks of ${p.date} started from another state (swapped or edited)`,
    );
  }
}

/** SHA-256 of a regular file (never through a link) of at most MAX_STATE_BYTES; undefined otherwise. */
async function sha256Of(path: string): Promise<string | undefined> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > MAX_STATE_BYTES) return undefined;
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
    return h.digest('hex');
  } finally {
    await fh.close();
  }
}
