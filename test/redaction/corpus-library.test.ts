/**
 * The redaction corpora through the library: every secret shape and secret key in every placement
 * an event can give it (a field under an ordinary name, nested, in an array, in an Error's
 * message and code, in a Map and a Set, as a key, as text inside a message, in a Buffer), through a
 * real logger and its serialiser; and the benign corpus in the same placements, which must come
 * out byte for byte as it went in. test/redaction/corpus-e2e.test.ts takes the same corpora
 * through files, the CLI, snapshots and packs.
 */
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { BENIGN_KEYS, BENIGN_TEXT, SECRET_KEYS, SECRET_SHAPES, secretValueFor } from './corpus.js';

/** Placements of a text secret in an event's fields. */
const PLACEMENTS: readonly [string, (text: string) => Record<string, unknown>][] = [
  ['field', (x) => ({ note: x })],
  ['text inside a message', (x) => ({ message: `upstream rejected the call (${x}); retrying in 5s` })],
  ['nested', (x) => ({ route: { venue: 'LMAX', upstream: { detail: x } } })],
  ['array', (x) => ({ legs: ['EURUSD', 1, { info: [x] }] })],
  ['Error message', (x) => ({ err: new Error(`connect failed: ${x}`) })],
  ['Error code', (x) => ({ err: Object.assign(new Error('failed'), { code: x }) })],
  ['Map value', (x) => ({ m: new Map([['detail', x]]) })],
  ['Map key', (x) => ({ m: new Map([[x, 1]]) })],
  ['Set', (x) => ({ s: new Set(['a', x]) })],
  ['key name', (x) => ({ [x]: 1 })],
  ['nested key name', (x) => ({ info: { [x]: true } })],
  ['Buffer', (x) => ({ raw: Buffer.from(x) })],
  ['typed array', (x) => ({ raw: new Uint8Array(Buffer.from(x)) })],
  ['JSON text', (x) => ({ body: JSON.stringify({ detail: x }) })],
];

/** Placements of a secret key and its value. */
const KEY_PLACEMENTS: readonly [string, (key: string, value: string) => Record<string, unknown>][] = [
  ['field', (k, v) => ({ [k]: v })],
  ['nested field', (k, v) => ({ conn: { db: { [k]: v } } })],
  ['field in an array', (k, v) => ({ list: [{ [k]: v }] })],
  ['Map entry', (k, v) => ({ m: new Map([[k, v]]) })],
  ['k=v in a message', (k, v) => ({ message: `login failed ${k}=${v} host=db1` })],
  ['k: v in a message', (k, v) => ({ message: `config ${k}: ${v}` })],
  ['"k": "v" in a message', (k, v) => ({ message: `payload {"${k}": "${v}", "n": 1}` })],
  ['k=v in an Error', (k, v) => ({ err: new Error(`bad request: ${k}=${v}`) })],
  ['--k v in a message', (k, v) => ({ cmd: `tool --${k} ${v} --verbose` })],
];

describe('redaction corpus through the library: 0 leaks', () => {
  it(`${SECRET_SHAPES.length} secret shapes × ${PLACEMENTS.length} placements and ${SECRET_KEYS.length} secret keys × ${KEY_PLACEMENTS.length} placements`, async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    const cases: { what: string; core: string; line: number }[] = [];
    let n = 0;
    for (const s of SECRET_SHAPES) {
      for (const [where, place] of PLACEMENTS) {
        log.log('alert', 'AlertSent', { symbol: 'EURUSD', side: 'BUY', price: '1.10050', ...place(s.text) });
        cases.push({ what: `${s.name} / ${where}`, core: s.core, line: n++ });
        // A Buffer must not carry the secret as base64 either.
        if (where === 'Buffer')
          cases.push({
            what: `${s.name} / Buffer as base64`,
            core: Buffer.from(s.text).toString('base64').slice(0, 24),
            line: n - 1,
          });
      }
    }
    SECRET_KEYS.forEach((k, i) => {
      const v = secretValueFor(i);
      for (const [where, place] of KEY_PLACEMENTS) {
        log.log('auth', 'LoginFailed', { user: 'ops', ...place(k, v) });
        cases.push({ what: `${k} / ${where}`, core: v, line: n++ });
      }
    });
    await log.flush();
    const lines = sink.allLines();
    expect(lines).toHaveLength(n);
    const leaks = cases.filter((c) => (lines[c.line] as string).includes(c.core)).map((c) => c.what);
    expect(leaks).toEqual([]);
    // Trade fields are never altered, and every line says what it redacted (the Buffer lines hold no secret text at all).
    for (const c of cases) {
      const rec = JSON.parse(lines[c.line] as string) as Record<string, unknown>;
      if (rec.category === 'alert') expect(rec).toMatchObject({ symbol: 'EURUSD', side: 'BUY', price: '1.10050' });
      if (!/Buffer|typed array/.test(c.what)) expect(rec.redacted, c.what).toBeDefined();
    }
    await log.close();
  });
});

describe('benign corpus through the library: 0 values altered', () => {
  it(`${BENIGN_TEXT.length} texts as values, nested, in arrays, Errors, Maps and as keys; ${BENIGN_KEYS.length} field names`, async () => {
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    // As a key too, when it could be one (no spaces: a sentence is not a field name).
    for (const text of BENIGN_TEXT) {
      log.log('order', 'OrderAccepted', {
        note: text,
        nested: { a: { b: text } },
        list: ['x', text],
        err: new Error(text),
        m: new Map([['k', text]]),
        ...(text.includes(' ') ? {} : { [text]: 1 }),
      });
    }
    const byKey: Record<string, string> = Object.create(null);
    for (const [i, k] of BENIGN_KEYS.entries()) byKey[k] = `value-${i} ${BENIGN_TEXT[i % BENIGN_TEXT.length]}`;
    log.log('order', 'OrderAccepted', byKey);
    await log.flush();
    const lines = sink.allLines();
    const altered: string[] = [];
    BENIGN_TEXT.forEach((text, i) => {
      const rec = JSON.parse(lines[i] as string) as Record<string, unknown>;
      const got = [
        rec.note,
        (rec.nested as { a: { b: string } }).a.b,
        (rec.list as string[])[1],
        (rec.err as { message: string }).message,
        (rec.m as Record<string, string>).k,
        text.includes(' ') ||
        Object.hasOwn(rec, text) ||
        Object.hasOwn(
          rec,
          text
            .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
            .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
            .toLowerCase(),
        )
          ? text
          : `(key changed)`,
      ];
      for (const v of got) if (v !== text) altered.push(`${JSON.stringify(text)} → ${JSON.stringify(v)}`);
      if (rec.redacted !== undefined) altered.push(`${JSON.stringify(text)}: redacted ${JSON.stringify(rec.redacted)}`);
    });
    const last = JSON.parse(lines[BENIGN_TEXT.length] as string) as Record<string, unknown>;
    BENIGN_KEYS.forEach((k, _i) => {
      const snake = k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
      if (last[snake] !== byKey[k]) altered.push(`${k} → ${JSON.stringify(last[snake])}`);
    });
    if (last.redacted !== undefined) altered.push(`keys: redacted ${JSON.stringify(last.redacted)}`);
    expect(altered).toEqual([]);
    await log.close();
  });

  it('redactString returns the same string for every benign text', () => {
    const r = compileRedactor();
    expect(BENIGN_TEXT.filter((t) => r.redactString(t) !== t)).toEqual([]);
    expect(BENIGN_KEYS.filter((k) => r.isSensitiveKey(k))).toEqual([]);
  });
});
