/**
 * The policy notes that unbind a snapshot from the policy in force (at43 F4): only a note in a
 * documented shape naming it first ("snapshot <id>: configs/compliance_policy.yaml was not used…",
 * with a documented ending), never one that merely holds its id. verify's binding (policyNotInForce)
 * and the Python checker (says_not_used, says_record_missing) read the same shapes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SOURCE } from '../../src/compliance/index.js';
import {
  LOST_IN_PERIOD_NOTE,
  LOST_RECORD_NOTE,
  saysNotUsed,
  saysRecordMissing,
  UNCHECKABLE_NOTE,
  UNPARSED_NOTE,
  UNRECORDED_NOTE,
} from '../../src/compliance/policy-notes.js';
import { policyNotInForce, snapshotFactsOf, warnLostPolicies } from '../../src/verify/provenance.js';
import { Findings } from '../../src/verify/report.js';
import { PYTHON } from '../helpers/python.js';

const ID = '20250908T060000.000000Z-000';
const OTHER = '20250908T070000.000000Z-000';
const HEAD = `snapshot ${ID}: configs/compliance_policy.yaml was not used`;
const CASES: { note: string; notUsed: boolean; missing: boolean }[] = [
  {
    note: `${HEAD}: its ConfigSnapshot event in audit-20250908.jsonl names it, and …; ${LOST_IN_PERIOD_NOTE}`,
    notUsed: true,
    missing: true,
  },
  { note: `${HEAD}: its record …; ${LOST_RECORD_NOTE}`, notUsed: true, missing: true },
  {
    note: `${HEAD}, its record in the snapshot store cannot be read …; ${UNRECORDED_NOTE}`,
    notUsed: true,
    missing: true,
  },
  { note: `${HEAD}, its day's log is gone: ${UNCHECKABLE_NOTE}`, notUsed: true, missing: true },
  { note: `${HEAD}, it does not parse (x); ${UNPARSED_NOTE}`, notUsed: true, missing: false },
  // Holding the id is not enough: another snapshot's note, the "no snapshot before" note, free text.
  {
    note: `snapshot ${OTHER}: configs/compliance_policy.yaml was not used (after ${ID}); ${LOST_IN_PERIOD_NOTE}`,
    notUsed: false,
    missing: false,
  },
  {
    note: `no snapshot of configs/compliance_policy.yaml before snapshot ${ID}: any event logged before its ConfigSnapshot event was checked under the built-in policy`,
    notUsed: false,
    missing: false,
  },
  { note: `${HEAD} — or was it? ${ID}`, notUsed: false, missing: false },
  { note: `${HEAD}: ${LOST_IN_PERIOD_NOTE} (trailing)`, notUsed: false, missing: false },
];

const snap = snapshotFactsOf(
  Buffer.from(
    JSON.stringify({
      snapshot_id: ID,
      files: { 'configs/compliance_policy.yaml': { hash: 'a'.repeat(64), stored: true, object: 'b'.repeat(64) } },
    }),
  ),
);
const builtIn = {
  from: null,
  source: 'built-in',
  snapshot_id: null,
  path: 'built-in',
  sha256: 'c'.repeat(64),
  text: DEFAULT_POLICY_SOURCE,
};

describe('policy notes that unbind a snapshot (at43 F4)', () => {
  for (const c of CASES) {
    it(`${c.notUsed ? 'unbinds' : 'does not unbind'}: ${c.note.slice(0, 90)}`, () => {
      expect(saysNotUsed(c.note, ID)).toBe(c.notUsed);
      expect(saysRecordMissing(c.note, ID)).toBe(c.missing);
      // A report ending under the built-in policy while the pack's snapshot stores the policy file:
      // not in force, unless a note unbinds that snapshot.
      const q = policyNotInForce([builtIn], [c.note], snap);
      expect(q === undefined).toBe(c.notUsed);
    });
  }

  it('the Python checker reads the same shapes', () => {
    const tools = fileURLToPath(new URL('../../tools', import.meta.url));
    const script = [
      'import sys, json',
      `sys.path.insert(0, ${JSON.stringify(tools)})`,
      'import auditpack_check as c',
      'cases = json.load(sys.stdin)',
      `print(json.dumps([[c.says_not_used(n, ${JSON.stringify(ID)}), c.says_record_missing(n, ${JSON.stringify(ID)})] for n in cases]))`,
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(CASES.map((c) => c.note)), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(CASES.map((c) => [c.notUsed, c.missing]));
  });

  it('verify and the Python checker warn COMPLIANCE_POLICY_UNKNOWN for the same notes, in the same words (at45 F2)', () => {
    const notes = [
      ...CASES.map((c) => c.note),
      `snapshot ${OTHER}: configs/compliance_policy.yaml was not used: gone; ${LOST_RECORD_NOTE}`,
      `snapshot ${ID}: configs/compliance_policy.yaml was not used, ${UNRECORDED_NOTE}`,
      `snapshot odd\tid: configs/compliance_policy.yaml was not used, ${UNCHECKABLE_NOTE}`,
      `snapshot  ${ID}: configs/compliance_policy.yaml was not used, ${UNCHECKABLE_NOTE}`,
    ];
    for (const period of [
      { from: '2025-09-08', to: '2025-09-08' },
      { from: '2025-09-01', to: '2025-09-08' },
    ]) {
      const f = new Findings();
      warnLostPolicies(f, { policy_notes: notes, period });
      const ts = f.toArray().map((p) => [p.code, p.severity, p.detail]);
      expect(ts.length).toBeGreaterThanOrEqual(CASES.filter((c) => c.missing).length + 3);
      const tools = fileURLToPath(new URL('../../tools', import.meta.url));
      const script = [
        'import sys, json',
        `sys.path.insert(0, ${JSON.stringify(tools)})`,
        'import auditpack_check as c',
        'rep = c.Report()',
        'c.warn_lost_policies(json.load(sys.stdin), "D", rep)',
        'print(json.dumps([[x["code"], x["severity"], x["detail"]] for x in rep.findings]))',
      ].join('\n');
      const r = spawnSync(PYTHON, ['-c', script], {
        input: JSON.stringify({ policy_notes: notes, period }),
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(ts);
    }
  });
});
