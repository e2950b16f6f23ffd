import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompliance, parsePolicy } from '../../src/compliance/index.js';
import { MAX_POLICY_BYTES } from '../../src/compliance/policy.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, writeEvents } from './helpers.js';

describe('the policy size cap', () => {
  it('refuses a policy above 1 MiB with CONFIG_INVALID before parsing it, and accepts one just under', async () => {
    const list = (n: number) => `restricted_symbols: [${Array.from({ length: n }, (_, i) => `S${i}`).join(', ')}]\n`;
    let n = 100_000;
    while (Buffer.byteLength(list(n)) <= MAX_POLICY_BYTES) n += 20_000;
    const big = list(n);
    expect(() => parsePolicy(big, 'big.yaml')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => parsePolicy(big, 'big.yaml')).toThrow(/above the limit of 1048576 bytes/);
    const under = list(50_000);
    expect(Buffer.byteLength(under)).toBeLessThan(MAX_POLICY_BYTES);
    expect(parsePolicy(under, 'ok.yaml').policy.restricted_symbols).toHaveLength(50_000);

    const cwd = tempDir();
    writeFileSync(join(cwd, 'big.yaml'), big);
    await writeEvents(join(cwd, 'logs'), [['10:00:00', 'auth', 'Login', { user: 'alice' }]]);
    await expect(
      checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, policyFile: join(cwd, 'big.yaml') }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { size: Buffer.byteLength(big) } });
  });

  // A file of 3 GiB (sparse: no disk used) cannot be read whole into one string (Node's limit is
  // 2 GiB), so only a refusal by its size, before reading, gives CONFIG_INVALID here.
  it.each([
    ['--policy FILE', true],
    ['the default configs/compliance_policy.yaml', false],
  ])('refuses a 3 GiB policy file (%s) by its size, without reading it', async (_name, named) => {
    const cwd = tempDir();
    const path = join(cwd, named ? 'huge.yaml' : 'configs/compliance_policy.yaml');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'max_risk_score: 80\n');
    truncateSync(path, 3 * 1024 ** 3);
    await writeEvents(join(cwd, 'logs'), [['10:00:00', 'auth', 'Login', { user: 'alice' }]]);
    await expect(
      checkCompliance({ cwd, logDir: join(cwd, 'logs'), from: DATE, to: DATE, ...(named ? { policyFile: path } : {}) }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { size: 3 * 1024 ** 3, max: MAX_POLICY_BYTES } });
  });
});
