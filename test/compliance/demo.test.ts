import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance } from '../../src/compliance/index.js';
import { generateDemoDay } from '../../src/demo/index.js';
import { DEMO_POLICY } from '../../src/demo/policy.js';
import { isoDate } from '../../src/rotation/index.js';
import { DEMO_RULES } from '../helpers/demo-rules.js';
import { tempDir } from '../helpers/tmp.js';
import { writePolicy } from './helpers.js';

describe('the demo day', () => {
  it('breaks every compliance rule exactly once under the sample policy', async () => {
    const cwd = tempDir();
    const policyFile = writePolicy(cwd, DEMO_POLICY);
    const day = 20_300;
    await generateDemoDay(join(cwd, 'logs'), day);
    const r = await checkCompliance({
      cwd,
      logDir: join(cwd, 'logs'),
      from: isoDate(day),
      to: isoDate(day),
      policyFile,
    });
    const rules = DEMO_RULES;
    expect(r.by_rule).toEqual(Object.fromEntries([...rules].sort().map((id) => [id, 1])));
    expect(r.totals.total).toBe(rules.length);
  });

  it('writes the same sample policy as the repository ships in configs/', () => {
    expect(DEMO_POLICY).toBe(readFileSync(new URL('../../configs/compliance_policy.yaml', import.meta.url), 'utf8'));
  });
});
