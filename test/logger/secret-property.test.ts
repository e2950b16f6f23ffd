/**
 * The no-leak promise as a property: for any event with a secret planted at any depth, in any of
 * the shapes a name can take (a sensitive key, a setting named by a field, a [name, value] pair, a
 * HAR entry, a Map keyed by an object, a pair in text, a URL, the event name, the actor), the
 * written line holds no part of the secret, and neither does any file of the day's pack.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/index.js';
import { exportPack } from '../../src/pack/index.js';
import { tempDir } from '../helpers/tmp.js';

/** A secret with no shape of its own: only where it stands can tell it is one. */
const secretArb = fc.stringMatching(/^[a-z][A-Za-z0-9]{11,20}$/).map((s) => `Zq${s}`);

interface Planted {
  readonly category: string;
  readonly event: string;
  readonly fields: unknown;
  readonly actor?: string;
}

type Plant = (s: string) => Planted;
const field =
  (f: (s: string) => unknown): Plant =>
  (s) => ({ category: 'system', event: 'Probe', fields: f(s) });

/** The shapes a secret arrives in, each wrapped at a depth by `wrap`. */
const PLANTS: readonly [string, (s: string, wrap: (x: unknown) => unknown) => Planted][] = [
  ['sensitive key', (s, w) => field(() => ({ data: w({ password: s }) }))(s)],
  [
    'config setting',
    (s) => ({
      category: 'config',
      event: 'ConfigChanged',
      fields: { configType: 'db_password', oldValue: s, newValue: s },
    }),
  ],
  ['key field', (s, w) => field(() => ({ data: w({ key: 'exchange.binance.secret', old_value: s }) }))(s)],
  ['HAR entry', (s, w) => field(() => ({ har: w([{ name: 'Authorization', value: s }]) }))(s)],
  [
    'entries tuple',
    (s, w) =>
      field(() => ({
        h: w([
          ['x-api-key', s],
          ['accept', 'json'],
        ]),
      }))(s),
  ],
  ['flat rawHeaders', (s, w) => field(() => ({ raw: w(['Host', 'h', 'Password', s]) }))(s)],
  ['setting path', (s, w) => field(() => ({ data: w({ path: 'auth.token', old: s, new: s }) }))(s)],
  ['configKey/configValue', (s, w) => field(() => ({ data: w({ configKey: 'secret', configValue: s }) }))(s)],
  ['k/v pair object', (s, w) => field(() => ({ pairs: w([{ k: 'password', v: s }]) }))(s)],
  ['argv flag', (s, w) => field(() => ({ argv: w(['db-tool', '--password', s]) }))(s)],
  ['argv flag in text', (s, w) => field(() => ({ cmd: w(`db-tool --password=${s} --host db1`) }))(s)],
  ['mysql -p in text', (s, w) => field(() => ({ cmd: w(`mysql -u root -p${s} orders`) }))(s)],
  ['key value in text', (s, w) => field(() => ({ cmd: w(`aws configure set aws_secret_access_key ${s}`) }))(s)],
  ['key<TAB>value in text', (s, w) => field(() => ({ dump: w(`user\tbob\nPASSWORD\t${s}\n`) }))(s)],
  ['tool option in text', (s, w) => field(() => ({ cmd: w(`sshpass -p ${s} ssh desk7`) }))(s)],
  ['object Map key', (s, w) => field(() => ({ m: w(new Map([[{ password: 1 }, s]])) }))(s)],
  ['venue key', (s, w) => field(() => ({ venues: w({ binance: { key: s } }) }))(s)],
  ['string Map key', (s, w) => field(() => ({ m: w(new Map([['api_key', s]])) }))(s)],
  ['pair in text', (s, w) => field(() => ({ message: w(`login failed password=${s} for desk 7`) }))(s)],
  ['URL', (s, w) => field(() => ({ dsn: w(`postgres://svc:${s}@db.internal/orders`) }))(s)],
  ['event name', (s) => ({ category: 'system', event: `password:${s}`, fields: {} })],
  ['category name', (s) => ({ category: `Cat password=${s}`, event: 'E', fields: {} })],
  ['actor', (s) => ({ category: 'system', event: 'E', fields: {}, actor: `svc password=${s}` })],
];

