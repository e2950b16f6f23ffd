import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEventLine } from '../../src/compliance/check.js';
import { EXTRACTED_FIELDS, extractEvent } from '../../src/compliance/extract.js';

/** What the fast reader must return: JSON.parse's event, reduced to the fields the rules read. */
function reference(line: Buffer): Record<string, unknown> | undefined {
  const e = parseEventLine(line);
  if (e === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of EXTRACTED_FIELDS) if (Object.hasOwn(e, k)) out[k] = e[k];
  return out;
}

const key = fc.oneof(
  fc.constantFrom(...EXTRACTED_FIELDS),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'catégory'),
);
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string(),
  fc.constantFrom('1.10050', 'EURUSD', 'pass', '\u2028', 'a"b\\c'),
  fc.double(),
  fc.integer(),
);
/** A member as text: sometimes with an escaped key ("cat\u0065gory" is "category" to JSON.parse). */
const member = fc.tuple(key, value, fc.boolean()).map(([k, v, esc]) => {
  const kt =
    esc && k.length > 0
      ? `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`
      : JSON.stringify(k);
  return `${kt}:${JSON.stringify(v) ?? 'null'}`;
});
const envelope = fc
  .tuple(
    fc.integer({ min: 1, max: 2 ** 40 }),
    fc.constantFrom('order', 'fill', 'risk', 'auth'),
    fc.constantFrom('OrderAccepted', 'Filled', 'RiskCheck', 'Login'),
  )
  .map(
    ([seq, c, e]) =>
      `"ts":1757317970.590693,"iso_ts":"2025-09-08T07:52:50.590693Z","seq":${seq},"category":"${c}","event":"${e}"`,
  );
const line = fc.oneof(
  fc
    .tuple(envelope, fc.array(member, { maxLength: 12 }), fc.boolean())
    .map(([env, ms, first]) => `${`{${first ? [env, ...ms] : [...ms, env]}`.replace(/,?$/, '')}}`),
  fc.tuple(envelope, fc.array(member, { maxLength: 6 })).map(([env, ms]) => `{${[env, ...ms].join(',')}}`),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

describe("extractEvent, the checks' fast reader", () => {
  it('agrees with JSON.parse on every field the rules read (property: generated and hostile lines)', () => {
    fc.assert(
      fc.property(line, (text) => {
        const buf = Buffer.from(text, 'utf8');
        expect(extractEvent(buf)).toEqual(reference(buf));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on duplicate keys (last wins), escapes, invalid UTF-8 and broken JSON', () => {
    const env = '"ts":1.5,"iso_ts":"2025-09-08T07:52:50.590693Z","seq":3,"category":"order","event":"OrderAccepted"';
    const cases = [
      `{${env},"symbol":"A","symbol":"B"}`,
      `{${env},"sym\\u0062ol":"\\u00e9\\n","order_id":7}`,
      `{${env},"checks":[{"name":"x","passed":false}],"price":"1.10050","quantity":1e3}`,
      `{${env},"order_id":"A"`,
      `{${env},"order_id":"A"} x`,
      `[${env}]`,
      `{"ts":"1","iso_ts":"2025-09-08T07:52:50.590693Z","seq":1,"category":"a","event":"b"}`,
    ];
    for (const c of cases) expect(extractEvent(Buffer.from(c)), c).toEqual(reference(Buffer.from(c)));
    const bad = Buffer.concat([Buffer.from(`{${env},"symbol":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(extractEvent(bad)).toBeUndefined();
    expect(reference(bad)).toBeUndefined();
  });
});
