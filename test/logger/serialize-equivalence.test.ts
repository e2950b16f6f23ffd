/**
 * The optimised serialiser (src/logger/serialize.ts) against the reference
 * (test/logger/serialize-reference.ts, the straightforward walk-and-join version it replaced):
 * for every input, byte for byte the same JSON text, the same actor, the same redacted paths and
 * the same validation notes, in the same order — or the same error.
 *
 * Inputs are generated as specs and materialised twice, once per implementation, so that getters
 * with state (a counter) or side effects start equal, and a difference in how often or in which
 * order a value is read shows up as a difference in output. Redactors are shared across runs (warm
 * caches: a cached shape or clean string must never leak into another input's result) and made
 * fresh (cold caches).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareBody, prepareFields } from '../../src/logger/serialize.js';
import { compileRedactor, type Redactor } from '../../src/redaction/index.js';
import { prepareFieldsReference } from './serialize-reference.js';

// ----- specs ------------------------------------------------------------------------------

type Access = 'data' | 'getter' | 'throws' | 'counter' | 'hidden';

type Spec =
  | { readonly t: 'prim'; readonly v: string | number | boolean | null | undefined | bigint }
  | { readonly t: 'symbol'; readonly d: string }
  | { readonly t: 'function' }
  | { readonly t: 'date'; readonly ms: number }
  | { readonly t: 'error'; readonly name: string; readonly message: string; readonly code: Spec | undefined }
  | { readonly t: 'map'; readonly entries: readonly (readonly [Spec, Spec])[] }
  | { readonly t: 'set'; readonly items: readonly Spec[] }
  | { readonly t: 'bytes'; readonly kind: 'u8' | 'f64' | 'view' | 'buffer'; readonly data: readonly number[] }
  | {
      readonly t: 'obj';
      readonly proto: 'plain' | 'null' | 'class';
      readonly entries: readonly (readonly [string, Spec, Access])[];
    }
  | { readonly t: 'proxy'; readonly entries: readonly (readonly [string, Spec])[]; readonly throwKeys: boolean }
  | { readonly t: 'arr'; readonly items: readonly Spec[]; readonly throwAt: number }
  | { readonly t: 'tojson'; readonly inner: Spec; readonly throws: boolean }
  | { readonly t: 'circular'; readonly up: number }
  | { readonly t: 'shared' };

/** Keys that exercise every key rule: snake_case collisions, reserved names, secrets, trade fields, indices. */
const KEYS = [
  'orderId',
  'order_id',
  'OrderID',
  'dealId',
  'symbol',
  'side',
  'quantity',
  'price',
  'clientOrderId',
  'sourceIP',
  'source_ip',
  'message',
  'note',
  'actor',
  'Actor',
  'order_id#0',
  'field_actor',
  'user',
  'ts',
  'seq',
  'prev',
  'host',
  'pid',
  'late',
  'event',
  'category',
  'redacted',
  'validation',
  'iso_ts',
  'isoTs',
  'field_ts',
  'fieldTs',
  'field_field_ts',
  'password',
  'apiKey',
  'api_key',
  'API-KEY',
  'x-api-key',
  'authorization',
  'token',
  'session',
  'pwd',
  'pin',
  'secretValue',
  'token=abcdefgh12345',
  'Bearer abcdefghijklmnop',
  'AKIAIOSFODNN7EXAMPLE',
  'url://u:p4ss@h',
  '__proto__',
  'constructor',
  'toJSON',
  'hasOwnProperty',
  '0',
  '1',
  '2',
  '10',
  '01',
  '-1',
  '4294967294',
  '4294967295',
  '1e3',
  '',
  ' ',
  'a"b',
  'a\\b',
  'line\nbreak',
  '\u0000',
  '\ud800',
  'caf\u00e9',
  '\u{1f600}',
  'venue',
  'account',
  'route',
  'legs',
  'accountNumber',
  // Name and value fields (named-values.ts): a name field naming a secret hides the values.
  'name',
  'value',
  'key',
  'configType',
  'old_value',
  'newValue',
  'path',
  'configValue',
];

