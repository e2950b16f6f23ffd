/**
 * worker/full-gc.ts: a full collection of the thread's heap every so many jobs, with `gc` obtained
 * without leaving `--expose-gc` set for the rest of the process.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fullGc, withFullGc } from '../../src/worker/index.js';

/** A WeakRef to an object nothing else holds, made in a turn of its own (WeakRefs keep their target through the turn). */
async function droppedObject(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ payload: new Array(1000).fill(1) });
  await new Promise((r) => setImmediate(r));
  return ref;
}

describe('withFullGc', () => {
  it('collects before every n-th job, and only then', () => {
    const order: string[] = [];
    const run = (j: number): number => {
      order.push(`job ${j}`);
      return j * 2;
    };
    const handler = withFullGc({ run }, 3, () => order.push('gc'));
    expect([1, 2, 3, 4, 5, 6, 7].map((j) => handler.run(j))).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(order).toEqual(['job 1', 'job 2', 'gc', 'job 3', 'job 4', 'job 5', 'gc', 'job 6', 'job 7']);
  });

  it('collects the heap in full by default', async () => {
    const handler = withFullGc({ run: (j: number) => j }, 2);
    const ref = await droppedObject();
    handler.run(1);
    handler.run(2);
    expect(ref.deref()).toBeUndefined();
  });

  it('keeps the handler transfer', () => {
    const buf = new ArrayBuffer(8);
    const handler = withFullGc({ run: () => buf, transfer: (r: ArrayBuffer) => [r] }, 2);
    expect(handler.transfer?.(buf)).toEqual([buf]);
  });
});

describe('fullGc', () => {
  it('collects, and leaves no gc to contexts made later', async () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
    const ref = await droppedObject();
    expect(fullGc()).toBe(true);
    expect(ref.deref()).toBeUndefined();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
