/**
 * The archive's pieces that need no server: configuration by AWS conventions, keys and retention
 * dates, error mapping without secrets, the ledger that prune relies on, and that the S3 client
 * is loaded by the archive commands only. The store itself is tested in test/e2e/archive.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { archivedCheckFromLedger, dateOfKey, objectKey, retainUntilOf, scrubSecrets } from '../../src/archive/index.js';
import { wrapS3Error } from '../../src/archive/client.js';
import { ARCHIVE_LEDGER } from '../../src/archive/ledger.js';
import { resolveConfig } from '../../src/config.js';
import { isAuditpackError } from '../../src/errors.js';
import { planPrune } from '../../src/retention/index.js';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_EVENTS, writeDay } from '../pack/helpers.js';

const SECRET = 'sEcReT/KEY+value0123456789abcdefghijklmn';
const KEY_ID = 'AKIAEXAMPLEKEYID0001';

function configIn(dir: string, archive: unknown, env: Record<string, string> = {}) {
  writeFileSync(join(dir, 'auditpack.config.json'), JSON.stringify({ archive }));
  return resolveConfig({ cwd: dir, env });
}

describe('archive configuration', () => {
  it('takes bucket and prefix from the config file and endpoint, region and keys from the AWS variables', () => {
    const dir = tempDir();
    const c = configIn(
      dir,
      { bucket: 'desk-archive', prefix: 'eu/packs' },
      {
        AWS_ENDPOINT_URL: 'http://ignored.example:1',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:7480/',
        AWS_REGION: 'eu-west-2',
        AWS_ACCESS_KEY_ID: KEY_ID,
        AWS_SECRET_ACCESS_KEY: SECRET,
      },
    );
    expect(c.archive).toMatchObject({
      bucket: 'desk-archive',
      prefix: 'eu/packs/',
      retentionYears: 6,
      endpoint: 'http://127.0.0.1:7480',
      region: 'eu-west-2',
      forcePathStyle: true,
    });
    expect(c.archive?.credentials?.()).toEqual({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
    // Printing or serialising the config never shows a key.
    for (const shown of [JSON.stringify(c), inspect(c, { depth: 10 })]) {
      expect(shown).not.toContain(SECRET);
      expect(shown).not.toContain(KEY_ID);
    }
  });

  it('defaults: AWS endpoint, virtual-hosted style, us-east-1, prefix auditpack/, 6 years; AWS_ENDPOINT_URL as fallback; no archive without a bucket', () => {
    const dir = tempDir();
    expect(configIn(dir, { bucket: 'abc' }).archive).toMatchObject({
      endpoint: undefined,
      forcePathStyle: false,
      region: 'us-east-1',
      prefix: 'auditpack/',
      retentionYears: 6,
      credentials: undefined,
    });
    expect(
      configIn(dir, { bucket: 'abc' }, { AWS_ENDPOINT_URL: 'https://s3.eu-west-1.amazonaws.com' }).archive,
    ).toMatchObject({ endpoint: 'https://s3.eu-west-1.amazonaws.com', forcePathStyle: false });
    expect(
      configIn(dir, { bucket: 'abc', prefix: '', forcePathStyle: true, retentionYears: 10 }).archive,
    ).toMatchObject({ prefix: '', forcePathStyle: true, retentionYears: 10 });
    expect(resolveConfig({ cwd: tempDir(), env: {} }).archive).toBeUndefined();
  });

  it('refuses invalid values with CONFIG_INVALID, without echoing a secret', () => {
    const dir = tempDir();
    const bad: [unknown, Record<string, string>][] = [
      [{ bucket: 'Has_Upper' }, {}],
      [{ bucket: 'ab' }, {}],
      [{ bucket: 'okay', prefix: '../up' }, {}],
      [{ bucket: 'okay', prefix: '/abs' }, {}],
      [{ bucket: 'okay', prefix: 'a//b' }, {}],
      [{ bucket: 'okay', retentionYears: 0 }, {}],
      [{ bucket: 'okay', retentionYears: 'six' }, {}],
      [{ bucket: 'okay' }, { AWS_ACCESS_KEY_ID: KEY_ID }],
      [{ bucket: 'okay' }, { AWS_ENDPOINT_URL_S3: `http://${KEY_ID}:${encodeURIComponent(SECRET)}@127.0.0.1:9000` }],
      [{ bucket: 'okay' }, { AWS_ENDPOINT_URL_S3: 'ftp://127.0.0.1' }],
    ];
    for (const [archive, env] of bad) {
      let err: unknown;
      try {
        configIn(dir, archive, env);
      } catch (e) {
        err = e;
      }
      expect(isAuditpackError(err, 'CONFIG_INVALID'), JSON.stringify(archive)).toBe(true);
      expect((err as Error).message).not.toContain(SECRET);
      expect((err as Error).message).not.toContain(encodeURIComponent(SECRET));
    }
  });
});

describe('keys and retention dates', () => {
  it('one key per day under the prefix', () => {
    expect(objectKey('desk/', '2026-03-02')).toBe('desk/2026-03-02.tar.gz');
    expect(dateOfKey('desk/', 'desk/2026-03-02.tar.gz')).toBe('2026-03-02');
    for (const k of [
      'desk/2026-02-30.tar.gz',
      'other/2026-03-02.tar.gz',
      'desk/2026-03-02.tar.gz.x',
      'desk/x/2026-03-02.tar.gz',
    ])
      expect(dateOfKey('desk/', k)).toBeUndefined();
  });

  it('locks until the end of the pack day plus whole calendar years (29 February → 1 March)', () => {
    expect(retainUntilOf('2026-03-02', 6).toISOString()).toBe('2032-03-03T00:00:00.000Z');
    expect(retainUntilOf('2027-12-31', 6).toISOString()).toBe('2034-01-01T00:00:00.000Z');
    expect(retainUntilOf('2028-02-28', 6).toISOString()).toBe('2034-03-01T00:00:00.000Z'); // end of day = 29 Feb 2028
    expect(retainUntilOf('2028-02-28', 4).toISOString()).toBe('2032-02-29T00:00:00.000Z');
    expect(() => retainUntilOf('2026-02-30', 6)).toThrow();
  });
});

describe('store errors', () => {
  it('map to stable codes and never carry a credential or the SDK response', () => {
    const secrets = [SECRET, KEY_ID];
    const cases: [Record<string, unknown>, string][] = [
      [
        {
          name: 'SignatureDoesNotMatch',
          message: `The request signature we calculated does not match; AWSAccessKeyId ${KEY_ID} StringToSign … ${SECRET}`,
          $metadata: { httpStatusCode: 403 },
          $response: { headers: { authorization: `AWS4 Credential=${KEY_ID}` } },
        },
        'ARCHIVE_DENIED',
      ],
      [{ name: 'NoSuchBucket', message: 'UnknownError', $metadata: { httpStatusCode: 404 } }, 'ARCHIVE_NOT_FOUND'],
      [
        { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED', $metadata: {} },
        'ARCHIVE_UNREACHABLE',
      ],
      [{ name: 'InternalError', message: 'UnknownError', $metadata: { httpStatusCode: 503 } }, 'ARCHIVE_UNREACHABLE'],
      [
        { name: 'InvalidArgument', message: 'UnknownError', $metadata: { httpStatusCode: 400 } },
        'ARCHIVE_STORE_FAILED',
      ],
    ];
    for (const [sdkErr, code] of cases) {
      const e = wrapS3Error(Object.assign(new Error(String(sdkErr.message)), sdkErr), 'upload b/k', secrets);
      expect(e.code).toBe(code);
      const everything = `${e.message} ${JSON.stringify(e.details)} ${inspect(e, { depth: 10 })}`;
      expect(everything).not.toContain(SECRET);
      expect(everything).not.toContain(KEY_ID);
      expect(e.cause).toBeUndefined();
    }
    expect(wrapS3Error({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, 'list b', []).message).toContain(
      'run `auditpack archive init`',
    );
    expect(scrubSecrets(`a${SECRET}b${SECRET}`, [SECRET])).toBe('a[REDACTED]b[REDACTED]');
  });
});

describe('prune relies on the archive ledger', () => {
  it('removes only packs whose exact manifest the ledger shows archived under a live COMPLIANCE lock, and says which copy', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    for (const d of ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08']) {
      await writeDay(join(cwd, 'logs'), d, SAMPLE_EVENTS);
      expect(runCli(['export', '--date', d], { cwd, env: { EXPORT_RETENTION_DAYS: '100000' } }).code).toBe(0);
    }
    const art = join(cwd, 'artifacts');
    const { manifestSha256 } = await import('../../src/pack/layout.js');
    const m = (d: string) => manifestSha256(join(art, d)) as string;
    const line = (o: Record<string, unknown>) =>
      JSON.stringify({ bucket: 'b', version_id: 'v1', sha256: 'x', size: 1, at: '2026-01-09T00:00:00.000Z', ...o });
    writeFileSync(
      join(art, ARCHIVE_LEDGER),
      `${[
        line({
          event: 'pushed',
          date: '2026-01-05',
          key: 'p/2026-01-05.tar.gz',
          manifest_sha256: m('2026-01-05'),
          mode: 'COMPLIANCE',
          retain_until: '2032-01-06T00:00:00.000Z',
        }),
        line({
          event: 'pushed',
          date: '2026-01-06',
          key: 'p/2026-01-06.tar.gz',
          manifest_sha256: 'f'.repeat(64),
          mode: 'COMPLIANCE',
          retain_until: '2032-01-07T00:00:00.000Z',
        }), // another pack of that day
        line({
          event: 'pushed',
          date: '2026-01-07',
          key: 'p/2026-01-07.tar.gz',
          manifest_sha256: m('2026-01-07'),
          mode: 'GOVERNANCE',
          retain_until: '2032-01-08T00:00:00.000Z',
        }),
        '{"torn": ',
      ].join('\n')}\n`,
    );
    const plan = planPrune({
      artifactsDir: art,
      retentionDays: 1,
      now: Date.parse('2026-01-20T00:00:00Z'),
      archived: archivedCheckFromLedger(art, Date.parse('2026-01-20T00:00:00Z')),
    });
    expect(
      plan.packs.map((p) => p.name),
      JSON.stringify(plan),
    ).toEqual(['2026-01-05']);
    expect(plan.packs[0]?.relied_on).toBe(
      's3://b/p/2026-01-05.tar.gz version v1, pushed 2026-01-09T00:00:00.000Z, COMPLIANCE until 2032-01-06T00:00:00.000Z',
    );
    expect(plan.skipped).toEqual(
      expect.arrayContaining([
        { name: '2026-01-06', reason: 'kept: not in the archive yet (auditpack archive push)' },
        { name: '2026-01-07', reason: expect.stringContaining('GOVERNANCE') },
      ]),
    );
    // Without an archive configured, prune behaves as before.
    expect(
      planPrune({ artifactsDir: art, retentionDays: 1, now: Date.parse('2026-01-20T00:00:00Z') }).packs.map(
        (p) => p.name,
      ),
    ).toEqual(['2026-01-05', '2026-01-06', '2026-01-07']);
  });
});

describe('the S3 client is loaded by the archive commands only', () => {
  it('other commands run with @aws-sdk unresolvable; archive commands say they cannot load it (69)', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    await writeDay(join(cwd, 'logs'), '2026-01-05', SAMPLE_EVENTS);
    writeFileSync(join(cwd, 'auditpack.config.json'), JSON.stringify({ archive: { bucket: 'abc' } }));
    const hooks = join(cwd, 'no-sdk-hooks.mjs');
    writeFileSync(
      hooks,
      `export async function resolve(s, c, next) { if (s.startsWith('@aws-sdk/')) throw new Error('blocked: ' + s); return next(s, c); }\n`,
    );
    const register = join(cwd, 'no-sdk.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module'; register(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`,
    );
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', register, BIN, ...args], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    const exp = run(['export', '--date', '2026-01-05']);
    expect(exp.status, exp.stderr).toBe(0);
    expect(run(['verify', 'artifacts/2026-01-05']).status).toBe(0);
    const lib = spawnSync(
      process.execPath,
      [
        '--import',
        register,
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)}); console.log(typeof m.pushPacks)`,
      ],
      { encoding: 'utf8' },
    );
    expect(lib.stdout.trim(), lib.stderr).toBe('function');
    const ls = run(['archive', 'ls']);
    expect(ls.status).toBe(69);
    expect(ls.stderr).toContain('ARCHIVE_UNREACHABLE');
    expect(ls.stderr).toContain('cannot load the S3 client');
  });

  it('archive commands without a bucket configured: ARCHIVE_NOT_CONFIGURED (78); bad flags: usage (2)', () => {
    const cwd = tempDir();
    const r = runCli(['archive', 'push'], { cwd, env: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET } });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('ARCHIVE_NOT_CONFIGURED');
    expect(r.stderr).not.toContain(SECRET);
    expect(runCli(['archive', 'push', '--date', '2026-02-30'], { cwd }).code).toBe(2);
    expect(runCli(['archive', 'push', '--date', '2026-01-01', '--all'], { cwd }).code).toBe(2);
    expect(runCli(['archive', 'pull'], { cwd }).code).toBe(2);
  });
});

describe('push refuses before touching the store', () => {
  it('a pack past its retention (65 ARCHIVE_RETENTION_PAST) and a local pack that does not verify (65 ARCHIVE_PACK_INVALID)', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'logs'));
    await writeDay(join(cwd, 'logs'), '2019-01-02', SAMPLE_EVENTS);
    await writeDay(join(cwd, 'logs'), '2026-01-05', SAMPLE_EVENTS);
    for (const d of ['2019-01-02', '2026-01-05'])
      expect(runCli(['export', '--date', d], { cwd, env: { EXPORT_RETENTION_DAYS: '100000' } }).code).toBe(0);
    writeFileSync(join(cwd, 'auditpack.config.json'), JSON.stringify({ archive: { bucket: 'abc' } }));
    // An endpoint nobody answers on: reaching the network would be exit 69, not 65.
    const env = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET };
    const past = runCli(['archive', 'push', '--date', '2019-01-02', '--retention-years', '1'], { cwd, env });
    expect(past.code).toBe(65);
    expect(past.stderr).toContain('ARCHIVE_RETENTION_PAST');
    const { chmodSync, appendFileSync } = await import('node:fs');
    const csv = join(cwd, 'artifacts', '2026-01-05', 'data', 'orders.csv');
    chmodSync(csv, 0o644);
    appendFileSync(csv, 'x');
    const invalid = runCli(['archive', 'push', '--date', '2026-01-05'], { cwd, env });
    expect(invalid.code).toBe(65);
    expect(invalid.stderr).toContain('ARCHIVE_PACK_INVALID');
    expect(invalid.stderr).toContain('PACK_FILE');
    const missing = runCli(['archive', 'push', '--date', '2026-01-06'], { cwd, env });
    expect(missing.code).toBe(66);
    expect(runCli(['archive', 'push', '--date', '2026-01-05', '--retention-years', '0'], { cwd, env }).code).toBe(78);
  });
});