const STRINGS = [
  '',
  'EURUSD',
  'BUY',
  '1.10050',
  'ORD-100000123',
  'ACC-1042',
  'mean-revert-v3',
  'insufficient margin: required 2450.00 USD, available 1210.55 USD',
  'Bearer abcdefghijklmnopqrstuvwxyz012345',
  'Authorization: Basic dXNlcjpwYXNzd29yZA==',
  'AKIAIOSFODNN7EXAMPLE',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJl',
  'postgres://trader:hunter2@db.internal:5432/orders',
  'https://api.example.com/v1?api_key=abc123def456&symbol=EURUSD',
  'password: hunter2',
  '--password',
  '--port',
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
  'xoxb-1234567890-abcdefghij',
  'sk_live_abcdefghijklmnop1234',
  'say "hi"',
  'back\\slash',
  'tab\there',
  'new\nline',
  '\u0007bell',
  '\ud83d',
  '\ude00 lone low',
  '\u{1f600} ok pair',
  '\u2028\u2029',
  'é'.repeat(40),
  'x'.repeat(127),
  'x'.repeat(128),
  'x'.repeat(129),
  `${'y'.repeat(200)}token=abcdefghijk`,
  'NaN',
  '[REDACTED]',
  // Strings that name a secret: as a name field's value, or an even item of a pair list.
  'db_password',
  'X-Api-Key',
  'Authorization',
];

const keyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

const stringArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 200 }) },
);

const primArb: fc.Arbitrary<Spec> = fc
  .oneof(
    { weight: 6, arbitrary: stringArb },
    { weight: 2, arbitrary: fc.double() },
    { weight: 2, arbitrary: fc.integer() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -0,
        1e21,
        5e-324,
        Number.MAX_SAFE_INTEGER + 2,
      ),
    },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
    { weight: 1, arbitrary: fc.bigInt() },
  )
  .map((v) => ({ t: 'prim', v }) as const);

const accessArb = fc.constantFrom<Access>('data', 'data', 'data', 'data', 'getter', 'throws', 'counter', 'hidden');

const { spec } = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 12, arbitrary: primArb },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((d) => ({ t: 'symbol', d }) as const) },
    { weight: 1, arbitrary: fc.constant({ t: 'function' } as const) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constant(Number.NaN))
        .map((ms) => ({ t: 'date', ms }) as const),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          name: stringArb,
          message: stringArb,
          code: fc.option(fc.oneof(primArb, tie('spec')), { nil: undefined }),
        })
        .map((r) => ({ t: 'error', ...r }) as const),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(fc.oneof(primArb, tie('spec')), tie('spec')), { maxLength: 5 })
        .map((entries) => ({ t: 'map', entries }) as const),
    },
    { weight: 1, arbitrary: fc.array(tie('spec'), { maxLength: 5 }).map((items) => ({ t: 'set', items }) as const) },
    {
      weight: 1,
      arbitrary: fc
        .record({
          kind: fc.constantFrom('u8', 'f64', 'view', 'buffer'),
          data: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 }),
        })
        .map((r) => ({ t: 'bytes', ...r }) as const),
    },
    {
      weight: 6,
      arbitrary: fc
        .record({
          proto: fc.constantFrom('plain', 'plain', 'plain', 'null', 'class'),
          entries: fc.array(fc.tuple(keyArb, tie('spec'), accessArb), { maxLength: 8 }),
        })
        .map((r) => ({ t: 'obj', ...r }) as const),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          entries: fc.uniqueArray(fc.tuple(keyArb, tie('spec')), { maxLength: 6, selector: (e) => e[0] }),
          throwKeys: fc.boolean(),
        })
        .map((r) => ({ t: 'proxy', ...r }) as const),
    },
    {
      weight: 3,
      arbitrary: fc
        .record({ items: fc.array(tie('spec'), { maxLength: 8 }), throwAt: fc.integer({ min: -1, max: 8 }) })
        .map((r) => ({ t: 'arr', ...r }) as const),
    },
    {
      weight: 1,
      arbitrary: fc.record({ inner: tie('spec'), throws: fc.boolean() }).map((r) => ({ t: 'tojson', ...r }) as const),
    },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 }).map((up) => ({ t: 'circular', up }) as const) },
    { weight: 1, arbitrary: fc.constant({ t: 'shared' } as const) },
  ),
}));

