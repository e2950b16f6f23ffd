/**
 * A roll-up signed with a host's pack key (at62 F1): `verify <roll-up> --from …` trusts every host's
 * key to check the host packs, and those keys vouched for the roll-up's own signatures too, so the
 * holder of one host's key could edit the firm's roll-up, sign it again, and have it called intact.
 * `rollup` refuses such a key; verify with the host packs names it ROLLUP_SIGNED_BY_HOST_KEY.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rollupDay, verifyRollupHosts } from '../../src/rollup/index.js';
import { signSshsig } from '../../src/signing/index.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, exportFirmDay, type SimHost, writeFirmDay } from './hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
];
let dir: string;
const keys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();
const sources = () => HOSTS.map((h) => ({ host: h.name, dir: join(dir, h.name, 'artifacts') }));
const trusted = () => [...keys.values()].map((k) => k.publicKey);

describe('a roll-up signed with a host pack key', () => {
  beforeAll(async () => {
    dir = tempDir();
    await writeFirmDay(dir, HOSTS, DATE, 3);
    for (const h of [...HOSTS.map((x) => x.name), 'rollup']) keys.set(h, generateKeyPairSync('ed25519'));
    await exportFirmDay(
      dir,
      HOSTS,
      DATE,
      undefined,
      new Map(HOSTS.map((h) => [h.name, keys.get(h.name)?.privateKey as KeyObject])),
    );
  }, 120_000);

  it('is refused by rollup (USAGE), nothing written', async () => {
    const outDir = join(dir, 'refused');
    await expect(
      rollupDay({
        date: DATE,
        outDir,
        version: '0.1.0',
        sources: sources(),
        signingKey: keys.get('bravo')?.privateKey,
      }),
    ).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('signed the pack of bravo') });
    expect(existsSync(join(outDir, DATE))).toBe(false);
  });

  it('signed with a key of its own it verifies with every key given; re-signed with a host key it is an error', async () => {
    const outDir = join(dir, 'rollups');
    await rollupDay({
      date: DATE,
      outDir,
      version: '0.1.0',
      sources: sources(),
      signingKey: keys.get('rollup')?.privateKey,
    });
    const day = join(outDir, DATE);
    const honest = await verifyRollupHosts(day, { sources: sources(), publicKeys: trusted() });
    expect(honest.problems).toEqual([]);

    // The forger holds alpha's key only: the roll-up signed again with it (an edit would be re-sealed the same way).
    const alpha = keys.get('alpha')?.privateKey as KeyObject;
    for (const [file, sig] of [
      ['tagmanifest-sha256.txt', 'tagmanifest-sha256.txt.sig'],
      ['rollup.json', 'rollup.json.sig'],
    ] as const)
      writeFileSync(join(day, sig), signSshsig(readFileSync(join(day, file)), alpha));
    const forged = await verifyRollupHosts(day, { sources: sources(), publicKeys: trusted() });
    expect(forged.ok).toBe(false);
    expect(forged.problems.map((p) => `${p.code} ${p.severity}`)).toContain('ROLLUP_SIGNED_BY_HOST_KEY error');
    expect(forged.problems.find((p) => p.code === 'ROLLUP_SIGNED_BY_HOST_KEY')?.detail).toContain('pack of alpha');
  });
});
