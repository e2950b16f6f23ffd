/**
 * Log values never reach a person's terminal raw: an order id holding ESC sequences (a client's
 * FIX ClOrdID) could otherwise erase or rewrite the finding lines above it. `check`, `check --order`,
 * `tail` and `verify` print such text escaped (src/cli/printable.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFiles } from '../snapshot/helpers.js';
import { DATE, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';

const HOSTILE = 'X\u001b[1A\u001b[2K\rall clear\u009b2J\u202e';

async function day(): Promise<string> {
  const cwd = tempDir();
  writePolicy(cwd, TEST_POLICY);
  await writeEvents(join(cwd, 'logs'), [
    ['11:00:00', 'fill', 'Filled', { order_id: HOSTILE, symbol: 'EURUSD', quantity: 5, price: '1.1' }],
    ['11:00:01', 'order', `Odd${HOSTILE}`, { order_id: 'A-1', symbol: `EUR${HOSTILE}`, quantity: 5, price: '1.1' }],
  ]);
  return cwd;
}

/** No control character the CLI did not put there itself (NO_COLOR is set: no colour codes). */
function expectInert(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
}

describe('log data on the terminal', () => {
  it('check lists a finding whose order id holds ESC sequences escaped', async () => {
    const cwd = await day();
    const r = runCli(['check', '--date', DATE, '--fail-on', 'never'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fill_without_order');
    expect(r.stdout).toContain('X\\u001b[1A\\u001b[2K\\u000dall clear\\u009b2J\\u202e');
    expectInert(r.stdout + r.stderr);
  });

  it('check --order and tail print the events escaped', async () => {
    const cwd = await day();
    const order = runCli(['check', '--date', DATE, '--order', HOSTILE, '--fail-on', 'never'], { cwd });
    expect(order.stdout).toContain('order X\\u001b[1A');
    expectInert(order.stdout + order.stderr);
    const tail = runCli(['tail', '--date', DATE, '-n', '5'], { cwd });
    expect(tail.code).toBe(0);
    expect(tail.stdout).toContain('order/OddX\\u001b[1A');
    expectInert(tail.stdout + tail.stderr);
  });

  it('snapshot show and diff print config text, paths and the reason escaped', () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'configs/risk.yaml': 'limit: 1\n' });
    expect(runCli(['snapshot', '--reason', 'first'], { cwd }).code).toBe(0);
    writeFiles(cwd, { 'configs/risk.yaml': `limit: 2\t# ${HOSTILE}\n`, [`configs/x${HOSTILE}.yaml`]: 'a: 1\n' });
    expect(runCli(['snapshot', '--reason', `raise${HOSTILE}`], { cwd }).code).toBe(0);
    const ids = (JSON.parse(runCli(['snapshot', 'list', '--json'], { cwd }).stdout) as { snapshot_id: string }[]).map(
      (s) => s.snapshot_id,
    );
    for (const args of [
      ['show', 'latest'],
      ['diff', ...ids.slice(-2)],
    ]) {
      const r = runCli(['snapshot', ...args], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('X\\u001b[1A');
      expect(r.stdout).toMatch(/[+-]limit: 2\t#/); // a tab in a diff stays a tab
      expectInert(r.stdout.replaceAll('\t', ' ') + r.stderr);
    }
  });
});