/** A top-level fields object: mostly plain objects with the keys a trading app sends. */
const fieldsArb: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        proto: fc.constantFrom('plain', 'plain', 'plain', 'plain', 'null', 'class'),
        entries: fc.array(fc.tuple(keyArb, spec, accessArb), { maxLength: 14 }),
      })
      .map((r) => ({ t: 'obj', ...r }) as const),
  },
  { weight: 1, arbitrary: spec },
);

class Instance {
  readonly kind = 'instance';
}
Object.defineProperty(Instance.prototype, 'inherited', { value: 'not own', enumerable: true });

/** Builds the value a spec describes. Each call builds fresh objects (fresh counters). */
function materialise(root: Spec): unknown {
  const stack: unknown[] = [];
  const shared = { shared: 'object', n: 1 };
  const build = (s: Spec): unknown => {
    switch (s.t) {
      case 'prim':
        return s.v;
      case 'symbol':
        return Symbol(s.d);
      case 'function':
        return function named(): number {
          return 1;
        };
      case 'date':
        return new Date(s.ms);
      case 'error': {
        const e = new Error(s.message);
        e.name = s.name;
        if (s.code !== undefined) (e as Error & { code?: unknown }).code = build(s.code);
        return e;
      }
      case 'map':
        return withParent(new Map(), (m) => {
          for (const [k, v] of s.entries) m.set(build(k), build(v));
        });
      case 'set':
        return withParent(new Set(), (set) => {
          for (const v of s.items) set.add(build(v));
        });
      case 'bytes': {
        const u8 = Uint8Array.from(s.data);
        if (s.kind === 'u8') return u8;
        if (s.kind === 'buffer') return Buffer.from(u8);
        if (s.kind === 'view') return new DataView(u8.buffer, Math.min(1, u8.length));
        return new Float64Array(u8.buffer, 0, Math.floor(u8.length / 8));
      }
      case 'obj': {
        const o: Record<string, unknown> =
          s.proto === 'null' ? Object.create(null) : s.proto === 'class' ? new Instance() : {};
        return withParent(o, () => {
          for (const [k, v, access] of s.entries) define(o, k, build(v), access);
        });
      }
      case 'proxy': {
        const values = new Map<string, unknown>();
        const p = new Proxy(Object.create(null) as object, {
          ownKeys: () => {
            if (s.throwKeys) throw new Error('ownKeys trap');
            return [...values.keys()];
          },
          getOwnPropertyDescriptor: (_t, k) =>
            typeof k === 'string' && values.has(k)
              ? { value: values.get(k), enumerable: true, configurable: true, writable: true }
              : undefined,
          get: (_t, k) => (typeof k === 'string' ? values.get(k) : undefined),
        });
        return withParent(p, () => {
          for (const [k, v] of s.entries) values.set(k, build(v));
        });
      }
      case 'arr': {
        const a: unknown[] = [];
        return withParent(a, () => {
          s.items.forEach((v, i) => {
            if (i === s.throwAt) {
              Object.defineProperty(a, i, {
                get() {
                  throw new Error('item getter');
                },
                enumerable: true,
              });
            } else a[i] = build(v);
          });
        });
      }
      case 'tojson': {
        const inner = build(s.inner);
        return {
          toJSON() {
            if (s.throws) throw new Error('toJSON');
            return inner;
          },
        };
      }
      case 'circular':
        return stack.length === 0 ? { circular: 'none' } : stack[stack.length - 1 - (s.up % stack.length)];
      case 'shared':
        return shared;
    }
  };
  const withParent = <T>(o: T, fill: (o: T) => void): T => {
    stack.push(o);
    try {
      fill(o);
    } finally {
      stack.pop();
    }
    return o;
  };
  return build(root);
}

