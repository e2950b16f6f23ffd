/**
 * verify reads a pack's log once: the compliance re-check is fed by the same pass as the chain
 * check, the payload derivation and the line tree. What it finds must be exactly what the re-check
 * finds reading the log on its own (recheckPackCompliance, the reference), on an untouched pack and
 * after edits of the log that change what the checks find.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recheckPackCompliance } from '../../src/verify/compliance.js';
import { verifyPack } from '../../src/verify/index.js';
import { Findings } from '../../src/verify/report.js';
import { cleanOrder, DATE, TEST_POLICY, writeEvents, writePolicy, exportTestDay } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';

async function pack(): Promise<string> {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, TEST_POLICY);
  await writeEvents(join(cwd, 'logs'), [
    ['08:00:00', 'auth', 'Login', { user: 'alice' }],
    ...cleanOrder('C-1', '09:00'),
    ['10:00:00', 'order', 'Cancelled', { order_id: 'NOPE', symbol: 'EURUSD' }],
    ['10:00:01', 'fill', 'Filled', { order_id: 'GHOST', symbol: 'EURUSD', quantity: 5, price: '1.1' }],
    ...cleanOrder('C-2', '11:00'),
  ]);
  const r = await exportTestDay(cwd, {
    compliance: { cwd, policyFile },
  });
  expect(r.compliance?.total).toBe(2);
  return r.path;
}

/** The compliance findings verifyPack reports, but for report.html's (the reference is given no page facts). */
const complianceProblems = (ps: readonly { code: string; file: string; detail: string }[]) =>
  ps.filter((p) => p.code.startsWith('COMPLIANCE_') && p.file !== 'data/report.html').map((p) => ({ ...p }));

describe('verify: one pass over the log feeds the compliance re-check', () => {
  it('finds what the separate re-check finds, untouched and after edits of the log', async () => {
    const dir = await pack();
    const logPath = join(dir, 'data/audit.jsonl');
    const lines = readFileSync(logPath, 'utf8').split('\n').slice(0, -1);
    const ghost = lines.findIndex((l) => l.includes('GHOST'));
    expect(ghost).toBeGreaterThan(0);
    const edits: [string, (ls: string[]) => string[]][] = [
      ['untouched', (ls) => ls],
      ['a line that breaks a rule deleted', (ls) => ls.filter((_, i) => i !== ghost)],
      ['a line duplicated', (ls) => [...ls.slice(0, ghost + 1), ls[ghost] as string, ...ls.slice(ghost + 1)]],
      ['garbage inserted', (ls) => [...ls.slice(0, 3), 'garbage', ...ls.slice(3)]],
      ['the log emptied', () => []],
    ];
    for (const [name, edit] of edits) {
      const edited = edit(lines);
      writeFileSync(logPath, edited.map((l) => `${l}\n`).join(''));
      const report = await verifyPack(dir, { logSplit: 'none' });
      const f = new Findings();
      const ref = await recheckPackCompliance(dir, f, DATE);
      expect(complianceProblems(report.problems), name).toEqual(complianceProblems(f.toArray()));
      expect(report.checked.compliance_findings, name).toBe(ref?.findings);
      if (name === 'untouched') expect(report.problems, name).toEqual([]);
      else expect(report.ok, name).toBe(false);
      // The same, with the log cut between two threads.
      expect(await verifyPack(dir, { logSplit: Math.floor(edited.join('\n').length / 2) + 1 }), name).toEqual(report);
    }
  });
});
