/**
 * Long free text scanned by the writer (src/logger/deferred.ts): the finished body is byte for
 * byte the body a scan at call time gives, and no secret in free text ever reaches a file, the
 * chain's hashes or stderr — with the writer thread running, on the exit path and under kill -9.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDeferred,
  DEFER_MARK,
  DEFER_MIN_CHARS,
  type DeferredText,
  deferredBatch,
  finishBody,
  REDACTED_MARK,
  unpackDeferred,
} from '../../src/logger/deferred.js';
import { createAuditLogger } from '../../src/logger/index.js';
import { WRITER_THREAD } from '../../src/logger/offload.js';
import { prepareBody, takeDeferred } from '../../src/logger/serialize.js';
import { compileRedactor, type Redactor } from '../../src/redaction/index.js';
import { workerActivity } from '../../src/worker/index.js';
import { pythonCheck } from '../helpers/oracle.js';
import { tempDir } from '../helpers/tmp.js';

const LIB = new URL('../../dist/index.js', import.meta.url).href;

/** Secrets the built-in rules find in free text, each unique enough to search the output for. */
const SECRETS = [
  'AKIAQWERTYUIOPASDFGH',
  'ghp_Zq9xK2mN4pR7tV1wY3bC5dF8gH0jL6sA2eQ4',
  'password=Zq7hunter2Secret',
  'postgres://svc:Zq8pgSecretPw@db.internal:5432/x',
  'Bearer Zq9eyJhbGciOiJIUzI1NiJ9abcdefghijklmnop',
];
const SECRET_CORES = ['AKIAQWERTYUIOPASDFGH', 'ghp_Zq9xK2mN4pR7', 'Zq7hunter2Secret', 'Zq8pgSecretPw', 'Zq9eyJhbGci'];

/** Free text around the deferral threshold: prose, escapes, control characters, non-ASCII, lone surrogates, secrets. */
const pieceArb = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 20, maxLength: 120 }) },
  { weight: 2, arbitrary: fc.constantFrom(...SECRETS) },
  { weight: 1, arbitrary: fc.constantFrom('"quoted"', '\\path\\', '\n\t', '\u0000\u0001', 'é中文Ж', '\ud83d', '😀') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const longTextArb = fc
  .array(pieceArb, { minLength: 1, maxLength: 12 })
  .map((p) => p.join(' '))
  .filter((s) => s.length >= DEFER_MIN_CHARS - 40);

const keyArb = fc.constantFrom(
  'note',
  'message',
  'text',
  '1',
  '0',
  'orderId',
  'order_id',
  'password',
  'symbol',
  'legs',
);
const leafArb = fc.oneof(longTextArb, fc.constantFrom('short', 42, null, 'token=abc123456789'));
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leafArb, tie('obj'), tie('arr')),
  obj: fc.dictionary(keyArb, tie('v'), { maxKeys: 5 }),
  arr: fc.array(tie('v'), { maxLength: 4 }),
})).v;
const fieldsArb = fc.dictionary(keyArb, valueArb, { maxKeys: 6 });

const PREFIX = '"category":"risk","event":"RiskCheck"';
const SUFFIX = ',"host":"h","pid":1';

/** The body with deferral on, finished — and the body a call-time scan gives. */
function bothBodies(
  fields: unknown,
  redactor: Redactor,
): { deferred: string; texts: string[]; finished: string; direct: string } {
  const deferred = prepareBody(PREFIX, undefined, fields, redactor, 'me', SUFFIX, true);
  const d = takeDeferred();
  const finished = d === undefined ? deferred : finishBody(deferred, d, redactor);
  const direct = prepareBody(PREFIX, undefined, fields, redactor, 'me', SUFFIX, false);
  return { deferred, texts: d?.texts ?? [], finished, direct };
}

