/**
 * startPolicyNotRepeated over the events and entries export writes (fx57a), where a whole pack is
 * costly to make: a record of an earlier version holds the plain hash of a policy file with redacted
 * values, and a snapshot counts the file unchanged against it (compareEntries takes the file's
 * plain hash too), so an honest repeat's entry can carry the keyed hash while the start's is plain; their texts are
 * then held to each other (fx58a).
 */
import { describe, expect, it } from 'vitest';
import { type PolicyEvent, startPolicyNotRepeated } from '../../src/verify/policy-changes.js';
import type { RecordedPolicy } from '../../src/verify/provenance.js';

const PLAIN = 'a'.repeat(64);
const KEYED = `hmac-sha256:${'b'.repeat(64)}`;
const OTHER_KEYED = `hmac-sha256:${'c'.repeat(64)}`;
const S0 = '20250907T180000.000000Z-000';
const S1 = '20250908T080000.000000Z-000';
const S2 = '20250908T090000.000000Z-000';
const entry = (id: string, sha256: string, from: string | null, text = 'x'): RecordedPolicy => ({
  from,
  source: 'snapshot',
  snapshot_id: id,
  path: 'configs/compliance_policy.yaml',
  sha256,
  text,
});
const event = (id: string, changed: boolean | undefined): PolicyEvent => ({
  snapshot_id: id,
  changed,
  recorded: true,
  full: true,
  record_sha256: 'd'.repeat(64),
});

describe('startPolicyNotRepeated', () => {
  it("holds a repeat's entry to the start's hash when both are of one shape", () => {
    const said = startPolicyNotRepeated(
      [entry(S0, KEYED, null), entry(S1, OTHER_KEYED, '2025-09-08T08:00:00.000000Z')],
      [],
      [event(S1, false)],
    );
    expect(said).toContain(`the ConfigSnapshot event of snapshot ${S1}`);
  });

  it('does not compare a plain hash with a keyed one (a record of an earlier version), nor past a change', () => {
    const from = '2025-09-08T08:00:00.000000Z';
    expect(startPolicyNotRepeated([entry(S0, PLAIN, null), entry(S1, KEYED, from)], [], [event(S1, false)])).toBe(
      undefined,
    );
    const changedFirst = [entry(S0, KEYED, null), entry(S2, OTHER_KEYED, from), entry(S1, KEYED, from)];
    expect(startPolicyNotRepeated(changedFirst, [], [event(S2, true), event(S1, false)])).toBe(undefined);
    expect(startPolicyNotRepeated(changedFirst, [], [event(S2, undefined), event(S1, false)])).toBe(undefined);
  });

  it('holds the texts to each other when the hashes are of two shapes (fx58a): they agree but for censored spans', () => {
    const from = '2025-09-08T08:00:00.000000Z';
    const repeat = 'require_risk_check: true\n# api_key: [REDACTED]\n';
    const agree = [
      entry(S0, PLAIN, null, 'require_risk_check: true\n# api_key: hunter22\n'),
      entry(S1, KEYED, from, repeat),
    ];
    expect(startPolicyNotRepeated(agree, [], [event(S1, false)])).toBe(undefined);
    const lax = [
      entry(S0, PLAIN, null, 'require_risk_check: false\n# api_key: hunter22\n'),
      entry(S1, KEYED, from, repeat),
    ];
    expect(startPolicyNotRepeated(lax, [], [event(S1, false)])).toContain(
      'their texts differ outside the spans redaction replaced',
    );
  });
});
