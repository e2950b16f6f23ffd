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
import { dayBefore } from '../compliance/carry-source.js';
import { PAYLOAD_DIR } from '../format/pack.js';
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

/** Holds the merged report's `carried_in` to the roll-up's state files and to the previous roll-up's end. */
export function judgeRollupCarry(facts: RollupFacts, record: RollupRecord, parent: string, f: Findings): void {
  if (record.format !== ROLLUP_FORMAT) return;
  const carried = carriedOf(facts);
  if (carried === 'unreadable') return; // the report's digest or shape is another finding
  const prev = dayBefore(record.date);
  const prevEnd =
    record.previous?.date === prev ? sha256SmallFile(join(parent, prev, END), MAX_STATE_BYTES) : undefined;
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
  if (source === 'hosts')
    bad(
      REPORT,
      `carried_in starts from the hosts' states, but the roll-up of ${prev} beside it holds its merged end state`,
    );
  else if (prevEnd !== sha)
    bad(START, `not the merged end state of the roll-up of ${prev} beside it (${END} has SHA-256 ${prevEnd})`);
}