function define(o: Record<string, unknown>, k: string, v: unknown, access: Access): void {
  let reads = 0;
  switch (access) {
    case 'data':
      Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return;
    case 'hidden':
      Object.defineProperty(o, k, { value: v, enumerable: false, configurable: true });
      return;
    case 'getter':
      Object.defineProperty(o, k, { get: () => v, enumerable: true, configurable: true });
      return;
    case 'throws':
      Object.defineProperty(o, k, {
        get() {
          throw new Error(`getter ${k}`);
        },
        enumerable: true,
        configurable: true,
      });
      return;
    case 'counter':
      // A different value at every read: the implementations must read each value exactly once.
      Object.defineProperty(o, k, { get: () => `read ${++reads}`, enumerable: true, configurable: true });
      return;
  }
}

// ----- comparison -------------------------------------------------------------------------

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

function run(fn: (fields: unknown, r: Redactor) => unknown, fields: unknown, r: Redactor): Outcome {
  try {
    return { ok: true, value: fn(fields, r) };
  } catch (err) {
    return { ok: false, error: `${(err as Error)?.name}: ${(err as Error)?.message}` };
  }
}

/** Both implementations on fresh copies of the same input. */
function compare(make: () => unknown, r: Redactor): void {
  const expected = run(prepareFieldsReference, make(), r);
  const actual = run(prepareFields, make(), r);
  expect(actual).toStrictEqual(expected);
}

const CENSOR_WITH_QUOTES = '"***" \\ \u2028';

const REDACTORS: readonly [string, () => Redactor][] = [
  [
    'default (shared, warm caches)',
    (
      (r) => () =>
        r
    )(compileRedactor()),
  ],
  ['default (fresh, cold caches)', () => compileRedactor()],
  [
    'disabled',
    (
      (r) => () =>
        r
    )(compileRedactor({ enabled: false })),
  ],
  [
    'custom keys, patterns and a censor that needs escaping',
    (
      (r) => () =>
        r
    )(
      compileRedactor({
        keys: ['accountNumber', 'venue', 'Route'],
        patterns: [/ORD-\d{3}/, 'ACC-10\\d\\d', /é{3}/u],
        censor: CENSOR_WITH_QUOTES,
      }),
    ),
  ],
];