/** Wrappers a value can sit in: objects, arrays (never of even length), Maps, Sets. */
const wrapArb: fc.Arbitrary<(x: unknown) => unknown> = fc
  .array(fc.constantFrom('obj', 'arr', 'map', 'set', 'legs'), { maxLength: 6 })
  .map((kinds) => (x: unknown) => {
    let v = x;
    for (const k of kinds) {
      if (k === 'obj') v = { inner: v, symbol: 'EURUSD' };
      else if (k === 'arr') v = [v];
      else if (k === 'map') v = new Map([['route', v]]);
      else if (k === 'set') v = new Set([v]);
      else v = { legs: [{ qty: 1 }, v, { qty: 2 }] };
    }
    return v;
  });

const plantedArb = fc
  .tuple(secretArb, fc.integer({ min: 0, max: PLANTS.length - 1 }), wrapArb)
  .map(([secret, i, wrap]) => ({
    secret,
    name: (PLANTS[i] as (typeof PLANTS)[number])[0],
    ev: (PLANTS[i] as (typeof PLANTS)[number])[1](secret, wrap),
  }));

function record(audit: ReturnType<typeof createAuditLogger>, ev: Planted): void {
  const target = ev.actor === undefined ? audit : audit.child({ actor: ev.actor });
  target.log(ev.category, ev.event, ev.fields as Record<string, unknown>);
}

/** The secret, or a long piece of it, anywhere in the text. */
function holds(text: string, secret: string): boolean {
  return text.includes(secret) || text.includes(secret.slice(2, 12));
}

describe('no secret reaches the line, whatever its shape and depth', () => {
  it('for any planted secret, the written line holds none of it', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    const planted = fc.sample(plantedArb, { numRuns: 600, seed: 20261201 });
    for (const p of planted) record(audit, p.ev);
    await audit.close();
    const lines = sink.allLines();
    expect(lines).toHaveLength(planted.length);
    const leaks = planted.filter((p, i) => holds(lines[i] as string, p.secret)).map((p, i) => `${p.name}: ${lines[i]}`);
    expect(leaks).toEqual([]);
  });

  it('holds as a fast-check property (shrinks to the smallest leak)', async () => {
    await fc.assert(
      fc.asyncProperty(plantedArb, async (p) => {
        const sink = new MemorySink();
        const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
        record(audit, p.ev);
        await audit.close();
        expect(holds(sink.allLines().join('\n'), p.secret)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('no file of the day pack holds any planted secret', async () => {
    const root = tempDir();
    const logDir = join(root, 'logs');
    const date = '2025-09-08';
    let t = Date.parse(`${date}T09:00:00Z`) * 1000;
    const audit = createAuditLogger({
      logDir,
      handleExit: false,
      heartbeatMinutes: 0,
      offload: false,
      clock: () => (t += 1000),
    });
    const planted = fc.sample(plantedArb, { numRuns: 200, seed: 7 });
    for (const p of planted) record(audit, p.ev);
    // A default alert and orders, so alerts.jsonl and the CSVs are written too.
    audit.alert({ alertType: 'risk', severity: 'high', message: 'password=ZqAlertSecret123' });
    await audit.close();
    const r = await exportPack({
      date,
      logDir,
      artifactsDir: join(root, 'artifacts'),
      version: '0.1.0',
      now: () => Date.parse(`${date}T23:59:59Z`) + 600_000,
      snapshot: false,
      recordEvent: false,
    });
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(r.path);
    expect(files.some((f) => f.endsWith('audit.jsonl'))).toBe(true);
    const leaks: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const p of [...planted.map((x) => x.secret), 'ZqAlertSecret123'])
        if (holds(text, p)) leaks.push(`${f}: ${p}`);
    }
    expect(leaks).toEqual([]);
  }, 120_000);
});
