/**
 * The merged report's start state (docs/FORMAT.md, "Roll-ups"): a roll-up whose report records
 * `carried_in` holds the state its merged checks started from and the one they ended with; the
 * start is held to `carried_in.state_sha256`, and, when the previous roll-up is beside it, to that
 * roll-up's end state. A start swapped for an emptier one (a finding removed by forgetting the
 * kill switch at midnight), or a carried state dropped after a roll-up that had one, is named.
 */
import { existsSync } from 'node:fs';
import { sha256SmallFile } from '../fsx/digest.js';
import { join } from 'node:path';
import { MAX_STATE_BYTES } from '../compliance/carry.js';
import { dayBefore, listedSha256, manifestNotVouched, readBounded } from '../compliance/carry-source.js';
import { PACK_PATH, PAYLOAD_DIR, SIGNATURE_FILE } from '../format/pack.js';
import { dayNumberOfIsoDate } from '../rotation/days.js';
import { verifySshsig } from '../signing/sshsig.js';
import { embeddedKey } from './judge-signature.js';
import {
  ROLLUP_COMPLIANCE_REPORT,
  ROLLUP_COMPLIANCE_STATE,
  ROLLUP_COMPLIANCE_STATE_START,
  ROLLUP_FORMAT,
  ROLLUP_RECORD,
  type RollupRecord,
} from '../format/rollup.js';
import type { Findings } from './report.js';
import type { RollupFacts } from './rollup-gather.js';

const REPORT = `${PAYLOAD_DIR}${ROLLUP_COMPLIANCE_REPORT}`;
const END = `${PAYLOAD_DIR}${ROLLUP_COMPLIANCE_STATE}`;
const START = `${PAYLOAD_DIR}${ROLLUP_COMPLIANCE_STATE_START}`;
/** A roll-up's manifests are small; read at most this much of one. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** The report's `carried_in`, undefined when absent; 'unreadable' when the report cannot be read. */
function carriedOf(facts: RollupFacts): Record<string, unknown> | undefined | 'unreadable' {
  const bytes = facts.json.get(REPORT);
  if (!Buffer.isBuffer(bytes)) return 'unreadable';
  try {
    const c = (JSON.parse(bytes.toString('utf8')) as { carried_in?: unknown }).carried_in;
    if (c === undefined) return undefined;
    return typeof c === 'object' && c !== null && !Array.isArray(c) ? (c as Record<string, unknown>) : {};
  } catch {
    return 'unreadable';
  }
}

/**
 * The previous roll-up's merged end state as its signed manifests record it: the SHA-256 its
 * manifest-sha256.txt lists, when that manifest is the one its tag manifest lists; `signedAlike`
 * when this roll-up is unsigned or the previous one's tag manifest verifies with this one's key (a
 * roll-up that signs carries only from one signed by its own key). Undefined when it holds no end state.
 */
function previousEnd(
  facts: RollupFacts,
  dir: string,
): { sha256: string; signedAlike: boolean } | { notVouched: string } | undefined {
  if (sha256SmallFile(join(dir, END), MAX_STATE_BYTES) === undefined) return undefined;
  const what = 'the previous roll-up';
  const manifest = readBounded(join(dir, PACK_PATH.manifest), MAX_MANIFEST_BYTES);
  const tags = readBounded(join(dir, PACK_PATH.tagmanifest), MAX_MANIFEST_BYTES);
  if (manifest === undefined) return { notVouched: `${what} has no readable ${PACK_PATH.manifest}` };
  const notVouched = manifestNotVouched(manifest, tags, what);
  if (notVouched !== undefined) return { notVouched };
  const listed = listedSha256(manifest.toString('utf8'), END);
  if (listed === undefined) return { notVouched: `${what}'s ${PACK_PATH.manifest} does not list ${END}` };
  const own = facts.tags.get(SIGNATURE_FILE);
  const key = Buffer.isBuffer(own) ? embeddedKey(own.toString('utf8')) : undefined;
  const sig = readBounded(join(dir, PACK_PATH.signature), MAX_MANIFEST_BYTES);
  const signedAlike =
    key === undefined ||
    (tags !== undefined && sig !== undefined && verifySshsig(tags, sig.toString('utf8'), [key]).ok);
  return { sha256: listed, signedAlike };
}

/** Holds the merged report's `carried_in` to the roll-up's state files and to the previous roll-up's end. */
export function judgeRollupCarry(facts: RollupFacts, record: RollupRecord, parent: string, f: Findings): void {
  if (record.format !== ROLLUP_FORMAT) return;
  const carried = carriedOf(facts);
  if (carried === 'unreadable') return; // the report's digest or shape is another finding
  // The record's date is judged a real day before this runs; a caller that skipped that gets no crash.
  if (dayNumberOfIsoDate(record.date) === undefined) return;
  const prev = dayBefore(record.date);
  const prevEnd = record.previous?.date === prev ? previousEnd(facts, join(parent, prev)) : undefined;
  const bad = (file: string, detail: string): void => void f.add('ROLLUP_CARRY_MISMATCH', 'error', file, detail);
  if (carried === undefined) {
    for (const p of [START, END])
      if (facts.files.has(p)) bad(p, `a merged state file, but ${REPORT} records no carried_in`);
    if (prevEnd !== undefined)
      bad(
        REPORT,
        `no carried_in, but the roll-up of ${prev} beside it holds its merged end state: the carried state was dropped`,
      );
    return;
  }
  const { source, date, state_sha256: sha } = carried;
  if ((source !== 'rollup' && source !== 'hosts') || date !== prev || typeof sha !== 'string') {
    bad(
      REPORT,
      `carried_in is not the merged state at the end of ${prev} (source rollup or hosts, with its state_sha256)`,
    );
    return;
  }
  const start = facts.files.get(START);
  if (start === undefined) bad(START, 'missing: the state the merged checks started from');
  else if (start.sha256 !== sha) bad(START, `its SHA-256 is not carried_in.state_sha256 ${sha} (edited or swapped)`);
  if (!facts.files.has(END)) bad(END, 'missing: the state the merged checks ended with');
  if (prevEnd === undefined) {
    if (source === 'rollup' && record.previous?.date === prev && existsSync(join(parent, prev, ROLLUP_RECORD)))
      bad(REPORT, `carried_in names the roll-up of ${prev}, but that roll-up beside it holds no merged end state`);
    return;
  }
  if ('notVouched' in prevEnd) {
    // Not a state anyone vouched for: starting from it is the finding; not starting from it is right.
    if (source === 'rollup')
      bad(
        START,
        `carried from the roll-up of ${prev}, whose merged end state is not vouched for: ${prevEnd.notVouched}`,
      );
    return;
  }
  if (source === 'hosts') {
    // A roll-up that signs does not carry from one signed by another key (a rotation): it starts from the hosts.
    if (prevEnd.signedAlike)
      bad(
        REPORT,
        `carried_in starts from the hosts' states, but the roll-up of ${prev} beside it holds its merged end state`,
      );
  } else if (!prevEnd.signedAlike)
    bad(START, `carried from the roll-up of ${prev}, which is not signed by the key that signed this roll-up`);
  else if (prevEnd.sha256 !== sha)
    bad(
      START,
      `not the merged end state of the roll-up of ${prev} beside it (its manifests record ${END} with SHA-256 ${prevEnd.sha256})`,
    );
}