describe('prepareFields is byte-identical to the reference implementation', () => {
  for (const [label, redactor] of REDACTORS) {
    it(`for generated events: ${label}`, () => {
      fc.assert(
        fc.property(fieldsArb, (s) => compare(() => materialise(s), redactor())),
        { numRuns: 400 },
      );
    });
  }

  it('for the same key lists again and again (cached shapes), with values changing', () => {
    const r = compileRedactor();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KEYS.slice(0, 30)), accessArb), { maxLength: 12 }),
        fc.array(primArb, { minLength: 12, maxLength: 12 }),
        (keys, values) => {
          const s: Spec = {
            t: 'obj',
            proto: 'plain',
            entries: keys.map(([k, access], i) => [k, values[i] as Spec, access] as const),
          };
          const nested: Spec = {
            t: 'obj',
            proto: 'plain',
            entries: [
              ['route', s, 'data'],
              ['legs', { t: 'arr', items: [s, s], throwAt: -1 }, 'data'],
            ],
          };
          compare(() => materialise(s), r);
          compare(() => materialise(nested), r);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for trade fields with a new value every event (ids: their member texts stop being cached)', () => {
    const r = compileRedactor();
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('orderId', 'dealId', 'clientOrderId', 'price', 'note', 'symbol'),
            fc.oneof(stringArb, fc.integer()),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (extra) => {
          for (let i = 0; i < 300; i++) {
            const id = i % 7 === 0 ? `ORD-"${i}"` : i % 11 === 0 ? `ORD-\ud800${i}` : `ORD-${i}`;
            const last = i % 5 === 0 ? { price: `${i}`.repeat(60) } : { orderId: id };
            compare(() => ({ orderId: id, ...Object.fromEntries(extra), dealId: `D-${i}`, ...last }), r);
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});

/** What the logger's prepare() made of prepareFields' result before prepareBody existed (commit a974b86). */
function referenceBody(
  prefix: string,
  prefixNotes: string[] | undefined,
  fields: unknown,
  r: Redactor,
  defaultActor: string | undefined,
  suffix: string,
): string {
  const f = prepareFieldsReference(fields, r);
  const actor = f.actor ?? defaultActor;
  const notes = prefixNotes ? [...prefixNotes, ...(f.validation ?? [])] : f.validation;
  return (
    prefix +
    (f.json ? `,${f.json}` : '') +
    (actor !== undefined ? `,"actor":${JSON.stringify(actor)}` : '') +
    (f.redacted ? `,"redacted":${JSON.stringify(f.redacted)}` : '') +
    (notes ? `,"validation":${JSON.stringify(notes)}` : '') +
    suffix
  );
}

const bodyArgs = fc.record({
  prefix: fc.constantFrom('"category":"order","event":"OrderAccepted"', '"category":"x y","event":""'),
  notes: fc.option(fc.array(stringArb, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  actor: fc.option(fc.oneof(stringArb, fc.constant(42 as unknown as string)), { nil: undefined }),
  suffix: fc.constantFrom(',"host":"trader-1","pid":4711', ',"host":"h\\u0000","pid":"x"'),
});

describe('prepareBody is the body the logger made of prepareFields', () => {
  for (const [label, redactor] of REDACTORS) {
    it(`for generated events: ${label}`, () => {
      fc.assert(
        fc.property(fieldsArb, bodyArgs, (s, a) => {
          const r = redactor();
          const expected = run((f) => referenceBody(a.prefix, a.notes, f, r, a.actor, a.suffix), materialise(s), r);
          const actual = run((f) => prepareBody(a.prefix, a.notes, f, r, a.actor, a.suffix), materialise(s), r);
          expect(actual).toStrictEqual(expected);
        }),
        { numRuns: 300 },
      );
    });
  }
});

// ----- the hostile corpus -----------------------------------------------------------------

function deep(levels: number): Record<string, unknown> {
  let o: Record<string, unknown> = { leaf: 'bottom', token: 'abc' };
  for (let i = 0; i < levels; i++) o = { level: i, next: o, items: [o] };
  return o;
}

function manyKeys(n: number, value: (i: number) => unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[`key${i}`] = value(i);
  return o;
}

function withProtoKey(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 1 };
  Object.defineProperty(o, '__proto__', {
    value: { password: 'p', inner: 'Bearer abcdefghijklmnop' },
    enumerable: true,
    writable: true,
    configurable: true,
  });
  o.z = 2;
  return o;
}

const circular = (): Record<string, unknown> => {
  const o: Record<string, unknown> = { name: 'loop', list: [] };
  (o.list as unknown[]).push(o, { back: o });
  o.self = o;
  return o;
};

const CORPUS: readonly [string, () => unknown][] = [
  ['undefined fields', () => undefined],
  ['null fields', () => null],
  ['a string', () => 'just a string with token=abcdefghijk'],
  ['a number', () => 42],
  ['NaN', () => Number.NaN],
  ['an array', () => [1, 'two', { three: 3 }]],
  ['a function', () => () => 1],
  ['a symbol', () => Symbol('s')],
  ['a bigint', () => 123456789012345678901234567890n],
  [
    'the bench order',
    () => ({
      orderId: 'ORD-1',
      clientOrderId: 'c-1',
      symbol: 'EURUSD',
      side: 'BUY',
      quantity: 100000,
      price: '1.10050',
      orderType: 'LIMIT',
      account: 'ACC-1001',
      api_key: 'ak_secret',
    }),
  ],
  ['circular references', () => ({ top: circular(), again: circular() })],
  ['the same object twice (not circular)', () => ((s) => ({ a: s, b: s, c: [s, s] }))({ v: 1 })],
  ['nesting 40 deep', () => ({ deep: deep(40) })],
  ['nesting exactly at the limit', () => ({ d: deep(7) })],
  ['a 100,000-char string', () => ({ message: 'x'.repeat(100_000), note: 'é'.repeat(70_000) })],
  ['a long string with a secret past the cut', () => ({ message: `${'a'.repeat(65_530)} Bearer abcdefghijklmnop` })],
  ['a long protected string', () => ({ price: '1'.repeat(70_000) })],
  [
    'an array of 12,000 items',
    () => ({ items: Array.from({ length: 12_000 }, (_, i) => (i % 3 === 0 ? `token=secret${i}` : i)) }),
  ],
  ['1,500 top-level keys', () => manyKeys(1500, (i) => i)],
  ['1,500 nested keys', () => ({ nested: manyKeys(1500, (i) => `v${i}`) })],
  ['a body over 1 MiB (shrunk with tighter bounds)', () => manyKeys(20, () => 'z'.repeat(60_000))],
  ['a body still over 1 MiB after shrinking', () => manyKeys(300, () => 'w'.repeat(5_000))],
  [
    'getters that throw, at the top and nested',
    () => {
      const o: Record<string, unknown> = { ok: 1 };
      Object.defineProperty(o, 'ts', {
        get: () => {
          throw new Error('boom');
        },
        enumerable: true,
      });
      Object.defineProperty(o, 'password', {
        get: () => {
          throw new Error('boom');
        },
        enumerable: true,
      });
      Object.defineProperty(o, 'orderId', {
        get: () => {
          throw new Error('boom');
        },
        enumerable: true,
      });
      const n: Record<string, unknown> = { fine: 'yes' };
      Object.defineProperty(n, 'bad', {
        get: () => {
          throw new Error('boom');
        },
        enumerable: true,
      });
      o.nested = n;
      return o;
    },
  ],
  [
    'a revoked proxy at the top',
    () => {
      const p = Proxy.revocable({}, {});
      p.revoke();
      return p.proxy;
    },
  ],
  [
    'a revoked proxy nested',
    () => {
      const p = Proxy.revocable({}, {});
      p.revoke();
      return { p: p.proxy, after: 1 };
    },
  ],
  [
    'a proxy listing names before indices',
    () => ({ p: new Proxy({ b: 1, 2: 'two', a: 3, 1: 'one' }, { ownKeys: () => ['b', '2', 'a', '1'] }) }),
  ],
  [
    'a top-level proxy listing names before indices',
    () => new Proxy({ b: 1, 2: 'two', a: 3, 1: 'one' }, { ownKeys: () => ['b', '2', 'a', '1'] }),
  ],
  ['__proto__ as an own key', () => ({ nested: withProtoKey(), ...{} })],
  ['__proto__ as an own top-level key', () => withProtoKey()],
  ['__proto__ from JSON.parse', () => JSON.parse('{"__proto__": {"token": "x"}, "a": {"__proto__": 1}}') as unknown],
  [
    'array-index keys at the top and nested',
    () => ({
      10: 'ten',
      2: 'two',
      name: 'n',
      0: 'zero',
      4294967295: 'not an index',
      nested: { 5: 'five', x: 'x', 1: 'one' },
    }),
  ],
  [
    'duplicate names after snake_case',
    () => ({ orderId: 'A', order_id: 'B', OrderID: 'C', sourceIP: 'ip', source_ip: 'ip2' }),
  ],
  ['duplicates with undefined first', () => ({ orderId: undefined, x: 1, order_id: 'B' })],
  [
    'reserved names',
    () => ({
      ts: 1,
      seq: 2,
      prev: 'p',
      host: 'h',
      pid: 3,
      late: true,
      category: 'c',
      event: 'e',
      redacted: [],
      validation: [],
      isoTs: 't',
      field_ts: 'f',
      fieldTs: 'g',
    }),
  ],
  [
    'secrets as keys at the top and nested',
    () => ({
      'token=abcdefgh12345': 1,
      'Bearer abcdefghijklmnop': 2,
      nested: { AKIAIOSFODNN7EXAMPLE: 'v', 'url://u:p4ss@h': { deeper: 1 } },
    }),
  ],
  [
    'secrets as Map keys',
    () => ({
      m: new Map<unknown, unknown>([
        ['token=abcdefgh12345', 1],
        [1, 'one'],
        ['1', 'string one'],
        [{ k: 1 }, 'object key'],
        ['password', 'p'],
      ]),
    }),
  ],
  [
    'secrets in values everywhere',
    () => ({
      message: 'Authorization: Bearer abcdefghijklmnopqrstu',
      list: ['postgres://u:hunter2@h/db', { url: 'https://x?api_key=abcdef123456' }],
      err: Object.assign(new Error('failed with token=abcdefghijk'), {
        code: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      }),
      symbol: 'Bearer abcdefghijklmnop',
    }),
  ],
  ['actor as a string and as a non-string', () => ({ actor: 'ops token=abcdefghijk' })],
  ['actor as an object', () => ({ actor: { id: 1 } })],
  ['actor key redacted collision', () => ({ 'token=abcdefgh12345': 'x', actor: 'someone' })],
  [
    'toJSON: undefined, self, throwing, nested',
    () => ({
      u: { toJSON: () => undefined },
      self: {
        toJSON() {
          return this;
        },
      },
      t: {
        toJSON() {
          throw new Error('x');
        },
      },
      n: { toJSON: () => ({ toJSON: () => 'inner' }) },
    }),
  ],
  [
    'Map, Set, typed arrays, DataView, ArrayBuffer',
    () => ({
      m: new Map([['a', 1]]),
      s: new Set([1, 'token=abcdefghijk', 1]),
      u8: new Uint8Array([1, 2, 3]),
      f: new Float64Array([1.5, Number.NaN]),
      dv: new DataView(new ArrayBuffer(4)),
      ab: new ArrayBuffer(8),
      big: new BigInt64Array([1n]),
    }),
  ],
  [
    'non-finite numbers',
    () => ({
      a: Number.NaN,
      b: Number.POSITIVE_INFINITY,
      c: Number.NEGATIVE_INFINITY,
      d: -0,
      e: [Number.NaN],
      f: { g: Number.POSITIVE_INFINITY },
    }),
  ],
  [
    'lone surrogates in keys and values',
    () => ({ '\ud800': '\udc00', ok: 'a\ud83d', pair: '\u{1f600}', nested: { '\udfff': ['\ud800x'] } }),
  ],
  ['dates', () => ({ d: new Date(0), bad: new Date(Number.NaN), far: new Date(8.64e15) })],
  [
    'errors',
    () => ({
      e: new TypeError('bad'),
      code: Object.assign(new Error('m'), { code: 42 }),
      inf: Object.assign(new Error('m'), { code: Number.POSITIVE_INFINITY }),
    }),
  ],
  [
    'an error whose name getter throws',
    () => {
      const e = new Error('m');
      Object.defineProperty(e, 'name', {
        get() {
          throw new Error('x');
        },
      });
      return { e };
    },
  ],
  [
    'a Date subclass that throws',
    () => {
      class D extends Date {
        override getTime(): number {
          throw new Error('x');
        }
      }
      return { d: new D() };
    },
  ],
  [
    'symbols and functions',
    () => ({ s: Symbol('Bearer abcdefghijklmnop'), f: () => 1, list: [Symbol.iterator, () => 2] }),
  ],
  [
    'class instances and null prototypes',
    () => ({ i: new Instance(), n: Object.assign(Object.create(null) as object, { a: 1 }) }),
  ],
  [
    'array holes and extra properties',
    () => {
      const a: unknown[] = [1, undefined, 3];
      (a as unknown as Record<string, unknown>).extra = 'x';
      return { a };
    },
  ],
  ['an empty object and empty array', () => ({ o: {}, a: [], n: { o: {} } })],
];

describe('prepareFields on the hostile corpus matches the reference', () => {
  const redactors: [string, Redactor][] = [
    ['default', compileRedactor()],
    ['disabled', compileRedactor({ enabled: false })],
    ['custom', compileRedactor({ keys: ['note'], patterns: ['ORD-\\d'], censor: CENSOR_WITH_QUOTES })],
  ];
  for (const [label, make] of CORPUS) {
    it(label, () => {
      for (const [, r] of redactors) {
        compare(make, r);
        // Twice: the second time with warm caches.
        compare(make, r);
        for (const actor of [undefined, 'ops']) {
          const expected = run(
            (f) => referenceBody('"category":"c","event":"e"', ['event: note'], f, r, actor, ',"pid":1'),
            make(),
            r,
          );
          expect(
            run((f) => prepareBody('"category":"c","event":"e"', ['event: note'], f, r, actor, ',"pid":1'), make(), r),
          ).toStrictEqual(expected);
        }
      }
    });
  }
});
