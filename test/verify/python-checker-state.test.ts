/**
 * tools/auditpack_check.py holds a pack's carried compliance state to what FORMAT.md says of it
 * ("Compliance state"), independently of auditpack: the end state is the state at the end of the
 * pack's day and the start state that at the end of the day before, both one line of JSON with
 * every object's keys sorted and exactly the documented fields; the report's carried_in records the
 * start's day and SHA-256. Each forgery below recomputes every hash (an unsigned pack), so only
 * these checks can find it; auditpack verify finds them too (by its re-run).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCarryDay } from '../pack/helpers/carry-day.js';
import { type Ev, TEST_POLICY, writeEvents, writePolicy } from '../compliance/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { forgePack } from './helpers/forge.js';
import { pythonPackCheck } from './helpers/python-check.js';
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../helpers/python.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));
const D1 = '2026-11-29';
const D = '2026-11-30';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

const BEFORE: Ev[] = [
  ['22:00:00', 'auth', 'Login', { user: 'alice' }],
  ['22:10:00', 'risk', 'RiskCheck', { order_id: 'G1', result: 'pass', score: 0.1, reference_price: 1.1 }],
  [
    '22:10:01',
    'order',
    'OrderAccepted',
    { order_id: 'G1', symbol: 'EURUSD', quantity: 5, price: '1.1', user: 'alice', time_in_force: 'GTC' },
  ],
  ['23:00:00', 'risk', 'KillSwitchOn', { user: 'x', reason: 'runaway algo' }],
  ['23:58:00', 'auth', 'LoginFailed', { user: 'bob' }],
];
const AFTER: Ev[] = [['01:00:00', 'order', 'OrderFilled', { order_id: 'G1', quantity: 2, price: '1.1' }]];

/** D-1 and D exported into a fresh artifacts directory; returns the directory. */
async function twoDays(): Promise<string> {
  const cwd = tempDir();
  const policyFile = writePolicy(cwd, `${TEST_POLICY}\nrequire_review: false\n`);
  await writeEvents(join(cwd, 'logs'), BEFORE, D1);
  await writeEvents(join(cwd, 'logs'), AFTER, D);
  for (const date of [D1, D]) await exportCarryDay(cwd, policyFile, date);
  return join(cwd, 'artifacts');
}

const stateErrors = (path: string): string[] =>
  pythonPackCheck(path)
    .errors.filter((e) => e.code === 'COMPLIANCE_STATE_MISMATCH' || e.code === 'COMPLIANCE_CARRY_MISMATCH')
    .map((e) => e.code);

/** The checker's details of the state findings. */
function details(path: string): string {
  const r = spawnSync(PYTHON, [CHECKER, path, '--json'], { encoding: 'utf8' });
  return r.stdout;
}

/** Rewrites data/<file> of a copy of D's pack (hashes recomputed, and carried_in kept to it unless `keepSha`). */
function forged(artifacts: string, file: string, edit: (text: string) => string, fixSha = true): string {
  const copy = join(tempDir(), D);
  cpSync(join(artifacts, D), copy, { recursive: true });
  forgePack(copy, {
    payload: (data) => {
      const text = edit(readFileSync(join(data, file), 'utf8'));
      writeFileSync(join(data, file), text);
      if (fixSha && file === 'compliance_state_start.json') {
        const r = JSON.parse(readFileSync(join(data, 'compliance_report.json'), 'utf8'));
        r.carried_in.state_sha256 = sha(text);
        writeFileSync(join(data, 'compliance_report.json'), `${JSON.stringify(r, null, 2)}\n`);
      }
    },
  });
  return copy;
}

const json = (t: string): Record<string, any> => JSON.parse(t);
const line = (o: unknown): string => `${JSON.stringify(o)}\n`;

describe('the reference checker on the carried compliance state', () => {
  it('a real pair of packs: no state finding, for the pack and the artifacts directory', async () => {
    const artifacts = await twoDays();
    const start = json(readFileSync(join(artifacts, D, 'data/compliance_state_start.json'), 'utf8'));
    expect(start.open_orders).toHaveLength(1);
    expect(start.kill_switch).toHaveLength(1);
    expect(start.failed_logins).toHaveLength(1); // times_us: a list of times
    expect(stateErrors(join(artifacts, D))).toEqual([]);
    expect(stateErrors(artifacts)).toEqual([]);
  }, 120_000);

  it('finds a state of another day, a missing field, unsorted keys, a float time, and a carried_in that does not record the start', async () => {
    const artifacts = await twoDays();
    const start = 'compliance_state_start.json';
    const cases: [string, string][] = [
      [
        forged(artifacts, start, (t) => line({ ...json(t), date: D })),
        `is the state at the end of '${D}', not of ${D1}`,
      ],
      [
        forged(artifacts, start, (t) => {
          const s = json(t);
          delete s.open_orders[0].filled;
          return line(s);
        }),
        'an item of open_orders does not have exactly the fields',
      ],
      [forged(artifacts, start, (t) => t.replace('"date":', '"zz":1,"date":')), 'keys not sorted'],
      [
        forged(artifacts, start, (t) => t.replace(/"end_us":(\d+)/, '"end_us":$1.5')),
        'end_us is not a non-negative integer',
      ],
      [
        forged(artifacts, 'compliance_state.json', (t) => line({ ...json(t), format: 'auditpack.compliance-state/2' })),
        'format is not auditpack.compliance-state/1',
      ],
      [
        forged(artifacts, start, (t) => line({ ...json(t), kill_switch: [] }), false),
        'carried_in.state_sha256 is not the SHA-256 of data/compliance_state_start.json',
      ],
      [forged(artifacts, start, (t) => `${t}\n`), 'not one line of JSON plus a newline'],
      // config_changes (compliance rules 29): optional, its items in shape.
      [
        forged(artifacts, start, (t) =>
          t.replace(
            '"date":',
            `"config_changes":[{"evidence":{"file":"f","line":1,"line_sha256":"${'a'.repeat(64)}","seq":1},"has_reason":"yes","iso":"x","t_us":1,"unstored":null}],"date":`,
          ),
        ),
        'config_changes: has_reason is not true or false',
      ],
      [
        forged(artifacts, start, (t) => t.replace('"date":', '"config_changes":[{"t_us":1}],"date":')),
        'an item of config_changes does not have exactly the fields',
      ],
    ];
    for (const [pack, why] of cases) {
      expect(stateErrors(pack), why).toEqual(['COMPLIANCE_STATE_MISMATCH']);
      expect(details(pack)).toContain(JSON.stringify(why).slice(1, -1));
    }
  }, 180_000);
});
