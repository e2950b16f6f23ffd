/**
 * The findings kept over the policy's max_findings: the most severe, never the first. The log's
 * writer chooses the order of what it logs, and with the first `max` kept a flood of cheap warnings
 * logged first hid a later critical finding from the report, the CSV and the page. Held to a
 * reference model: the kept findings of each severity are the first ones of that severity, as many
 * as the cap leaves after the more severe, in the order they were added.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FindingSink } from '../../src/compliance/state.js';
import { type RuleId, SEVERITIES, type Severity } from '../../src/compliance/types.js';

const RULE = { critical: 'restricted_symbol', warning: 'order_without_login', info: 'duplicate_order' } as const;

/** Adds a finding of `severity` whose only order id is `id` (evidence at seq `seq`). */
function add(s: FindingSink, max: number, severity: Severity, id: string, seq: number): void {
  const ev = [{ file: 'data/audit.jsonl', line: seq, seq, line_sha256: '0'.repeat(64) }];
  s.add(max, RULE[severity], severity, '2026-11-28T08:00:00.000000Z', [id], null, `order ${id}`, ev);
}

const idsOf = (s: FindingSink): string[] => s.findings.map((f) => f.order_ids[0] as string);

describe('FindingSink over its cap', () => {
  it('a critical finding after the cap evicts the newest warning and is listed', () => {
    const s = new FindingSink();
    for (let i = 1; i <= 3; i++) add(s, 3, 'warning', `W${i}`, i);
    add(s, 3, 'critical', 'RUB-1', 4);
    expect(idsOf(s)).toEqual(['W1', 'W2', 'RUB-1']);
    expect(s.omittedBy).toEqual({ critical: 0, warning: 1, info: 0 });
    expect(s.omitted).toBe(1);
    expect(s.totals).toEqual({ critical: 1, warning: 3, info: 0, total: 4 });
    expect(s.byRule).toEqual({ order_without_login: 3, restricted_symbol: 1 });
  });

  it('evicts an info finding before a warning, and the newest info first', () => {
    const s = new FindingSink();
    add(s, 3, 'info', 'I1', 1);
    add(s, 3, 'warning', 'W1', 2);
    add(s, 3, 'info', 'I2', 3);
    add(s, 3, 'critical', 'C1', 4);
    add(s, 3, 'warning', 'W2', 5);
    expect(idsOf(s)).toEqual(['W1', 'C1', 'W2']);
    expect(s.omittedBy).toEqual({ critical: 0, warning: 0, info: 2 });
  });

  it('never lets a finding evict one of its own severity or a more severe one', () => {
    const s = new FindingSink();
    add(s, 2, 'critical', 'C1', 1);
    add(s, 2, 'warning', 'W1', 2);
    add(s, 2, 'warning', 'W2', 3);
    add(s, 2, 'critical', 'C2', 4);
    add(s, 2, 'critical', 'C3', 5);
    add(s, 2, 'info', 'I1', 6);
    expect(idsOf(s)).toEqual(['C1', 'C2']);
    expect(s.omittedBy).toEqual({ critical: 1, warning: 2, info: 1 });
  });

  it('an evicted finding frees its id (the set of ids stays bounded by the cap)', () => {
    const s = new FindingSink();
    add(s, 1, 'warning', 'W1', 7);
    add(s, 1, 'critical', 'C1', 7);
    add(s, 1, 'critical', 'C2', 8);
    expect(s.findings.map((f) => f.id)).toEqual(['restricted_symbol:7']);
  });

  it('keeps what the reference model keeps, in the order added, for any sequence and cap', () => {
    const sev = fc.constantFrom(...SEVERITIES);
    fc.assert(
      fc.property(fc.array(sev, { maxLength: 60 }), fc.integer({ min: 0, max: 12 }), (seq, max) => {
        const s = new FindingSink();
        for (const [i, v] of seq.entries()) add(s, max, v, `${v}-${i}`, i + 1);
        // Reference: per severity, most severe first, the first ones up to what the cap leaves.
        const want = new Set<string>();
        let room = max;
        for (const v of [...SEVERITIES].reverse()) {
          const mine = seq.map((x, i) => [x, i] as const).filter(([x]) => x === v);
          for (const [, i] of mine.slice(0, room)) want.add(`${v}-${i}`);
          room -= Math.min(room, mine.length);
        }
        const kept = idsOf(s);
        expect(kept).toEqual(seq.map((v, i) => `${v}-${i}`).filter((id) => want.has(id)));
        expect(kept.length).toBeLessThanOrEqual(max);
        expect(s.omitted + kept.length).toBe(seq.length);
        for (const v of SEVERITIES)
          expect(s.omittedBy[v]).toBe(seq.filter((x) => x === v).length - kept.filter((k) => k.startsWith(v)).length);
      }),
      { numRuns: 300 },
    );
  });
});

/** Adds a finding of `rule` at `severity` whose only order id is `id`. */
function addRule(s: FindingSink, max: number, rule: RuleId, severity: Severity, id: string, seq: number): void {
  const ev = [{ file: 'data/audit.jsonl', line: seq, seq, line_sha256: '0'.repeat(64) }];
  s.add(max, rule, severity, '2026-11-28T08:00:00.000000Z', [id], null, `order ${id}`, ev);
}

