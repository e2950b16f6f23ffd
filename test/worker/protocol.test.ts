/**
 * movableBuffers: the transfer list a worker answer or job may carry. Node.js 22 and later refuse a
 * whole message whose list holds a buffer of Node's shared pool or one already moved away; the CI
 * run of 4aea42d failed on exactly that (a shared empty records array, moved with the first batch,
 * listed again with the second).
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { movableBuffers } from '../../src/worker/index.js';

function post(views: ArrayBufferView[]): void {
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(views, movableBuffers(views));
  } finally {
    port1.close();
    port2.close();
  }
}

describe('movableBuffers', () => {
  it('lists a view that owns its whole buffer, once', () => {
    const a = new Uint8Array(8);
    const b = new Int32Array(4);
    expect(movableBuffers([a, b, a])).toEqual([a.buffer, b.buffer]);
  });

  it('leaves out views into a larger buffer: pool Buffers, subarrays, shared memory, empty ones', () => {
    const pooled = Buffer.from('abc'); // a slice of Node's shared pool
    const sub = new Uint8Array(16).subarray(4, 8);
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    expect(movableBuffers([pooled, sub, shared, new Int32Array(0)])).toEqual([]);
  });

  it('leaves out a buffer already moved away, so the same array can be answered twice', () => {
    const empty = new Int32Array(0);
    const owned = new Float64Array(2);
    post([empty, owned]);
    expect(owned.buffer.byteLength).toBe(0); // moved
    expect(movableBuffers([empty, owned])).toEqual([]);
    expect(() => post([empty, Buffer.from('pool'), new Float64Array(3)])).not.toThrow();
  });
});