describe('deferred scan of long free text', () => {
  const redactors: [string, () => Redactor][] = [
    [
      'default rules (shared)',
      (
        (r) => () =>
          r
      )(compileRedactor()),
    ],
    ['default rules (fresh)', () => compileRedactor()],
    ['a user censor and pattern', () => compileRedactor({ censor: '<gone>', patterns: [/Zq[0-9]/], keys: ['note'] })],
    ['redaction off', () => compileRedactor({ enabled: false })],
  ];
  it.each(redactors)('finishes to the same bytes as a scan at call time (%s)', (_name, make) => {
    fc.assert(
      fc.property(fieldsArb, (fields) => {
        const redactor = make();
        const { deferred, texts, finished, direct } = bothBodies(fields, redactor);
        expect(finished).toBe(direct);
        // The body the caller hands over holds none of the text left for the writer, escaped or not.
        for (const t of texts) {
          // Long text, or short text that held a secret before (the shared redactor's caches
          // remember it; the same short text may also be a trade field's, written as it is).
          if (t.length < DEFER_MIN_CHARS) {
            expect(redactor.redactString(t)).not.toBe(t);
            continue;
          }
          expect(deferred).not.toContain(t);
          expect(deferred).not.toContain(JSON.stringify(t).slice(1, -1));
        }
        if (texts.length > 0) expect(deferred).toContain(DEFER_MARK);
      }),
      { numRuns: 150, seed: 20261202 },
    );
  });

  it("hands a batch's deferred strings over as flat arrays and gets back each event's own (the writer thread's batch)", () => {
    const redactor = compileRedactor();
    fc.assert(
      fc.property(fc.array(fc.option(fieldsArb, { nil: undefined }), { maxLength: 12 }), (batch) => {
        const bodies: string[] = [];
        const given: (DeferredText | undefined)[] = [];
        const packed = deferredBatch();
        batch.forEach((fields, i) => {
          bodies.push(prepareBody(PREFIX, undefined, fields ?? {}, redactor, 'me', SUFFIX, true));
          const d = takeDeferred();
          // Some with caller-side redacted paths of their own, some with none (undefined) or an empty list.
          if (d !== undefined && i % 3 === 1) d.redacted = [...(d.redacted ?? []), `x${i}`];
          if (d !== undefined && i % 5 === 2) d.redacted = [];
          given.push(d);
          if (d !== undefined) addDeferred(packed, i, d);
        });
        // Through a structured clone, as postMessage sends it.
        const back = unpackDeferred(structuredClone(packed));
        const at = given.flatMap((d, i) => (d === undefined ? [] : [i]));
        expect(packed.events).toEqual(at);
        expect(back).toEqual(given.filter((d) => d !== undefined));
        at.forEach((i, j) => {
          const d = back[j] as DeferredText;
          expect(finishBody(bodies[i] as string, d, redactor)).toBe(
            finishBody(bodies[i] as string, given[i] as DeferredText, redactor),
          );
        });
      }),
      { numRuns: 150, seed: 20261206 },
    );
  });

  it('records a deferred secret among the redacted paths in walk order, and writes the member only when needed', () => {
    const r = compileRedactor();
    const long = (s: string) => `${'calm prose '.repeat(30)}${s} end`;
    const fields = {
      a: long(SECRETS[0] as string),
      apiKey: 'k',
      b: { c: [long('clean')], d: long(SECRETS[2] as string) },
    };
    const { deferred, finished, direct } = bothBodies(fields, r);
    expect(finished).toBe(direct);
    expect(deferred).toContain(REDACTED_MARK);
    expect(JSON.parse(`{${finished}}`).redacted).toEqual(['a', 'api_key', 'b.d']);
    const clean = bothBodies({ a: long('clean') }, r);
    expect(clean.finished).toBe(clean.direct);
    expect(clean.finished).not.toContain('redacted');
  });

  it('keeps trade fields and short strings on the caller, and events too large to bound scanned at once', () => {
    const r = compileRedactor();
    prepareBody(PREFIX, undefined, { symbol: 'X'.repeat(400), note: 'short' }, r, undefined, SUFFIX, true);
    expect(takeDeferred()).toBeUndefined();
    // 60,000 chars could finish above the 1 MiB body bound (every character escaped and censored).
    const big = prepareBody(PREFIX, undefined, { note: 'a '.repeat(30_000) }, r, undefined, SUFFIX, true);
    expect(takeDeferred()).toBeUndefined();
    expect(big).not.toContain(DEFER_MARK);
  });

  it('holds a deferred string built by concatenation as its text, not as the tree of its pieces', () => {
    // The logger holds a deferred string until its event is written. A note of 200 words built with
    // `+=` is a tree of ~400 small strings in V8 (about 11 KB for 1.2 KB of text), which every
    // young-generation collection in that time copies. Measured in a child with a full GC at hand.
    const script = `
      const { prepareBody, takeDeferred } = await import(${JSON.stringify(new URL('../../dist/logger/serialize.js', import.meta.url).href)});
      const { compileRedactor } = await import(${JSON.stringify(new URL('../../dist/redaction/index.js', import.meta.url).href)});
      const redactor = compileRedactor();
      const WORDS = ['client', 'requested', 'amend', 'after', 'partial', 'fill', 'venue', 'latency'];
      const note = (i) => { let s = ''; for (let k = 0; s.length < 1200; k++) s += (s ? ' ' : '') + WORDS[(i + k * 7) % 8]; return s; };
      const held = [];
      globalThis.gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 400; i++) {
        prepareBody('"category":"order","event":"OrderAccepted"', undefined, { note: note(i) }, redactor, undefined, ',"host":"h","pid":1', true);
        held.push(takeDeferred());
      }
      globalThis.gc();
      const chars = held.reduce((n, d) => n + d.chars, 0) / held.length;
      console.log(JSON.stringify({ perText: (process.memoryUsage().heapUsed - before) / held.length, chars }));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { perText, chars } = JSON.parse(r.stdout) as { perText: number; chars: number };
    expect(chars).toBeGreaterThan(1200);
    // Flat: the text (one byte a character) and its records, about twice the text; as a tree, nine times.
    expect(perText).toBeLessThan(3 * chars);
  });
});

describe('deferred scan of short text that held a secret before', () => {
  it('leaves the second sighting of a secret-bearing short string to the writer, finished to the same bytes', () => {
    const r = compileRedactor();
    const reason = 'upstream said: token=ak_Zq7secretTokenValue1 invalid';
    const fields = { orderId: 'ORD-1', reason, legs: [{ reason }], symbol: 'EURUSD', api_key: 'k' };
    const first = bothBodies({ reason }, r);
    // First sighting: scanned on the caller (nothing yet says it holds a secret).
    expect(first.texts).toEqual([]);
    expect(first.finished).toBe(first.direct);
    const again = bothBodies({ ...fields, note: 'clean' }, r);
    // Then the writer's: the body handed over holds neither the secret nor its redacted form.
    expect(again.texts).toEqual([reason, reason]);
    expect(again.deferred).not.toContain('Zq7secret');
    expect(again.deferred).not.toContain('token=');
    expect(again.finished).toBe(again.direct);
    expect(JSON.parse(`{${again.finished}}`).redacted).toEqual(['reason', 'legs[0].reason', 'api_key']);
    // A clean short string is never left to the writer, nor is one without a writer (defer off).
    const clean = prepareBody(PREFIX, undefined, { reason: 'instrument halted' }, r, 'me', SUFFIX, true);
    expect(takeDeferred()).toBeUndefined();
    expect(clean).toContain('instrument halted');
    const off = prepareBody(PREFIX, undefined, fields, r, 'me', SUFFIX, false);
    expect(takeDeferred()).toBeUndefined();
    expect(off).toBe(bothBodies(fields, compileRedactor()).direct);
  });
});

/** Every line of every day file in `dir`. */
function fileText(dir: string): string {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

/** An event with a long note holding secret `k`. */
const noteOf = (k: number) =>
  `${'the venue rejected the amend after a timeout; '.repeat(8)}${SECRETS[k % SECRETS.length]} (#${k})`;

describe('the writer thread scans before it hashes or writes', () => {
  it('writes every event, redacted and chained, with the same bytes as the scan at call time', async () => {
    const a = tempDir();
    const b = tempDir();
    const before = workerActivity(WRITER_THREAD).threadJobs;
    for (const [dir, offload] of [
      [a, true],
      [b, false],
    ] as const) {
      let t = Date.UTC(2025, 8, 8, 12) * 1000;
      const log = createAuditLogger({
        logDir: dir,
        clock: () => (t += 1),
        host: 'h',
        pid: 1,
        offload,
        handleExit: false,
      });
      for (let turn = 0; turn < 10; turn++) {
        for (let i = 0; i < 1000; i++)
          log.log('risk', 'RiskCheck', { note: noteOf(turn * 1000 + i), legs: [{ text: noteOf(i + 1) }] });
        await new Promise((r) => setImmediate(r));
      }
      await log.close();
    }
    expect(workerActivity(WRITER_THREAD).threadJobs).toBeGreaterThan(before);
    const text = fileText(a);
    expect(text).toBe(fileText(b));
    for (const s of SECRET_CORES) expect(text).not.toContain(s);
    expect(text).not.toContain(DEFER_MARK);
    expect(text.split('\n').filter(Boolean)[5]).toContain('"redacted":["note","legs[0].text"]');
    expect(pythonCheck(a)).toMatchObject({ ok: true, lines: 10_000 });
  });

  it("scans with the logger's own rules on the writer thread, whatever else the options object holds", async () => {
    const dir = tempDir();
    class Pattern extends RegExp {}
    const fallbacks = workerActivity(WRITER_THREAD).fallbacks.length;
    const redaction = { censor: '<cut>', keys: ['desk'], patterns: [new Pattern('TICKET-\\d{6}')], hook: () => 1 };
    const log = createAuditLogger({ logDir: dir, handleExit: false, redaction });
    for (let turn = 0; turn < 4; turn++) {
      for (let i = 0; i < 1000; i++)
        log.log('risk', 'RiskCheck', { note: `${noteOf(i)} TICKET-${100000 + i}`, desk: 'd1' });
      await new Promise((r) => setImmediate(r));
    }
    expect(log.stats().writerThread).toMatchObject({ state: 'running' });
    await log.close();
    expect(workerActivity(WRITER_THREAD).fallbacks.length).toBe(fallbacks);
    const lines = fileText(dir).split('\n').filter(Boolean);
    expect(lines).toHaveLength(4000);
    for (const s of [...SECRET_CORES, 'TICKET-1', '"d1"']) expect(lines.join('\n')).not.toContain(s);
    expect(JSON.parse(lines[3999] as string)).toMatchObject({ desk: '<cut>', redacted: ['note', 'desk'] });
    expect(lines[3999]).toContain('(#999) <cut>"');
    expect(lines.join('\n')).not.toContain('[REDACTED]');
  });

  it('finishes on the exit path: events the thread did not write are scanned on the caller before its write', () => {
    const dir = tempDir();
    const script = `
      import { createAuditLogger } from '${LIB}';
      const log = createAuditLogger({ logDir: ${JSON.stringify(dir)} });
      const note = (k) => ${JSON.stringify(`${'x'.repeat(300)} `)} + ${JSON.stringify(SECRETS)}[k % ${SECRETS.length}] + ' #' + k;
      let n = 0;
      for (let turn = 0; turn < 20; turn++) {
        for (let i = 0; i < 2000; i++) log.log('risk', 'RiskCheck', { note: note(n++) });
        await new Promise((r) => setImmediate(r));
      }
      for (let i = 0; i < 2000; i++) log.log('risk', 'RiskCheck', { note: note(n++) });
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const text = fileText(dir);
    for (const s of SECRET_CORES) expect(text).not.toContain(s);
    expect(text).not.toContain(DEFER_MARK);
    expect(pythonCheck(dir)).toMatchObject({ ok: true, lines: 42_000 });
  });

  it('writes no unredacted byte when killed with -9 mid-batch; the next writer recovers the chain', async () => {
    const dir = tempDir();
    const script = `
      import { createAuditLogger } from '${LIB}';
      const log = createAuditLogger({ logDir: ${JSON.stringify(dir)}, handleExit: false });
      const note = (k) => ${JSON.stringify(`${'y'.repeat(300)} `)} + ${JSON.stringify(SECRETS)}[k % ${SECRETS.length}] + ' #' + k;
      let n = 0;
      for (;;) {
        for (let i = 0; i < 2000; i++) log.log('risk', 'RiskCheck', { note: note(n++) });
        if (n === 20000) process.stdout.write('busy\\n');
        await new Promise((r) => setImmediate(r));
      }
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += String(c);
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(stderr).toBe('');
    // A later writer recovers whatever tail the kill left; then every line and hash is checked.
    const log = createAuditLogger({ logDir: dir, handleExit: false });
    log.log('risk', 'RiskCheck', { note: noteOf(1) });
    await log.close();
    const text = fileText(dir);
    expect(text.length).toBeGreaterThan(0);
    for (const s of SECRET_CORES) expect(text).not.toContain(s);
    expect(text).not.toContain(DEFER_MARK);
    expect(pythonCheck(dir)).toMatchObject({ ok: true });
  });
});