describe('FindingSink over its cap, within one severity', () => {
  it('a flood of one critical rule does not hide another critical rule: it takes the newest of the flood', () => {
    const s = new FindingSink();
    for (let i = 1; i <= 5; i++) addRule(s, 3, 'fill_without_order', 'critical', `G${i}`, i);
    addRule(s, 3, 'restricted_symbol', 'critical', 'O-42', 6);
    expect(idsOf(s)).toEqual(['G1', 'G2', 'O-42']);
    expect(s.omittedByRule).toEqual({ fill_without_order: 3 });
    expect(s.omittedBy).toEqual({ critical: 3, warning: 0, info: 0 });
    // A second finding of the rule that lists one is only counted: the flood's rule lists two.
    addRule(s, 3, 'restricted_symbol', 'critical', 'O-43', 7);
    expect(idsOf(s)).toEqual(['G1', 'G2', 'O-42']);
    expect(s.omittedByRule).toEqual({ fill_without_order: 3, restricted_symbol: 1 });
  });

  it('a lower severity loses the newest of its most-listed rule first', () => {
    const s = new FindingSink();
    addRule(s, 4, 'review_missing', 'warning', 'R1', 1);
    addRule(s, 4, 'order_without_login', 'warning', 'W1', 2);
    addRule(s, 4, 'order_without_login', 'warning', 'W2', 3);
    addRule(s, 4, 'order_without_login', 'warning', 'W3', 4);
    addRule(s, 4, 'restricted_symbol', 'critical', 'C1', 5);
    addRule(s, 4, 'restricted_symbol', 'critical', 'C2', 6);
    expect(idsOf(s)).toEqual(['R1', 'W1', 'C1', 'C2']);
    expect(s.omittedByRule).toEqual({ order_without_login: 2 });
  });

  it('keeps the watched order’s findings apart from the cap, up to the cap of its own', () => {
    const s = new FindingSink();
    s.watch = 'O-42';
    for (let i = 1; i <= 4; i++) addRule(s, 2, 'fill_without_order', 'critical', `G${i}`, i);
    addRule(s, 2, 'overfill', 'critical', 'O-42', 5);
    addRule(s, 2, 'overfill', 'critical', 'O-42', 6);
    addRule(s, 2, 'overfill', 'critical', 'O-42', 7);
    expect(idsOf(s)).toEqual(['G1', 'O-42']);
    expect(s.watched.map((f) => f.id)).toEqual(['overfill:5', 'overfill:6']);
    expect(s.watchedOmitted).toBe(1);
  });

  it('holds its invariants for any sequence of rules, severities and cap', () => {
    const rules = ['restricted_symbol', 'fill_without_order', 'overfill', 'order_without_login', 'duplicate_order'];
    const pick = fc.record({ rule: fc.constantFrom(...rules), sev: fc.constantFrom(...SEVERITIES) });
    fc.assert(
      fc.property(fc.array(pick, { maxLength: 80 }), fc.integer({ min: 0, max: 12 }), (seq, max) => {
        const s = new FindingSink();
        const key = (x: { rule: string; sev: Severity }): string => `${x.sev}/${x.rule}`;
        for (const [i, x] of seq.entries()) addRule(s, max, x.rule as RuleId, x.sev, `${key(x)}#${i}`, i + 1);
        const kept = idsOf(s);
        expect(kept.length).toBe(Math.min(max, seq.length));
        expect(s.omitted + kept.length).toBe(seq.length);
        // In the order added.
        const at = (id: string): number => Number(id.split('#')[1]);
        expect(kept.map(at)).toEqual(kept.map(at).sort((a, b) => a - b));
        const groups = new Map<string, number[]>();
        for (const [i, x] of seq.entries()) groups.set(key(x), [...(groups.get(key(x)) ?? []), i]);
        const listed = (g: string): number => kept.filter((id) => id.startsWith(`${g}#`)).length;
        const omittedRule: Record<string, number> = {};
        for (const [g, all] of groups) {
          const n = listed(g);
          // Each (severity, rule) lists its first findings.
          expect(kept.filter((id) => id.startsWith(`${g}#`)).map(at)).toEqual(all.slice(0, n));
          const [sev, rule] = g.split('/') as [Severity, string];
          if (n < all.length) {
            omittedRule[rule] = (omittedRule[rule] ?? 0) + all.length - n;
            // Nothing less severe is listed while this one has findings omitted…
            for (const y of kept)
              expect(SEVERITIES.indexOf(y.split('/')[0] as Severity)).toBeGreaterThanOrEqual(SEVERITIES.indexOf(sev));
            // …and no rule of its severity lists two more than it.
            for (const h of groups.keys()) if (h.startsWith(`${sev}/`)) expect(listed(h)).toBeLessThanOrEqual(n + 1);
          }
        }
        expect({ ...s.omittedByRule }).toEqual(omittedRule);
      }),
      { numRuns: 400 },
    );
  });
});
