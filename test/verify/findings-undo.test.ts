/** Findings.record/undo: what the log check takes back when a recovery shows a line was a fragment (at47 F1). */
import { describe, expect, it } from 'vitest';
import { Findings } from '../../src/verify/report.js';

describe('Findings.record and undo', () => {
  it('takes back the findings (and their counts and errors) added since record(), once', () => {
    const f = new Findings(1);
    f.add('LOG_CHAIN_BROKEN', 'error', 'a', 'kept');
    const t = f.record();
    f.add('LOG_LINE_DUPLICATE', 'error', 'a', 'taken back');
    f.add('LOG_CHAIN_BROKEN', 'error', 'a', 'past the bound, counted only');
    f.stopRecording();
    f.add('LOG_CLOCK_BACKWARDS', 'warning', 'a', 'not recorded');
    expect(f.undo(t)).toBe(true);
    expect(f.toArray().map((p) => p.detail)).toEqual(['kept', 'not recorded']);
    expect(f.hasErrors).toBe(true);
    expect(f.undo(t)).toBe(false);
  });

  it('takes nothing back once another record() came (another check sharing the findings)', () => {
    const f = new Findings();
    const t = f.record();
    f.add('LOG_LINE_DUPLICATE', 'error', 'a', 'stays');
    f.stopRecording();
    f.record();
    f.stopRecording();
    expect(f.undo(t)).toBe(false);
    expect(f.toArray()).toHaveLength(1);
  });
});
