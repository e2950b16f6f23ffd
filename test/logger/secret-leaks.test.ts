/**
 * Secrets that reached the line outside the field walk, or in shapes the walk did not judge: the
 * names' validation notes, the actor, a config setting's old and new value named by the setting,
 * [name, value] pairs (Object.entries, Headers tuples, flat rawHeaders, HAR {name, value}) and a Map
 * keyed by an object. Each was written in clear before (an outside security pass found them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/index.js';
import { tempDir } from '../helpers/tmp.js';

const SECRETS = [
  'hunter2LEAKevt',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'AKIAIOSFODNN7EXAMPLE',
  'hunter2LEAKactor',
  'LEAKoldPass',
  'LEAKnewPass',
  'LEAKoldSecret',
  'LEAKnewSecret',
  'abc123def456ghi',
  'hunter2',
];

async function lines(write: (audit: ReturnType<typeof createAuditLogger>) => void): Promise<string[]> {
  const sink = new MemorySink();
  const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
  write(audit);
  await audit.close();
  return sink.allLines();
}

function leaked(all: readonly string[]): string[] {
  return SECRETS.filter((s) => all.some((l) => l.includes(s)));
}

describe('secrets in names and the actor', () => {
  it('a secret in the event or category name is not echoed by its validation note', async () => {
    const all = await lines((a) => {
      a.log('system', 'password:hunter2LEAKevt', {});
      a.log('Cat ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'E', {});
      a.log('Cat AKIAIOSFODNN7EXAMPLE', 'E', {});
      a.log('order', 'Weird AKIAIOSFODNN7EXAMPLE', {});
    });
    expect(leaked(all)).toEqual([]);
    const parsed = all.map((l) => JSON.parse(l));
    expect(parsed[0].event).toBe('password:[REDACTED]');
    expect(parsed[0].validation).toEqual(['event: "password:[REDACTED]" is not a known system event']);
    expect(parsed[1].category).toBe('redacted');
    expect(parsed[1].validation[0]).toBe('category: "Cat [REDACTED]" holds a secret; written as "redacted"');
    expect(parsed[2].category).toBe('redacted');
    expect(parsed[3].validation).toEqual(['event: "Weird [REDACTED]" is not a known order event']);
  });

  it('an ordinary bad name keeps its note', async () => {
    const [line] = await lines((a) => a.log('Not A Category', 'Thing', {}));
    expect(JSON.parse(line as string).validation).toEqual([
      'category: "Not A Category" is not a lowercase name; written as "not_a_category"',
    ]);
  });

  it('the actor of a logger and of a child logger is redacted', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({
      sink,
      handleExit: false,
      heartbeatMinutes: 0,
      actor: 'svc password=hunter2LEAKactor',
    });
    audit.log('system', 'E', {});
    audit.child({ actor: 'postgres://svc:hunter2LEAKactor@db/x' }).log('system', 'E', {});
    audit.child({ actor: 'desk7' }).log('system', 'E', {});
    await audit.close();
    const all = sink.allLines();
    expect(leaked(all)).toEqual([]);
    expect(all.map((l) => JSON.parse(l).actor)).toEqual([
      'svc password=[REDACTED]',
      'postgres://svc:[REDACTED]@db/x',
      'desk7',
    ]);
  });
});

describe('values named by a setting, pairs and object-keyed Maps', () => {
  it('audit.config of a secret setting writes neither value (also the snake_case and key forms)', async () => {
    const all = await lines((a) => {
      a.config('db_password', { oldValue: 'LEAKoldPass', newValue: 'LEAKnewPass', filePath: 'configs/db.yaml' });
      a.log('config', 'ConfigChanged', {
        key: 'exchange.binance.secret',
        old_value: 'LEAKoldSecret',
        new_value: 'LEAKnewSecret',
      });
      a.child({ desk: 'd7' }).config('api_key', { oldValue: 'LEAKoldPass', newValue: 'LEAKnewPass' });
      a.config('max_position', { oldValue: '100', newValue: '200' });
    });
    expect(leaked(all)).toEqual([]);
    const [first, second, , plain] = all.map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      config_type: 'db_password',
      old_value: '[REDACTED]',
      new_value: '[REDACTED]',
      file_path: 'configs/db.yaml',
      redacted: ['old_value', 'new_value'],
    });
    expect(second).toMatchObject({ key: 'exchange.binance.secret', old_value: '[REDACTED]' });
    // An ordinary setting keeps its values.
    expect(plain).toMatchObject({ config_type: 'max_position', old_value: '100', new_value: '200' });
  });

  it('[name, value] pairs: Object.entries, Headers tuples, flat rawHeaders, HAR {name, value}', async () => {
    const headers = { 'x-api-key': 'abc123def456ghi', accept: 'json' };
    const all = await lines((a) => {
      a.log('system', 'PairLeak', { hdrs: Object.entries(headers) });
      a.log('system', 'PairLeak', { hdrs: [...new Headers([['Authorization', 'Bearer hunter2']]).entries()] });
      a.log('system', 'PairLeak', { raw: ['X-Api-Key', 'abc123def456ghi', 'Password', 'hunter2', 'Host', 'h'] });
      a.log('system', 'PairLeak', {
        form: [
          { name: 'password', value: 'hunter2' },
          { value: 'x', name: 'q' },
        ],
      });
      a.log('system', 'PairLeak', { har: { headers: [{ value: 'hunter2', name: 'Cookie' }] } });
    });
    expect(leaked(all)).toEqual([]);
    const [e, h, r, f] = all.map((l) => JSON.parse(l));
    expect(e.hdrs).toEqual([
      ['x-api-key', '[REDACTED]'],
      ['accept', 'json'],
    ]);
    expect(e.redacted).toEqual(['hdrs[0][1]']);
    expect(h.hdrs).toEqual([['authorization', '[REDACTED]']]);
    expect(r.raw).toEqual(['X-Api-Key', '[REDACTED]', 'Password', '[REDACTED]', 'Host', 'h']);
    expect(f.form).toEqual([
      { name: 'password', value: '[REDACTED]' },
      { value: 'x', name: 'q' },
    ]);
  });

  it('lists that are not pairs stay as they are', async () => {
    const all = await lines((a) => {
      a.log('system', 'Lists', { symbols: ['EURUSD', 'GBPUSD'], odd: ['password', 'x', 'y'], nums: [1, 2] });
    });
    expect(JSON.parse(all[0] as string)).toMatchObject({
      symbols: ['EURUSD', 'GBPUSD'],
      odd: ['password', 'x', 'y'],
      nums: [1, 2],
    });
  });

  it('a Map keyed by an object naming a secret writes no value', async () => {
    const all = await lines((a) => {
      a.log('system', 'Weird', {
        // One object key per Map: every object key is written as "[object Object]".
        a: new Map<unknown, unknown>([[{ password: 1 }, 'hunter2']]),
        b: new Map<unknown, unknown>([[{ name: 'api_key' }, 'abc123def456ghi']]),
        c: new Map<unknown, unknown>([[{ id: 7 }, 'kept']]),
      });
    });
    expect(leaked(all)).toEqual([]);
    expect(JSON.parse(all[0] as string)).toMatchObject({
      a: { '[object Object]': '[REDACTED]' },
      b: { '[object Object]': '[REDACTED]' },
      c: { '[object Object]': 'kept' },
    });
  });

  it('a generic key under a venue is that venue key; under sort it stays', async () => {
    const all = await lines((a) => {
      a.log('system', 'VenueConfig', {
        venues: { binance: { key: 'hunter2', url: 'wss://x' }, sort: { key: 'price' } },
        signing: [{ key: 'abc123def456ghi' }],
      });
    });
    expect(leaked(all)).toEqual([]);
    expect(JSON.parse(all[0] as string)).toMatchObject({
      venues: { binance: { key: '[REDACTED]', url: 'wss://x' }, sort: { key: 'price' } },
      signing: [{ key: '[REDACTED]' }],
    });
  });
});

describe('more shapes of a name given as data', () => {
  it('{path, old, new}, {configKey, configValue}, [{k, v}] and argv flags write no secret (nor the alerts made of these lines)', async () => {
    const dir = tempDir();
    const audit = createAuditLogger({ logDir: dir, handleExit: false, heartbeatMinutes: 0 });
    audit.config('x', { path: 'auth.token', old: 'LEAKoldPass', new: 'LEAKnewPass' });
    audit.log('app', 'SettingChanged', { configKey: 'secret', configValue: 'LEAKoldSecret' });
    audit.log('app', 'Params', { pairs: [{ k: 'password', v: 'hunter2' }] });
    audit.log('app', 'Spawned', { argv: ['db-tool', '--password', 'abc123def456ghi', '--host', 'db1'] });
    audit.log('app', 'Spawned', { argv: ['--api-key', 'LEAKnewSecret'] });
    audit.log('app', 'Kept', { p: { path: 'risk.limit', old: '1', new: '2' }, argv: ['--port', '5432', '-v'] });
    await audit.close();
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    const all = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
    expect(leaked(all)).toEqual([]);
    const events = all.map((l) => JSON.parse(l));
    const by = (e: string) => events.filter((x) => x.event === e);
    expect(by('Spawned')[0].argv).toEqual(['db-tool', '--password', '[REDACTED]', '--host', 'db1']);
    expect(by('Params')[0].pairs).toEqual([{ k: 'password', v: '[REDACTED]' }]);
    // An ordinary setting path and an ordinary flag keep their values.
    expect(by('Kept')[0]).toMatchObject({
      p: { path: 'risk.limit', old: '1', new: '2' },
      argv: ['--port', '5432', '-v'],
    });
  });
});

describe('a name given as data that starts with / or holds brackets (at18 F6: written in clear before rules 13)', () => {
  it('SSM /prod/db/password, audit.config of a root path, {path, old, new}, HAR user[password] and others', async () => {
    const all = await lines((a) => {
      a.log('config', 'SecretLoaded', {
        Parameter: { Name: '/prod/db/password', Type: 'SecureString', Value: 'LEAKoldSecret' },
      });
      a.config('/trading/binance/api_secret', { oldValue: 'LEAKoldPass', newValue: 'LEAKnewPass' });
      a.log('config', 'Changed', { path: '/venues/kraken/api_secret', old: 'LEAKoldSecret', new: 'LEAKnewSecret' });
      a.log('http', 'FormPost', {
        postData: {
          params: [
            { name: 'user[email]', value: 'ops@desk.example' },
            { name: 'user[password]', value: 'hunter2LEAKevt' },
          ],
        },
      });
      a.log('config', 'More', {
        a: { key: 'credentials[0].password', value: 'hunter2LEAKactor' },
        b: { name: '2fa_secret', value: 'LEAKoldPass' },
        c: { name: 'db#password', value: 'LEAKnewPass' },
        d: { path: '#/definitions/password', value: 'abc123def456ghi' },
      });
      a.log('config', 'Kept', {
        Parameter: { Name: '/prod/db/host', Value: 'db1.internal' },
        p: { path: '/risk/limits[0].max', old: '100', new: '200' },
        q: { name: '2nd_leg', value: 'EURUSD' },
      });
    });
    expect(leaked(all)).toEqual([]);
    const events = all.map((l) => JSON.parse(l));
    expect(events[0].parameter).toEqual({ Name: '/prod/db/password', Type: 'SecureString', Value: '[REDACTED]' });
    expect(events[3].post_data.params).toEqual([
      { name: 'user[email]', value: 'ops@desk.example' },
      { name: 'user[password]', value: '[REDACTED]' },
    ]);
    // Ordinary names of the same shapes keep their values.
    expect(events[5]).toMatchObject({
      parameter: { Name: '/prod/db/host', Value: 'db1.internal' },
      p: { path: '/risk/limits[0].max', old: '100', new: '200' },
      q: { name: '2nd_leg', value: 'EURUSD' },
    });
  });
});

describe('a secret the length bounds cut (attack6 #5: cut before the scan, its head was written)', () => {
  const BOUND = 65_536;
  // [text, the part of it that is secret]: each placed so that the cut falls at every offset of the text.
  const SHAPES: readonly (readonly [string, string])[] = [
    ['postgres://app:S3cr3tPassw0rd@db.internal:5432/orders', 'S3cr3tPassw0rd'],
    ['AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'],
    ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
    ['password=hunter2LEAKlong', 'hunter2LEAKlong'],
  ];
  /** The secret's first 4 characters: none may reach a line, wherever the cut falls. */
  const heads = SHAPES.map(([, secret]) => secret.slice(0, 4));

  it('a string over 65,536 characters: no offset of the cut leaves a secret head in the line', async () => {
    const all = await lines((a) => {
      for (const [text] of SHAPES)
        for (let k = 0; k <= text.length; k++)
          a.log('system', 'LongText', { message: `${'x'.repeat(BOUND - k - 1)} ${text}`, k });
    });
    expect(all).toHaveLength(SHAPES.reduce((n, [text]) => n + text.length + 1, 0));
    let cut = 0;
    for (const line of all) {
      expect(heads.filter((h) => line.includes(h))).toEqual([]);
      const e = JSON.parse(line);
      expect(e.message.length).toBeLessThanOrEqual(BOUND + '…[truncated 99 chars]'.length);
      if (!/…\[truncated \d+ chars\]$/.test(e.message)) continue;
      cut++;
      expect(e.validation.join('\n')).toContain('message: string of ');
      expect(e.redacted).toEqual(['message']);
    }
    // Most offsets leave the redacted text over the bound (all those the old cut made a leak of).
    expect(cut).toBeGreaterThan(all.length / 2);
    // The short form of the same URL is redacted as documented, and its path reported.
    const [short] = await lines((a) => a.log('system', 'LongText', { message: `x ${SHAPES[0]?.[0]}` }));
    expect(JSON.parse(short as string)).toMatchObject({
      message: 'x postgres://app:[REDACTED]@db.internal:5432/orders',
      redacted: ['message'],
    });
  });

  it('an event name over 256 characters and a category over 256 are redacted before they are cut', async () => {
    const all = await lines((a) => {
      for (const [text] of SHAPES)
        for (let k = 0; k <= text.length; k++) a.log('system', `${'x'.repeat(256 - k - 1)} ${text}`, {});
      // Lower-casing disguises a key's shape: a category cut before its scan was written `…akiaiosfodnn7example`.
      a.log(`Cat ${'!'.repeat(300)} AKIAIOSFODNN7EXAMPLE`, 'E', {});
    });
    for (const line of all) {
      expect(heads.filter((h) => line.toLowerCase().includes(h.toLowerCase()))).toEqual([]);
      expect(JSON.parse(line).event.length).toBeLessThanOrEqual(256);
    }
    expect(JSON.parse(all[all.length - 1] as string).category).toBe('redacted');
  });
});

describe("a child's bindings that cannot be read (at61)", () => {
  it("keep the thrower's message out of bindings_error, as a field's throwing getter is [Unreadable]", async () => {
    const bindings = {
      desk: 'fx',
      get dbUrl(): string {
        throw new Error('vault: lease expired for value Tr0ub4dorQv8x, renew it');
      },
    };
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new TypeError('revoked: Tr0ub4dorQv8x');
        },
      },
    );
    const all = await lines((a) => {
      a.child(bindings).log('c', 'Getter', { ok: 1 });
      a.child(proxy).log('c', 'Proxy', { ok: 1 });
    });
    expect(all.join('\n')).not.toContain('Tr0ub4dorQv8x');
    expect(JSON.parse(all[0] as string).bindings_error).toBe(
      'bindings cannot be read: a getter or a Proxy trap threw (Error)',
    );
    expect(JSON.parse(all[1] as string).bindings_error).toBe(
      'bindings cannot be read: a getter or a Proxy trap threw (TypeError)',
    );
  });
});
