import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createAuditLogger,
  logDecision,
  logKillSwitch,
  logRiskCheck,
  logRiskOverride,
  MemorySink,
  tradingEventProblems,
} from '../../src/logger/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = Date.UTC(2025, 8, 8, 7, 52, 50) * 1000;

describe('trading event helpers', () => {
  it('write the fields the compliance checks read, in snake_case, with no validation note', async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, clock: () => T0, host: 'h', pid: 1, handleExit: false });
    logRiskCheck(log, {
      orderId: 'A-1',
      signalId: 'S-1',
      result: 'reject',
      score: 0.91,
      checks: [{ name: 'max_notional', passed: false, value: 2e6, limit: 1e6 }],
      referencePrice: '1.1005',
    });
    logRiskOverride(log, {
      orderId: 'A-1',
      user: 'bob',
      approver: 'carol',
      reason: 'client hedge',
      limit: 'max_notional',
    });
    logDecision(log, { signalId: 'S-1', reviewerKind: 'llm', reviewer: 'gpt-review', decision: 'approve' });
    logKillSwitch(log, true, { user: 'risk', reason: 'daily loss', scope: 'all' });
    logKillSwitch(log, false, { user: 'risk' });
    log.order('OrderModified', { orderId: 'A-1', quantity: 5 });
    log.order('Expired', { orderId: 'A-1' });
    await log.close();
    const lines = sink.allLines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => `${l.category}/${l.event}`)).toEqual([
      'risk/RiskCheck',
      'risk/RiskOverride',
      'decision/DecisionRecorded',
      'risk/KillSwitchOn',
      'risk/KillSwitchOff',
      'order/OrderModified',
      'order/Expired',
    ]);
    expect(lines[0]).toMatchObject({
      order_id: 'A-1',
      signal_id: 'S-1',
      result: 'reject',
      score: 0.91,
      reference_price: '1.1005',
      checks: [{ name: 'max_notional', passed: false, value: 2e6, limit: 1e6 }],
    });
    expect(lines[1]).toMatchObject({
      order_id: 'A-1',
      user: 'bob',
      approver: 'carol',
      reason: 'client hedge',
      limit: 'max_notional',
    });
    expect(lines[2]).toMatchObject({
      signal_id: 'S-1',
      reviewer_kind: 'llm',
      reviewer: 'gpt-review',
      decision: 'approve',
    });
    for (const l of lines) expect(l.validation).toBeUndefined();
  });

  it('tradingEventProblems names what is wrong, and accepts good events and other categories', () => {
    expect(tradingEventProblems('risk', 'RiskCheck', { order_id: 'A', result: 'pass', score: 0.1 })).toEqual([]);
    expect(
      tradingEventProblems('risk', 'RiskCheck', { result: 'maybe', score: 'high', checks: [{ name: 'x' }] }),
    ).toEqual([
      'one of order_id, signal_id is required',
      'result must be "pass" or "reject"',
      'score must be a number',
      'checks must be an array of {"name", "passed": true|false}',
    ]);
    expect(tradingEventProblems('decision', 'DecisionRecorded', { signal_id: 'S' })).toEqual([
      'reviewer_kind is required (human, llm, rule, …)',
      'decision is required',
    ]);
    expect(tradingEventProblems('order', 'OrderAccepted', { order_id: 'A', price: 'abc' })).toEqual([
      'price must be a number',
    ]);
    expect(tradingEventProblems('system', 'Whatever', {})).toEqual([]);
  });
});

describe('auditpack log for trading events', () => {
  it('writes a valid RiskCheck and refuses a malformed one with USAGE (exit 2), writing nothing', () => {
    const cwd = tempDir();
    const ok = runCli(
      [
        'log',
        'risk',
        'RiskCheck',
        'orderId=A-1',
        'result=pass',
        'score=0.4',
        'checks=[{"name":"notional","passed":true}]',
        'reference_price=1.1',
      ],
      { cwd },
    );
    expect(ok).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const bad = runCli(['log', 'risk', 'RiskCheck', 'order_id=A-2', 'result=ok'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('USAGE');
    expect(bad.stderr).toContain('result must be "pass" or "reject"');
    const [file] = readdirSync(join(cwd, 'logs')).filter((f) => f.endsWith('.jsonl'));
    const lines = readFileSync(join(cwd, 'logs', file as string), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      category: 'risk',
      event: 'RiskCheck',
      order_id: 'A-1',
      result: 'pass',
      score: 0.4,
    });
  });
});
